"""The public scan page (no login): what a plate's QR code opens, and the call through a
privacy number. Reached without a principal; rate-limited per plate and per caller; answers
nothing about the owner (no name, no number, no vehicle)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from servicekit.app import DbSession
from valueadd.common.clock import ClockDep
from valueadd.plates.privacy import PrivacyNumberProvider
from valueadd.plates.repository import PlateRepository
from valueadd.plates.scan import ScanLimiter, ScanService, privacy_provider, scan_limiter
from valueadd.plates.schemas import CallRead, CallRequest, ScanRead

router = APIRouter(prefix="/v1/public/plates", tags=["plates (public)"])

Token = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{16,32}$")]


def _caller(request: Request) -> str:
    """The caller as the gateway saw it (first X-Forwarded-For hop), else the peer."""
    forwarded = request.headers.get("x-forwarded-for", "")
    first = forwarded.split(",")[0].strip()
    return first or (request.client.host if request.client else "unknown")


def _service(
    session: DbSession, clock: ClockDep,
    provider: Annotated[PrivacyNumberProvider, Depends(privacy_provider)],
    limiter: Annotated[ScanLimiter, Depends(scan_limiter)],
) -> ScanService:  # fmt: skip
    return ScanService(PlateRepository(session), clock, provider, limiter)


Service = Annotated[ScanService, Depends(_service)]


@router.get("/{token}", response_model=ScanRead, summary="The scan page: may the owner be called")
async def scan(token: Token, request: Request, service: Service) -> ScanRead:
    return await service.scan(token, _caller(request))


@router.post("/{token}/call", response_model=CallRead,
             summary="Bind the caller to the owner through a virtual number (AXB, short expiry)")  # fmt: skip
async def call(token: Token, body: CallRequest, request: Request, service: Service) -> CallRead:
    return await service.call(token, body, _caller(request))
