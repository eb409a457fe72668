"""Reading an import file (CSV or XLSX) into request bodies, row by row, with each row's
errors named by column. Headers may be the Chinese labels or the English keys."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from openpyxl import load_workbook
from pydantic import ValidationError

from risk.requests.schemas import USE_NATURE_ZH, ImportRowError, RequestCreate

MAX_ROWS = 5_000

#: column key → accepted headers
COLUMNS: dict[str, tuple[str, ...]] = {
    "reference": ("reference", "外部单号"),
    "insurer_code": ("insurer_code", "保险公司代码"),
    "insurer_name": ("insurer_name", "保险公司"),
    "vin": ("vin", "车架号"),
    "plate_no": ("plate_no", "车牌号"),
    "register_date": ("register_date", "初次登记日期"),
    "use_nature": ("use_nature", "使用性质"),
    "region_code": ("region_code", "地区代码"),
    "operator": ("operator", "验车人"),
    "inspected_at": ("inspected_at", "验车时间"),
    "place": ("place", "验车地点"),
    "mileage_km": ("mileage_km", "表显里程"),
    "damage": ("damage", "损伤项"),
    "photos": ("photos", "照片"),
    "modified": ("modified", "改装"),
    "flood_traces": ("flood_traces", "泡水痕迹"),
    "payees": ("payees", "业务员及比例"),
}
REQUIRED = ("reference", "insurer_code", "insurer_name", "vin", "register_date", "use_nature",
            "region_code", "operator", "inspected_at", "place", "mileage_km")  # fmt: skip
_HEADER = {h.strip().lower(): key for key, hs in COLUMNS.items() for h in hs}
_NATURE = {label: code.value for code, label in USE_NATURE_ZH.items()}
#: body location → the column people see
_LOC_COLUMN = {
    ("reference",): "reference", ("insurer", "code"): "insurer_code",
    ("insurer", "name"): "insurer_name", ("vehicle", "vin"): "vin",
    ("vehicle", "plate_no"): "plate_no", ("vehicle", "register_date"): "register_date",
    ("vehicle", "use_nature"): "use_nature", ("vehicle", "region_code"): "region_code",
    ("inspection", "document", "operator"): "operator",
    ("inspection", "document", "inspected_at"): "inspected_at",
    ("inspection", "document", "place"): "place",
    ("inspection", "document", "mileage_km"): "mileage_km",
    ("inspection", "document", "damage_items"): "damage",
    ("inspection", "document", "photos"): "photos",
    ("payees",): "payees",
}  # fmt: skip


class FileUnreadable(ValueError):
    pass


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def rows(content: bytes, filename: str) -> Iterator[dict[str, str]]:
    """Each data row as column key → text (unknown columns ignored)."""
    if filename.lower().endswith(".xlsx"):
        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:
            raise FileUnreadable("not a readable XLSX workbook") from exc
        sheet = book.worksheets[0]
        it = sheet.iter_rows(values_only=True)
        raw: Iterator[list[str]] = ([_text(c) for c in r] for r in it)
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise FileUnreadable("a CSV file must be UTF-8") from exc
        raw = iter(list(csv.reader(io.StringIO(text))))
    header = next(raw, None)
    if header is None:
        raise FileUnreadable("the file is empty")
    keys = [_HEADER.get(h.strip().lower()) for h in header]
    missing = [k for k in REQUIRED if k not in keys]
    if missing:
        raise FileUnreadable(f"missing columns: {', '.join(missing)}")
    for values in raw:
        if not any(values):
            continue
        yield {k: v for k, v in zip(keys, values, strict=False) if k is not None}


def _yes(value: str) -> bool:
    return value.strip().lower() in ("是", "y", "yes", "true", "1")


def body(row: dict[str, str]) -> dict[str, Any]:
    """The row as a POST /v1/requests body (inspection form v2)."""
    damage = []
    for item in filter(None, (p.strip() for p in row.get("damage", "").split(";"))):
        part, _, severity = item.partition(":")
        damage.append({"part": part.strip(), "severity": severity.strip() or "minor"})
    payees = []
    for item in filter(None, (p.strip() for p in row.get("payees", "").split(";"))):
        subject, name, share = ([*item.split(":"), "", ""])[:3]
        payees.append({"subject": subject.strip(), "name": name.strip(), "share": share.strip()})
    nature = row.get("use_nature", "")
    return {
        "reference": row.get("reference") or None,
        "insurer": {"code": row.get("insurer_code", ""), "name": row.get("insurer_name", "")},
        "vehicle": {
            "vin": row.get("vin", ""),
            "plate_no": row.get("plate_no") or None,
            "register_date": row.get("register_date", "")[:10],
            "use_nature": _NATURE.get(nature, nature),
            "region_code": row.get("region_code", ""),
        },
        "inspection": {
            "form_version": "v2",
            "document": {
                "operator": row.get("operator", ""),
                "inspected_at": row.get("inspected_at", ""),
                "place": row.get("place", ""),
                "mileage_km": row.get("mileage_km", ""),
                "damage_items": damage,
                "photos": [
                    {"ref": r.strip()} for r in row.get("photos", "").split(";") if r.strip()
                ],
                "modified": _yes(row.get("modified", "")),
                "flood_traces": _yes(row.get("flood_traces", "")),
            },
        },
        "payees": payees,
    }


def column_of(loc: tuple[Any, ...]) -> str:
    for n in range(len(loc), 0, -1):
        column = _LOC_COLUMN.get(tuple(str(p) for p in loc[:n]))
        if column:
            return column
    return ".".join(str(p) for p in loc) or "row"


def parse(row_no: int, row: dict[str, str]) -> tuple[RequestCreate | None, list[ImportRowError]]:
    if not row.get("reference"):
        return None, [
            ImportRowError(
                row=row_no,
                field="reference",
                code="missing",
                message="each row needs the caller's reference",
            )
        ]
    try:
        return RequestCreate.model_validate(body(row)), []
    except ValidationError as exc:
        return None, [
            ImportRowError(row=row_no, field=column_of(tuple(e["loc"])), code=e["type"],
                           message=e["msg"])
            for e in exc.errors()
        ]  # fmt: skip
