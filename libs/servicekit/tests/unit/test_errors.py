"""Every error is an RFC 9457 problem document with a stable `code` and the request id."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from fastapi import APIRouter
from pydantic import BaseModel, Field

from servicekit.errors import (
    PROBLEM_JSON,
    Conflict,
    Forbidden,
    NotFound,
    ProblemError,
    Unauthorized,
    Unprocessable,
)

router = APIRouter()


class Payment(BaseModel):
    amount: int = Field(gt=0)
    currency: str = Field(pattern="^CNY$")


class TeapotError(ProblemError):
    status, code = 418, "teapot"


@router.get("/boom/{kind}")
async def boom(kind: str) -> dict[str, str]:
    errors: dict[str, ProblemError] = {
        "not_found": NotFound("Invoice 42 does not exist."),
        "conflict": Conflict("Already settled.", code="already_settled"),
        "forbidden": Forbidden("Not yours."),
        "unauthorized": Unauthorized("Who are you?", headers={"WWW-Authenticate": "Bearer"}),
        "unprocessable": Unprocessable(
            "Bad totals.", errors=[{"field": "body.total", "message": "mismatch"}]
        ),
        "teapot": TeapotError("I am a teapot."),
        "custom": ProblemError("Rate too high.", code="rate_too_high", status=429),
    }
    raise errors[kind]


@router.post("/payments")
async def pay(body: Payment) -> dict[str, int]:
    return {"amount": body.amount}


@router.get("/only-get")
async def only_get() -> dict[str, bool]:
    return {"ok": True}


@router.get("/crash")
async def crash() -> dict[str, bool]:
    raise RuntimeError("connection to postgresql://admin:hunter2@db failed")


@pytest.fixture
async def client(
    make_client: Callable[[APIRouter], httpx.AsyncClient],
) -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(router) as c:
        yield c


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == f"https://errors.platform.local/{code}"
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    # The request id is in the body and echoed in the header, so users can quote it.
    assert body["request_id"] == response.headers["x-request-id"]
    return body


@pytest.mark.parametrize(
    ("kind", "status", "code", "detail"),
    [
        ("not_found", 404, "not_found", "Invoice 42 does not exist."),
        ("conflict", 409, "already_settled", "Already settled."),
        ("forbidden", 403, "forbidden", "Not yours."),
        ("unauthorized", 401, "unauthorized", "Who are you?"),
        ("unprocessable", 422, "validation_failed", "Bad totals."),
        ("teapot", 418, "teapot", "I am a teapot."),
        ("custom", 429, "rate_too_high", "Rate too high."),
    ],
)
async def test_problem_errors_become_problem_documents(
    client: httpx.AsyncClient, kind: str, status: int, code: str, detail: str
) -> None:
    response = await client.get(f"/boom/{kind}", headers={"x-request-id": f"req-{kind}"})
    body = assert_problem(response, status, code)
    assert body["detail"] == detail
    assert body["instance"] == f"/boom/{kind}"
    assert body["request_id"] == f"req-{kind}"


async def test_problem_error_headers_and_errors_are_passed_on(client: httpx.AsyncClient) -> None:
    unauthorized = await client.get("/boom/unauthorized")
    assert unauthorized.headers["www-authenticate"] == "Bearer"
    unprocessable = await client.get("/boom/unprocessable")
    assert unprocessable.json()["errors"] == [{"field": "body.total", "message": "mismatch"}]


async def test_validation_errors_name_each_field(client: httpx.AsyncClient) -> None:
    response = await client.post("/payments", json={"amount": 0, "currency": "USD"})
    body = assert_problem(response, 422, "validation_failed")
    errors = body["errors"]
    assert isinstance(errors, list)
    by_field = {e["field"]: e for e in errors}
    assert set(by_field) == {"body.amount", "body.currency"}
    for error in errors:
        assert error["message"] and error["code"]
    assert by_field["body.amount"]["code"] == "greater_than"
    assert "body.amount" in str(body["detail"]) and "body.currency" in str(body["detail"])


async def test_missing_body_field_and_bad_json(client: httpx.AsyncClient) -> None:
    missing = await client.post("/payments", json={"currency": "CNY"})
    assert [e["field"] for e in assert_problem(missing, 422, "validation_failed")["errors"]] == [  # type: ignore[union-attr]
        "body.amount"
    ]
    broken = await client.post(
        "/payments", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert_problem(broken, 422, "validation_failed")


async def test_unknown_route_is_not_found(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.get("/no/such/route"), 404, "not_found")
    assert body["instance"] == "/no/such/route"


async def test_wrong_method_is_method_not_allowed(client: httpx.AsyncClient) -> None:
    response = await client.delete("/only-get")
    assert_problem(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "GET"


async def test_unexpected_exception_is_internal_error_without_its_text(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/crash", headers={"x-request-id": "crash-1"})
    body = assert_problem(response, 500, "internal_error")
    assert body["request_id"] == "crash-1"
    assert response.headers["x-correlation-id"] == "crash-1"
    assert "hunter2" not in response.text
    assert "RuntimeError" not in response.text
    assert "postgresql" not in response.text
