"""The input snapshot of an assessment: the facts a scorecard reads, derived from the request
on the assessment's day. Stored as JSON with numbers as decimal strings, so it reads back
exactly and the same snapshot always scores the same."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from vininfo import Vin

from risk.requests.inspection import facts as inspection_facts
from risk.requests.models import AssessmentRequest


def vehicle_info(vin: str) -> dict[str, Any]:
    """What the VIN says by itself (vininfo): manufacturer, country, model years, checksum."""
    try:
        info = Vin(vin)
        years = [int(y) for y in (info.years or [])]
        return {
            "manufacturer": info.manufacturer or None,
            "country": info.country or None,
            "model_years": years,
            "checksum_ok": bool(info.verify_checksum()),
        }
    except Exception:  # vininfo knows nothing of this VIN: the facts say so
        return {"manufacturer": None, "country": None, "model_years": [], "checksum_ok": False}


def vehicle_age_years(register_date: date, on: date) -> Decimal:
    """Whole months since first registration, in years to two places (0 before registration)."""
    months = (on.year - register_date.year) * 12 + (on.month - register_date.month)
    if on.day < register_date.day:
        months -= 1
    return (Decimal(max(months, 0)) / 12).quantize(Decimal("0.01"))


def snapshot(request: AssessmentRequest, on: date) -> dict[str, Any]:
    inspection = inspection_facts(request.inspection_form_version, request.inspection)
    damage = inspection.get("damage_items", [])
    info = request.vehicle_info
    return {
        "assessed_on": on.isoformat(),
        "vehicle_age_years": str(vehicle_age_years(request.register_date, on)),
        "use_nature": request.use_nature,
        "region_code": request.region_code,
        "province_code": request.region_code[:2] + "0000",
        "insurer_code": request.insurer_code,
        "vin_checksum_ok": bool(info.get("checksum_ok")),
        "vin_country": info.get("country"),
        "manufacturer": info.get("manufacturer"),
        "has_plate": request.plate_no is not None,
        "mileage_km": str(inspection.get("mileage_km", 0)),
        "damage_count": str(len(damage)),
        "severe_damage_count": str(sum(1 for d in damage if d.get("severity") == "severe")),
        "photo_count": str(len(inspection.get("photos", []))),
        "modified": bool(inspection.get("modified", False)),
        "flood_traces": bool(inspection.get("flood_traces", False)),
    }
