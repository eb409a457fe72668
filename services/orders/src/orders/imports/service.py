"""Bulk import (批量导入): a job per uploaded file; rows validated with `OrderCreate` and created
through `OrderService.create` — the REST path, so each order gets its trajectory and
`orders.order.created` — or, in a dry run, only sorted out (`OrderService.sort_out`)."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Sequence
from datetime import timedelta

from pydantic import ValidationError

from orders.imports.models import ImportJob, ImportRowError
from orders.imports.parsing import FileProblem, Unit, column_of, to_body
from orders.imports.repository import ImportRepository
from orders.jobs.models import UNFINISHED, JobStatus, principal_from_json
from orders.order.schemas import OrderCreate
from orders.order.service import ContentKey, OrderService
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
        self.clock = orders.clock

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
        stale = job.status in UNFINISHED and job.updated_at < self.clock() - STALE_AFTER
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

    async def content(self, job_id: uuid.UUID) -> bytes:
        return await self.repo.content(job_id)

    async def refuse_file(self, job: ImportJob, problem: FileProblem) -> None:
        self.repo.add_errors(
            [ImportRowError(job_id=job.id, row_no=1, column=problem.column, code=problem.code,
                            message=problem.message, value=None)]
        )  # fmt: skip
        job.total = 0
        job.touch(JobStatus.failed, problem.message)
        await self.repo.save()

    async def process(
        self,
        job: ImportJob,
        chunk: Sequence[Unit],
        headers: dict[str, str],
        seen: dict[tuple[str, str], ContentKey],
    ) -> None:
        """The next chunk of orders (their rows start at `job.processed`). Valid orders are
        created together (`OrderService.create_many`); `seen` remembers this run's references
        (a dry run writes nothing, so a repeated reference in the file is caught there)."""
        principal = principal_from_json(job.principal)
        errors: list[ImportRowError] = []

        def refuse(unit: Unit, problems: list[tuple[int, str, str, str]]) -> None:
            job.failed += 1
            for offset, column, code, message in problems:
                row = unit.rows[min(offset, len(unit.rows) - 1)]
                value = row.get(column)
                errors.append(
                    ImportRowError(job_id=job.id, row_no=unit.start + offset + 2,
                                   column=headers.get(column, column), code=code,
                                   message=message, value=value[:200] if value else None)
                )  # fmt: skip

        valid: list[tuple[Unit, OrderCreate]] = []
        for unit in chunk:
            body, problems = to_body(unit.rows)
            if problems:
                refuse(unit, problems)
                continue
            try:
                valid.append((unit, OrderCreate.model_validate(body)))
            except ValidationError as exc:
                refuse(
                    unit, [(*column_of(e["loc"])[::-1], e["type"], e["msg"]) for e in exc.errors()]
                )
        if job.dry_run:  # what the import would do, one query per chunk, nothing written
            planned, _ = await self.orders.sort_out(
                [data for _, data in valid], principal, seen, "an earlier row of this file"
            )
            outcomes = ["created" if r is None else r for r in planned]
        else:
            outcomes = await self.orders.create_many([data for _, data in valid], principal)
        for (unit, _), outcome in zip(valid, outcomes, strict=True):
            if isinstance(outcome, ProblemError):
                column = _PROBLEM_COLUMNS.get(outcome.code, "")
                refuse(unit, [(0, column, outcome.code, outcome.detail)])
            else:
                setattr(job, outcome, getattr(job, outcome) + 1)
        self.repo.add_errors(errors)
        job.processed += sum(len(u.rows) for u in chunk)
        job.touch(JobStatus.running)
        await self.repo.save()
