"""Keyset cursors for newest-first lists: an opaque token for (timestamp, id)."""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import datetime

from servicekit.errors import Unprocessable


def encode_cursor(at: datetime, ident: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(f"{at.isoformat()}|{ident}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[datetime, uuid.UUID] | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at_text, _, id_text = raw.partition("|")
        at = datetime.fromisoformat(at_text)
        if at.tzinfo is None:
            raise ValueError("naive")
        return at, uuid.UUID(id_text)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise Unprocessable(
            "The cursor is not one this API handed out.",
            code="invalid_cursor",
            errors=[{"field": "query.cursor", "code": "invalid_cursor", "message": str(exc)}],
        ) from exc
