"""All SQL of exports (the orders themselves are read through OrderRepository)."""

from __future__ import annotations

from orders.exports.models import ExportJob
from orders.jobs.repository import JobRepository


class ExportRepository(JobRepository[ExportJob]):
    model = ExportJob
