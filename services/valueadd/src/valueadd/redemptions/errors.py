"""Problems a redemption answers with (the code says which check failed)."""

from __future__ import annotations

from servicekit.errors import Conflict, Unprocessable


def _on_code(code: str, message: str) -> list[dict[str, str]]:
    return [{"field": "body.code", "code": code, "message": message}]


class CodeInvalid(Unprocessable):
    code = "coupon_code_invalid"

    def __init__(self) -> None:
        super().__init__(
            "This is not a coupon code (12 characters, XXXX-XXXX-XXXX).",
            errors=_on_code(self.code, "not a coupon code"),
        )


class AlreadyRedeemed(Conflict):
    code = "coupon_already_redeemed"

    def __init__(self) -> None:
        super().__init__(
            "The coupon has already been redeemed.", errors=_on_code(self.code, "already redeemed")
        )


class CouponVoided(Conflict):
    code = "coupon_voided"

    def __init__(self) -> None:
        super().__init__("The coupon was voided.", errors=_on_code(self.code, "voided"))


class CouponExpired(Unprocessable):
    code = "coupon_expired"

    def __init__(self, valid_to: str) -> None:
        super().__init__(
            f"The coupon was valid until {valid_to}.",
            errors=_on_code(self.code, f"valid until {valid_to}"),
        )


class CouponNotYetValid(Unprocessable):
    code = "coupon_not_yet_valid"

    def __init__(self, valid_from: str) -> None:
        super().__init__(
            f"The coupon is valid from {valid_from}.",
            errors=_on_code(self.code, f"valid from {valid_from}"),
        )


class ProductNotRedeemableHere(Unprocessable):
    code = "product_not_redeemable_here"

    def __init__(self, product: str) -> None:
        super().__init__(
            f"This merchant does not redeem {product}.",
            errors=_on_code(self.code, f"{product} is not on this merchant's list"),
        )


class RegionNotAllowed(Unprocessable):
    code = "region_not_allowed"

    def __init__(self, region: str) -> None:
        super().__init__(
            f"The coupon may not be used in region {region}.",
            errors=[
                {
                    "field": "body.store_id",
                    "code": self.code,
                    "message": f"store region {region} is outside the coupon's regions",
                }
            ],
        )


class CarModelNotAllowed(Unprocessable):
    code = "car_model_not_allowed"

    def __init__(self) -> None:
        super().__init__(
            "The coupon is not valid for this car model.",
            errors=[
                {
                    "field": "body.car_model",
                    "code": self.code,
                    "message": "not one of the coupon's car models",
                }
            ],
        )


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"

    def __init__(self) -> None:
        super().__init__("This idempotency key was used for another coupon.")
