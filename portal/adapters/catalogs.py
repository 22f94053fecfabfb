"""The gettext catalogs on disk: ``portal/locales/<lang>/LC_MESSAGES/messages.po`` (plus any
``parts/*.po`` being merged into it), compiled to ``messages.mo`` at install, or in memory when
the compiled file is missing or older than a catalog."""

from __future__ import annotations

import gettext
import io
from pathlib import Path
from typing import Final

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR: Final = Path(__file__).resolve().parents[1] / "locales"
DOMAIN: Final = "messages"


def sources(language: str, *, root: Path = LOCALE_DIR) -> list[Path]:
    """The catalog files of ``language``: the main one first, then the parts."""
    folder = root / language / "LC_MESSAGES"
    main = folder / f"{DOMAIN}.po"
    parts = sorted((folder / "parts").glob("*.po")) if (folder / "parts").is_dir() else []
    return ([main] if main.exists() else []) + parts


def merged(language: str, *, root: Path = LOCALE_DIR) -> Catalog:
    """Every translated message of ``language``, the main catalog winning over the parts."""
    result: Catalog | None = None
    for path in sources(language, root=root):
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=language, domain=DOMAIN)
        if result is None:
            result = catalog
            continue
        for message in catalog:
            if message.id and message.string and not _translated(result, message.id):
                result[message.id] = message
    return result if result is not None else Catalog(locale=language, domain=DOMAIN)


def _translated(catalog: Catalog, msgid: object) -> bool:
    existing = catalog.get(msgid)  # type: ignore[arg-type]
    return existing is not None and bool(existing.string)


def compile_catalog(language: str, *, root: Path = LOCALE_DIR) -> Path:
    """Write ``messages.mo`` of ``language`` from its catalogs; its path."""
    target = root / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
    with target.open("wb") as handle:
        write_mo(handle, merged(language, root=root))
    return target


def load(language: str, *, root: Path = LOCALE_DIR) -> gettext.NullTranslations:
    """The translations of ``language`` (none for a language without catalogs)."""
    found = sources(language, root=root)
    if not found:
        return gettext.NullTranslations()
    mo = root / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
    newest = max(path.stat().st_mtime for path in found)
    if mo.exists() and mo.stat().st_mtime >= newest:
        with mo.open("rb") as handle:
            return gettext.GNUTranslations(handle)
    buffer = io.BytesIO()
    write_mo(buffer, merged(language, root=root))
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def languages(*, root: Path = LOCALE_DIR) -> list[str]:
    return sorted(p.name for p in root.iterdir() if (p / "LC_MESSAGES").is_dir())
