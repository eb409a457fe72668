"""The privacy-number provider (号码隐私保护): AXB bindings, a virtual number X from a pool.

A scan binds A (the caller's number) to B (the owner's) through a virtual number X for a short
time: A dials X and reaches B, neither sees the other's number. `PrivacyNumberProvider` is what
valueadd needs of any provider; `LocalPrivacySimulator` implements it in memory for the tests
and the demo. A real provider (Aliyun 号码隐私保护) is an adapter implementing the same two
calls; none is included (see the README).

Numbers are strings of up to 15 digits (E.164's maximum) with an optional "+"; the columns
holding them are 20 characters wide.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from servicekit.clock import Clock
from servicekit.errors import ProblemError


@dataclass(frozen=True)
class Binding:
    binding_id: str
    virtual_number: str
    expires_at: datetime


class PrivacyNumberUnavailable(ProblemError):
    status, code = 503, "privacy_number_unavailable"

    def __init__(self) -> None:
        super().__init__("No virtual number is free right now; try again shortly.")


class PrivacyNumberProvider(Protocol):
    name: str

    async def bind_axb(self, a_number: str, b_number: str, expires_at: datetime) -> Binding:
        """Bind A and B through a virtual number until `expires_at` (raises
        `PrivacyNumberUnavailable` when the pool has no number free for this pair)."""
        ...

    async def release(self, binding_id: str) -> None:
        """End a binding before its expiry (idempotent)."""
        ...


@dataclass
class _Bound:
    a: str
    b: str
    x: str
    expires_at: datetime


class LocalPrivacySimulator:
    """In memory: a number X may carry many bindings, but one A and one B only once at a time
    (so the provider knows whom a call from A to X is for)."""

    name = "local"

    def __init__(self, pool: list[str], clock: Clock) -> None:
        self.pool = pool
        self.clock = clock
        self.bindings: dict[str, _Bound] = {}

    def _live(self) -> list[_Bound]:
        now = self.clock()
        return [b for b in self.bindings.values() if b.expires_at > now]

    async def bind_axb(self, a_number: str, b_number: str, expires_at: datetime) -> Binding:
        live = self._live()
        for x in self.pool:
            if any(b.x == x and (b.a == a_number or b.b == b_number) for b in live):
                continue
            binding_id = "SIM" + secrets.token_hex(8)
            self.bindings[binding_id] = _Bound(a_number, b_number, x, expires_at)
            return Binding(binding_id, x, expires_at)
        raise PrivacyNumberUnavailable()

    async def release(self, binding_id: str) -> None:
        self.bindings.pop(binding_id, None)

    def connect(self, a_number: str, x_number: str) -> tuple[str, str] | None:
        """Whom a call from A to X reaches: (binding id, B), or None (expired or unknown)."""
        for binding_id, b in self.bindings.items():
            if b.x == x_number and b.a == a_number and b.expires_at > self.clock():
                return binding_id, b.b
        return None


#: The demo's pool of virtual numbers (11 digits, the 171 virtual-operator range).
DEMO_POOL = [f"1710000{n:04d}" for n in range(1, 21)]
