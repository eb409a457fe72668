"""`/`: the web console's built files (web/dist), with history-mode fallback to index.html.

Without a build (no Node on the machine), `/` answers a short JSON index of the platform's doors
instead, and console paths answer 404 with a hint.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse

from servicekit.errors import NotFound

router = APIRouter(include_in_schema=False)
#: Paths served by the gateway itself or forwarded: never the console's fallback.
_NOT_CONSOLE = ("api/", "auth/", "bff/", ".well-known/", "healthz", "readyz", "metrics", "docs")


def _dist(request: Request) -> Path:
    return Path(request.app.state.settings.console_dir).resolve()


def _index(request: Request) -> dict[str, Any]:
    entries = sorted(request.app.state.settings.entry_upstreams())
    base = str(request.base_url).rstrip("/")
    return {
        "platform": "综合管理平台",
        "console": "not built (install Node.js and run `make run` to build web/)",
        "login": f"{base}/bff/login",
        "oidc_issuer": request.app.state.settings.oidc_issuer,
        "entries": {name: f"/api/{name}/" for name in entries},
        "internal_jwks": f"{base}/.well-known/internal-jwks.json",
        "health": "/healthz",
    }


@router.get("/", response_model=None)
async def home(request: Request) -> FileResponse | JSONResponse:
    index = _dist(request) / "index.html"
    if index.is_file():
        return FileResponse(index, headers={"Cache-Control": "no-cache"})
    return JSONResponse(_index(request))


@router.get("/{path:path}", response_model=None)
async def console_file(path: str, request: Request) -> FileResponse:
    dist = _dist(request)
    if path.startswith(_NOT_CONSOLE) or not (dist / "index.html").is_file():
        raise NotFound(f"Nothing is served at /{path}.")
    candidate = (dist / path).resolve()
    if candidate.is_relative_to(dist) and candidate.is_file():
        # Vite names built assets by content hash: they never change under a name.
        immutable = path.startswith("assets/")
        cache = "public, max-age=31536000, immutable" if immutable else "no-cache"
        return FileResponse(candidate, headers={"Cache-Control": cache})
    return FileResponse(dist / "index.html", headers={"Cache-Control": "no-cache"})
