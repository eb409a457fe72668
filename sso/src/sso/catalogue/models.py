"""Entries, functions and the catalogue files they were synced from."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from sso.db import Base, UtcDateTime


class Entry(Base):
    """An entry (入口): a sub-system with its own function menus. `business` entries are the
    five the portal launches; `platform` is sso's own administration console."""

    __tablename__ = "entries"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    icon: Mapped[str | None] = mapped_column(String(60))
    sort_order: Mapped[int] = mapped_column(Integer)
    #: The catalogue file (source) that declared it.
    source: Mapped[str] = mapped_column(String(60))


class Function(Base):
    """A function (功能) inside an entry: a menu or a button; `<entry>.<...>` codes, where a
    child's code extends its parent's (`finance.invoice` → `finance.invoice.apply`)."""

    __tablename__ = "functions"

    code: Mapped[str] = mapped_column(String(120), primary_key=True)
    entry_code: Mapped[str] = mapped_column(ForeignKey("entries.code"), index=True)
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("functions.code"))
    kind: Mapped[str] = mapped_column(String(16))  # menu | button
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    sort_order: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(60))
    #: Set when its source's newer catalogue no longer declares it: it can no longer be granted
    #: and no longer counts, but grants naming it are kept (it may come back).
    retired_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class CatalogueSource(Base):
    """The last catalogue file synced per source (`platform` is sso's own)."""

    __tablename__ = "catalogue_sources"

    source: Mapped[str] = mapped_column(String(60), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    checksum: Mapped[str] = mapped_column(String(64))
    synced_at: Mapped[datetime] = mapped_column(UtcDateTime)
