"""All SQL of packages and entitlements."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from sso.entitlements.models import (
    InstitutionEntitlement,
    InstitutionEntry,
    InstitutionFunction,
    Package,
    PackageEntry,
    PackageFunction,
)
from sso.entitlements.state import EntitlementState, EntryState
from sso.organizations.models import Institution


class EntitlementRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- institutions' entitlements -----------------------------------------------------------

    async def entitlement(
        self, institution_id: uuid.UUID, *, lock: bool = False
    ) -> InstitutionEntitlement | None:
        """`lock`: held until the transaction ends, so concurrent changes of one institution
        apply one after the other (PostgreSQL; SQLite serialises writers)."""
        # populate_existing: the version moves by UPDATE statements (bump_version), which do
        # not refresh an instance already loaded in this session.
        query = (
            select(InstitutionEntitlement)
            .where(InstitutionEntitlement.institution_id == institution_id)
            .execution_options(populate_existing=True)
        )
        if lock:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def state(self, institution_id: uuid.UUID) -> EntitlementState:
        return (await self.states([institution_id]))[institution_id]

    async def states(
        self, institution_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, EntitlementState]:
        ids = list(institution_ids)
        entries: dict[uuid.UUID, dict[str, EntryState]] = {i: {} for i in ids}
        functions: dict[uuid.UUID, set[str]] = {i: set() for i in ids}
        for chunk in _chunks(ids):
            rows = await self.session.execute(
                select(InstitutionEntry).where(InstitutionEntry.institution_id.in_(chunk))
            )
            for e in rows.scalars():
                entries[e.institution_id][e.entry_code] = EntryState(
                    e.enabled, e.target_url, e.client_id
                )
            pairs = await self.session.execute(
                select(InstitutionFunction.institution_id, InstitutionFunction.function_code).where(
                    InstitutionFunction.institution_id.in_(chunk)
                )
            )
            for institution_id, code in pairs:
                functions[institution_id].add(code)
        return {i: EntitlementState(entries[i], frozenset(functions[i])) for i in ids}

    async def create(
        self, institution_id: uuid.UUID, package_id: uuid.UUID | None, by: str, at: datetime
    ) -> None:
        self.session.add(
            InstitutionEntitlement(
                institution_id=institution_id,
                package_id=package_id,
                version=0,  # the first write raises it to 1
                updated_at=at,
                updated_by=by,
            )
        )
        await self.session.flush()

    async def write(
        self, institution_id: uuid.UUID, old: EntitlementState, new: EntitlementState
    ) -> None:
        """Write only what differs between `old` (as stored) and `new`."""
        gone = [code for code in old.entries if code not in new.entries]
        if gone:
            await self.session.execute(
                delete(InstitutionEntry).where(
                    InstitutionEntry.institution_id == institution_id,
                    InstitutionEntry.entry_code.in_(gone),
                )
            )
        for code, entry in new.entries.items():
            values = {
                "enabled": entry.enabled,
                "target_url": entry.target_url,
                "client_id": entry.client_id,
            }
            if code not in old.entries:
                await self.session.execute(
                    insert(InstitutionEntry).values(
                        institution_id=institution_id, entry_code=code, **values
                    )
                )
            elif old.entries[code] != entry:
                await self.session.execute(
                    update(InstitutionEntry)
                    .where(
                        InstitutionEntry.institution_id == institution_id,
                        InstitutionEntry.entry_code == code,
                    )
                    .values(**values)
                )
        removed = old.functions - new.functions
        if removed:
            await self.session.execute(
                delete(InstitutionFunction).where(
                    InstitutionFunction.institution_id == institution_id,
                    InstitutionFunction.function_code.in_(sorted(removed)),
                )
            )
        added = new.functions - old.functions
        if added:
            await self.session.execute(
                insert(InstitutionFunction),
                [{"institution_id": institution_id, "function_code": c} for c in sorted(added)],
            )

    async def bump_version(self, institution_id: uuid.UUID, by: str, at: datetime) -> int:
        """Atomic: concurrent changes each get their own version."""
        statement = (
            update(InstitutionEntitlement)
            .where(InstitutionEntitlement.institution_id == institution_id)
            .values(version=InstitutionEntitlement.version + 1, updated_by=by[:120], updated_at=at)
            .returning(InstitutionEntitlement.version)
            .execution_options(synchronize_session=False)
        )
        return int((await self.session.execute(statement)).scalar_one())

    async def set_package(self, institution_id: uuid.UUID, package_id: uuid.UUID | None) -> None:
        await self.session.execute(
            update(InstitutionEntitlement)
            .where(InstitutionEntitlement.institution_id == institution_id)
            .values(package_id=package_id)
            .execution_options(synchronize_session=False)
        )

    async def entries_using_client(
        self, client_id: uuid.UUID
    ) -> Sequence[tuple[InstitutionEntry, Institution]]:
        query = (
            select(InstitutionEntry, Institution)
            .join(Institution, Institution.id == InstitutionEntry.institution_id)
            .where(InstitutionEntry.client_id == client_id)
            .order_by(Institution.path, InstitutionEntry.entry_code)
        )
        return [(e, i) for e, i in (await self.session.execute(query)).all()]

    # -- packages -----------------------------------------------------------------------------

    async def packages(self) -> Sequence[Package]:
        return (await self.session.execute(select(Package).order_by(Package.code))).scalars().all()

    async def package(self, package_id: uuid.UUID) -> Package | None:
        return await self.session.get(Package, package_id)

    async def package_by_code(self, code: str, *, lock: bool = False) -> Package | None:
        query = select(Package).where(Package.code == code)
        if lock:
            query = query.with_for_update().execution_options(populate_existing=True)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def default_package(self, org_type: str) -> Package | None:
        query = select(Package).where(Package.default_for_type == org_type)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def package_content(self, package_id: uuid.UUID) -> tuple[set[str], set[str]]:
        entries = await self.session.execute(
            select(PackageEntry.entry_code).where(PackageEntry.package_id == package_id)
        )
        functions = await self.session.execute(
            select(PackageFunction.function_code).where(PackageFunction.package_id == package_id)
        )
        return set(entries.scalars()), set(functions.scalars())

    async def usage_counts(self) -> dict[uuid.UUID, int]:
        query = (
            select(InstitutionEntitlement.package_id, func.count())
            .where(InstitutionEntitlement.package_id.is_not(None))
            .group_by(InstitutionEntitlement.package_id)
        )
        return {pid: int(n) for pid, n in (await self.session.execute(query)).all()}

    async def institutions_following(self, package_id: uuid.UUID) -> Sequence[Institution]:
        query = (
            select(Institution)
            .join(InstitutionEntitlement, InstitutionEntitlement.institution_id == Institution.id)
            .where(InstitutionEntitlement.package_id == package_id)
            .order_by(Institution.path)
        )
        return (await self.session.execute(query)).scalars().all()

    async def lock_following(self, package_id: uuid.UUID) -> None:
        """Lock the entitlements of every institution following the package (in one order, so
        concurrent applies cannot deadlock), before a package change reads their state."""
        query = (
            select(InstitutionEntitlement.institution_id)
            .where(InstitutionEntitlement.package_id == package_id)
            .order_by(InstitutionEntitlement.institution_id)
            .with_for_update()
        )
        await self.session.execute(query)

    async def versions(self, institution_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, int]:
        out: dict[uuid.UUID, int] = {}
        for chunk in _chunks(list(institution_ids)):
            rows = await self.session.execute(
                select(InstitutionEntitlement.institution_id, InstitutionEntitlement.version).where(
                    InstitutionEntitlement.institution_id.in_(chunk)
                )
            )
            out.update({i: int(v) for i, v in rows.all()})
        return out

    def add_package(self, package: Package) -> None:
        self.session.add(package)

    async def write_package_content(
        self,
        package_id: uuid.UUID,
        old: tuple[set[str], set[str]],
        new: tuple[set[str], set[str]],
    ) -> None:
        await self.session.flush()
        for table, column, before, after in (
            (PackageEntry, PackageEntry.entry_code, old[0], new[0]),
            (PackageFunction, PackageFunction.function_code, old[1], new[1]),
        ):
            removed = before - after
            if removed:
                await self.session.execute(
                    delete(table).where(table.package_id == package_id, column.in_(sorted(removed)))
                )
            added = after - before
            if added:
                await self.session.execute(
                    insert(table),
                    [{"package_id": package_id, column.key: code} for code in sorted(added)],
                )


def _chunks(ids: list[uuid.UUID], size: int = 500) -> list[list[uuid.UUID]]:
    """IN lists stay below SQLite's bound-parameter limit."""
    return [ids[i : i + size] for i in range(0, len(ids), size)]
