"""The latest entitlement version per institution, as announced by sso.entitlement.changed.

The event handler (in the worker or inline) writes here; every API replica polls this table and
drops its cached access of the institutions that changed. A table rather than in-memory
invalidation because the consumer may run in another process than the replicas serving requests.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base
from servicekit.db import UtcDateTime


class EntitlementVersion(Base):
    __tablename__ = "entitlement_versions"

    org_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    entries: Mapped[str] = mapped_column(String(200))
    changed_by: Mapped[str] = mapped_column(String(120))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
