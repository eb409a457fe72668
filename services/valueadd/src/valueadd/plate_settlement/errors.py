"""Problems the plate settlements answer with."""

from __future__ import annotations

from servicekit.errors import Conflict, Unprocessable


def _field(field: str, code: str, message: str) -> list[dict[str, str]]:
    return [{"field": field, "code": code, "message": message}]


class ContractMissing(Unprocessable):
    code = "plate_contract_missing"

    def __init__(self) -> None:
        super().__init__(
            "No plate contract with this insurer is in force by the period's end.",
            errors=_field("body.insurer_org_id", self.code, "no contract in force"),
        )


class SettlementEmpty(Unprocessable):
    code = "plate_settlement_empty"

    def __init__(self) -> None:
        super().__init__(
            "Nothing to settle in this period.",
            errors=_field("body.period_to", self.code, "nothing unsettled in the period"),
        )


class PeriodReversed(Unprocessable):
    code = "period_reversed"

    def __init__(self) -> None:
        super().__init__(
            "The period ends before it starts.",
            errors=_field("body.period_to", self.code, "before period_from"),
        )


class SettledMeanwhile(Conflict):
    code = "plate_settled_meanwhile"

    def __init__(self) -> None:
        super().__init__("Another settlement took some of these records; try again.")
