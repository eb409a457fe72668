"""The function catalogue: syncing catalogue files, reading the tree, checking grants.

Registration path for services: a catalogue file (the format of sso's own `functions.json`,
schemas.CatalogueFile) with the service's name as `source` and a version raised with every
change, synced by `python -m sso register-functions <file>` or
`PUT /v1/admin/catalogue/sources/{source}`. A sync is idempotent (same version, same content:
nothing happens) and never deletes: functions a newer version no longer declares are retired.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from importlib import resources

from servicekit.errors import Conflict, Unprocessable
from sso.actors import Actor
from sso.audit.service import AuditService
from sso.catalogue.models import CatalogueSource, Entry, Function
from sso.catalogue.repository import CatalogueRepository
from sso.catalogue.schemas import (
    CatalogueFile,
    CatalogueRead,
    EntryDecl,
    EntryKind,
    EntryRead,
    FunctionDecl,
    FunctionKind,
    FunctionNode,
    SourceRead,
    SyncResult,
    SyncStatus,
)
from sso.db import utcnow

log = logging.getLogger("sso.catalogue")

BUILTIN_SOURCE = "platform"


def builtin_catalogue() -> CatalogueFile:
    """sso's own catalogue file, shipped inside the package."""
    text = resources.files("sso.catalogue").joinpath("functions.json").read_text("utf-8")
    return CatalogueFile.model_validate_json(text)


@dataclass(frozen=True)
class FunctionInfo:
    code: str
    entry: str
    parent: str | None
    kind: FunctionKind


class Catalogue:
    """The active (not retired) catalogue in memory: a few hundred rows, read per request."""

    def __init__(self, entries: Iterable[Entry], functions: Iterable[Function]) -> None:
        self.entries = {e.code: e for e in entries}
        self.functions = {
            f.code: FunctionInfo(f.code, f.entry_code, f.parent_code, FunctionKind(f.kind))
            for f in functions
        }

    def business_entries(self) -> list[str]:
        return [c for c, e in self.entries.items() if e.kind == EntryKind.business]

    def functions_of(self, entries: Collection[str]) -> set[str]:
        return {code for code, info in self.functions.items() if info.entry in entries}

    def entry_of(self, code: str) -> str:
        return self.functions[code].entry

    def with_ancestors(self, codes: Iterable[str]) -> set[str]:
        """Granting a button grants the menus above it, so it can be reached."""
        closed: set[str] = set()
        for code in codes:
            current: str | None = code
            while current is not None and current not in closed:
                closed.add(current)
                current = self.functions[current].parent
        return closed

    def check_grantable(self, codes: Iterable[str], field: str) -> set[str]:
        """The codes closed under their ancestors; 422 naming each unknown or retired code."""
        codes = list(codes)
        errors = [
            {
                "field": f"{field}[{index}]",
                "code": "unknown_function",
                "message": f"{code} is not in the function catalogue (or is retired)",
                "function": code,
            }
            for index, code in enumerate(codes)
            if code not in self.functions
        ]
        if errors:
            unknown = ", ".join(e["function"] for e in errors)
            raise Unprocessable(
                f"Unknown functions: {unknown}.", code="unknown_functions", errors=errors
            )
        return self.with_ancestors(codes)

    def check_entries(self, codes: Iterable[str], field: str) -> set[str]:
        codes = list(codes)
        errors = [
            {
                "field": f"{field}[{index}]",
                "code": "unknown_entry",
                "message": f"{code} is not an entry",
                "entry": code,
            }
            for index, code in enumerate(codes)
            if code not in self.entries
        ]
        if errors:
            unknown = ", ".join(e["entry"] for e in errors)
            raise Unprocessable(
                f"Unknown entries: {unknown}.", code="unknown_entries", errors=errors
            )
        return set(codes)


class CatalogueService:
    def __init__(self, repository: CatalogueRepository, audit: AuditService) -> None:
        self.repo = repository
        self.audit = audit

    async def current(self) -> Catalogue:
        return Catalogue(await self.repo.entries(), await self.repo.functions())

    async def read(self) -> CatalogueRead:
        functions = await self.repo.functions()
        children: dict[str | None, list[Function]] = {}
        for function in functions:
            children.setdefault(function.parent_code, []).append(function)

        def node(f: Function) -> FunctionNode:
            return FunctionNode(
                code=f.code,
                type=FunctionKind(f.kind),
                name_zh=f.name_zh,
                name_en=f.name_en,
                source=f.source,
                children=[node(c) for c in children.get(f.code, [])],
            )

        return CatalogueRead(
            entries=[
                EntryRead(
                    code=e.code,
                    kind=EntryKind(e.kind),
                    name_zh=e.name_zh,
                    name_en=e.name_en,
                    icon=e.icon,
                    functions=[node(f) for f in children.get(None, []) if f.entry_code == e.code],
                )
                for e in await self.repo.entries()
            ],
            sources=[SourceRead.model_validate(s) for s in await self.repo.sources()],
        )

    async def sync(
        self, file: CatalogueFile, actor: Actor, *, tolerate_older: bool = False
    ) -> SyncResult:
        """Bring the database to the file's content. `tolerate_older`: a file older than the
        database is skipped (a replica of the previous release starting) instead of refused."""
        await self.repo.lock_for_sync()
        checksum = file.checksum()
        stored = await self.repo.source(file.source)
        if stored is not None and stored.version >= file.version:
            if stored.version == file.version and stored.checksum == checksum:
                return SyncResult(
                    source=file.source, version=file.version, status=SyncStatus.unchanged
                )
            if stored.version > file.version and tolerate_older:
                log.warning(
                    "catalogue %s v%d is older than the database's v%d; not synced",
                    file.source,
                    file.version,
                    stored.version,
                )
                return SyncResult(
                    source=file.source, version=stored.version, status=SyncStatus.skipped_older
                )
            raise Conflict(
                f"Catalogue {file.source} is at version {stored.version} with other content; "
                f"a changed file needs a version above {stored.version}.",
                code="catalogue_version_not_increased",
                errors=[
                    {
                        "field": "body.version",
                        "code": "version_not_increased",
                        "message": f"must be above {stored.version}",
                    }
                ],
            )
        previous = stored.version if stored is not None else None
        result = await self._apply(file)
        now = utcnow()
        if stored is None:
            self.repo.add(
                CatalogueSource(
                    source=file.source, version=file.version, checksum=checksum, synced_at=now
                )
            )
        else:
            stored.version, stored.checksum, stored.synced_at = file.version, checksum, now
        await self.repo.flush()
        self.audit.record(
            actor,
            "catalogue.synced",
            target_type="catalogue_source",
            target_id=file.source,
            label=file.source,
            before={"version": previous} if previous is not None else None,
            after=result.model_dump(mode="json"),
        )
        log.info(
            "catalogue %s synced to v%d: %d added, %d updated, %d retired",
            file.source,
            file.version,
            len(result.added),
            len(result.updated),
            len(result.retired),
        )
        return result

    async def _apply(self, file: CatalogueFile) -> SyncResult:
        entries = {e.code: e for e in await self.repo.entries()}
        existing = {f.code: f for f in await self.repo.functions(include_retired=True)}
        declared = self._validated(file, entries, existing)
        for e_order, entry in enumerate(file.entries):
            if entry.declares_entry:
                self._upsert_entry(entry, entries.get(entry.code), file.source, e_order)
        await self.repo.flush()  # entries before the functions that reference them
        result = SyncResult(source=file.source, version=file.version, status=SyncStatus.applied)
        for decl, entry_code, parent, order in declared:  # parents come before their children
            wanted = {
                "entry_code": entry_code,
                "parent_code": parent,
                "kind": decl.type.value,
                "name_zh": decl.name_zh,
                "name_en": decl.name_en,
                "sort_order": order,
                "retired_at": None,
            }
            function = existing.get(decl.code)
            if function is None:
                self.repo.add(Function(code=decl.code, source=file.source, **wanted))
                result.added.append(decl.code)
            elif any(getattr(function, name) != value for name, value in wanted.items()):
                for name, value in wanted.items():
                    setattr(function, name, value)
                result.updated.append(decl.code)
        now = utcnow()
        declared_codes = {d.code for d, *_ in declared}
        for function in existing.values():
            if (
                function.source == file.source
                and function.code not in declared_codes
                and function.retired_at is None
            ):
                function.retired_at = now
                result.retired.append(function.code)
        await self.repo.flush()
        return result

    def _validated(
        self, file: CatalogueFile, entries: dict[str, Entry], existing: dict[str, Function]
    ) -> list[tuple[FunctionDecl, str, str | None, int]]:
        """The file's functions flattened, parents first, as (declaration, entry, parent,
        sort order); 422 `catalogue_invalid` listing every problem against the database."""
        declared: list[tuple[FunctionDecl, str, str | None, int]] = []
        errors: list[dict[str, str]] = []
        for e_index, entry in enumerate(file.entries):
            self._check_entry(entry, entries.get(entry.code), file.source, e_index, errors)
            for f_index, top in enumerate(entry.functions):
                where = f"body.entries[{e_index}].functions[{f_index}]"
                if top.parent is not None:
                    self._check_parent(top, existing, file, where, errors)
                self._flatten(top, entry.code, top.parent, f_index, declared)
        for decl, *_ in declared:
            owner = existing.get(decl.code)
            if owner is not None and owner.source != file.source:
                errors.append(
                    {
                        "field": "body.entries",
                        "code": "function_of_other_source",
                        "message": f"{decl.code} belongs to source {owner.source}",
                    }
                )
        if errors:
            raise Unprocessable(
                f"Catalogue {file.source} v{file.version} cannot be synced: "
                + "; ".join(e["message"] for e in errors[:5]),
                code="catalogue_invalid",
                errors=errors,
            )
        return declared

    @staticmethod
    def _check_entry(
        decl: EntryDecl, entry: Entry | None, source: str, index: int, errors: list[dict[str, str]]
    ) -> None:
        field = f"body.entries[{index}]"
        if entry is None and not decl.declares_entry:
            errors.append(
                {
                    "field": f"{field}.code",
                    "code": "unknown_entry",
                    "message": f"entry {decl.code} does not exist; declare it with kind and names",
                }
            )
        elif entry is not None and decl.declares_entry and entry.source != source:
            errors.append(
                {
                    "field": f"{field}.kind",
                    "code": "entry_of_other_source",
                    "message": f"entry {decl.code} belongs to source {entry.source}; "
                    "name it by code only",
                }
            )

    @staticmethod
    def _check_parent(
        top: FunctionDecl,
        existing: dict[str, Function],
        file: CatalogueFile,
        field: str,
        errors: list[dict[str, str]],
    ) -> None:
        assert top.parent is not None
        in_file = {d.code: d for e in file.entries for t in e.functions for d in t.walk()}
        parent_kind = (
            in_file[top.parent].type.value
            if top.parent in in_file
            else existing[top.parent].kind
            if top.parent in existing
            else None
        )
        if parent_kind is None:
            errors.append(
                {
                    "field": f"{field}.parent",
                    "code": "unknown_parent",
                    "message": f"parent {top.parent} of {top.code} does not exist",
                }
            )
        elif parent_kind != FunctionKind.menu.value:
            errors.append(
                {
                    "field": f"{field}.parent",
                    "code": "parent_not_a_menu",
                    "message": f"parent {top.parent} of {top.code} is not a menu",
                }
            )
        elif not top.code.startswith(top.parent + "."):
            errors.append(
                {
                    "field": f"{field}.code",
                    "code": "code_outside_parent",
                    "message": f"a child of {top.parent} must be named {top.parent}.<…>",
                }
            )

    def _flatten(
        self,
        decl: FunctionDecl,
        entry: str,
        parent: str | None,
        order: int,
        out: list[tuple[FunctionDecl, str, str | None, int]],
    ) -> None:
        out.append((decl, entry, parent, order * 10))
        for index, child in enumerate(decl.children):
            self._flatten(child, entry, decl.code, index, out)

    def _upsert_entry(self, decl: EntryDecl, entry: Entry | None, source: str, order: int) -> None:
        assert decl.kind is not None and decl.name_zh is not None and decl.name_en is not None
        if entry is None:
            self.repo.add(
                Entry(
                    code=decl.code,
                    kind=decl.kind.value,
                    name_zh=decl.name_zh,
                    name_en=decl.name_en,
                    icon=decl.icon,
                    sort_order=order * 10,
                    source=source,
                )
            )
            return
        entry.kind, entry.name_zh, entry.name_en, entry.icon = (
            decl.kind.value,
            decl.name_zh,
            decl.name_en,
            decl.icon,
        )


def load_file(text: str) -> CatalogueFile:
    """A catalogue file's text → the validated model (pydantic's ValidationError if wrong)."""
    return CatalogueFile.model_validate(json.loads(text))
