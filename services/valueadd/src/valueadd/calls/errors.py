"""Problems the call records and rate cards answer with."""

from __future__ import annotations

from servicekit.errors import Unprocessable


def _field(field: str, code: str, message: str) -> list[dict[str, str]]:
    return [{"field": field, "code": code, "message": message}]


class BindingUnknown(Unprocessable):
    code = "privacy_binding_unknown"

    def __init__(self) -> None:
        super().__init__(
            "No scan made this binding (or it is not yours).",
            errors=_field("body.binding_id", self.code, "unknown binding"),
        )


class CallEndsBeforeStart(Unprocessable):
    code = "call_ends_before_start"

    def __init__(self) -> None:
        super().__init__(
            "The call ends before it starts.",
            errors=_field("body.ended_at", self.code, "before started_at"),
        )
