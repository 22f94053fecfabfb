"""The base of every expected failure a person is told about: it carries ``user_message`` (what
happened, what to do). Services raise its subclasses (:mod:`portal.services.errors`); the
storage adapter raises one too when the disk or the database file fails, so the pages show its
message instead of a generic one."""

from __future__ import annotations


class PortalError(Exception):
    """An expected failure of a portal action, with a message for the person who asked."""

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message
