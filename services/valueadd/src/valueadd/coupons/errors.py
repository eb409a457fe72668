"""Problems the coupon module answers with."""

from __future__ import annotations

from servicekit.errors import Conflict, NotFound, Unprocessable


def _field(field: str, code: str, message: str) -> list[dict[str, str]]:
    return [{"field": field, "code": code, "message": message}]


class ProductNotFound(Unprocessable):
    code = "product_not_found"

    def __init__(self, field: str = "body.product_id") -> None:
        super().__init__(
            "No such coupon product.", errors=_field(field, self.code, "unknown product")
        )


class ProductMissing(NotFound):
    code = "product_not_found"

    def __init__(self) -> None:
        super().__init__("No such coupon product that you may see.")


class ProductCodeTaken(Conflict):
    code = "product_code_taken"

    def __init__(self) -> None:
        super().__init__(
            "A coupon product with this code exists.",
            errors=_field("body.code", self.code, "code taken"),
        )


class RuleExists(Conflict):
    code = "issue_rule_exists"

    def __init__(self) -> None:
        super().__init__(
            "A rule for this insurer, line, insurance product and coupon product exists."
        )


class BatchNotFound(NotFound):
    code = "batch_not_found"

    def __init__(self) -> None:
        super().__init__("No such batch that you may see.")


class BatchQuantityExceeded(Conflict):
    code = "batch_quantity_exceeded"

    def __init__(self, remaining: int) -> None:
        super().__init__(
            f"The batch has only {remaining} coupons left to issue.",
            errors=_field("body.count", self.code, f"at most {remaining}"),
        )


class CouponNotFound(NotFound):
    code = "coupon_not_found"

    def __init__(self) -> None:
        super().__init__("No coupon with this code that you may see.")


class CouponNotVoidable(Conflict):
    code = "coupon_not_voidable"

    def __init__(self, status: str) -> None:
        super().__init__(f"The coupon is {status}; only an issued coupon can be voided.")
