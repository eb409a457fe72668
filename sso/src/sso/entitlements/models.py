"""Packages (版本) and institutions' entitlements."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from sso.db import Base, UtcDateTime


class Package(Base):
    """A package (版本): the entries and functions an institution of a kind is sold."""

    __tablename__ = "packages"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    #: New institutions of this type (shared_schemas.OrgType) follow it unless told otherwise.
    default_for_type: Mapped[str | None] = mapped_column(String(24), unique=True)
    #: Raised by every applied change; a preview names it so an apply can refuse a stale one.
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PackageEntry(Base):
    __tablename__ = "package_entries"

    package_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("packages.id"), primary_key=True)
    entry_code: Mapped[str] = mapped_column(ForeignKey("entries.code"), primary_key=True)


class PackageFunction(Base):
    __tablename__ = "package_functions"

    package_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("packages.id"), primary_key=True)
    function_code: Mapped[str] = mapped_column(ForeignKey("functions.code"), primary_key=True)


class InstitutionEntitlement(Base):
    """One per institution: the package it follows and its entitlement version."""

    __tablename__ = "institution_entitlements"

    institution_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("institutions.id"), primary_key=True
    )
    package_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("packages.id"), index=True)
    #: Raised with every change of entries, functions or target URLs; tokens carry it, and
    #: `sso.entitlement.changed` announces it.
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(120))


class InstitutionEntry(Base):
    """An entry at an institution: on or off, and where it opens for the institution's users."""

    __tablename__ = "institution_entries"

    institution_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("institutions.id"), primary_key=True
    )
    entry_code: Mapped[str] = mapped_column(ForeignKey("entries.code"), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean)
    #: The tenant's own system for this entry (e.g. 华成's insurance system); None: the
    #: platform's console. Its origin belongs to `client_id`'s registered URIs.
    target_url: Mapped[str | None] = mapped_column(String(500))
    client_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("clients.id"), index=True)


class InstitutionFunction(Base):
    """A function granted to an institution; it counts only while its entry is on."""

    __tablename__ = "institution_functions"

    institution_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("institutions.id"), primary_key=True
    )
    function_code: Mapped[str] = mapped_column(ForeignKey("functions.code"), primary_key=True)
