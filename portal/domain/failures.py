"""The base of every expected failure a person is told about: it carries ``user_message`` (what
happened, what to do). Services raise its subclasses (:mod:`portal.services.errors`); the
storage raises one too when the disk or the database file fails (:class:`StorageFailure`), so
the pages show its message instead of a generic one. Also the storage's own failures every
storage implementation raises alike, so the services handle them without knowing which."""

from __future__ import annotations

from portal.domain.text import msg


class PortalError(Exception):
    """An expected failure of a portal action, with a message for the person who asked."""

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message


class StorageError(Exception):
    """A storage failure, with a message a person can act on."""


class WriteConflictError(StorageError):
    """Another change to the same data was saved at the same moment; nothing was saved."""


class StorageFailure(StorageError, PortalError):
    """The storage failed (disk full, read-only or unwritable file, permission denied, ...):
    nothing of the change was saved, and an operator must act. ``reference`` is in the
    person's message and in the server log line with the cause."""

    def __init__(self, *, reference: str) -> None:
        super().__init__(
            msg(
                "The portal could not save or read its data because of a storage problem (for "
                "example a full disk or a data directory it may not write to). Nothing of this "
                "change was saved. An operator must fix the storage; give them the reference "
                "{reference}.",
                reference=reference,
            )
        )
        self.reference = reference
