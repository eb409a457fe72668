"""All SQL of the OpenID Connect provider."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime
from typing import Any, TypeAlias, cast

from sqlalchemy import Row, Table, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from sso.audit.models import AuditEvent
from sso.clients import cache
from sso.clients.cache import ClientRecord
from sso.clients.models import Client
from sso.db import database_of
from sso.entitlements.models import InstitutionEntitlement
from sso.oidc.models import AuthorizationCode, BrowserSession, RefreshToken, RevokedToken
from sso.organizations.models import Institution, InstitutionStatus
from sso.users.models import User

#: A row of plain columns, read by attribute (`row.user_id`).
AnyRow: TypeAlias = Row[*tuple[Any, ...]]

# The token endpoint's statements are built once, on the tables (not the mapped classes), with
# bound parameters: no ORM compile step, no cache key to compute per request, no identity map.
_codes_t = cast(Table, AuthorizationCode.__table__)
_refresh_t = cast(Table, RefreshToken.__table__)
_sessions_t = cast(Table, BrowserSession.__table__)
_inst_t = cast(Table, Institution.__table__)
_users_t = cast(Table, User.__table__)
_ent_t = cast(Table, InstitutionEntitlement.__table__)
_inst, _users, _ent = _inst_t.c, _users_t.c, _ent_t.c
_VERSION = func.coalesce(_ent.version, 0).label("version")

_INSTITUTION_FOR_TOKEN = (
    select(_inst.id, _inst.type, _inst.status, _inst.path, _VERSION)
    .select_from(_inst_t.outerjoin(_ent_t, _ent.institution_id == _inst.id))
    .where(_inst.id == bindparam("institution_id"))
)
#: What a user's tokens carry and whether the user may still sign in, labelled so that they sit
#: beside a claimed code's or refresh token's own columns in one row.
_STANDING = (
    _users.username.label("user_username"),
    _users.display_name.label("user_display_name"),
    _users.institution_id.label("user_institution_id"),
    _users.status.label("user_status"),
    _users.locked_until.label("user_locked_until"),
    _inst.type.label("institution_type"),
    _inst.status.label("institution_status"),
    _inst.path.label("institution_path"),
    _VERSION,
)


def _with_standing(left: Any, user_id: Any) -> Any:
    """`left` joined to the user `user_id` names, its institution and entitlement version
    (outer joins: a claimed row comes back even without them)."""
    return (
        left.outerjoin(_users_t, _users.id == user_id)
        .outerjoin(_inst_t, _inst.id == _users.institution_id)
        .outerjoin(_ent_t, _ent.institution_id == _inst.id)
    )


_USER_FOR_TOKEN = (
    select(_users.id.label("user_id"), *_STANDING)
    .select_from(
        _users_t.join(_inst_t, _inst.id == _users.institution_id).outerjoin(
            _ent_t, _ent.institution_id == _inst.id
        )
    )
    .where(_users.id == bindparam("user_id"))
)
_ANY_DISABLED = select(func.count()).where(
    _inst.id.in_(bindparam("ids", expanding=True)),
    _inst.status != InstitutionStatus.active.value,
)
_LIVE_SESSION = (
    select(_sessions_t.c.id, _sessions_t.c.user_id, _sessions_t.c.auth_time, *_STANDING)
    .select_from(_with_standing(_sessions_t, _sessions_t.c.user_id))
    .where(
        _sessions_t.c.token_hash == bindparam("token_hash"),
        _sessions_t.c.revoked_at.is_(None),
        _sessions_t.c.expires_at > bindparam("now"),
    )
)
# Claiming a code records what its exchange will produce (the refresh family and the access
# token's jti, chosen beforehand) in the same UPDATE; a refused exchange clears them again.
_CLAIM_CODE = (
    update(_codes_t)
    .where(_codes_t.c.code_hash == bindparam("hash"), _codes_t.c.used_at.is_(None))
    .values(used_at=bindparam("now"), family_id=bindparam("family"), access_jti=bindparam("jti"))
    .returning(*_codes_t.c)
)
_CODE_EXCHANGED = (
    update(_codes_t)
    .where(_codes_t.c.id == bindparam("code_id"))
    .values(family_id=bindparam("family"), access_jti=bindparam("jti"))
)
_CLAIM_REFRESH = (
    update(_refresh_t)
    .where(
        _refresh_t.c.token_hash == bindparam("hash"),
        _refresh_t.c.client_pk == bindparam("client"),
        _refresh_t.c.used_at.is_(None),
        _refresh_t.c.revoked_at.is_(None),
    )
    .values(used_at=bindparam("now"))
    .returning(*_refresh_t.c)
)


def _claimed_with_standing(claim: Any) -> Any:
    """PostgreSQL: a claim (UPDATE … RETURNING, in a WITH) and its user's standing in one
    statement — one round trip instead of two."""
    claimed = claim.cte("claimed")
    return select(claimed, *_STANDING).select_from(_with_standing(claimed, claimed.c.user_id))


_CLAIM_CODE_WITH_STANDING = _claimed_with_standing(_CLAIM_CODE)
_CLAIM_REFRESH_WITH_STANDING = _claimed_with_standing(_CLAIM_REFRESH)
_INSERT_REFRESH = insert(_refresh_t)
_audit_t = cast(Table, AuditEvent.__table__)
_INSERT_AUDIT = insert(_audit_t)
# PostgreSQL: the new refresh token and its `token.issued` audit row in one statement (a
# data-modifying WITH), one round trip instead of two. Parameters are prefixed per table.
_INSERT_REFRESH_AUDITED = (
    insert(_refresh_t)
    .values({c.name: bindparam(f"t_{c.name}", type_=c.type) for c in _refresh_t.c})
    .add_cte(
        insert(_audit_t)
        .values({c.name: bindparam(f"a_{c.name}", type_=c.type) for c in _audit_t.c})
        .cte("issued")
    )
)
_INSERT_CODE = insert(_codes_t)
_INSERT_SESSION = insert(_sessions_t)

_CLIENT_COLUMNS = (
    Client.id,
    Client.client_id,
    Client.name,
    Client.type,
    Client.institution_id,
    Client.status,
    Client.secret_hash,
    Client.redirect_uris,
    Client.post_logout_redirect_uris,
    Client.grant_types,
    Client.scopes,
)


class _Columns:
    """Two rows' columns read by attribute, as one (SQLite's claim and standing)."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)


class OidcRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, row: BrowserSession | AuthorizationCode | RefreshToken | RevokedToken) -> None:
        self.session.add(row)

    async def flush(self) -> None:
        await self.session.flush()

    async def client(self, client_id: str) -> ClientRecord | None:
        """The client, from the process's short-lived cache (sso.clients.cache) or one plain
        SELECT."""
        database = database_of(self.session)
        found = cache.cached(database, client_id)
        if found is not None:
            return found
        rows = await self.session.execute(
            select(*_CLIENT_COLUMNS).where(Client.client_id == client_id)
        )
        row = rows.one_or_none()
        if row is None:
            return None
        record = ClientRecord(
            id=row.id,
            client_id=row.client_id,
            name=row.name,
            type=row.type,
            institution_id=row.institution_id,
            status=row.status,
            secret_hash=row.secret_hash,
            redirect_uris=tuple(row.redirect_uris or ()),
            post_logout_redirect_uris=tuple(row.post_logout_redirect_uris or ()),
            grant_types=tuple(row.grant_types or ()),
            scopes=tuple(row.scopes or ()),
        )
        cache.remember(database, record)
        return record

    async def without_transaction(self) -> None:
        """The rest of this request's statements commit one by one (no BEGIN/COMMIT round
        trips): for a grant whose only write is one row. Only before its first statement."""
        if not self.session.in_transaction():
            await self.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})

    async def institution_for_token(self, institution_id: uuid.UUID) -> AnyRow | None:
        """The institution (`id`, `type`, `status`, `path`) and its entitlement `version` (0
        before the first) in one statement: what an access token carries (`org`, `org_type`,
        `ent_ver`). Read fresh, as plain columns."""
        rows = await self.session.execute(
            _INSTITUTION_FOR_TOKEN, {"institution_id": institution_id}
        )
        return rows.one_or_none()

    async def user_for_token(self, user_id: uuid.UUID) -> AnyRow | None:
        """The user's standing (`user_id`, `user_username`, `user_display_name`,
        `user_institution_id`, `user_status`, `user_locked_until`), its institution's `type`,
        `status` and `path`, and the entitlement `version`, in one statement, read fresh."""
        rows = await self.session.execute(_USER_FOR_TOKEN, {"user_id": user_id})
        return rows.one_or_none()

    def _postgresql(self) -> bool:
        bind = self.session.bind
        return bind is not None and bind.dialect.name == "postgresql"

    async def _claim_with_standing(
        self, claim: Any, claim_with_standing: Any, params: dict[str, Any]
    ) -> AnyRow | None:
        if self._postgresql():
            return (await self.session.execute(claim_with_standing, params)).one_or_none()
        claimed = (await self.session.execute(claim, params)).one_or_none()
        if claimed is None:
            return None
        standing = await self.user_for_token(claimed.user_id)
        values = dict(claimed._mapping)
        values.update(standing._mapping if standing is not None else {})
        return cast(AnyRow, _Columns(values))

    async def any_disabled(self, ids: Collection[uuid.UUID]) -> bool:
        """Any of these institutions (a branch's head offices) disabled."""
        if not ids:
            return False
        rows = await self.session.execute(_ANY_DISABLED, {"ids": list(ids)})
        return bool(rows.scalar_one())

    async def live_session(self, token_hash: str, now: datetime) -> AnyRow | None:
        """The browser session's `id`, `user_id` and `auth_time`, if not ended or expired, with
        its user's standing (as `user_for_token`)."""
        rows = await self.session.execute(_LIVE_SESSION, {"token_hash": token_hash, "now": now})
        return rows.one_or_none()

    async def insert_session(self, values: dict[str, Any]) -> None:
        await self.session.execute(_INSERT_SESSION, values)

    async def insert_code(self, values: dict[str, Any]) -> None:
        await self.session.execute(_INSERT_CODE, values)

    async def claim_code(
        self, code_hash: str, now: datetime, family_id: uuid.UUID, jti: str
    ) -> AnyRow | None:
        """The code's columns and its user's standing (as `user_for_token`), the code marked
        used — and recorded as producing the refresh family and access token `jti` — in the
        same statement (a concurrent second use finds it used)."""
        params = {"hash": code_hash, "now": now, "family": family_id, "jti": jti}
        return await self._claim_with_standing(_CLAIM_CODE, _CLAIM_CODE_WITH_STANDING, params)

    async def code_exchanged(
        self, code_id: uuid.UUID, family_id: uuid.UUID | None, jti: str | None
    ) -> None:
        """What the code's exchange produced (revoked if the code is presented again); None
        and None: nothing (a refused exchange)."""
        await self.session.execute(
            _CODE_EXCHANGED, {"code_id": code_id, "family": family_id, "jti": jti}
        )

    async def code_by_hash(self, code_hash: str) -> AuthorizationCode | None:
        rows = await self.session.execute(
            select(AuthorizationCode).where(AuthorizationCode.code_hash == code_hash)
        )
        return rows.scalar_one_or_none()

    async def refresh_by_hash(self, token_hash: str) -> RefreshToken | None:
        rows = await self.session.execute(
            select(RefreshToken).where(RefreshToken.token_hash == token_hash)
        )
        return rows.scalar_one_or_none()

    async def claim_refresh(
        self, token_hash: str, client_pk: uuid.UUID, now: datetime
    ) -> AnyRow | None:
        """The client's unused, unrevoked refresh token (its columns and its user's standing, as
        `user_for_token`), marked used in the same statement (a concurrent second use finds it
        used); None when there is no such token."""
        params = {"hash": token_hash, "client": client_pk, "now": now}
        return await self._claim_with_standing(_CLAIM_REFRESH, _CLAIM_REFRESH_WITH_STANDING, params)

    async def insert_refresh(self, values: dict[str, Any], audit: dict[str, Any]) -> None:
        """A new refresh token and the audit row of its grant, with plain INSERTs (no ORM
        object, no flush): one statement on PostgreSQL, two elsewhere."""
        if self._postgresql():
            params = {f"t_{c.name}": None for c in _refresh_t.c}
            params.update({f"t_{k}": v for k, v in values.items()})
            params.update({f"a_{c.name}": None for c in _audit_t.c})
            params.update({f"a_{k}": v for k, v in audit.items()})
            await self.session.execute(_INSERT_REFRESH_AUDITED, params)
            return
        await self.session.execute(_INSERT_REFRESH, values)
        await self.session.execute(_INSERT_AUDIT, audit)

    async def revoke_family(self, family_id: uuid.UUID, now: datetime) -> list[RefreshToken]:
        """Every token of the family revoked; returns them (their access tokens go too)."""
        await self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        rows = await self.session.execute(
            select(RefreshToken).where(RefreshToken.family_id == family_id)
        )
        return list(rows.scalars())

    async def revoked_jtis(self, jtis: Collection[str]) -> set[str]:
        if not jtis:
            return set()
        rows = await self.session.execute(
            select(RevokedToken.jti).where(RevokedToken.jti.in_(list(jtis)))
        )
        return set(rows.scalars())

    async def is_revoked(self, jti: str) -> bool:
        return await self.session.get(RevokedToken, jti) is not None

    async def end_session(self, session_id: uuid.UUID, now: datetime) -> None:
        await self.session.execute(
            update(BrowserSession)
            .where(BrowserSession.id == session_id, BrowserSession.revoked_at.is_(None))
            .values(revoked_at=now)
        )

    async def session_families(self, session_id: uuid.UUID) -> list[uuid.UUID]:
        """The refresh-token families started in a browser session."""
        rows = await self.session.execute(
            select(RefreshToken.family_id).where(RefreshToken.session_id == session_id).distinct()
        )
        return list(rows.scalars())

    async def session_code_jtis(self, session_id: uuid.UUID, now: datetime) -> list[str]:
        """Burns the session's unused codes; returns the access `jti`s its codes produced."""
        await self.session.execute(
            update(AuthorizationCode)
            .where(AuthorizationCode.session_id == session_id, AuthorizationCode.used_at.is_(None))
            .values(used_at=now)
        )
        rows = await self.session.execute(
            select(AuthorizationCode.access_jti).where(
                AuthorizationCode.session_id == session_id,
                AuthorizationCode.access_jti.is_not(None),
            )
        )
        return [j for j in rows.scalars() if j]

    # -- purge ------------------------------------------------------------------------------------
    async def purge_codes(self, cutoff: datetime) -> int:
        result = await self.session.execute(
            delete(AuthorizationCode).where(AuthorizationCode.expires_at < cutoff)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def purge_sessions(self, cutoff: datetime) -> int:
        result = await self.session.execute(
            delete(BrowserSession).where(
                or_(BrowserSession.expires_at < cutoff, BrowserSession.revoked_at < cutoff)
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def purge_refresh_tokens(self, cutoff: datetime) -> int:
        """Whole families only — every token expired before `cutoff`, or the family revoked
        before it: a used token of a live family must stay, so presenting it again still
        revokes the family (reuse detection)."""
        dead = (
            select(RefreshToken.family_id)
            .group_by(RefreshToken.family_id)
            .having(func.max(RefreshToken.expires_at) < cutoff)
        )
        result = await self.session.execute(
            delete(RefreshToken).where(
                or_(RefreshToken.family_id.in_(dead), RefreshToken.revoked_at < cutoff)
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def purge_revoked(self, cutoff: datetime) -> int:
        """Revoked access tokens that have expired anyway (nobody can present them now)."""
        result = await self.session.execute(
            delete(RevokedToken).where(RevokedToken.expires_at < cutoff)
        )
        return int(getattr(result, "rowcount", 0) or 0)
