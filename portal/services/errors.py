"""The services' expected failures: each carries ``user_message`` (what happened, what to do).

Pages show ``user_message`` (a :class:`~portal.domain.text.Text` where the portal wrote it, so the
page can show it in the person's language) and nothing else; no traceback, token or password
ever reaches it.
"""

from __future__ import annotations

from portal.domain.failures import PortalError as PortalError

# Re-exported: pages catch every expected failure, the storage's included, as PortalError.
from portal.domain.failures import StorageFailure as StorageFailure
from portal.domain.text import msg, plural_msg


class NotAllowed(PortalError):
    """A viewer asked for something only an admin may do."""

    def __init__(self) -> None:
        super().__init__(msg("Viewers can read everything but change nothing; ask an admin."))


class LoginFailed(PortalError):
    """Wrong username or password (never says which)."""

    def __init__(self) -> None:
        super().__init__(msg("The username or password is not correct. Check both and try again."))


class LoginLocked(PortalError):
    """Too many failed logins for this username or from this client."""

    def __init__(self, *, wait_seconds: int) -> None:
        wait = max(wait_seconds, 1)
        if wait < 60:
            message = plural_msg(
                "Too many failed logins. Wait {count} second before trying again, or ask an "
                "admin to check the account.",
                "Too many failed logins. Wait {count} seconds before trying again, or ask an "
                "admin to check the account.",
                wait,
            )
        else:
            minutes, seconds = divmod(wait, 60)
            message = msg(
                "Too many failed logins. Wait {minutes} min {seconds} s before trying again, or "
                "ask an admin to check the account.",
                minutes=minutes,
                seconds=seconds,
            )
        super().__init__(message)
        self.wait_seconds = wait_seconds


class BackupChanged(PortalError):
    """The latest backup is not the one the person previewed (someone removed again)."""

    def __init__(self) -> None:
        super().__init__(
            msg(
                "The backup changed since you opened the preview (the integration was removed "
                'again meanwhile). Review the new preview, then click "Restore" again.'
            )
        )


class ConcurrentChange(PortalError):
    """Other sessions kept changing the same data at the same moment; nothing was saved."""

    def __init__(self) -> None:
        super().__init__(
            msg(
                "Someone else changed the same data at the same moment, so this change was not "
                "saved. Reload the page to see what changed, then try again."
            )
        )


class BackupUnreadable(PortalError):
    """The latest backup cannot be read back (damaged, or edited outside the portal); the
    message says what is wrong and what to do. Nothing was restored."""


class BackupNotFound(PortalError):
    def __init__(self, backup_id: int) -> None:
        super().__init__(
            msg(
                "There is no backup #{backup_id}. Choose one from the backup history.",
                backup_id=backup_id,
            )
        )
        self.backup_id = backup_id


class NothingPending(PortalError):
    """A confirmation was asked for that nothing is waiting for."""


class DemoUnavailable(PortalError):
    """The demo controls need the bundled mock org, and it is not there."""
