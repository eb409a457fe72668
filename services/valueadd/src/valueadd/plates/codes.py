"""What a plate carries: its QR token (128 bits from `secrets`) and the QR code itself (segno).

The QR encodes the public scan page's URL with the token; the token is the only key of the
public page, so it is long enough that nobody finds a plate by guessing (the business number
`PB…-00001` is sequential and therefore never used publicly).
"""

from __future__ import annotations

import io
import secrets

import segno


def new_token() -> str:
    return secrets.token_urlsafe(16)  # 22 characters


def scan_url(base: str, token: str) -> str:
    return base.rstrip("/") + "/" + token


def qr_svg(url: str) -> str:
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=6, border=2)
    return out.getvalue().decode()


def mask_mobile(number: str | None) -> str | None:
    if not number:
        return None
    digits = number.lstrip("+")
    if len(digits) < 7:
        return "*" * len(number)
    return number[: len(number) - len(digits) + 3] + "****" + digits[-4:]
