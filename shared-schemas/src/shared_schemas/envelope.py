"""The envelope every event travels in, whatever its producer."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Generic, TypeVar
from uuid import UUID

from pydantic import BaseModel, Field, field_validator

from shared_schemas.base import CONTRACT_CONFIG, EventPayload
from shared_schemas.ids import uuid7

P = TypeVar("P", bound=EventPayload)

# producer.aggregate.event, lower snake case segments: the topic is the event type without
# its last segment (orders.order.created → orders.order).
EVENT_TYPE_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){2,}$"


class EventEnvelope(BaseModel, Generic[P]):
    """Metadata common to all events plus a typed payload.

    Published with the Kafka key = `aggregate_id`, so events of one aggregate stay ordered.
    """

    model_config = CONTRACT_CONFIG

    event_id: UUID = Field(default_factory=uuid7, description="Unique id; consumers dedupe on it.")
    event_type: str = Field(
        pattern=EVENT_TYPE_PATTERN,
        description="producer.aggregate.event, e.g. orders.order.created",
    )
    version: int = Field(ge=1, description="Payload schema version of this event type.")
    occurred_at: datetime = Field(description="When the change happened, timezone-aware UTC.")
    producer: str = Field(min_length=1, description="Name of the service that published it.")
    org_id: UUID | None = Field(default=None, description="Owning institution (机构), if any.")
    aggregate_id: str = Field(min_length=1, description="Id of the changed aggregate; Kafka key.")
    correlation_id: str | None = Field(
        default=None, description="Id shared by every event and request of one business flow."
    )
    causation_id: str | None = Field(
        default=None, description="Id of the event or request that directly caused this one."
    )
    payload: P

    @field_validator("occurred_at")
    @classmethod
    def _aware_utc(cls, value: datetime) -> datetime:
        # A naive timestamp is ambiguous (server local time? Asia/Shanghai?), so it is refused;
        # an aware one is normalised to UTC so every stored and compared instant has one form.
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(
                "occurred_at must be timezone-aware (UTC), got a naive datetime; "
                "use datetime.now(UTC) or an ISO string ending in 'Z' or '+00:00'"
            )
        return value.astimezone(UTC)
