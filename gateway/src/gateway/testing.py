"""A browser-style client of the gateway for tests and benchmarks: cookies kept, redirects
followed by hand, sso's login form filled in — the BFF flow exactly as a browser walks it."""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import urlsplit

import httpx


class Browser:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = httpx.AsyncClient(base_url=base_url, follow_redirects=False, timeout=20)
        self.csrf: str | None = None

    async def close(self) -> None:
        await self.http.aclose()

    async def login(self, username: str, password: str, return_to: str = "/console") -> None:
        start = await self.http.get("/bff/login", params={"return_to": return_to})
        assert start.status_code == 302, start.text
        authorize = start.headers["location"]
        assert authorize.startswith(f"{self.base_url}/auth/authorize?")
        to_login = await self.http.get(authorize)
        assert to_login.status_code == 302, to_login.text
        page = await self.http.get(to_login.headers["location"])
        assert page.status_code == 200, page.text
        fields = dict(re.findall(r'name="(csrf_token|authorize|lang)" value="([^"]*)"', page.text))
        posted = await self.http.post(
            "/auth/login",
            data={
                **{k: html.unescape(v) for k, v in fields.items()},
                "username": username,
                "password": password,
            },
        )
        assert posted.status_code == 303, posted.text
        back = await self.http.get(posted.headers["location"])
        assert back.status_code == 302, back.text
        callback = back.headers["location"]
        assert urlsplit(callback).path == "/bff/callback", callback
        landed = await self.http.get(callback)
        assert landed.status_code == 302, landed.text
        assert landed.headers["location"] == return_to
        self.csrf = (await self.session())["csrf_token"]

    async def session(self, expect: int = 200) -> dict[str, Any]:
        response = await self.http.get("/bff/session")
        assert response.status_code == expect, response.text
        return dict(response.json())

    async def call(
        self, method: str, path: str, *, expect: int = 200, csrf: bool = True, **kwargs: Any
    ) -> Any:
        headers = dict(kwargs.pop("headers", {}))
        if csrf and self.csrf and method not in ("GET", "HEAD"):
            headers["X-CSRF-Token"] = self.csrf
        response = await self.http.request(method, path, headers=headers, **kwargs)
        assert response.status_code == expect, (
            f"{method} {path}: {response.status_code} {response.text}"
        )
        if "json" in response.headers.get("content-type", ""):
            return response.json()
        return response
