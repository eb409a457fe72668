"""Institutions as a tree with a materialised path (ADR 0006)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from sso.db import Base, UtcDateTime

#: Byte-wise ordering on PostgreSQL too (the default collation may skip punctuation such as
#: '/'), so the subtree's range scan [path, path-with-last-'/'-as-'0') is exact (ADR 0006).
PathString = String(1000).with_variant(String(1000, collation="C"), "postgresql")


class InstitutionStatus(StrEnum):
    active = "active"
    disabled = "disabled"


class Institution(Base):
    """An institution (机构): the technology company, an agency, an insurtech service firm, a
    mall — or a branch of one of them (parent)."""

    __tablename__ = "institutions"
    __table_args__ = (Index("ix_institutions_path", "path"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: 机构类型: shared_schemas.OrgType
    type: Mapped[str] = mapped_column(String(24))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("institutions.id"), index=True)
    #: `/<root id hex>/…/<own id hex>/`: every descendant's path starts with it.
    path: Mapped[str] = mapped_column(PathString)
    depth: Mapped[int] = mapped_column(Integer)
    #: GB/T 2260 administrative division codes (routing of pushed vehicles uses them later).
    province_code: Mapped[str | None] = mapped_column(String(6))
    city_code: Mapped[str | None] = mapped_column(String(6))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    @property
    def ancestor_ids(self) -> list[uuid.UUID]:
        """Root first, itself excluded."""
        return ancestors_on(self.path)


def ancestors_on(path: str) -> list[uuid.UUID]:
    """The head offices on an institution's `path`, root first, the institution excluded."""
    return [uuid.UUID(part) for part in path.strip("/").split("/")[:-1]]


def path_segment(institution_id: uuid.UUID) -> str:
    return f"{institution_id.hex}/"
