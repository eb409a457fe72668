"""Problems the order module answers with (servicekit turns them into problem+json)."""

from __future__ import annotations

import uuid

from servicekit.errors import Conflict, NotFound
from shared_schemas import OrderStatus


class OrderNotFound(NotFound):
    code = "order_not_found"

    def __init__(self, order_id: uuid.UUID) -> None:
        super().__init__(f"No order {order_id} that you may see.")


class IllegalTransition(Conflict):
    code = "illegal_transition"

    def __init__(
        self, order_no: str, status: OrderStatus, target: OrderStatus, allowed: list[OrderStatus]
    ) -> None:
        allowed_text = ", ".join(allowed) if allowed else "none (no step by hand from here)"
        super().__init__(
            f"Order {order_no} is {status}; it cannot be moved to {target} by hand. "
            f"Allowed targets from {status}: {allowed_text}.",
            errors=[
                {
                    "field": "body.to",
                    "code": "illegal_transition",
                    "message": f"allowed from {status}: {allowed_text}",
                    "allowed": [str(s) for s in allowed],
                }
            ],
        )


class OrderChangedMeanwhile(Conflict):
    code = "order_changed_concurrently"

    def __init__(self) -> None:
        super().__init__("The order was changed by someone else meanwhile; reload it and retry.")
