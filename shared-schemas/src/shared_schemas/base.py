"""Base classes every contract model shares."""

from typing import Any, TypeVar

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


class SharedEventPayload(EventPayload):
    """A payload several producers publish, each under its own event type and topic (the order
    request: `insurance.order_request.submitted`, `risk.…`, `valueadd.…`).

    The registry otherwise allows one model per catalogue line; a subclass of this may carry
    several event types (never two versions of one), so the consumer validates one model
    whoever sent it. `check_event_type` says whether this instance may travel as that type;
    `new_event` calls it, so a producer cannot publish under another producer's type.
    """

    def check_event_type(self, event_type: str) -> None:
        """Raise ValueError if this payload may not be published as `event_type`."""


M = TypeVar("M", bound=BaseModel)


def trusted(model: type[M], **values: Any) -> M:
    """An instance of a contract model from values its producer already knows to fit (taken
    from validated data), without validating them: `model_construct`, but every field must
    be given (no defaults are filled in) and it costs about a third — orders publishes one
    event per order a finance event moves, hundreds per batch. A missing or unknown field
    raises TypeError; so does a model with private attributes or extra fields allowed, which
    this does not set up."""
    fields = model.__pydantic_fields__
    if values.keys() != fields.keys():
        missing, unknown = sorted(fields.keys() - values.keys()), sorted(values.keys() - fields)
        raise TypeError(f"{model.__name__}: fields missing {missing}, unknown {unknown}")
    if model.__pydantic_post_init__ is not None or model.model_config.get("extra") == "allow":
        raise TypeError(f"{model.__name__} has private attributes or extra fields")
    instance = model.__new__(model)
    # What model_construct sets for such a model, given every field.
    object.__setattr__(instance, "__dict__", values)
    object.__setattr__(instance, "__pydantic_fields_set__", set(values))
    object.__setattr__(instance, "__pydantic_extra__", None)
    object.__setattr__(instance, "__pydantic_private__", None)
    return instance
