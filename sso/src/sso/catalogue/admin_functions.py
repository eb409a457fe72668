"""The `sso` entry's functions (平台管理) the admin API requires, as declared in functions.json.

Granted like any entry's functions (role ∩ entitlement); the gateway puts the caller's
effective `sso.*` functions in the internal token's `fns` for audience `sso`. Some actions are
platform-wide and need a platform operator on top (see sso/README.md, "Admin API").
"""

from typing import Final

INSTITUTION_QUERY: Final = "sso.admin.institution.query"
INSTITUTION_MANAGE: Final = "sso.admin.institution.manage"
USER_QUERY: Final = "sso.admin.user.query"
USER_MANAGE: Final = "sso.admin.user.manage"
USER_RESET_PASSWORD: Final = "sso.admin.user.reset_password"  # reset and unlock
USER_IMPORT: Final = "sso.admin.user.import"
ROLE_QUERY: Final = "sso.admin.role.query"
ROLE_MANAGE: Final = "sso.admin.role.manage"
ENTITLEMENT_QUERY: Final = "sso.admin.entitlement.query"
ENTITLEMENT_MANAGE: Final = "sso.admin.entitlement.manage"  # + platform operator
PACKAGE_QUERY: Final = "sso.admin.package.query"
PACKAGE_MANAGE: Final = "sso.admin.package.manage"  # + platform operator
CATALOGUE_QUERY: Final = "sso.admin.catalogue.query"
CATALOGUE_MANAGE: Final = "sso.admin.catalogue.manage"  # + platform operator
CLIENT_QUERY: Final = "sso.admin.client.query"
CLIENT_MANAGE: Final = "sso.admin.client.manage"  # + platform operator
AUDIT_QUERY: Final = "sso.admin.audit.query"
AUDIT_EXPORT: Final = "sso.admin.audit.export"

ALL: Final = (
    INSTITUTION_QUERY, INSTITUTION_MANAGE, USER_QUERY, USER_MANAGE, USER_RESET_PASSWORD,
    USER_IMPORT, ROLE_QUERY, ROLE_MANAGE, ENTITLEMENT_QUERY, ENTITLEMENT_MANAGE, PACKAGE_QUERY,
    PACKAGE_MANAGE, CATALOGUE_QUERY, CATALOGUE_MANAGE, CLIENT_QUERY, CLIENT_MANAGE, AUDIT_QUERY,
    AUDIT_EXPORT,
)  # fmt: skip

#: What an institution's own administrators may be granted (default packages of every type but
#: technology): everything except the platform-wide actions.
INSTITUTION_ADMIN: Final = tuple(
    f for f in ALL if f not in (ENTITLEMENT_MANAGE, PACKAGE_MANAGE, PACKAGE_QUERY,
                                CATALOGUE_MANAGE, CLIENT_MANAGE)
)  # fmt: skip
