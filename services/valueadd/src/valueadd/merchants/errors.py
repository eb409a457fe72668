"""Problems the merchant module answers with."""

from __future__ import annotations

from servicekit.errors import Conflict, Forbidden, NotFound, Unprocessable


class MerchantNotFound(NotFound):
    code = "merchant_not_found"

    def __init__(self) -> None:
        super().__init__("No such merchant that you may see.")


class MerchantExists(Conflict):
    code = "merchant_exists"

    def __init__(self) -> None:
        super().__init__(
            "This institution already has a merchant profile.",
            errors=[
                {"field": "body.org_id", "code": "merchant_exists", "message": "already a merchant"}
            ],
        )


class StoreNotFound(Unprocessable):
    code = "store_not_found"

    def __init__(self, field: str = "body.store_id") -> None:
        super().__init__(
            "No such store of this merchant.",
            errors=[
                {"field": field, "code": "store_not_found", "message": "not this merchant's store"}
            ],
        )


class StoreNameTaken(Conflict):
    code = "store_name_taken"

    def __init__(self) -> None:
        super().__init__(
            "The merchant already has a store of this name.",
            errors=[{"field": "body.name", "code": "store_name_taken", "message": "name taken"}],
        )


class StaffElsewhere(Conflict):
    code = "staff_of_another_merchant"

    def __init__(self) -> None:
        super().__init__("This user is already staff of another merchant.")


class OperatorsOnly(Forbidden):
    code = "operators_only"

    def __init__(self, what: str) -> None:
        super().__init__(f"Only platform operators may {what}.")


class NotMerchantStaff(Forbidden):
    code = "not_merchant_staff"

    def __init__(self) -> None:
        super().__init__("You are not registered as staff of a merchant.")
