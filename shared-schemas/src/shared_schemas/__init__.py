"""Contracts shared between the platform's services: pydantic models only.

Event envelope, event payloads (one module per producer and version), Money, shared enums,
and the registry that maps (event_type, version) to its payload model and topic.
"""

from shared_schemas.base import ContractModel, EventPayload, SharedEventPayload, trusted
from shared_schemas.catalogue_specs import CATALOGUE
from shared_schemas.enums import (
    Entry,
    InsuranceLine,
    OrderCategory,
    OrderDirection,
    OrderStatus,
    OrgType,
    RedInvoiceReason,
    SellingEntity,
)
from shared_schemas.envelope import EventEnvelope
from shared_schemas.events.finance.v1 import (
    InvoiceAppliedV1,
    InvoiceIssuedV1,
    InvoiceRejectedV1,
    InvoiceReversedV1,
    OrdersCovered,
    OrderShare,
    PaymentMadeV1,
    ReceiptAllocatedV1,
)
from shared_schemas.events.insurance.v1 import PolicyIssuedV1
from shared_schemas.events.order_request.v1 import (
    OrderRequestCounterparty,
    OrderRequestLine,
    OrderRequestSubmittedV1,
)
from shared_schemas.events.orders.v1 import (
    OrderCreatedV1,
    OrderRequestRejectedV1,
    OrderStatusChangedV1,
    SettlementListCreatedV1,
)
from shared_schemas.events.sso.v1 import EntitlementChangedV1
from shared_schemas.events.valueadd.v1 import StaffEarningAccruedV1
from shared_schemas.ids import uuid7
from shared_schemas.money import AmountCNY, Money
from shared_schemas.registry import (
    DuplicateEventSpec,
    EventRegistry,
    UnknownEventType,
    default_registry,
    new_event,
    parse,
    payload_model,
    register,
    topic_for,
)
from shared_schemas.spec import EventSpec

__all__ = [
    "CATALOGUE",
    "AmountCNY",
    "ContractModel",
    "DuplicateEventSpec",
    "EntitlementChangedV1",
    "Entry",
    "EventEnvelope",
    "EventPayload",
    "EventRegistry",
    "EventSpec",
    "InsuranceLine",
    "InvoiceAppliedV1",
    "InvoiceIssuedV1",
    "InvoiceRejectedV1",
    "InvoiceReversedV1",
    "Money",
    "OrderCategory",
    "OrderCreatedV1",
    "OrderDirection",
    "OrderRequestCounterparty",
    "OrderRequestLine",
    "OrderRequestRejectedV1",
    "OrderRequestSubmittedV1",
    "OrderShare",
    "OrderStatus",
    "OrderStatusChangedV1",
    "OrdersCovered",
    "OrgType",
    "PaymentMadeV1",
    "PolicyIssuedV1",
    "ReceiptAllocatedV1",
    "RedInvoiceReason",
    "SellingEntity",
    "SettlementListCreatedV1",
    "SharedEventPayload",
    "StaffEarningAccruedV1",
    "UnknownEventType",
    "default_registry",
    "new_event",
    "parse",
    "payload_model",
    "register",
    "topic_for",
    "trusted",
    "uuid7",
]
