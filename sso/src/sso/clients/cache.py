"""Registered clients by `client_id`, kept briefly in this process for the OpenID Connect
endpoints: every `/token`, `/authorize` and `/login` names its client, and reading the row each
time cost a statement (and an ORM object) per grant.

An entry lives CLIENT_SECONDS at most. A change through this process's admin API (new secret,
update, delete) drops the entry at once and again when its transaction commits, so a reader
between the two cannot keep the old row. Another process (a second replica, the CLI) sees a
change after at most CLIENT_SECONDS: a disabled client or a replaced secret may still be
honoured that long there. Misses are not kept, so a newly registered client works at once.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

CLIENT_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class ClientRecord:
    """What the OpenID Connect provider reads of a client (immutable: shared by requests)."""

    id: uuid.UUID
    client_id: str
    name: str
    type: str
    institution_id: uuid.UUID
    status: str
    secret_hash: str | None
    redirect_uris: tuple[str, ...]
    post_logout_redirect_uris: tuple[str, ...]
    grant_types: tuple[str, ...]
    scopes: tuple[str, ...]


#: (database, client_id) → (monotonic expiry, record); one process may serve several databases
#: (the tests do).
_entries: dict[tuple[str, str], tuple[float, ClientRecord]] = {}


def cached(database: str, client_id: str) -> ClientRecord | None:
    entry = _entries.get((database, client_id))
    if entry is None:
        return None
    if entry[0] <= time.monotonic():
        _entries.pop((database, client_id), None)
        return None
    return entry[1]


def remember(database: str, record: ClientRecord) -> None:
    _entries[(database, record.client_id)] = (time.monotonic() + CLIENT_SECONDS, record)


def forget(client_id: str) -> None:
    """Drop the client in every database (a client_id names one client per database)."""
    for key in [k for k in _entries if k[1] == client_id]:
        _entries.pop(key, None)
