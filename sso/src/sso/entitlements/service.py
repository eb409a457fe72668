"""Entitlements: what each institution may use, packages, and announcing every change.

Every change of an institution's entries, functions or target URLs raises its entitlement
version by one, is audited with before and after, and publishes `sso.entitlement.changed`
through the outbox — in the caller's transaction, so the three commit together or not at all.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from servicekit.errors import Conflict, NotFound, Unprocessable
from servicekit.messaging import Outbox
from shared_schemas import EntitlementChangedV1, Entry, new_event
from sso.actors import Actor
from sso.audit.service import AuditService
from sso.catalogue.schemas import EntryKind
from sso.catalogue.service import Catalogue, CatalogueService
from sso.clients.service import ClientService
from sso.db import utcnow
from sso.entitlements.defaults import DEFAULT_PACKAGES
from sso.entitlements.models import Package
from sso.entitlements.repository import EntitlementRepository
from sso.entitlements.schemas import (
    EntitlementRead,
    EntitlementUpdate,
    EntryGrantRead,
    InstitutionChange,
    PackageChange,
    PackageContent,
    PackageCreate,
    PackageRead,
)
from sso.entitlements.state import EntitlementState, EntryState, PackageDelta, StateDiff
from sso.organizations.errors import InstitutionNotFound
from sso.organizations.models import Institution
from sso.organizations.repository import InstitutionRepository

PRODUCER = "sso"


class PackageNotFound(NotFound):
    code = "package_not_found"

    def __init__(self, code: str) -> None:
        super().__init__(f"No package {code!r}.")


def _unknown_package(code: str, field: str) -> Unprocessable:
    return Unprocessable(
        f"No package {code!r}.",
        code="unknown_package",
        errors=[{"field": field, "code": "unknown_package", "message": f"no package {code!r}"}],
    )


@dataclass(frozen=True)
class _PlannedChange:
    institution: Institution
    old: EntitlementState
    new: EntitlementState
    diff: StateDiff
    version: int


class EntitlementService:
    def __init__(
        self,
        repository: EntitlementRepository,
        institutions: InstitutionRepository,
        catalogue: CatalogueService,
        clients: ClientService,
        audit: AuditService,
        outbox: Outbox,
    ) -> None:
        self.repo = repository
        self.institutions = institutions
        self.catalogue = catalogue
        self.clients = clients
        self.audit = audit
        self.outbox = outbox

    # -- one institution ----------------------------------------------------------------------

    async def initialise(
        self,
        institution: Institution,
        package_code: str | None,
        parent: Institution | None,
        actor: Actor,
        *,
        field: str = "body.package_code",
    ) -> int:
        """A new institution's entitlement: its package's content — never more than its head
        office holds — at version 1 (announced like any change)."""
        package = await self._package_for(institution.type, package_code, field)
        state = EntitlementState()
        if package is not None:
            entries, functions = await self.repo.package_content(package.id)
            state = EntitlementState({e: EntryState(True) for e in entries}, frozenset(functions))
        if parent is not None:
            above = await self.repo.state(parent.id)
            state = EntitlementState(
                {e: s for e, s in state.entries.items() if e in above.enabled_entries()},
                state.functions & above.functions,
            )
        await self.repo.create(
            institution.id, package.id if package else None, actor.subject, utcnow()
        )
        return await self._change(institution, EntitlementState(), state, actor, force=True)

    async def _package_for(
        self, org_type: str, package_code: str | None, field: str
    ) -> Package | None:
        if package_code is None:
            return await self.repo.default_package(org_type)
        package = await self.repo.package_by_code(package_code)
        if package is None:
            raise _unknown_package(package_code, field)
        return package

    async def _institution(self, institution_id: uuid.UUID, actor: Actor) -> Institution:
        institution = await self.institutions.get(institution_id)
        if institution is None:
            raise InstitutionNotFound(institution_id)
        actor.ensure_covers(institution)
        return institution

    async def read(self, institution_id: uuid.UUID, actor: Actor) -> EntitlementRead:
        institution = await self._institution(institution_id, actor)
        return await self._read(institution)

    async def _read(self, institution: Institution) -> EntitlementRead:
        entitlement = await self.repo.entitlement(institution.id)
        state = await self.repo.state(institution.id)
        catalogue = await self.catalogue.current()
        package = (
            await self.repo.package(entitlement.package_id)
            if entitlement is not None and entitlement.package_id is not None
            else None
        )
        clients = await self.clients.repo.by_ids(
            {e.client_id for e in state.entries.values() if e.client_id is not None}
        )
        entries = []
        for code, entry in catalogue.entries.items():
            held = state.entries.get(code, EntryState(enabled=False))
            entries.append(
                EntryGrantRead(
                    entry=code,
                    kind=EntryKind(entry.kind),
                    name_zh=entry.name_zh,
                    name_en=entry.name_en,
                    enabled=held.enabled,
                    target_url=held.target_url,
                    client_id=clients[held.client_id].client_id if held.client_id else None,
                    functions=sorted(
                        f
                        for f in state.functions
                        if catalogue.functions.get(f) and catalogue.entry_of(f) == code
                    ),
                )
            )
        return EntitlementRead(
            institution_id=institution.id,
            institution_code=institution.code,
            package_code=package.code if package else None,
            version=entitlement.version if entitlement else 0,
            entries=entries,
        )

    async def replace(
        self, institution_id: uuid.UUID, data: EntitlementUpdate, actor: Actor
    ) -> EntitlementRead:
        actor.ensure_operator("change institutions' entitlements")
        institution = await self._institution(institution_id, actor)
        entitlement = await self.repo.entitlement(institution.id, lock=True)
        if entitlement is None:
            raise InstitutionNotFound(institution_id)
        if data.based_on_version is not None and entitlement.version != data.based_on_version:
            raise Conflict(
                f"The entitlement of {institution.code} is at version {entitlement.version}, "
                f"not {data.based_on_version}; reload it and retry.",
                code="entitlement_changed_meanwhile",
            )
        catalogue = await self.catalogue.current()
        catalogue.check_entries([g.entry for g in data.entries], "body.entries")
        entries: dict[str, EntryState] = {}
        functions: set[str] = set()
        for index, grant in enumerate(data.entries):
            field = f"body.entries[{index}]"
            granted = catalogue.check_grantable(grant.functions, f"{field}.functions")
            self._ensure_inside_entry(catalogue, grant.functions, grant.entry, f"{field}.functions")
            functions |= granted
            client_pk = None
            if grant.target_url is not None:
                client = await self.clients.client_for_target(institution, grant.target_url)
                if client is None:
                    raise Unprocessable(
                        f"{grant.target_url} belongs to no registered client of {institution.code}, "
                        "its head offices or the platform; register the client first.",
                        code="target_url_not_registered",
                        errors=[
                            {
                                "field": f"{field}.target_url",
                                "code": "target_url_not_registered",
                                "message": "its origin is no registered client's",
                            }
                        ],
                    )
                client_pk = client.id
            entries[grant.entry] = EntryState(grant.enabled, grant.target_url, client_pk)
        if data.package_code is not None:
            package = await self.repo.package_by_code(data.package_code)
            if package is None:
                raise _unknown_package(data.package_code, "body.package_code")
            if package.id != entitlement.package_id:
                await self.repo.set_package(institution.id, package.id)
                self.audit.record(
                    actor,
                    "entitlement.package_changed",
                    target_type="institution",
                    target_id=institution.id,
                    label=institution.code,
                    institution_id=institution.id,
                    after={"package": package.code},
                )
        old = await self.repo.state(institution.id)
        new = EntitlementState(entries, frozenset(functions)).normalised()
        await self._change(institution, old, new, actor)
        return await self._read(institution)

    @staticmethod
    def _ensure_inside_entry(
        catalogue: Catalogue, codes: list[str], entry: str, field: str
    ) -> None:
        errors = [
            {
                "field": f"{field}[{index}]",
                "code": "function_outside_entry",
                "message": f"{code} belongs to entry {catalogue.entry_of(code)}, not {entry}",
                "function": code,
            }
            for index, code in enumerate(codes)
            if catalogue.entry_of(code) != entry
        ]
        if errors:
            raise Unprocessable(
                "Functions listed under the wrong entry: "
                + ", ".join(e["function"] for e in errors),
                code="function_outside_entry",
                errors=errors,
            )

    async def _change(
        self,
        institution: Institution,
        old: EntitlementState,
        new: EntitlementState,
        actor: Actor,
        *,
        force: bool = False,
    ) -> int:
        """Write, raise the version, audit and announce; nothing at all when nothing differs
        (`force`: announce even so — a new institution's first version)."""
        diff = StateDiff.between(old, new)
        if diff.empty and not force:
            entitlement = await self.repo.entitlement(institution.id)
            return entitlement.version if entitlement else 0
        await self.repo.write(institution.id, old, new)
        version = await self.repo.bump_version(institution.id, actor.subject, utcnow())
        self.audit.record(
            actor,
            "entitlement.changed",
            target_type="institution",
            target_id=institution.id,
            label=institution.code,
            institution_id=institution.id,
            before={"version": version - 1, **old.snapshot()} if version > 1 else None,
            after={"version": version, **new.snapshot()},
        )
        event = new_event(
            "sso.entitlement.changed",
            EntitlementChangedV1(
                org_id=institution.id,
                entitlement_version=version,
                # The contract lists the portal's entries; sso's console is not one of them.
                entries=[e for e in Entry if e.value in new.enabled_entries()],
                changed_by=actor.subject,
            ),
            producer=PRODUCER,
            aggregate_id=institution.id,
            org_id=institution.id,
            correlation_id=actor.request_id,
        )
        await self.outbox.add(self.repo.session, event)
        return version

    async def effective_functions(
        self, institution_id: uuid.UUID, catalogue: Catalogue
    ) -> set[str]:
        """What the institution holds right now (entries on, functions active)."""
        state = await self.repo.state(institution_id)
        return state.effective_functions({c: i.entry for c, i in catalogue.functions.items()})

    # -- packages -----------------------------------------------------------------------------

    async def list_packages(self) -> list[PackageRead]:
        counts = await self.repo.usage_counts()
        return [
            await self._package_read(p, counts.get(p.id, 0)) for p in await self.repo.packages()
        ]

    async def get_package(self, code: str) -> PackageRead:
        package = await self.repo.package_by_code(code)
        if package is None:
            raise PackageNotFound(code)
        counts = await self.repo.usage_counts()
        return await self._package_read(package, counts.get(package.id, 0))

    async def _package_read(self, package: Package, institutions: int) -> PackageRead:
        entries, functions = await self.repo.package_content(package.id)
        return PackageRead(
            code=package.code,
            name_zh=package.name_zh,
            name_en=package.name_en,
            default_for_type=package.default_for_type,
            version=package.version,
            entries=sorted(entries),
            functions=sorted(functions),
            institutions=institutions,
        )

    async def create_package(self, data: PackageCreate, actor: Actor) -> PackageRead:
        """A further package (e.g. a premium one); institutions follow it when created with its
        code or switched to it in their entitlement."""
        actor.ensure_operator("create packages")
        if await self.repo.package_by_code(data.code) is not None:
            raise Conflict(
                f"Package {data.code} exists.",
                code="package_code_taken",
                errors=[{"field": "body.code", "code": "taken", "message": "already exists"}],
            )
        entries, functions = await self._checked_content(data.entries, data.functions)
        package = Package(
            id=uuid.uuid4(),
            code=data.code,
            name_zh=data.name_zh,
            name_en=data.name_en,
            default_for_type=None,
            version=1,
            updated_at=utcnow(),
        )
        self.repo.add_package(package)
        await self.repo.write_package_content(package.id, (set(), set()), (entries, functions))
        self.audit.record(
            actor,
            "package.created",
            target_type="package",
            target_id=package.id,
            label=package.code,
            after={"version": 1, "entries": sorted(entries), "functions": sorted(functions)},
        )
        return await self._package_read(package, 0)

    async def preview(self, code: str, content: PackageContent, actor: Actor) -> PackageChange:
        """What applying `content` would change, institution by institution; writes nothing."""
        actor.ensure_operator("change packages")
        package = await self.repo.package_by_code(code)
        if package is None:
            raise PackageNotFound(code)
        delta, _, planned, unchanged = await self._plan(package, content)
        return self._report(package, delta, planned, unchanged, applied=False)

    async def apply(self, code: str, content: PackageContent, actor: Actor) -> PackageChange:
        """Change the package and every institution following it (by the delta only)."""
        actor.ensure_operator("change packages")
        package = await self.repo.package_by_code(code, lock=True)
        if package is None:
            raise PackageNotFound(code)
        if content.based_on_version is not None and content.based_on_version != package.version:
            raise Conflict(
                f"Package {code} is at version {package.version}, not "
                f"{content.based_on_version}; preview the change again.",
                code="package_changed_meanwhile",
            )
        await self.repo.lock_following(package.id)
        delta, (old_content, new_content), planned, unchanged = await self._plan(package, content)
        report = self._report(package, delta, planned, unchanged, applied=True)
        if old_content == new_content:
            return report
        await self.repo.write_package_content(package.id, old_content, new_content)
        package.version += 1
        package.updated_at = utcnow()
        self.audit.record(
            actor,
            "package.changed",
            target_type="package",
            target_id=package.id,
            label=package.code,
            before={
                "version": package.version - 1,
                "entries": sorted(old_content[0]),
                "functions": sorted(old_content[1]),
            },
            after={
                "version": package.version,
                "entries": sorted(new_content[0]),
                "functions": sorted(new_content[1]),
            },
        )
        for change in planned:
            await self._change(change.institution, change.old, change.new, actor)
        return report

    async def _plan(
        self, package: Package, content: PackageContent
    ) -> tuple[
        PackageDelta,
        tuple[tuple[set[str], set[str]], tuple[set[str], set[str]]],
        list[_PlannedChange],
        int,
    ]:
        entries, functions = await self._checked_content(content.entries, content.functions)
        old_content = await self.repo.package_content(package.id)
        delta = PackageDelta.between(*old_content, entries, functions)
        following = await self.repo.institutions_following(package.id)
        states = await self.repo.states([i.id for i in following])
        versions = await self.repo.versions([i.id for i in following])
        planned: list[_PlannedChange] = []
        for institution in following:
            old = states[institution.id]
            new = delta.applied_to(old)
            diff = StateDiff.between(old, new)
            if not diff.empty:
                planned.append(
                    _PlannedChange(institution, old, new, diff, versions.get(institution.id, 0))
                )
        return delta, (old_content, (entries, functions)), planned, len(following) - len(planned)

    async def _checked_content(
        self, entries: list[str], functions: list[str]
    ) -> tuple[set[str], set[str]]:
        """Known entries; known functions (with the menus above them), each of an entry the
        package includes — else 422 naming the offending items."""
        catalogue = await self.catalogue.current()
        entry_set = catalogue.check_entries(entries, "body.entries")
        function_set = catalogue.check_grantable(functions, "body.functions")
        outside = [
            {
                "field": f"body.functions[{index}]",
                "code": "entry_not_in_package",
                "message": f"{code} belongs to entry {catalogue.entry_of(code)}, which the package "
                "does not include",
                "function": code,
            }
            for index, code in enumerate(functions)
            if catalogue.entry_of(code) not in entry_set
        ]
        if outside:
            raise Unprocessable(
                "Functions of entries the package does not include: "
                + ", ".join(e["function"] for e in outside),
                code="entry_not_in_package",
                errors=outside,
            )
        return entry_set, function_set

    @staticmethod
    def _report(
        package: Package,
        delta: PackageDelta,
        planned: list[_PlannedChange],
        unchanged: int,
        *,
        applied: bool,
    ) -> PackageChange:
        changed = bool(
            delta.entries_added
            or delta.entries_removed
            or delta.functions_added
            or delta.functions_removed
        )
        # Built before an apply writes: the versions shown are the ones it sets.
        before = package.version
        return PackageChange(
            package=package.code,
            applied=applied,
            version_before=before,
            version_after=before + 1 if changed else before,
            entries_added=sorted(delta.entries_added),
            entries_removed=sorted(delta.entries_removed),
            functions_added=sorted(delta.functions_added),
            functions_removed=sorted(delta.functions_removed),
            institutions=[
                InstitutionChange(
                    institution_id=c.institution.id,
                    code=c.institution.code,
                    name=c.institution.name,
                    version_before=c.version,
                    version_after=c.version + 1,
                    entries_enabled=c.diff.entries_enabled,
                    entries_disabled=c.diff.entries_disabled,
                    functions_added=c.diff.functions_added,
                    functions_removed=c.diff.functions_removed,
                )
                for c in planned
            ],
            unchanged_institutions=unchanged,
        )

    async def ensure_default_packages(self, actor: Actor) -> list[str]:
        """Create the default package of each institution type if missing (idempotent)."""
        catalogue = await self.catalogue.current()
        created = []
        for org_type, default in DEFAULT_PACKAGES.items():
            if await self.repo.default_package(org_type.value) is not None:
                continue
            if await self.repo.package_by_code(default.code) is not None:
                continue
            package = Package(
                id=uuid.uuid4(),
                code=default.code,
                name_zh=default.name_zh,
                name_en=default.name_en,
                default_for_type=org_type.value,
                version=1,
                updated_at=utcnow(),
            )
            self.repo.add_package(package)
            entries = default.entries() & catalogue.entries.keys()
            functions = catalogue.with_ancestors(default.functions(catalogue.functions))
            await self.repo.write_package_content(package.id, (set(), set()), (entries, functions))
            self.audit.record(
                actor,
                "package.created",
                target_type="package",
                target_id=package.id,
                label=package.code,
                after={
                    "version": 1,
                    "default_for_type": org_type.value,
                    "entries": sorted(entries),
                    "functions": sorted(functions),
                },
            )
            created.append(package.code)
        return created
