"""Coupon codes: 12 characters of Crockford base32 drawn with `secrets` (60 bits).

Unguessable (a random guess hits one of a million issued coupons with odds ~1e-12), short enough
to read out and type; printed as XXXX-XXXX-XXXX and as a QR code (segno). Typing is forgiving:
case, spaces and dashes are ignored, O reads as 0 and I/L as 1.
"""

from __future__ import annotations

import io
import secrets

import segno

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 12
_TYPOS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(typed: str) -> str | None:
    """The stored form of a typed or scanned code, or None when it cannot be one."""
    code = typed.upper().replace("-", "").replace(" ", "").translate(_TYPOS)
    if len(code) != LENGTH or any(c not in ALPHABET for c in code):
        return None
    return code


def display(code: str) -> str:
    return f"{code[0:4]}-{code[4:8]}-{code[8:12]}"


def qr_svg(code: str) -> str:
    """The QR the holder shows at the store: it encodes the code as printed."""
    out = io.BytesIO()
    segno.make(display(code), error="m").save(out, kind="svg", scale=6, border=2)
    return out.getvalue().decode()
