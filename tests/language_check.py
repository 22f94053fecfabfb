"""Does a Japanese page speak only Japanese? English left on it, apart from what may stay
English in both languages: names, IDs, Salesforce API names and error codes, product names."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

#: Words that stay as they are in Japanese (product and protocol names, units).
KEEP: Final = frozenset(
    {
        "MiiTel",
        "Admin",  # "MiiTel Admin", the product's admin console
        "Salesforce",
        "OAuth",
        "API",
        "CSV",
        "Parquet",
        "URL",
        "ID",
        "IDs",
        "JST",
        "UTC",
        "ToDo",
        "PKCE",
        "DuckDB",
        "Streamlit",
        "Faker",
    }
)
#: Data of the mock org that the pages show (org names, Setup page names).
DATA: Final = ("Acme Japan", "Beta Trading")

# A token that is an identifier, not a word: API names (MiiTel_Memo__c, Task.Subject),
# codes (INVALID_SESSION_ID), usernames and e-mails, URLs, ids with digits, CamelCase names
# (PermissionsCanApproveUninstalledApps), file names.
_IDENTIFIER: Final = re.compile(
    r"""
    \{\w+\}                  # a Subject template's placeholder ({title})
  | \S*[@/:_.\\]\S*          # e-mail, path, URL, API name, dotted name
  | \S*\d\S*                 # anything with a digit (ids, dates, versions)
  | [A-Z][A-Z0-9_]{1,}\b     # CODES and ACRONYMS
  | \b[a-z]+[A-Z]\w*         # camelCase
  | \b[A-Z][a-z]+[A-Z]\w*    # PascalCase with an inner capital
  | (?i:\b(?:yyyy|mm|dd)\b)  # a date field's format hint (YYYY/MM/DD)
    """,
    re.VERBOSE,
)
_WORD: Final = re.compile(r"[A-Za-z][A-Za-z'’-]*")


def english_left(text: str, *, data: Iterable[str] = ()) -> list[str]:
    """English words on a Japanese page that are neither data nor names (empty when none)."""
    for value in sorted((*DATA, *data), key=len, reverse=True):
        if value:
            text = text.replace(value, " ")
    text = _IDENTIFIER.sub(" ", text)
    return [word for word in _WORD.findall(text) if word not in KEEP and len(word) > 1]
