"""Vehicle import from XLSX or CSV (批量导入): every row checked, errors per row and field.

The file's first row names the columns, in Chinese (as the sample files) or as the API's field
names. A dry run does the whole import inside a savepoint and rolls it back, so its counts of
created and merged vehicles are exactly what the real run will do; a real run with any bad row
writes nothing (422 with the rows' errors).
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any

from openpyxl import load_workbook
from pydantic import ValidationError

from insurance.vehicles.models import CustomerKind, Source, UseNature
from insurance.vehicles.schemas import ImportResult, RowError, VehicleCollect
from insurance.vehicles.service import VehicleService
from servicekit.errors import ProblemError, Unprocessable

MAX_ROWS = 20_000

#: Column header → the VehicleCollect field ("owner.x" for the owner's).
COLUMNS = {
    "车牌号": "plate_no", "车架号": "vin", "VIN": "vin", "发动机号": "engine_no",
    "注册日期": "register_date", "使用性质": "use_nature", "品牌型号": "brand_model",
    "地区代码": "region_code", "商业险到期日": "commercial_expiry",
    "交强险到期日": "compulsory_expiry", "年检到期日": "inspection_due",
    "保养到期日": "maintenance_due", "车主类型": "owner.kind", "车主姓名": "owner.name",
    "证件号码": "owner.id_number", "手机号": "owner.mobile",
}  # fmt: skip
_FIELDS = set(COLUMNS.values())

_KINDS = {"个人": CustomerKind.person, "企业": CustomerKind.company}
_NATURES = {
    "非营运": UseNature.private, "家庭自用": UseNature.private,
    "企业非营运": UseNature.company_non_operating, "营运客车": UseNature.operating_passenger,
    "营运货车": UseNature.operating_freight, "租赁": UseNature.rental,
    "网约车": UseNature.ride_hailing,
}  # fmt: skip


class FileUnreadable(ProblemError):
    status, code = 422, "import_file_unreadable"


def read_rows(filename: str, content: bytes) -> list[dict[str, Any]]:
    """The file's rows as {header: value}, header row excluded."""
    if filename.lower().endswith(".xlsx"):
        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).active
        except Exception as exc:  # not a workbook at all
            raise FileUnreadable("The file is not a readable XLSX workbook.") from exc
        if sheet is None:
            raise FileUnreadable("The workbook has no sheet.")
        table = [list(r) for r in sheet.iter_rows(values_only=True)]
    elif filename.lower().endswith(".csv"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise FileUnreadable("The CSV is neither UTF-8 nor GB18030 text.")
        table = [list(r) for r in csv.reader(io.StringIO(text))]
    else:
        raise Unprocessable(
            "Send an .xlsx or .csv file.",
            code="import_file_type",
            errors=[{"field": "file", "code": "import_file_type", "message": ".xlsx or .csv"}],
        )
    if not table:
        raise FileUnreadable("The file is empty.")
    headers = [str(h).strip() if h is not None else "" for h in table[0]]
    fields = []
    for i, header in enumerate(headers):
        field = COLUMNS.get(header, header if header in _FIELDS else None)
        if field is None and header:
            raise Unprocessable(
                f"Unknown column {header!r}.",
                code="import_unknown_column",
                errors=[{"field": f"file.columns[{i}]", "code": "import_unknown_column",
                         "message": header}],
            )  # fmt: skip
        fields.append(field)
    for required in ("plate_no", "region_code"):
        if required not in fields:
            raise Unprocessable(
                f"The file lacks the column {required}.",
                code="import_missing_column",
                errors=[{"field": f"file.{required}", "code": "import_missing_column",
                         "message": required}],
            )  # fmt: skip
    rows = []
    for values in table[1:]:
        if all(v is None or str(v).strip() == "" for v in values):
            continue
        rows.append({f: values[i] if i < len(values) else None for i, f in enumerate(fields) if f})
    if len(rows) > MAX_ROWS:
        raise Unprocessable(
            f"At most {MAX_ROWS} rows per file.",
            code="import_too_many_rows",
            errors=[{"field": "file", "code": "import_too_many_rows", "message": str(MAX_ROWS)}],
        )
    return rows


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():  # a mobile typed as a number
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value.strip() or None
    return value


def to_collect(row: dict[str, Any], source_ref: str) -> dict[str, Any]:
    body: dict[str, Any] = {"source": Source.import_file, "source_ref": source_ref}
    owner: dict[str, Any] = {}
    for field, raw in row.items():
        value = _cell(raw)
        if value is None:
            continue
        if field == "owner.kind":
            value = _KINDS.get(value, value)
        if field == "use_nature":
            value = _NATURES.get(value, value)
        if field.startswith("owner."):
            owner[field.removeprefix("owner.")] = value
        else:
            body[field] = value
    if owner:
        body["owner"] = owner
    return body


async def import_vehicles(
    service: VehicleService, org_id: Any, by: str, filename: str, content: bytes, *, dry_run: bool
) -> ImportResult:
    rows = read_rows(filename, content)
    errors: list[RowError] = []
    warnings: list[RowError] = []
    bodies: list[tuple[int, VehicleCollect]] = []
    for index, row in enumerate(rows, start=2):
        try:
            bodies.append(
                (index, VehicleCollect.model_validate(to_collect(row, f"{filename}#{index}")))
            )
        except ValidationError as exc:
            for err in exc.errors():
                errors.append(
                    RowError(row=index, field=".".join(str(p) for p in err["loc"]) or "row",
                             code=err["type"], message=err["msg"])
                )  # fmt: skip
    created = merged = 0
    session = service.repo.session
    savepoint = await session.begin_nested()
    try:
        for index, body in bodies:
            try:
                done = await service.collect_for(org_id, body, by)
            except Unprocessable as exc:  # checks that need the clock (a future register date)
                for err in exc.errors or []:
                    errors.append(
                        RowError(row=index, field=err["field"].removeprefix("body."),
                                 code=err["code"], message=err["message"])
                    )  # fmt: skip
                continue
            created += done.outcome == "created"
            merged += done.outcome == "merged"
            warnings += [
                RowError(row=index, field=w.field, code=w.code, message=w.message)
                for w in done.warnings
            ]
    except BaseException:
        await savepoint.rollback()
        raise
    errors.sort(key=lambda e: e.row)
    if dry_run or errors:
        await savepoint.rollback()
    else:
        await savepoint.commit()
    result = ImportResult(
        dry_run=dry_run, rows=len(rows), created=created, merged=merged,
        errors=errors, warnings=warnings,
    )  # fmt: skip
    if errors and not dry_run:
        raise Unprocessable(
            f"{len({e.row for e in errors})} row(s) are invalid; nothing was imported.",
            code="import_rows_invalid",
            errors=[e.model_dump() for e in errors],
        )
    return result
