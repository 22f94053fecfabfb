"""The two companies of the tenancy tests: the home company (``admin``, ``viewer``) and
``beta-co`` (``admin-b``, ``viewer-b``), every user named by the configuration."""

from __future__ import annotations

import bcrypt

from portal.domain.config import PortalRole, PortalUser

PASSWORD = "a-long-enough-password"
SECOND = "beta-co"


def _hash() -> str:
    return bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode()


USERS = (
    PortalUser("admin", _hash(), PortalRole.ADMIN),
    PortalUser("viewer", _hash(), PortalRole.VIEWER),
    PortalUser("admin-b", _hash(), PortalRole.ADMIN, company=SECOND, company_name="Beta Co"),
    PortalUser("viewer-b", _hash(), PortalRole.VIEWER, company=SECOND, company_name="Beta Co"),
)
