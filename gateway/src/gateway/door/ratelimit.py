"""Token buckets per key (IP, principal, login IP), in memory per replica.

Per replica by design: two replicas let a client through at up to twice the rate, which the
limits allow for; a shared counter would cost a round trip per request on the fast path.
"""

from __future__ import annotations

import math
import time

MAX_KEYS = 100_000


class RateLimiter:
    def __init__(self, rate_per_second: float, burst: int) -> None:
        self.rate = rate_per_second
        self.burst = float(burst)
        self._buckets: dict[str, tuple[float, float]] = {}

    def check(self, key: str) -> float:
        """0 when allowed (one token taken); else the seconds until a token is available."""
        now = time.monotonic()
        tokens, at = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - at) * self.rate)
        if tokens >= 1.0:
            if len(self._buckets) >= MAX_KEYS:
                self._buckets.clear()  # a flood of distinct keys: forget all rather than grow
            self._buckets[key] = (tokens - 1.0, now)
            return 0.0
        self._buckets[key] = (tokens, now)
        return (1.0 - tokens) / self.rate

    @staticmethod
    def retry_after(wait: float) -> str:
        return str(max(1, math.ceil(wait)))
