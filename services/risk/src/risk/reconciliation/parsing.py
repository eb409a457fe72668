"""Reading the insurer's statement (保司对账回单): CSV or XLSX with the assessment number or the
VIN, and the insurer's result per line (通过/拒绝/争议, or accepted/rejected/disputed)."""

from __future__ import annotations

from risk.requests.parsing import FileUnreadable, _text

COLUMNS = {
    "assessment_no": ("assessment_no", "评估编号"),
    "vin": ("vin", "车架号"),
    "result": ("result", "结果", "对账结果"),
    "note": ("note", "备注"),
}
RESULTS = {
    "accepted": "accepted", "通过": "accepted", "确认": "accepted", "接受": "accepted",
    "rejected": "rejected", "拒绝": "rejected", "不通过": "rejected",
    "disputed": "disputed", "争议": "disputed", "有争议": "disputed",
}  # fmt: skip
_HEADER = {h.lower(): key for key, hs in COLUMNS.items() for h in hs}


def lines(content: bytes, filename: str) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """The statement's lines, and the errors (row, field, message) of lines that cannot be read."""
    import csv
    import io

    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:
            raise FileUnreadable("not a readable XLSX workbook") from exc
        raw = [[_text(c) for c in r] for r in book.worksheets[0].iter_rows(values_only=True)]
    else:
        try:
            raw = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        except UnicodeDecodeError as exc:
            raise FileUnreadable("a CSV file must be UTF-8") from exc
    if not raw:
        raise FileUnreadable("the file is empty")
    keys = [_HEADER.get(h.strip().lower()) for h in raw[0]]
    if "result" not in keys or not ({"assessment_no", "vin"} & set(keys)):
        raise FileUnreadable("the columns 结果 and 评估编号 or 车架号 are required")
    out, errors = [], []
    for n, values in enumerate(raw[1:], start=2):
        if not any(values):
            continue
        row = {k: v.strip() for k, v in zip(keys, values, strict=False) if k is not None}
        result = RESULTS.get(row.get("result", "").lower())
        if result is None:
            errors.append(
                {
                    "field": f"row {n}: result",
                    "code": "unknown_result",
                    "message": f"{row.get('result')!r}: 通过、拒绝 or 争议",
                }
            )
            continue
        if not row.get("assessment_no") and not row.get("vin"):
            errors.append(
                {
                    "field": f"row {n}: assessment_no",
                    "code": "missing",
                    "message": "评估编号 or 车架号 is needed",
                }
            )
            continue
        row["result"] = result
        out.append(row)
    return out, errors
