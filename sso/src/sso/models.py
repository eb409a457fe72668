"""Every table on Base.metadata (for Alembic and the app), imported in one place."""


def import_all_models() -> None:
    from sso.audit import models as _audit  # noqa: F401
    from sso.catalogue import models as _catalogue  # noqa: F401
    from sso.clients import models as _clients  # noqa: F401
    from sso.entitlements import models as _entitlements  # noqa: F401
    from sso.imports import models as _imports  # noqa: F401
    from sso.keys import models as _keys  # noqa: F401
    from sso.oidc import models as _oidc  # noqa: F401
    from sso.organizations import models as _organizations  # noqa: F401
    from sso.roles import models as _roles  # noqa: F401
    from sso.users import models as _users  # noqa: F401
