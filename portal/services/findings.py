"""What a refused check sign-in tells steps 3 and 4, kept until the next check sign-in."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Final

from portal.domain.gateway_errors import OAuthFailure
from portal.domain.ports import Finding, Repositories

CHECK_REFUSAL: Final = "check_refusal"
CHECK_USER: Final = "check_user"


class RefusalKind(Enum):
    #: ``OAUTH_APP_BLOCKED``: MiiTel is blocked in the org (step 3, "Unblock").
    APP_BLOCKED = "app_blocked"
    #: "app must be installed into org": not installed, and the user lacks "Approve
    #: Uninstalled Connected Apps".
    APP_NOT_INSTALLED = "app_not_installed"
    OTHER = "other"


@dataclass(frozen=True)
class CheckRefusal:
    kind: RefusalKind
    detail: str = ""

    @classmethod
    def from_failure(cls, reason: OAuthFailure, *, detail: str) -> CheckRefusal:
        kinds = {
            OAuthFailure.APP_BLOCKED: RefusalKind.APP_BLOCKED,
            OAuthFailure.APP_NOT_INSTALLED: RefusalKind.APP_NOT_INSTALLED,
        }
        return cls(kind=kinds.get(reason, RefusalKind.OTHER), detail=detail)


def save_check_refusal(
    repositories: Repositories, refusal: CheckRefusal | None, *, at: datetime
) -> None:
    """Remember ``refusal`` (None: the last check sign-in was not refused)."""
    if refusal is None or refusal.kind is RefusalKind.OTHER:
        repositories.findings.delete(CHECK_REFUSAL)
        return
    value = json.dumps({"kind": refusal.kind.value, "detail": refusal.detail})
    repositories.findings.put(Finding(name=CHECK_REFUSAL, value=value, recorded_at=at))


def load_check_refusal(repositories: Repositories) -> CheckRefusal | None:
    found = repositories.findings.get(CHECK_REFUSAL)
    if found is None:
        return None
    try:
        data = json.loads(found.value)
        return CheckRefusal(kind=RefusalKind(data["kind"]), detail=str(data.get("detail", "")))
    except (ValueError, KeyError, TypeError):
        return None
