"""`/` serves the built console with history-mode fallback; without a build, a JSON index."""

from __future__ import annotations

from pathlib import Path

import httpx
from fastapi import FastAPI

from gateway.main import definition
from servicekit.app import create_app
from servicekit.settings import ServiceSettings


async def test_without_a_build_the_index_lists_the_doors(client: httpx.AsyncClient) -> None:
    index = (await client.get("/")).json()
    assert set(index["entries"]) == {"insurance", "risk", "valueadd", "orders", "finance", "sso"}
    assert index["login"].endswith("/bff/login")
    assert (await client.get("/console/orders")).status_code == 404


async def test_built_files_history_fallback_and_no_escape(
    service_settings: ServiceSettings, tmp_path: Path
) -> None:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<div id=app></div>")
    (dist / "assets" / "app-3f2a.js").write_text("console.log(1)")
    (tmp_path / "secret.txt").write_text("not for the web")
    app: FastAPI = create_app(definition, service_settings.model_copy(update={"console_dir": dist}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            home = await http.get("/")
            assert home.text == "<div id=app></div>"
            asset = await http.get("/assets/app-3f2a.js")
            assert asset.text == "console.log(1)"
            assert "immutable" in asset.headers["cache-control"]
            deep = await http.get("/console/orders/OC20261125000001")
            assert deep.text == "<div id=app></div>"
            assert deep.headers["cache-control"] == "no-cache"
            escape = await http.get("/..%2Fsecret.txt")
            assert "not for the web" not in escape.text
            reserved = await http.get("/bff/nothing-here")
            assert reserved.status_code == 404
            assert reserved.json()["code"] == "not_found"


async def test_rotating_keys_keeps_the_previous_key_published(
    service_settings: ServiceSettings,
) -> None:
    from gateway.keys.repository import KeyRepository
    from gateway.keys.service import KeyService
    from servicekit.db import create_engine, create_sessionmaker, unit_of_work

    app: FastAPI = create_app(definition, service_settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            before = {
                k["kid"] for k in (await http.get("/.well-known/internal-jwks.json")).json()["keys"]
            }
            engine = create_engine(service_settings.database_url)
            async for session in unit_of_work(create_sessionmaker(engine)):
                secret = service_settings.secret_key.get_secret_value()  # type: ignore[attr-defined]
                new_kid = await KeyService(KeyRepository(session), secret).rotate()
            await engine.dispose()
            after = {
                k["kid"] for k in (await http.get("/.well-known/internal-jwks.json")).json()["keys"]
            }
            assert new_kid in after and before <= after
            # The replica signs with the new key after its next reload.
            await app.state.runtime.signer.reload()
            assert app.state.runtime.signer.current.kid == new_kid
