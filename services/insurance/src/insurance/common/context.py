"""Request context every module uses: the clock, and the institution a write belongs to."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Request

from servicekit.auth import Principal
from servicekit.clock import Clock, utc_now
from servicekit.errors import Forbidden, Unprocessable


def _clock(request: Request) -> Clock:
    # Tests pin time by setting app.state.clock (a FixedClock); production reads the wall clock.
    return getattr(request.app.state, "clock", None) or utc_now


RequestClock = Annotated[Clock, Depends(_clock)]


def writing_org(principal: Principal, org_id: uuid.UUID | None) -> uuid.UUID:
    """The institution a new record belongs to: the caller's, or one it may see (operators:
    any). Asking for another institution's is refused, never silently redirected."""
    target = org_id or principal.org_id
    if target is None:
        raise Unprocessable(
            "Name the institution (org_id) the record belongs to.",
            code="org_required",
            errors=[{"field": "org_id", "code": "org_required", "message": "required"}],
        )
    if not principal.may_see_org(target):
        raise Forbidden("You may not write another institution's records.", code="org_forbidden")
    return target


def actor(principal: Principal) -> str:
    """Who, as the trails record it: the sso subject."""
    return principal.subject
