"""The request import (导入): CSV or XLSX, dry run first, errors per row and column, idempotent
by the caller's reference. All or nothing: a file with any row in error writes no request."""

from __future__ import annotations

from risk.common import BUSINESS_TZ
from risk.requests import parsing
from risk.requests.schemas import ImportReport, ImportRowError, RequestCreate
from risk.requests.service import RequestService
from servicekit.auth import Principal
from servicekit.errors import Unprocessable


class ImportRejected(Unprocessable):
    code = "import_rejected"


async def import_file(
    service: RequestService, content: bytes, filename: str, principal: Principal, dry_run: bool
) -> ImportReport:
    try:
        raw = list(parsing.rows(content, filename))
    except parsing.FileUnreadable as exc:
        raise Unprocessable(
            f"The file cannot be read: {exc}.",
            code="file_unreadable",
            errors=[{"field": "file", "code": "file_unreadable", "message": str(exc)}],
        ) from exc
    if len(raw) > parsing.MAX_ROWS:
        raise Unprocessable(
            f"At most {parsing.MAX_ROWS} rows per file; this one has {len(raw)}.",
            code="file_too_long",
            errors=[{"field": "file", "code": "file_too_long", "message": str(len(raw))}],
        )
    today = service.clock().astimezone(BUSINESS_TZ).date()
    errors: list[ImportRowError] = []
    parsed: list[tuple[int, RequestCreate]] = []
    seen: dict[str, int] = {}
    for i, row in enumerate(raw, start=2):  # row 1 is the header
        body, row_errors = parsing.parse(i, row)
        if body is None:
            errors.extend(row_errors)
            continue
        assert body.reference is not None
        if body.reference in seen:
            errors.append(
                ImportRowError(
                    row=i,
                    field="reference",
                    code="reference_repeated",
                    message=f"also on row {seen[body.reference]}",
                )
            )
            continue
        seen[body.reference] = i
        if body.vehicle.register_date > today:
            errors.append(
                ImportRowError(
                    row=i,
                    field="register_date",
                    code="in_future",
                    message=str(body.vehicle.register_date),
                )
            )
            continue
        parsed.append((i, body))
    org = principal.org_id
    if org is None:
        raise Unprocessable(
            "Imports file requests for your own institution; operators file them one by one.",
            code="no_institution",
        )
    existing = await service.repo.by_references(org, [b.reference or "" for _, b in parsed])
    new: list[RequestCreate] = []
    numbers: list[str] = []
    for i, body in parsed:
        found = existing.get(body.reference or "")
        if found is None:
            new.append(body)
        elif found.vin != body.vehicle.vin or found.insurer_code != body.insurer.code:
            errors.append(
                ImportRowError(
                    row=i,
                    field="reference",
                    code="reference_reused",
                    message=f"already request {found.request_no}",
                )
            )
        else:
            numbers.append(found.request_no)
    report = ImportReport(
        dry_run=dry_run,
        rows=len(raw),
        created=0 if (dry_run or errors) else len(new),
        existing=len(parsed) - len(new),
        errors=sorted(errors, key=lambda e: (e.row, e.field)),
        request_nos=numbers,
    )
    if errors and not dry_run:
        raise ImportRejected(
            f"{len({e.row for e in errors})} of {len(raw)} rows are in error; nothing was "
            "imported. Correct them and import the file again.",
            errors=[e.model_dump() for e in report.errors],
        )
    if dry_run:
        report.created = len(new) if not errors else 0
        return report
    for body in new:
        request, _ = await service.create(body, principal, "import")
        report.request_nos.append(request.request_no)
    return report
