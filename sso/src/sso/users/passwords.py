"""Password hashing (argon2id) and the password policy.

Hashing and verifying run in a worker thread: argon2id at the OWASP minimum costs tens of
milliseconds of CPU and 19 MiB by design, which must not stall the event loop.
"""

from __future__ import annotations

import asyncio
import functools
import secrets
import string
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from servicekit.errors import Unprocessable
from sso.config import Settings

T = TypeVar("T")


class Passwords:
    """argon2id with the settings' parameters (m, t, p); 16-byte salt, 32-byte hash."""

    def __init__(self, settings: Settings) -> None:
        self._hasher = _hasher(
            settings.argon2_time_cost, settings.argon2_memory_kib, settings.argon2_parallelism
        )
        self._threads = _threads(settings.password_hash_threads)

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._threads, fn, *args)

    def hash_now(self, password: str) -> str:
        return self._hasher.hash(password)

    async def hash(self, password: str) -> str:
        return await self._run(self._hasher.hash, password)

    async def verify(self, stored: str | None, password: str) -> bool:
        """False for a wrong password — and for no usable password, after the same work, so the
        answer takes as long either way (no hint which usernames exist or have a password)."""
        target = stored or await self._dummy_hash()
        try:
            ok = await self._run(self._hasher.verify, target, password)
        except (VerificationError, InvalidHashError):
            return False
        return bool(ok) and stored is not None

    def needs_rehash(self, stored: str) -> bool:
        """True when the hash was made with other (older, weaker) parameters."""
        return self._hasher.check_needs_rehash(stored)

    async def _dummy_hash(self) -> str:
        """A hash of nothing in particular, with these parameters (made once per process)."""
        h = self._hasher
        key = (h.time_cost, h.memory_cost, h.parallelism)
        if key not in _DUMMY_HASHES:
            _DUMMY_HASHES[key] = await self._run(h.hash, secrets.token_urlsafe(16))
        return _DUMMY_HASHES[key]


_DUMMY_HASHES: dict[tuple[int, int, int], str] = {}


@functools.cache
def _threads(count: int) -> ThreadPoolExecutor:
    """The threads argon2id runs in, per process (not the event loop's default executor): one
    hash per core at a time — more at once only evict each other's 19 MiB from the caches and
    cost more CPU each; waiting logins queue here, the event loop keeps serving."""
    return ThreadPoolExecutor(max_workers=count, thread_name_prefix="argon2")


@functools.cache
def _hasher(time_cost: int, memory_kib: int, parallelism: int) -> PasswordHasher:
    # One per parameter set and process: a PasswordHasher validates its parameters when built,
    # which every request's services would otherwise pay for (a token grant builds them too).
    return PasswordHasher(
        time_cost=time_cost,
        memory_cost=memory_kib,
        parallelism=parallelism,
        hash_len=32,
        salt_len=16,
        type=Type.ID,
    )


_CLASSES = (
    ("lower-case letters", string.ascii_lowercase),
    ("upper-case letters", string.ascii_uppercase),
    ("digits", string.digits),
)


def _classes(password: str) -> int:
    found = sum(1 for _, chars in _CLASSES if any(c in chars for c in password))
    other = any(not (c.isascii() and c.isalnum()) for c in password)
    return found + int(other)


class PasswordPolicy:
    """Length and character classes (lower, upper, digit, other), from the settings; a
    password may not contain the username."""

    def __init__(self, settings: Settings) -> None:
        self.min_length = settings.password_min_length
        self.max_length = settings.password_max_length
        self.min_classes = settings.password_min_classes

    def problems(self, password: str, username: str | None) -> list[str]:
        found = []
        if len(password) < self.min_length:
            found.append(f"at least {self.min_length} characters")
        if len(password) > self.max_length:
            found.append(f"at most {self.max_length} characters")
        if _classes(password) < self.min_classes:
            found.append(
                f"at least {self.min_classes} of: lower-case letters, upper-case letters, "
                "digits, other characters"
            )
        if username and len(username) >= 3 and username.casefold() in password.casefold():
            found.append("must not contain the username")
        return found

    def check(self, password: str, username: str | None, field: str) -> None:
        """422 `password_policy` naming the field and every unmet rule."""
        problems = self.problems(password, username)
        if problems:
            raise Unprocessable(
                "The password does not meet the policy: " + "; ".join(problems) + ".",
                code="password_policy",
                errors=[
                    {"field": field, "code": "password_policy", "message": p} for p in problems
                ],
            )

    def temporary(self) -> str:
        """A random password meeting the policy (handed out once by a reset)."""
        length = min(max(self.min_length, 16), self.max_length)
        alphabet = string.ascii_letters + string.digits + "-_.!@#%"
        while True:
            candidate = "".join(secrets.choice(alphabet) for _ in range(length))
            if not self.problems(candidate, None) and _classes(candidate) == 4:
                return candidate
