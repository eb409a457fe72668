"""Problems the move-car plates answer with."""

from __future__ import annotations

from servicekit.errors import Conflict, NotFound, Unprocessable


def _field(field: str, code: str, message: str) -> list[dict[str, str]]:
    return [{"field": field, "code": code, "message": message}]


class PlateNotFound(NotFound):
    code = "plate_not_found"

    def __init__(self) -> None:
        super().__init__("No such move-car plate that you may see.")


class PlateBatchNotFound(NotFound):
    code = "plate_batch_not_found"

    def __init__(self) -> None:
        super().__init__("No such plate batch that you may see.")


class PlateUnknown(Unprocessable):
    code = "plate_unknown"

    def __init__(self, field: str, plate_no: str) -> None:
        super().__init__(
            f"No plate {plate_no} that you may change.",
            errors=_field(field, self.code, f"no plate {plate_no}"),
        )


class PlateListedTwice(Unprocessable):
    code = "plate_listed_twice"

    def __init__(self, field: str) -> None:
        super().__init__(
            "A plate is listed twice.", errors=_field(field, self.code, "listed twice")
        )


class PlateTransitionNotAllowed(Conflict):
    code = "plate_transition_not_allowed"

    def __init__(self, field: str, plate_no: str, source: str, target: str) -> None:
        super().__init__(
            f"Plate {plate_no} is {source}; it cannot become {target}.",
            errors=_field(field, self.code, f"{source} → {target} not allowed"),
        )


class PlateChangedMeanwhile(Conflict):
    code = "plate_changed_meanwhile"

    def __init__(self) -> None:
        super().__init__("A plate changed while this was being done; read it again.")


class PlateNotYours(Unprocessable):
    code = "plate_not_owned"

    def __init__(self, field: str) -> None:
        super().__init__(
            "Only the institution that made the plates may do this.",
            errors=_field(field, self.code, "not your institution's plate"),
        )


class PlateNotCallable(Conflict):
    code = "plate_not_callable"

    def __init__(self) -> None:
        super().__init__("This plate cannot reach its owner now (not active).")
