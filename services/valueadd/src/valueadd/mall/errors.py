"""Problems the mall answers with."""

from __future__ import annotations

from servicekit.errors import Conflict, NotFound, Unprocessable


def _field(field: str, code: str, message: str) -> list[dict[str, str]]:
    return [{"field": field, "code": code, "message": message}]


class MallProductNotFound(NotFound):
    code = "mall_product_not_found"

    def __init__(self) -> None:
        super().__init__("No such mall product that you may see.")


class MallCodeTaken(Conflict):
    code = "mall_code_taken"

    def __init__(self, field: str) -> None:
        super().__init__(
            "The code is taken in this mall.", errors=_field(field, self.code, "code taken")
        )


class SkuNotFound(Unprocessable):
    code = "sku_not_found"

    def __init__(self) -> None:
        super().__init__("No such SKU.", errors=_field("body.sku_id", self.code, "unknown SKU"))


class OutOfStock(Conflict):
    code = "out_of_stock"

    def __init__(self, left: int) -> None:
        super().__init__(
            f"Only {left} left in stock.",
            errors=_field("body.quantity", self.code, f"only {left} left"),
        )


class MallOrderNotFound(NotFound):
    code = "mall_order_not_found"

    def __init__(self) -> None:
        super().__init__("No such mall order that you may see.")


class PaymentAmountMismatch(Unprocessable):
    code = "payment_amount_mismatch"

    def __init__(self, expected: str) -> None:
        super().__init__(
            f"The order's amount is {expected}.",
            errors=_field("body.amount", self.code, f"the order's amount is {expected}"),
        )


class PaymentAlreadyRecorded(Conflict):
    code = "payment_already_recorded"

    def __init__(self) -> None:
        super().__init__("Another payment result was recorded for this order already.")


class TransactionReused(Conflict):
    code = "payment_transaction_reused"

    def __init__(self) -> None:
        super().__init__(
            "The channel's transaction number belongs to another order.",
            errors=_field("body.transaction_no", self.code, "belongs to another order"),
        )
