"""problem+json answers from the fast path, which runs outside FastAPI's exception handlers."""

from __future__ import annotations

from starlette.types import Receive, Scope, Send

from servicekit.errors import problem_response


async def send_problem(
    scope: Scope,
    receive: Receive,
    send: Send,
    status: int,
    code: str,
    detail: str,
    headers: dict[str, str] | None = None,
) -> None:
    response = problem_response(status, code, detail, instance=scope.get("path"), headers=headers)
    response.headers["cache-control"] = "no-store"
    await response(scope, receive, send)
