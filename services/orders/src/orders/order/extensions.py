"""Extension data per order category (扩展数据), validated against the category's model.

A category listed in `EXTENSIONS` may carry an `extension` object of that model; any other
category carries none. Stored as JSON (JSONB on PostgreSQL) in the model's JSON form, which is
what the usage analyses (car model, city, hour, weekday, merchant, product) read.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from servicekit.validation import field_error
from shared_schemas import OrderCategory

_REGION_CODE = r"^\d{6}$"


class _Extension(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Location(_Extension):
    """Where the service was used: administrative division codes (GB/T 2260) and the text."""

    province_code: str = Field(pattern=_REGION_CODE, examples=["440000"])
    city_code: str = Field(pattern=_REGION_CODE, examples=["440300"])
    text: str | None = Field(default=None, max_length=200, examples=["深圳市南山区科技园"])

    @model_validator(mode="after")
    def _city_in_province(self) -> Self:
        # The first two digits of a GB/T 2260 code are the province.
        if self.city_code[:2] != self.province_code[:2]:
            raise field_error(
                "Location",
                ("city_code",),
                "city_not_in_province",
                f"city {self.city_code} is not in province {self.province_code}",
                self.city_code,
            )
        return self


class Merchant(_Extension):
    id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)


class Product(_Extension):
    id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)


class ValueAddedRedemptionExtension(_Extension):
    """增值服务核销: which coupon product was redeemed, when, where, at which merchant, for which car."""

    coupon_used_at: AwareDatetime = Field(description="When the coupon was used (aware time).")
    car_model: str | None = Field(default=None, max_length=100, examples=["比亚迪 秦PLUS"])
    location: Location | None = None
    merchant: Merchant
    product: Product

    @field_validator("coupon_used_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)


#: The categories that carry extension data, and its model.
EXTENSIONS: dict[OrderCategory, type[BaseModel]] = {
    OrderCategory.value_added_redemption: ValueAddedRedemptionExtension,
}


def validate_extension(category: OrderCategory, data: dict[str, Any]) -> dict[str, Any]:
    """The extension in its stored JSON form; raises ValidationError (located) if it does not fit."""
    model = EXTENSIONS.get(category)
    if model is None:
        raise ValueError(f"{category.value} orders carry no extension data")
    return model.model_validate(data).model_dump(mode="json")
