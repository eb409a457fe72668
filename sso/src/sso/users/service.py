"""Users: the admin operations, and `authenticate` — the password check the login page and the
OIDC provider (part 2) call.

`authenticate` never raises for bad credentials: it returns the outcome, so the caller's unit
of work commits the failure count and the lock (raising would roll them back and make the
lockout ineffective).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from servicekit.errors import Conflict, NotFound, Unprocessable
from sso.actors import Actor, PlatformOperatorRequired
from sso.audit.service import AuditService, audit_row
from sso.config import Settings
from sso.db import utcnow
from sso.organizations.errors import UnknownInstitution
from sso.organizations.models import Institution, ancestors_on
from sso.organizations.repository import InstitutionRepository
from sso.paging import decode_cursor, encode_cursor
from sso.roles.models import Role
from sso.roles.repository import RoleRepository
from sso.users.models import User, UserSource, UserStatus
from sso.users.passwords import PasswordPolicy, Passwords
from sso.users.repository import UserFilter, UserRepository
from sso.users.schemas import (
    PasswordReset,
    PasswordResetDone,
    RoleRef,
    UserCreate,
    UserCreated,
    UserPage,
    UserQuery,
    UserRead,
    UserUpdate,
)

#: A lock that lasts until an administrator lifts it (SSO_LOCKOUT_MINUTES=0).
LOCKED_UNTIL_UNLOCKED = datetime(9999, 12, 31, tzinfo=UTC)


class AuthFailure(StrEnum):
    #: Unknown username and wrong password answer alike: no hint which usernames exist.
    invalid_credentials = "invalid_credentials"
    account_locked = "account_locked"
    #: The user or its institution (or a head office above it) is disabled.
    account_disabled = "account_disabled"


@dataclass(frozen=True, slots=True)
class SignInUser:
    """What a sign-in reads of a user, as plain columns (no ORM object on the login path)."""

    id: uuid.UUID
    username: str
    display_name: str
    institution_id: uuid.UUID
    status: str
    password_hash: str | None
    must_change_password: bool
    failed_attempts: int
    locked_until: datetime | None
    last_login_at: datetime | None

    @classmethod
    def of(cls, row: Any) -> SignInUser:
        return cls(
            row.id, row.username, row.display_name, row.institution_id, row.status,
            row.password_hash, row.must_change_password, row.failed_attempts, row.locked_until,
            row.last_login_at,
        )  # fmt: skip


@dataclass(frozen=True)
class AuthResult:
    user: SignInUser | None
    failure: AuthFailure | None

    @property
    def ok(self) -> bool:
        return self.failure is None


class UserNotFound(NotFound):
    code = "user_not_found"

    def __init__(self, user_id: uuid.UUID | str) -> None:
        super().__init__(f"No user {user_id}.")


def is_locked(user: User | SignInUser, now: datetime) -> bool:
    return user.locked_until is not None and user.locked_until > now


def _snapshot(user: User, roles: list[Role]) -> dict[str, Any]:
    """For the audit log: never the password hash."""
    return {
        "username": user.username,
        "display_name": user.display_name,
        "institution_id": str(user.institution_id),
        "status": user.status,
        "email": user.email,
        "phone": user.phone,
        "must_change_password": user.must_change_password,
        "has_password": user.password_hash is not None,
        "locked_until": user.locked_until.isoformat() if user.locked_until else None,
        "roles": sorted(r.code for r in roles),
    }


class UserService:
    def __init__(
        self,
        repository: UserRepository,
        institutions: InstitutionRepository,
        roles: RoleRepository,
        audit: AuditService,
        settings: Settings,
    ) -> None:
        self.repo = repository
        self.institutions = institutions
        self.roles = roles
        self.audit = audit
        self.settings = settings
        self.passwords = Passwords(settings)
        self.policy = PasswordPolicy(settings)

    # -- reading ------------------------------------------------------------------------------

    async def _reads(self, users: list[User]) -> list[UserRead]:
        roles = await self.repo.roles_of([u.id for u in users])
        now = utcnow()
        return [
            UserRead(
                id=u.id,
                username=u.username,
                display_name=u.display_name,
                institution_id=u.institution_id,
                status=UserStatus(u.status),
                email=u.email,
                phone=u.phone,
                has_password=u.password_hash is not None,
                must_change_password=u.must_change_password,
                failed_attempts=u.failed_attempts,
                locked=is_locked(u, now),
                locked_until=u.locked_until if is_locked(u, now) else None,
                last_login_at=u.last_login_at,
                source=u.source,
                external_ref=u.external_ref,
                roles=[
                    RoleRef(
                        id=r.id, code=r.code, name=r.name, platform_operator=r.platform_operator
                    )
                    for r in roles[u.id]
                ],
                created_at=u.created_at,
                updated_at=u.updated_at,
            )
            for u in users
        ]

    async def _read(self, user: User) -> UserRead:
        return (await self._reads([user]))[0]

    async def _visible(
        self, user_id: uuid.UUID, actor: Actor, *, manage: bool = False
    ) -> tuple[User, list[Role]]:
        user = await self.repo.get(user_id)
        if user is None:
            raise UserNotFound(user_id)
        institution = await self.institutions.get(user.institution_id)
        assert institution is not None  # foreign key
        actor.ensure_covers(institution)
        roles = (await self.repo.roles_of([user.id]))[user.id]
        if manage and any(r.platform_operator for r in roles) and not actor.platform_operator:
            # Otherwise an institution admin of the technology company could take over an
            # operator's account by resetting its password.
            raise PlatformOperatorRequired("manage platform operators' accounts")
        return user, roles

    async def get(self, user_id: uuid.UUID, actor: Actor) -> UserRead:
        user, _ = await self._visible(user_id, actor)
        return await self._read(user)

    async def search(self, query: UserQuery, actor: Actor) -> UserPage:
        under = None
        if query.institution_id is not None and query.include_branches:
            institution = await self.institutions.get(query.institution_id)
            if institution is None:
                return UserPage(items=[], next_cursor=None)
            under = institution.path
        rows = await self.repo.search(
            UserFilter(
                subtree=actor.subtree,
                under=under,
                institution_id=None if query.include_branches else query.institution_id,
                status=query.status.value if query.status else None,
                text=query.q,
                after=decode_cursor(query.cursor),
                limit=query.limit,
            )
        )
        page = list(rows[: query.limit])
        more = len(rows) > query.limit
        return UserPage(
            items=await self._reads(page),
            next_cursor=encode_cursor(page[-1].created_at, page[-1].id) if more else None,
        )

    # -- creating and changing ----------------------------------------------------------------

    async def create(
        self,
        data: UserCreate,
        actor: Actor,
        *,
        source: UserSource = UserSource.admin,
        external_ref: str | None = None,
        usable_password: bool = True,
        status: UserStatus = UserStatus.active,
    ) -> UserCreated:
        """`usable_password=False` (imports): no password at all until an administrator
        resets it; `data.password` is then ignored."""
        institution = await self.institutions.get(data.institution_id)
        if institution is None:
            raise UnknownInstitution(data.institution_id)
        actor.ensure_covers(institution)
        roles = await self._roles_for(institution, data.role_ids, set(), actor, "body.role_ids")
        temporary = None
        password_hash = None
        if usable_password:
            if data.password is not None:
                password = data.password.get_secret_value()
                self.policy.check(password, data.username, "body.password")
            else:
                password = temporary = self.policy.temporary()
            password_hash = await self.passwords.hash(password)
        now = utcnow()
        user = User(
            id=uuid.uuid4(),
            username=data.username,
            username_key=data.username.casefold(),
            display_name=data.display_name,
            institution_id=institution.id,
            status=status.value,
            email=data.email,
            phone=data.phone,
            password_hash=password_hash,
            password_changed_at=now if password_hash else None,
            must_change_password=data.must_change_password
            or temporary is not None
            or not usable_password,
            failed_attempts=0,
            locked_until=None,
            last_login_at=None,
            source=source.value,
            external_ref=external_ref,
            created_at=now,
            updated_at=now,
        )
        if not await self.repo.add_new(user):
            raise Conflict(
                f"Username {data.username} is taken (usernames are unique platform-wide, in any "
                "case).",
                code="username_taken",
                errors=[{"field": "body.username", "code": "taken", "message": "already in use"}],
            )
        await self.repo.set_roles(user.id, set(), {r.id for r in roles})
        self._record(actor, "user.created", user, None, _snapshot(user, roles))
        read = await self._read(user)
        return UserCreated(**read.model_dump(), temporary_password=temporary)

    async def update(self, user_id: uuid.UUID, data: UserUpdate, actor: Actor) -> UserRead:
        user, roles = await self._visible(user_id, actor, manage=True)
        before = _snapshot(user, roles)
        for name in ("display_name", "email", "phone"):
            if name in data.model_fields_set:
                setattr(user, name, getattr(data, name))
        return await self._changed(user, roles, before, "user.updated", actor)

    async def set_status(self, user_id: uuid.UUID, status: UserStatus, actor: Actor) -> UserRead:
        user, roles = await self._visible(user_id, actor, manage=True)
        if str(user.id) == actor.subject:
            raise Conflict("You cannot enable or disable your own account.", code="own_account")
        before = _snapshot(user, roles)
        user.status = status.value
        action = "user.disabled" if status is UserStatus.disabled else "user.enabled"
        return await self._changed(user, roles, before, action, actor)

    async def reset_password(
        self, user_id: uuid.UUID, data: PasswordReset, actor: Actor
    ) -> PasswordResetDone:
        """A new password the user must change at the next sign-in; also lifts a lock."""
        user, roles = await self._visible(user_id, actor, manage=True)
        before = _snapshot(user, roles)
        temporary = None
        if data.password is not None:
            password = data.password.get_secret_value()
            self.policy.check(password, user.username, "body.password")
        else:
            password = temporary = self.policy.temporary()
        user.password_hash = await self.passwords.hash(password)
        user.password_changed_at = utcnow()
        user.must_change_password = True
        user.failed_attempts, user.locked_until = 0, None
        # Always audited: the hash changed even when the snapshot looks the same.
        read = await self._changed(user, roles, before, "user.password_reset", actor, always=True)
        return PasswordResetDone(user=read, temporary_password=temporary)

    async def unlock(self, user_id: uuid.UUID, actor: Actor) -> UserRead:
        user, roles = await self._visible(user_id, actor, manage=True)
        before = _snapshot(user, roles)
        user.failed_attempts, user.locked_until = 0, None
        return await self._changed(user, roles, before, "user.unlocked", actor)

    async def assign_roles(
        self, user_id: uuid.UUID, role_ids: list[uuid.UUID], actor: Actor
    ) -> UserRead:
        user, old_roles = await self._visible(user_id, actor, manage=True)
        institution = await self.institutions.get(user.institution_id)
        assert institution is not None
        old_ids = {r.id for r in old_roles}
        roles = await self._roles_for(institution, role_ids, old_ids, actor, "body.role_ids")
        before = _snapshot(user, old_roles)
        await self.repo.set_roles(user.id, old_ids, {r.id for r in roles})
        return await self._changed(user, roles, before, "user.roles_assigned", actor)

    async def _roles_for(
        self,
        institution: Institution,
        role_ids: list[uuid.UUID],
        current: set[uuid.UUID],
        actor: Actor,
        field: str,
    ) -> list[Role]:
        found = await self.roles.by_ids(set(role_ids) | current)
        errors = []
        for index, role_id in enumerate(role_ids):
            role = found.get(role_id)
            if role is None:
                errors.append(
                    {
                        "field": f"{field}[{index}]",
                        "code": "unknown_role",
                        "message": f"no role {role_id}",
                    }
                )
            elif role.institution_id != institution.id:
                errors.append(
                    {
                        "field": f"{field}[{index}]",
                        "code": "role_of_other_institution",
                        "message": f"role {role.code} belongs to another institution",
                    }
                )
        if errors:
            raise Unprocessable(
                "Roles must exist and belong to the user's institution.",
                code="invalid_roles",
                errors=errors,
            )
        changed = current.symmetric_difference(role_ids)
        if any(found[r].platform_operator for r in changed):
            actor.ensure_operator("grant or take away platform-operator roles")
        return [found[r] for r in dict.fromkeys(role_ids)]

    async def _changed(
        self,
        user: User,
        roles: list[Role],
        before: dict[str, Any],
        action: str,
        actor: Actor,
        *,
        always: bool = False,
    ) -> UserRead:
        after = _snapshot(user, roles)
        if always or after != before:
            user.updated_at = utcnow()
            await self.repo.flush()
            self._record(actor, action, user, before, after)
        return await self._read(user)

    def _record(
        self,
        actor: Actor,
        action: str,
        user: User | SignInUser,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        detail: str | None = None,
    ) -> None:
        self.audit.record(
            actor,
            action,
            target_type="user",
            target_id=user.id,
            label=user.username,
            institution_id=user.institution_id,
            before=before,
            after=after,
            detail=detail,
        )

    # -- passwords ----------------------------------------------------------------------------

    async def authenticate(
        self, username: str, password: str, *, request_id: str | None = None
    ) -> AuthResult:
        """The password check. Order matters: a locked account answers `account_locked`
        without looking at the password (no oracle while locked); a disabled one answers
        `account_disabled` only to the right password."""
        row = await self.repo.sign_in_candidate(username)
        if row is None:
            await self.passwords.verify(None, password)  # same work as for a real user
            self.audit.record(
                Actor("anonymous", None, False, None, request_id),
                "authentication.failed",
                target_type="user",
                target_id=f"username:{username[:64]}",
                label=username[:64],
                detail=AuthFailure.invalid_credentials.value,
            )
            return AuthResult(None, AuthFailure.invalid_credentials)
        user = SignInUser.of(row)
        actor = Actor(str(user.id), user.institution_id, False, None, request_id)
        now = utcnow()
        if is_locked(user, now):
            self._record(
                actor, "authentication.failed", user, None, None, AuthFailure.account_locked.value
            )
            return AuthResult(user, AuthFailure.account_locked)
        if user.locked_until is not None:  # an expired lock: the count starts again
            await self.repo.clear_failures(user.id)
        if not await self.passwords.verify(user.password_hash, password):
            await self._count_failure(user, actor, now)
            return AuthResult(user, AuthFailure.invalid_credentials)
        if user.status != UserStatus.active.value or await self._disabled_here_or_above(
            row.institution_status, row.institution_path
        ):
            self._record(
                actor, "authentication.failed", user, None, None, AuthFailure.account_disabled.value
            )
            return AuthResult(user, AuthFailure.account_disabled)
        cleared = user.failed_attempts != 0 or user.locked_until is not None
        assert user.password_hash is not None
        new_hash = None
        if self.passwords.needs_rehash(user.password_hash):
            # Parameters were raised since this hash was made: upgrade it while we know the
            # password.
            new_hash = await self.passwords.hash(password)
        audit = audit_row(
            actor, "authentication.succeeded", target_type="user", target_id=user.id,
            label=user.username, institution_id=user.institution_id,
        )  # fmt: skip
        await self.repo.signed_in(user.id, now, audit, clear_failures=cleared, new_hash=new_hash)
        signed_in = replace(user, last_login_at=now, password_hash=new_hash or user.password_hash)
        if cleared:
            signed_in = replace(signed_in, failed_attempts=0, locked_until=None)
        return AuthResult(signed_in, None)

    async def _disabled_here_or_above(self, status: str, path: str) -> bool:
        if status != "active":
            return True
        return await self.institutions.any_disabled(ancestors_on(path))

    async def _count_failure(self, user: SignInUser, actor: Actor, now: datetime) -> None:
        attempts = await self.repo.count_failure(user.id)
        self._record(
            actor, "authentication.failed", user, None, None, AuthFailure.invalid_credentials.value
        )
        if attempts >= self.settings.lockout_threshold:
            minutes = self.settings.lockout_minutes
            until = now + timedelta(minutes=minutes) if minutes else LOCKED_UNTIL_UNLOCKED
            await self.repo.lock(user.id, until)
            self._record(
                actor,
                "user.locked",
                user,
                {"failed_attempts": attempts - 1},
                {"failed_attempts": attempts, "locked_until": until.isoformat()},
                f"{attempts} consecutive wrong passwords",
            )

    async def can_sign_in(self, user: User) -> bool:
        """Still allowed to hold a session or tokens: active, not locked, institution enabled
        (checked again at SSO reuse, refresh and userinfo)."""
        return (
            user.status == UserStatus.active.value
            and not is_locked(user, utcnow())
            and not await self._institution_disabled(user)
        )

    async def _institution_disabled(self, user: User) -> bool:
        institution = await self.institutions.get(user.institution_id)
        assert institution is not None
        return await self.institutions.disabled_here_or_above(institution)

    async def change_password(self, user_id: uuid.UUID, current: str, new: str) -> None:
        """The user's own change (part 2's login page calls it for must_change_password)."""
        user = await self.repo.get(user_id)
        if user is None:
            raise UserNotFound(user_id)
        if not await self.passwords.verify(user.password_hash, current):
            raise Unprocessable(
                "The current password is wrong.",
                code="invalid_credentials",
                errors=[
                    {
                        "field": "body.current_password",
                        "code": "invalid_credentials",
                        "message": "wrong password",
                    }
                ],
            )
        self.policy.check(new, user.username, "body.new_password")
        if new == current:
            raise Unprocessable(
                "The new password must differ from the current one.",
                code="password_reused",
                errors=[
                    {
                        "field": "body.new_password",
                        "code": "password_reused",
                        "message": "same as the current password",
                    }
                ],
            )
        user.password_hash = await self.passwords.hash(new)
        user.password_changed_at = utcnow()
        user.must_change_password = False
        user.updated_at = utcnow()
        await self.repo.flush()
        actor = Actor(str(user.id), user.institution_id, False, None, None)
        self._record(actor, "user.password_changed", user, None, None)
