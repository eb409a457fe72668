"""The public scan page: its rate limits (per plate and per caller, sliding one-minute
windows) and its service (the scan, and the call through an AXB privacy binding).

In memory per process and driven by the injected clock (tests move it), so a limit opens again
exactly when the clock says the window has passed.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta

from servicekit.clock import Clock
from servicekit.errors import ProblemError
from valueadd.common import clock
from valueadd.plates.errors import PlateNotCallable, PlateNotFound
from valueadd.plates.models import PlateStatus, PrivacyBinding
from valueadd.plates.privacy import DEMO_POOL, LocalPrivacySimulator, PrivacyNumberProvider
from valueadd.plates.repository import PlateRepository
from valueadd.plates.schemas import CallRead, CallRequest, ScanRead

WINDOW = timedelta(minutes=1)
PER_PLATE = 30
PER_CALLER = 10


class ScanRateLimited(ProblemError):
    status, code = 429, "scan_rate_limited"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            "Too many scans; try again shortly.", headers={"Retry-After": str(retry_after)}
        )


class ScanLimiter:
    def __init__(self, per_plate: int = PER_PLATE, per_caller: int = PER_CALLER) -> None:
        self.limits = {"plate": per_plate, "caller": per_caller}
        self.hits: dict[tuple[str, str], deque[datetime]] = {}

    def check(self, plate_token: str, caller: str, now: datetime) -> None:
        """Count one request for the plate and the caller, or refuse it (counting nothing)."""
        keys = [("plate", plate_token), ("caller", caller)]
        waits = []
        for key in keys:
            hits = self.hits.setdefault(key, deque())
            while hits and hits[0] <= now - WINDOW:
                hits.popleft()
            if len(hits) >= self.limits[key[0]]:
                waits.append(hits[0] + WINDOW - now)
        if waits:
            raise ScanRateLimited(max(1, int(max(waits).total_seconds() + 0.999)))
        for key in keys:
            self.hits[key].append(now)
        if len(self.hits) > 100_000:  # forget idle keys
            for key in [k for k, v in self.hits.items() if not v or v[-1] <= now - WINDOW]:
                del self.hits[key]


# --- the scan page's service --------------------------------------------------------------

#: How long a scan's AXB binding lives: long enough to dial, short enough not to be reused.
BINDING_TTL = timedelta(minutes=3)

_limiter = ScanLimiter()
_provider = LocalPrivacySimulator(DEMO_POOL, clock.current())


def scan_limiter() -> ScanLimiter:
    """The process's limiter (a dependency, so a test may give its own)."""
    return _limiter


def privacy_provider() -> PrivacyNumberProvider:
    """The provider bindings are made with: the local simulator (no real adapter is included)."""
    return _provider


class ScanService:
    def __init__(
        self, repo: PlateRepository, clock: Clock, provider: PrivacyNumberProvider,
        limiter: ScanLimiter,
    ) -> None:  # fmt: skip
        self.repo = repo
        self.clock = clock
        self.provider = provider
        self.limiter = limiter

    async def scan(self, token: str, caller: str) -> ScanRead:
        self.limiter.check(token, caller, self.clock())
        plate = await self.repo.by_token(token)
        if plate is None:
            raise PlateNotFound()
        callable_ = plate.status == PlateStatus.active.value
        return ScanRead(
            plate_no=plate.plate_no, can_call=callable_,
            notice="可通过隐私号码联系车主挪车" if callable_ else "该挪车牌暂不可用",
        )  # fmt: skip

    async def call(self, token: str, data: CallRequest, caller: str) -> CallRead:
        now = self.clock()
        self.limiter.check(token, caller, now)
        plate = await self.repo.by_token(token)
        if plate is None:
            raise PlateNotFound()
        if plate.status != PlateStatus.active.value or not plate.owner_mobile:
            raise PlateNotCallable()
        binding = await self.provider.bind_axb(
            data.caller_number, plate.owner_mobile, now + BINDING_TTL
        )
        self.repo.add(
            PrivacyBinding(
                binding_id=binding.binding_id,
                provider=self.provider.name,
                plate_id=plate.id,
                insurer_org_id=plate.insurer_org_id,
                caller_number=data.caller_number,
                virtual_number=binding.virtual_number,
                expires_at=binding.expires_at,
                created_by=f"scan:{caller}"[:120],
                created_at=now,
            )
        )
        await self.repo.flush()
        return CallRead(virtual_number=binding.virtual_number, expires_at=binding.expires_at)
