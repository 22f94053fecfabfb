"""The services' expected failures: each carries ``user_message`` (what happened, what to do).

Pages show ``user_message`` and nothing else; no traceback, token or password ever reaches it.
"""

from __future__ import annotations


class PortalError(Exception):
    """An expected failure of a portal action, with a message for the person who asked."""

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message


class NotAllowed(PortalError):
    """A viewer asked for something only an admin may do."""

    def __init__(self) -> None:
        super().__init__("Viewers can read everything but change nothing; ask an admin.")


class LoginFailed(PortalError):
    """Wrong username or password (never says which)."""

    def __init__(self) -> None:
        super().__init__("The username or password is not correct. Check both and try again.")


class LoginLocked(PortalError):
    """Too many failed logins for this username or from this client."""

    def __init__(self, *, wait_seconds: int) -> None:
        minutes, seconds = divmod(max(wait_seconds, 1), 60)
        wait = f"{minutes} min {seconds} s" if minutes else f"{seconds} s"
        super().__init__(
            f"Too many failed logins. Wait {wait} before trying again, or ask an admin to "
            "check the account."
        )
        self.wait_seconds = wait_seconds


class BackupChanged(PortalError):
    """The latest backup is not the one the person previewed (someone removed again)."""

    def __init__(self) -> None:
        super().__init__(
            "The backup changed since you opened the preview (the integration was removed "
            'again meanwhile). Review the new preview, then click "Restore" again.'
        )


class ConcurrentChange(PortalError):
    """Other sessions kept changing the same data at the same moment; nothing was saved."""

    def __init__(self) -> None:
        super().__init__(
            "Someone else changed the same data at the same moment, so this change was not "
            "saved. Reload the page to see what changed, then try again."
        )


class BackupUnreadable(PortalError):
    """The latest backup cannot be read back (damaged, or edited outside the portal); the
    message says what is wrong and what to do. Nothing was restored."""


class BackupNotFound(PortalError):
    def __init__(self, backup_id: int) -> None:
        super().__init__(f"There is no backup #{backup_id}. Choose one from the backup history.")
        self.backup_id = backup_id


class NothingPending(PortalError):
    """A confirmation was asked for that nothing is waiting for."""


class DemoUnavailable(PortalError):
    """The demo controls need the bundled mock org, and it is not there."""
