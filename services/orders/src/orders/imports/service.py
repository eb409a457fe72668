"""Bulk import (批量导入): a job per uploaded file; rows validated with `OrderCreate` and created
through `OrderService.create` — the REST path, so each order gets its trajectory and
`orders.order.created` — or, in a dry run, only checked (`OrderService.preflight`)."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from pydantic import ValidationError

from orders.imports.models import ImportJob, ImportRowError
from orders.imports.parsing import FileProblem, Row, column_of, to_body
from orders.imports.repository import ImportRepository
from orders.jobs.models import UNFINISHED, JobStatus, principal_from_json
from orders.order.schemas import OrderCreate
from orders.order.service import ContentKey, OrderService, content_key, source_ref_reused
from servicekit.auth import Principal
from servicekit.errors import Conflict, NotFound, ProblemError

#: A job untouched this long while unfinished is taken for dead (its process stopped).
STALE_AFTER = timedelta(minutes=5)
#: Which column a refusal of the order service is about.
_PROBLEM_COLUMNS = {"org_not_visible": "customer_org_id", "source_ref_reused": "source_ref"}


class ImportNotFound(NotFound):
    code = "import_not_found"

    def __init__(self, job_id: uuid.UUID) -> None:
        super().__init__(f"No import {job_id} that you started.")


class ImportNotResumable(Conflict):
    code = "import_not_resumable"


class ImportService:
    def __init__(self, repository: ImportRepository, orders: OrderService) -> None:
        self.repo = repository
        self.orders = orders

    async def start(
        self, content: bytes, filename: str, file_format: str, dry_run: bool, principal: Principal
    ) -> ImportJob:
        job = ImportJob(
            id=uuid.uuid4(),
            filename=filename[:200],
            file_format=file_format,
            dry_run=dry_run,
            created=0,
            skipped=0,
            failed=0,
            content=content,
        )
        job.start_fields(principal)
        self.repo.add(job)
        await self.repo.save()
        return job

    async def mine(self, job_id: uuid.UUID, principal: Principal) -> ImportJob:
        job = await self.repo.mine(job_id, principal)
        if job is None:
            raise ImportNotFound(job_id)
        return job

    async def resume(self, job_id: uuid.UUID, principal: Principal) -> ImportJob:
        """A failed job, or one whose process died, continues after its last committed chunk."""
        job = await self.mine(job_id, principal)
        stale = job.status in UNFINISHED and job.updated_at < datetime.now(UTC) - STALE_AFTER
        if job.status != JobStatus.failed.value and not stale:
            raise ImportNotResumable(f"Import {job_id} is {job.status}; nothing to resume.")
        job.error = None
        job.finished_at = None
        job.touch(JobStatus.queued)
        await self.repo.save()
        return job

    async def error_report(self, job_id: uuid.UUID, principal: Principal) -> str:
        """The refused rows as CSV (UTF-8 with BOM, so Excel shows Chinese text)."""
        job = await self.mine(job_id, principal)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["row", "column", "code", "message", "value"])
        for e in await self.repo.errors(job.id):
            writer.writerow([e.row_no, e.column, e.code, e.message, e.value or ""])
        return "\ufeff" + out.getvalue()

    # -- the runner's steps (runner.py owns the transactions) ---------------------------------

    async def job(self, job_id: uuid.UUID) -> ImportJob | None:
        return await self.repo.get(job_id)

    async def refuse_file(self, job: ImportJob, problem: FileProblem) -> None:
        self.repo.add_errors(
            [ImportRowError(job_id=job.id, row_no=1, column=problem.column, code=problem.code,
                            message=problem.message, value=None)]
        )  # fmt: skip
        job.total = 0
        job.touch(JobStatus.failed, problem.message)
        await self.repo.save()

    async def process(
        self, job: ImportJob, rows: Sequence[Row], seen: dict[tuple[str, str], ContentKey]
    ) -> None:
        """The next chunk: rows `job.processed` … onwards. `seen` remembers this run's rows
        (a dry run writes nothing, so a repeated reference in the file is caught there)."""
        principal = principal_from_json(job.principal)
        errors: list[ImportRowError] = []
        for offset, row in enumerate(rows):
            row_no = job.processed + offset + 2  # the header is row 1
            refusals = await self._row(job, row, principal, seen)
            if isinstance(refusals, str):
                setattr(job, refusals, getattr(job, refusals) + 1)
                continue
            job.failed += 1
            errors += [
                ImportRowError(job_id=job.id, row_no=row_no, column=column, code=code,
                               message=message, value=(row.get(column) or None) and row[column][:200])
                for column, code, message in refusals
            ]  # fmt: skip
        self.repo.add_errors(errors)
        job.processed += len(rows)
        job.touch(JobStatus.running)
        await self.repo.save()

    async def _row(
        self,
        job: ImportJob,
        row: Row,
        principal: Principal,
        seen: dict[tuple[str, str], ContentKey],
    ) -> str | list[tuple[str, str, str]]:
        """The counter to bump ("created", "skipped") or the row's (column, code, message)s."""
        try:
            data = OrderCreate.model_validate(to_body(row))
        except ValidationError as exc:
            return [(column_of(e["loc"]), e["type"], e["msg"]) for e in exc.errors()]
        source = (data.source_service, data.source_ref)
        try:
            if not job.dry_run:
                _, created = await self.orders.create(data, principal)
                return "created" if created else "skipped"
            existing = await self.orders.preflight(data, principal)
            if existing is not None:
                return "skipped"
            earlier = seen.get(source)
            if earlier is not None and earlier != content_key(data):
                raise source_ref_reused(data, "an earlier row of this file")
            seen[source] = content_key(data)
            return "created" if earlier is None else "skipped"
        except ProblemError as exc:
            return [(_PROBLEM_COLUMNS.get(exc.code, ""), exc.code, exc.detail)]
