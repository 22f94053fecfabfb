"""Each portal user's own choices: the language the portal speaks to them."""

from __future__ import annotations

from typing import Final

from portal.domain.text import msg
from portal.services.actors import Actor
from portal.services.context import ServiceContext
from portal.services.errors import PortalError

#: The languages the portal's catalogs have.
SUPPORTED_LANGUAGES: Final = ("en", "ja")


class UnsupportedLanguage(PortalError):
    def __init__(self, language: str) -> None:
        super().__init__(
            msg(
                'The portal speaks English ("en") and Japanese ("ja"), not "{language}".',
                language=language,
            )
        )


class PreferencesService:
    def __init__(self, context: ServiceContext) -> None:
        self._context = context

    def language_of(self, *, actor: Actor) -> str | None:
        """The language ``actor`` chose last, if any (viewers choose their own too)."""
        stored = self._context.repositories.preferences.language_of(actor.username)
        return stored if stored in SUPPORTED_LANGUAGES else None

    def set_language(self, *, actor: Actor, language: str) -> None:
        """Remember ``actor``'s language for their next visits, on any browser."""
        if language not in SUPPORTED_LANGUAGES:
            raise UnsupportedLanguage(language)
        if self.language_of(actor=actor) == language:
            return
        self._context.repositories.preferences.set_language(
            actor.username, language, at=self._context.clock.now()
        )
