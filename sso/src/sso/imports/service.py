"""Legacy import of the risk-assessment system's institutions and users.

Rules (also in sso/README.md):
- every row is checked and written on its own (a savepoint each): a bad row is reported and
  the others still import; a row is never half-written;
- a dry run does everything a real run does, then rolls it all back — only the report stays;
- unknown institution code, a username already used in another institution, a row differing
  from the existing record, a username or code twice in the file → error rows;
- a record identical to the existing one → skipped, so importing the same file again changes
  nothing;
- imported users have no usable password and must change it: an administrator resets it
  (which hands out a temporary password) before their first sign-in.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from servicekit.errors import NotFound, ProblemError
from sso.actors import Actor
from sso.audit.service import AuditService
from sso.config import Settings
from sso.db import utcnow
from sso.imports.models import ImportRow, ImportRun
from sso.imports.parsing import Table, read_table
from sso.imports.repository import ImportRepository
from sso.imports.schemas import (
    COLUMNS,
    ImportKind,
    ImportReport,
    InstitutionRow,
    RowError,
    RowOutcome,
    RowReport,
    UserRow,
)
from sso.organizations.models import Institution
from sso.organizations.schemas import InstitutionCreate, Region
from sso.organizations.service import OrganizationService
from sso.roles.repository import RoleRepository
from sso.users.models import User, UserSource
from sso.users.schemas import UserCreate
from sso.users.service import UserService

ERROR_ROWS_SHOWN = 200

#: Where the services' field names land in the file's columns.
_COLUMN_OF = {
    "body.code": "institution_code",
    "body.name": "institution_name",
    "body.type": "institution_type",
    "body.parent_id": "parent_code",
    "body.region": "province_code",
    "body.username": "username",
    "body.display_name": "display_name",
    "body.institution_id": "institution_code",
    "body.role_ids": "role_codes",
    "body.email": "email",
    "body.phone": "phone",
}


class ImportNotFound(NotFound):
    code = "import_not_found"

    def __init__(self, run_id: uuid.UUID) -> None:
        super().__init__(f"No import {run_id} of yours.")


@dataclass
class RowResult:
    row_no: int
    values: dict[str, str]
    key: str | None = None
    outcome: RowOutcome = RowOutcome.error
    target_id: uuid.UUID | None = None
    errors: list[dict[str, str]] = field(default_factory=list)

    def fail(self, column: str, code: str, message: str) -> RowResult:
        self.outcome = RowOutcome.error
        self.errors.append({"field": column, "code": code, "message": message})
        return self


def _column(service_field: str) -> str:
    for prefix, column in _COLUMN_OF.items():
        if service_field.startswith(prefix):
            return column
    return ""


def _validation_errors(
    exc: ValidationError, *, of_service_body: bool = False
) -> list[dict[str, str]]:
    """A row's own validation (loc = column) or a service's body (loc mapped to a column)."""
    errors = []
    for error in exc.errors():
        loc = [str(part) for part in error["loc"]]
        column = _column("body." + ".".join(loc)) if of_service_body else (loc[0] if loc else "")
        errors.append({"field": column, "code": error["type"], "message": error["msg"]})
    return errors


class ImportService:
    def __init__(
        self,
        repository: ImportRepository,
        organizations: OrganizationService,
        users: UserService,
        roles: RoleRepository,
        audit: AuditService,
        settings: Settings,
    ) -> None:
        self.repo = repository
        self.organizations = organizations
        self.users = users
        self.roles = roles
        self.audit = audit
        self.settings = settings

    async def run(
        self,
        kind: ImportKind,
        content: bytes,
        *,
        filename: str | None,
        dry_run: bool,
        actor: Actor,
    ) -> ImportReport:
        table = read_table(
            content, COLUMNS[kind], max_rows=self.settings.import_max_rows, sheet=kind.value
        )
        # The run is written first: it stays for dry runs too (the report is the point), and on
        # SQLite it makes this transaction a writer before the savepoint's reads, so a commit
        # of the outbox relay meanwhile cannot leave it with a stale snapshot.
        run = await self._start(kind, table, filename, dry_run, actor)
        everything = await self.repo.savepoint()
        try:
            if kind is ImportKind.institutions:
                results = await self._institutions(table, actor)
            else:
                results = await self._users(table, actor)
        except BaseException:
            await everything.rollback()
            raise
        if dry_run:  # everything undone; only the report stays
            await everything.rollback()
            for result in results:
                if result.outcome is RowOutcome.created:
                    result.outcome, result.target_id = RowOutcome.would_create, None
        else:
            await everything.commit()
        await self._finish(run, results, actor)
        return self._report(run, [r for r in results if r.outcome is RowOutcome.error])

    async def _start(
        self,
        kind: ImportKind,
        table: Table,
        filename: str | None,
        dry_run: bool,
        actor: Actor,
    ) -> ImportRun:
        run = ImportRun(
            id=uuid.uuid4(),
            kind=kind.value,
            file_format=table.format.value,
            filename=filename[:200] if filename else None,
            dry_run=dry_run,
            actor=actor.subject[:120],
            actor_institution_id=actor.institution_id,
            columns=table.columns,
            rows_total=len(table.rows),
            created=0,
            skipped=0,
            failed=0,
            started_at=utcnow(),
        )
        await self.repo.add_run(run)
        return run

    async def _finish(self, run: ImportRun, results: list[RowResult], actor: Actor) -> None:
        """Every row's outcome and the counts; a real run is audited."""
        run.created = sum(
            r.outcome in (RowOutcome.created, RowOutcome.would_create) for r in results
        )
        run.skipped = sum(r.outcome is RowOutcome.skipped for r in results)
        run.failed = sum(r.outcome is RowOutcome.error for r in results)
        results.sort(key=lambda r: r.row_no)
        await self.repo.add_rows(
            [
                {
                    "run_id": run.id,
                    "row_no": r.row_no,
                    "outcome": r.outcome.value,
                    "key": r.key,
                    "target_id": r.target_id,
                    "values": r.values,
                    "errors": r.errors,
                }
                for r in results
            ],
        )
        if not run.dry_run:
            self.audit.record(
                actor,
                "import.completed",
                target_type="import",
                target_id=run.id,
                label=f"{run.kind} {run.filename or ''}".strip(),
                institution_id=actor.institution_id,
                after={
                    "rows": run.rows_total,
                    "created": run.created,
                    "skipped": run.skipped,
                    "failed": run.failed,
                },
            )

    async def _each(self, result: RowResult, write: Callable[[], Awaitable[uuid.UUID]]) -> None:
        """One row's writes in a savepoint: all of them, or none and an error row."""
        try:
            async with self.repo.savepoint():
                result.target_id = await write()
            result.outcome = RowOutcome.created
        except ProblemError as exc:
            for error in exc.errors or [{"field": "", "code": exc.code, "message": exc.detail}]:
                result.fail(
                    _column(str(error.get("field", ""))),
                    str(error.get("code", exc.code)),
                    str(error.get("message", exc.detail)),
                )
        except ValidationError as exc:
            result.errors += _validation_errors(exc, of_service_body=True)
            result.outcome = RowOutcome.error

    # -- institutions -------------------------------------------------------------------------

    async def _institutions(self, table: Table, actor: Actor) -> list[RowResult]:
        repo = self.organizations.repo
        parsed: dict[int, InstitutionRow] = {}
        results: dict[int, RowResult] = {}
        for row_no, values in table.rows:
            result = results[row_no] = RowResult(row_no, values, values.get("institution_code"))
            try:
                parsed[row_no] = InstitutionRow.model_validate(values)
            except ValidationError as exc:
                result.errors = _validation_errors(exc)
        codes = {r.institution_code for r in parsed.values()}
        codes |= {r.parent_code for r in parsed.values() if r.parent_code}
        known = await repo.by_codes(codes)
        parents_of_known = await repo.by_ids({i.parent_id for i in known.values() if i.parent_id})
        first_row: dict[str, int] = {}
        for row_no in _parents_first(parsed):
            row, result = parsed[row_no], results[row_no]
            code = row.institution_code
            if code in first_row:
                result.fail(
                    "institution_code", "duplicate_in_file", f"also on row {first_row[code]}"
                )
                continue
            first_row[code] = row_no
            existing = known.get(code)
            if existing is not None:
                parent = parents_of_known.get(existing.parent_id) if existing.parent_id else None
                self._compare_institution(row, existing, parent, result)
                continue
            parent = known.get(row.parent_code) if row.parent_code else None
            if row.parent_code and parent is None:
                failed_above = row.parent_code in first_row
                result.fail(
                    "parent_code",
                    "parent_not_imported" if failed_above else "unknown_parent",
                    f"{row.parent_code} "
                    + (
                        "failed on its own row"
                        if failed_above
                        else "is neither in the database nor in the file"
                    ),
                )
                continue

            async def create(
                row: InstitutionRow = row, parent: Institution | None = parent
            ) -> uuid.UUID:
                region = (
                    Region(province_code=row.province_code, city_code=row.city_code)
                    if row.province_code
                    else None
                )
                made = await self.organizations.create(
                    InstitutionCreate(
                        code=row.institution_code,
                        name=row.institution_name,
                        type=row.institution_type,
                        parent_id=parent.id if parent else None,
                        region=region,
                    ),
                    actor,
                )
                return made.id

            await self._each(result, create)
            if result.outcome is RowOutcome.created:
                made = await repo.by_code(code)
                assert made is not None
                known[code] = made
        return list(results.values())

    @staticmethod
    def _compare_institution(
        row: InstitutionRow, existing: Institution, parent: Institution | None, result: RowResult
    ) -> None:
        differs = [
            column
            for column, ours, theirs in (
                ("institution_name", existing.name, row.institution_name),
                ("institution_type", existing.type, row.institution_type.value),
                ("parent_code", parent.code if parent else None, row.parent_code),
                ("province_code", existing.province_code, row.province_code),
                ("city_code", existing.city_code, row.city_code),
            )
            if ours != theirs
        ]
        result.target_id = existing.id
        if differs:
            result.fail(
                differs[0],
                "differs_from_existing",
                f"institution {existing.code} exists with other values in: " + ", ".join(differs),
            )
        else:
            result.outcome = RowOutcome.skipped

    # -- users --------------------------------------------------------------------------------

    @staticmethod
    def _compare_user(
        row: UserRow, user: User, institution: Institution, result: RowResult
    ) -> None:
        if user.institution_id != institution.id:
            result.fail(
                "username",
                "username_in_other_institution",
                f"{row.username} already belongs to another institution",
            )
            return
        differs = [
            column
            for column, ours, theirs in (
                ("display_name", user.display_name, row.display_name),
                ("phone", user.phone, row.phone),
                ("email", user.email, row.email),
            )
            if ours != theirs
        ]
        result.target_id = user.id
        if differs:
            result.fail(
                differs[0],
                "differs_from_existing",
                f"{user.username} exists with other values in: " + ", ".join(differs),
            )
        else:
            result.outcome = RowOutcome.skipped

    async def _users(self, table: Table, actor: Actor) -> list[RowResult]:
        results: list[RowResult] = []
        parsed: list[tuple[RowResult, UserRow]] = []
        for row_no, values in table.rows:
            result = RowResult(row_no, values, values.get("username"))
            results.append(result)
            try:
                parsed.append((result, UserRow.model_validate(values)))
            except ValidationError as exc:
                result.errors = _validation_errors(exc)
        institutions = await self.organizations.repo.by_codes(
            {r.institution_code for _, r in parsed}
        )
        existing = await self.users.repo.by_usernames({r.username for _, r in parsed})
        first_row: dict[str, int] = {}
        for result, row in parsed:
            key = row.username.casefold()
            if key in first_row:
                result.fail("username", "duplicate_in_file", f"also on row {first_row[key]}")
                continue
            first_row[key] = result.row_no
            institution = institutions.get(row.institution_code)
            if institution is None:
                result.fail(
                    "institution_code",
                    "unknown_institution",
                    f"no institution {row.institution_code}; import institutions first",
                )
                continue
            if not actor.covers(institution):
                result.fail(
                    "institution_code",
                    "outside_subtree",
                    f"{institution.code} is outside the institutions you administer",
                )
                continue
            user = existing.get(key)
            if user is not None:
                self._compare_user(row, user, institution, result)
                continue
            role_ids = []
            for code in row.role_codes:
                role = await self.roles.by_code(institution.id, code)
                if role is None:
                    result.fail(
                        "role_codes", "unknown_role", f"{institution.code} has no role {code}"
                    )
                else:
                    role_ids.append(role.id)
            if result.errors:
                continue

            async def create(
                row: UserRow = row,
                institution: Institution = institution,
                role_ids: list[uuid.UUID] = role_ids,
            ) -> uuid.UUID:
                made = await self.users.create(
                    UserCreate(
                        username=row.username,
                        display_name=row.display_name,
                        institution_id=institution.id,
                        email=row.email,
                        phone=row.phone,
                        must_change_password=True,
                        role_ids=role_ids,
                    ),
                    actor,
                    source=UserSource.imported,
                    external_ref=row.legacy_id,
                    usable_password=False,
                    status=row.status,
                )
                return made.id

            await self._each(result, create)
        return results

    # -- reading ------------------------------------------------------------------------------

    async def _visible_run(self, run_id: uuid.UUID, actor: Actor) -> ImportRun:
        run = await self.repo.run(run_id)
        if run is None or not (actor.platform_operator or run.actor == actor.subject):
            raise ImportNotFound(run_id)
        return run

    async def get(self, run_id: uuid.UUID, actor: Actor) -> ImportReport:
        run = await self._visible_run(run_id, actor)
        rows = await self.repo.rows(run.id, errors_only=True, limit=ERROR_ROWS_SHOWN)
        return self._report(run, rows)

    async def report_rows(
        self, run_id: uuid.UUID, actor: Actor
    ) -> tuple[list[str], list[Sequence[Any]]]:
        """Every row: outcome and errors first, then the row's own cells (fix and re-import)."""
        run = await self._visible_run(run_id, actor)
        header = ["row", "outcome", "key", "error_columns", "error_messages", *run.columns]
        lines: list[Sequence[Any]] = [
            (
                r.row_no,
                r.outcome,
                r.key,
                "; ".join(e.get("field") or "-" for e in r.errors),
                "; ".join(e.get("message", "") for e in r.errors),
                *(r.values.get(c, "") for c in run.columns),
            )
            for r in await self.repo.rows(run.id)
        ]
        return header, lines

    @staticmethod
    def _report(run: ImportRun, error_rows: Sequence[RowResult | ImportRow]) -> ImportReport:
        return ImportReport(
            id=run.id,
            kind=ImportKind(run.kind),
            format=run.file_format,
            filename=run.filename,
            dry_run=run.dry_run,
            started_at=run.started_at,
            rows=run.rows_total,
            created=run.created,
            skipped=run.skipped,
            failed=run.failed,
            report_csv=f"/v1/admin/imports/{run.id}/report.csv",
            error_rows=[
                RowReport(
                    row=r.row_no,
                    outcome=RowOutcome(r.outcome),
                    key=r.key,
                    target_id=r.target_id,
                    errors=[RowError(**e) for e in r.errors],
                )
                for r in list(error_rows)[:ERROR_ROWS_SHOWN]
            ],
        )


def _parents_first(rows: dict[int, InstitutionRow]) -> list[int]:
    """Row numbers ordered so a head office in the file comes before its branches (file order
    otherwise); a cycle leaves its rows in file order, where they fail as unknown parents."""
    by_code: dict[str, int] = {}
    for row_no, row in rows.items():
        by_code.setdefault(row.institution_code, row_no)
    ordered: list[int] = []
    placed: set[int] = set()
    for start in rows:
        chain = []
        current: int | None = start
        while current is not None and current not in placed and current not in chain:
            chain.append(current)
            parent_code = rows[current].parent_code
            current = by_code.get(parent_code) if parent_code else None
        for row_no in reversed(chain):
            placed.add(row_no)
            ordered.append(row_no)
    return ordered
