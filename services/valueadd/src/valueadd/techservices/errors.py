"""Problems the technical-service contracts answer with."""

from __future__ import annotations

from servicekit.errors import Conflict, NotFound, Unprocessable


def _field(field: str, code: str, message: str) -> list[dict[str, str]]:
    return [{"field": field, "code": code, "message": message}]


class ContractNotFound(NotFound):
    code = "tech_contract_not_found"

    def __init__(self) -> None:
        super().__init__("No such technical-service contract that you may see.")


class PayeeRateRequired(Unprocessable):
    code = "payee_rate_required"

    def __init__(self, i: int) -> None:
        super().__init__(
            "Each payee takes either a share of the order amount or a fixed amount per order.",
            errors=_field(f"body.payees.{i}.share", self.code, "give share or fixed_amount"),
        )


class PayeeListedTwice(Unprocessable):
    code = "payee_listed_twice"

    def __init__(self, i: int) -> None:
        super().__init__(
            "A payee is listed twice.",
            errors=_field(f"body.payees.{i}.subject", self.code, "listed before"),
        )


class PayeeNotWithdrawing(Unprocessable):
    code = "payee_kind_not_withdrawing"

    def __init__(self, i: int) -> None:
        super().__init__(
            "Only service staff withdraw by themselves; promoters are paid by payment records.",
            errors=_field(f"body.payees.{i}.kind", self.code, "must be service_staff"),
        )


class SharesExceedOrder(Unprocessable):
    code = "payee_shares_exceed_order"

    def __init__(self) -> None:
        super().__init__(
            "The payees' shares add up to more than the whole order.",
            errors=_field("body.payees", self.code, "shares above 1"),
        )


class ContractTermsFixed(Unprocessable):
    code = "tech_contract_terms_fixed"

    def __init__(self, field: str) -> None:
        super().__init__(
            "A new version keeps the contract's customer, service type and order source.",
            errors=_field(f"body.{field}", self.code, "differs from the contract's"),
        )


class OrderSourceTaken(Conflict):
    code = "tech_order_source_taken"

    def __init__(self) -> None:
        super().__init__(
            "Another contract already covers this customer's orders from this source.",
            errors=_field("body.order_source", self.code, "covered by another contract"),
        )
