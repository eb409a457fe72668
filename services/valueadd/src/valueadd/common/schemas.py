"""Field types shared by valueadd's request bodies."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

#: A GB/T 2260 administrative division code (province 440000, city 440300, county 440305).
RegionCode = Annotated[str, Field(pattern=r"^\d{6}$", examples=["440300"])]


class Body(BaseModel):
    """Request bodies refuse unknown fields, so a misspelt field is an error, not ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def region_covers(rule: str, region: str) -> bool:
    """A rule code covers a region when the region lies inside it: 440000 covers 440305,
    440300 covers 440305, 440305 covers only itself."""
    if rule.endswith("0000"):
        return region[:2] == rule[:2]
    if rule.endswith("00"):
        return region[:4] == rule[:4]
    return region == rule
