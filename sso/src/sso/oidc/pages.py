"""The provider's HTML pages (jinja2, autoescaped): the login page and error/notice pages.
zh-CN first; `?lang=en` (or the form's `lang`) switches to English."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    # The templates ship with the release: no file-system check on every page.
    auto_reload=False,
)

TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "html_lang": "zh-CN",
        "title": "统一身份认证 · 登录",
        "heading": "登录综合管理平台",
        "client": "正在登录",
        "username": "用户名",
        "password": "密码",
        "submit": "登录",
        "switch": "English",
        "new_password": "新密码",
        "new_password_again": "再次输入新密码",
        "change_submit": "修改密码并登录",
        "invalid_credentials": "用户名或密码错误。",
        "account_locked": "账号已被锁定，请稍后再试或联系管理员解锁。",
        "account_disabled": "账号或所属机构已停用，请联系管理员。",
        "must_change_password": "首次登录或密码已被重置：请设置新密码。",
        "passwords_differ": "两次输入的新密码不一致。",
        "password_policy": "新密码不符合密码规则：",
        "csrf": "页面已过期，请重新提交。",
        "error_title": "无法继续登录",
        "unknown_client": "未知或已停用的客户端。",
        "bad_redirect_uri": "回调地址（redirect_uri）未注册。",
        "bad_id_token_hint": "id_token_hint 无效。",
        "bad_post_logout_uri": "退出后跳转地址（post_logout_redirect_uri）未注册。",
        "logged_out": "您已退出登录。",
    },
    "en": {
        "html_lang": "en",
        "title": "Single sign-on · Sign in",
        "heading": "Sign in to the management platform",
        "client": "Signing in to",
        "username": "Username",
        "password": "Password",
        "submit": "Sign in",
        "switch": "中文",
        "new_password": "New password",
        "new_password_again": "New password again",
        "change_submit": "Change password and sign in",
        "invalid_credentials": "Wrong username or password.",
        "account_locked": "The account is locked. Try again later or ask an administrator.",
        "account_disabled": "The account or its institution is disabled.",
        "must_change_password": "Your password must be changed before you continue.",
        "passwords_differ": "The new passwords differ.",
        "password_policy": "The new password breaks the password rules:",
        "csrf": "The page expired; please submit again.",
        "error_title": "Cannot continue",
        "unknown_client": "Unknown or disabled client.",
        "bad_redirect_uri": "The redirect_uri is not registered.",
        "bad_id_token_hint": "The id_token_hint is not valid.",
        "bad_post_logout_uri": "The post_logout_redirect_uri is not registered.",
        "logged_out": "You are signed out.",
    },
}


def language(value: str | None) -> str:
    return "en" if (value or "").lower().startswith("en") else "zh"


def render(template: str, lang: str, **context: Any) -> str:
    return _ENV.get_template(template).render(t=TEXT[lang], lang=lang, **context)
