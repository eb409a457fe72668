"""Validation errors that name their field, for checks spanning several fields.

Raised inside a pydantic validator, a `ValidationError` keeps its location, so the API's 422
problem names e.g. `body.lines[2].amount` instead of `body`.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError


def field_error(
    model: str, loc: tuple[str | int, ...], code: str, message: str, value: Any
) -> ValidationError:
    """A validation error at `loc` (relative to the model being validated)."""
    detail = InitErrorDetails(type=PydanticCustomError(code, message), loc=loc, input=value)
    return ValidationError.from_exception_data(model, [detail])
