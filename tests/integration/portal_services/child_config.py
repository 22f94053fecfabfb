"""The portal configuration a child process (``removal_child.py``, ``press_child.py``) reads
from the JSON in its environment variable ``PORTAL_CHILD_CONFIG``."""

from __future__ import annotations

import json
import os
from pathlib import Path

from portal.domain.config import PortalConfig, PortalMode
from portal.domain.secret import SecretStr


def child_config() -> PortalConfig:
    spec = json.loads(os.environ["PORTAL_CHILD_CONFIG"])
    return PortalConfig(
        mode=PortalMode.MOCK,
        salesforce_login_url=spec["login_url"],
        client_id=spec["client_id"],
        client_secret=SecretStr(spec["client_secret"]),
        redirect_uri=spec["redirect_uri"],
        ca_bundle=Path(spec["ca_bundle"]),
        db_path=Path(spec["db_path"]),
        encryption_key=SecretStr(spec["encryption_key"]),
        users=(),
        data_dir=Path(spec["data_dir"]),
        mock_http_url=spec["mock_http_url"],
        database_url=SecretStr(spec["database_url"]) if spec.get("database_url") else None,
    )
