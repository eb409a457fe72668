"""Problems the statement module answers with."""

from __future__ import annotations

from servicekit.errors import Conflict, NotFound, Unprocessable


class StatementNotFound(NotFound):
    code = "statement_not_found"

    def __init__(self) -> None:
        super().__init__("No such statement that you may see.")


class LineNotFound(NotFound):
    code = "statement_line_not_found"

    def __init__(self) -> None:
        super().__init__("The statement has no such redemption.")


class StatementEmpty(Unprocessable):
    code = "statement_empty"

    def __init__(self) -> None:
        super().__init__(
            "The merchant has no redemptions in this period that are not on a statement yet.",
            errors=[
                {
                    "field": "body.period_from",
                    "code": "statement_empty",
                    "message": "no unstated redemptions in the period",
                }
            ],
        )


class StatementNotOpen(Conflict):
    code = "statement_not_open"

    def __init__(self, status: str) -> None:
        super().__init__(f"The statement is {status}; its lines can no longer change.")
