"""The portal's message catalogs: extract, update, check and compile.

    python scripts/catalogs.py extract   # portal/locales/messages.pot from the code
    python scripts/catalogs.py check     # every message has a Japanese translation (exit 1 if not)
    python scripts/catalogs.py fold      # merge ja's parts/*.po into messages.po, drop the parts
    python scripts/catalogs.py compile   # messages.mo of every language (make install runs it)
    python scripts/catalogs.py check FILE...      # only the messages used in these files
    python scripts/catalogs.py stub PART FILE...  # add these files' untranslated messages to
                                                  # ja's parts/PART.po, to be translated there

Messages are found by the keywords ``_``, ``N_``, ``ngettext``, ``msg`` and ``plural_msg``
(``portal.domain.text`` and ``portal.ui.i18n``).
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from portal.adapters import catalogs  # noqa: E402

KEYWORDS = {
    "_": None,
    "N_": None,
    "ngettext": (1, 2),
    "msg": None,
    "plural_msg": (1, 2),
}
POT = catalogs.LOCALE_DIR / "messages.pot"


def extract() -> Catalog:
    """Every message the portal's code marks, with where it is used."""
    template = Catalog(project="miitel-sf-reintegration", domain=catalogs.DOMAIN)
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT / "portal"),
        method_map=[("**.py", "python")],
        keywords=KEYWORDS,
        comment_tags=("i18n:",),
        strip_comment_tags=True,
    ):
        template.add(
            message, None, [(f"portal/{filename}", lineno)], auto_comments=comments, context=context
        )
    return template


def _used_in(message: object, files: list[str]) -> bool:
    if not files:
        return True
    wanted = {str(Path(f)) for f in files}
    return any(str(Path(location)) in wanted for location, _line in message.locations)  # type: ignore[attr-defined]


def missing(language: str, files: list[str] | None = None) -> list[str]:
    """The ids of messages in the code (or in ``files``) that ``language`` has no translation
    for."""
    translated = catalogs.merged(language)
    gaps = []
    for message in extract():
        if not message.id or not _used_in(message, files or []):
            continue
        found = translated.get(message.id)
        strings = found.string if found is not None else None
        ok = all(strings) if isinstance(strings, tuple | list) else bool(strings)
        if not ok:
            gaps.append(message.id if isinstance(message.id, str) else message.id[0])
    return gaps


def stub(part: str, files: list[str]) -> Path:
    """Append the untranslated messages of ``files`` to ja's ``parts/<part>.po``."""
    folder = catalogs.LOCALE_DIR / "ja" / "LC_MESSAGES" / "parts"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{part}.po"
    existing = Catalog(locale="ja", domain=catalogs.DOMAIN)
    if target.exists():
        with target.open("rb") as handle:
            existing = read_po(handle, locale="ja", domain=catalogs.DOMAIN)
    gaps = set(missing("ja", files))
    for message in extract():
        key = message.id if isinstance(message.id, str) else message.id[0]
        if key in gaps and existing.get(message.id) is None:
            existing.add(
                message.id,
                "" if isinstance(message.id, str) else ("",),
                locations=message.locations,
                auto_comments=message.auto_comments,
            )
    existing.header_comment = "# Japanese, being translated; folded into messages.po at the end."
    with target.open("wb") as handle:
        write_po(handle, existing, width=100)
    return target


def fold(language: str) -> None:
    """Merge the parts into ``messages.po`` and delete them."""
    folder = catalogs.LOCALE_DIR / language / "LC_MESSAGES"
    merged = catalogs.merged(language)
    template = extract()
    merged.update(template, no_fuzzy_matching=True)
    # Keep only what the code uses (update() marks the rest obsolete; write_po drops them).
    with (folder / f"{catalogs.DOMAIN}.po").open("wb") as handle:
        write_po(handle, merged, width=100, omit_header=False, ignore_obsolete=True)
    for part in (folder / "parts").glob("*.po"):
        part.unlink()


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "check"
    if command == "extract":
        with POT.open("wb") as handle:
            write_po(handle, extract(), width=100, sort_by_file=True)
        print(f"wrote {POT.relative_to(ROOT)}")
    elif command == "compile":
        for language in catalogs.languages():
            print(f"compiled {catalogs.compile_catalog(language).relative_to(ROOT)}")
    elif command == "fold":
        fold("ja")
    elif command == "stub":
        print(f"wrote {stub(argv[2], argv[3:]).relative_to(ROOT)}")
    elif command == "check":
        gaps = missing("ja", argv[2:])
        for gap in gaps:
            print(f"untranslated: {gap!r}")
        print(f"{len(gaps)} message(s) without a Japanese translation")
        return 1 if gaps else 0
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
