"""`/.well-known/internal-jwks.json`: the keys services verify the gateway's tokens with."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from gateway.keys.repository import KeyRepository
from gateway.keys.service import KeyService
from gateway.sessions.endpoints import Runtime
from servicekit.app import DbSession

router = APIRouter(tags=["internal keys"])


@router.get(
    "/.well-known/internal-jwks.json",
    summary="Public keys of the internal JWTs (current and previous), for services",
)
async def internal_jwks(session: DbSession, runtime: Runtime) -> JSONResponse:
    # Read from the database on every call: a key rotated by any replica is published at once.
    service = KeyService(KeyRepository(session), runtime.settings.secret_key.get_secret_value())
    return JSONResponse(await service.jwks(), headers={"Cache-Control": "max-age=60"})
