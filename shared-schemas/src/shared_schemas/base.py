"""Base classes every contract model shares."""

from pydantic import BaseModel, ConfigDict

# Contracts are values: frozen so a received event cannot be mutated by a handler, and
# extra="forbid" so a typo or an unannounced field fails loudly instead of being dropped.
# Serialisation-mode JSON Schema marks defaulted fields required, because they are always
# present on the wire.
CONTRACT_CONFIG = ConfigDict(
    frozen=True,
    extra="forbid",
    json_schema_serialization_defaults_required=True,
)


class ContractModel(BaseModel):
    """A frozen, closed pydantic model used for everything that crosses a service line."""

    model_config = CONTRACT_CONFIG


class EventPayload(ContractModel):
    """Base class of every event payload (the `payload` of an `EventEnvelope`)."""
