"""Who is acting, and where: the admin API's scope rule.

Platform operators (the technology company's staff; `op` in the internal token) act on every
institution. Anyone else acts only inside the subtree of their own institution, and is refused
with 403 `outside_subtree` elsewhere. The subtree is read from sso's own institution tree (the
authority), not from the token's `orgs` claim, so a move takes effect at once.
"""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from servicekit.app import DbSession
from servicekit.auth import Principal, require
from servicekit.errors import Forbidden
from servicekit.observability import request_id_var
from sso.organizations.models import Institution
from sso.organizations.repository import InstitutionRepository


class OutsideSubtree(Forbidden):
    code = "outside_subtree"

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} is outside the institutions you administer (your subtree).")


class PlatformOperatorRequired(Forbidden):
    code = "platform_operator_required"

    def __init__(self, what: str) -> None:
        super().__init__(f"Only platform operators may {what}.")


@dataclass(frozen=True)
class Actor:
    subject: str
    institution_id: uuid.UUID | None
    platform_operator: bool
    #: Materialised path of the actor's institution (its subtree); None for operators.
    subtree: str | None
    request_id: str | None = None

    @classmethod
    def system(cls, name: str) -> "Actor":
        """The platform itself (CLI, demo data, catalogue sync): acts everywhere."""
        return cls(subject=name, institution_id=None, platform_operator=True, subtree=None)

    def covers(self, institution: Institution) -> bool:
        return self.subtree is None or institution.path.startswith(self.subtree)

    def ensure_covers(self, institution: Institution) -> None:
        if not self.covers(institution):
            raise OutsideSubtree(f"Institution {institution.code}")

    def ensure_operator(self, what: str) -> None:
        if not self.platform_operator:
            raise PlatformOperatorRequired(what)


async def actor_of(principal: Principal, institutions: InstitutionRepository) -> Actor:
    request_id = principal.request_id or request_id_var.get()
    if principal.platform_operator:
        return Actor(principal.subject, principal.org_id, True, None, request_id)
    institution = await institutions.get(principal.org_id) if principal.org_id else None
    if institution is None:
        raise Forbidden(
            "Your token names no institution known here; only platform operators act without one.",
            code="unknown_institution",
        )
    return Actor(principal.subject, institution.id, False, institution.path, request_id)


def admin(function: str) -> Callable[..., Awaitable[Actor]]:
    """Dependency: the caller holds `function` (an `sso.admin.*` code) → the acting Actor.
    (No `from __future__ import annotations` here: FastAPI must see `check` itself.)"""
    check = require(function)

    async def _actor(principal: Annotated[Principal, Depends(check)], session: DbSession) -> Actor:
        return await actor_of(principal, InstitutionRepository(session))

    _actor.__name__ = f"admin_{function.replace('.', '_')}"
    return _actor
