"""Problems about institutions that several modules answer with."""

from __future__ import annotations

import uuid

from servicekit.errors import NotFound, Unprocessable


class InstitutionNotFound(NotFound):
    """The institution in the path does not exist."""

    code = "institution_not_found"

    def __init__(self, institution_id: uuid.UUID) -> None:
        super().__init__(f"No institution {institution_id}.")


class UnknownInstitution(Unprocessable):
    """An institution named in the body does not exist."""

    code = "unknown_institution"

    def __init__(self, institution_id: uuid.UUID, field: str = "body.institution_id") -> None:
        super().__init__(
            f"No institution {institution_id}.",
            errors=[{"field": field, "code": self.code, "message": "no such institution"}],
        )
