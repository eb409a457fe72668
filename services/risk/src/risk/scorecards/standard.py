"""The platform's first vehicle scorecard (v1), as data: the demo publishes it, tests use it."""

from __future__ import annotations

from typing import Any

STANDARD_V1: dict[str, Any] = {
    "base_points": "60",
    "factors": [
        {"code": "vehicle_age", "name": "车龄", "source": "vehicle_age_years", "bins": [
            {"max": "3", "points": "15", "label": "3年以内"},
            {"min": "3", "max": "6", "points": "8", "label": "3-6年"},
            {"min": "6", "max": "10", "points": "0", "label": "6-10年"},
            {"min": "10", "points": "-15", "label": "10年以上"},
        ]},
        {"code": "use_nature", "name": "使用性质", "source": "use_nature", "categories": {
            "private": "10", "non_operating": "5", "operating_passenger": "-10",
            "operating_freight": "-15",
        }},
        {"code": "mileage", "name": "里程", "source": "mileage_km", "bins": [
            {"max": "50000", "points": "10", "label": "5万公里以内"},
            {"min": "50000", "max": "150000", "points": "0", "label": "5-15万公里"},
            {"min": "150000", "points": "-10", "label": "15万公里以上"},
        ]},
        {"code": "damage", "name": "损伤项", "source": "damage_count", "bins": [
            {"max": "1", "points": "10", "label": "无损伤"},
            {"min": "1", "max": "3", "points": "0", "label": "1-2项"},
            {"min": "3", "points": "-15", "label": "3项以上"},
        ]},
        {"code": "vin_checksum", "name": "车架号校验", "source": "vin_checksum_ok",
         "categories": {"true": "0", "false": "-10"}},
        {"code": "photos", "name": "验车照片", "source": "photo_count", "bins": [
            {"max": "4", "points": "-5", "label": "少于4张"},
            {"min": "4", "points": "5", "label": "4张及以上"},
        ]},
    ],
    "bands": [
        {"grade": "A", "min_points": "90", "decision": "accept"},
        {"grade": "B", "min_points": "75", "decision": "accept"},
        {"grade": "C", "min_points": "60", "decision": "accept"},
        {"grade": "D", "min_points": "45", "decision": "review"},
        {"grade": "E", "min_points": "-1000", "decision": "decline"},
    ],
    "hard_stops": [
        {"code": "flood", "name": "泡水车", "source": "flood_traces", "op": "eq", "value": True},
        {"code": "severe_damage", "name": "严重损伤3项以上", "source": "severe_damage_count",
         "op": "ge", "value": "3"},
    ],
    "review_triggers": [
        {"code": "modified", "name": "改装车", "source": "modified", "op": "eq", "value": True},
        {"code": "vin_checksum", "name": "车架号校验位不符", "source": "vin_checksum_ok",
         "op": "eq", "value": False},
    ],
}  # fmt: skip
