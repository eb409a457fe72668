"""Roles and the functions they grant."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from sso.db import Base, UtcDateTime


class Role(Base):
    __tablename__ = "roles"
    __table_args__ = (UniqueConstraint("institution_id", "code", name="uq_roles_institution_code"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    institution_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("institutions.id"), index=True)
    code: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(String(500))
    #: The technology company's staff who act on every institution (`op` in tokens); only in
    #: technology institutions, created and assigned only by platform operators.
    platform_operator: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RoleFunction(Base):
    """A function the role grants. Kept even when the institution loses it: what counts is
    always role ∩ entitlement, computed when read."""

    __tablename__ = "role_functions"

    role_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("roles.id"), primary_key=True)
    function_code: Mapped[str] = mapped_column(ForeignKey("functions.code"), primary_key=True)
