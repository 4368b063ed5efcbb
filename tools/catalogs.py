"""Extract drillsim's messages with Babel and bring both catalogs up to date: `python tools/catalogs.py`.

Every `_("...")`, `N_("...")` and `ngettext("...", "...", n)` of `src/drillsim` (and every
`_()` in its Jinja templates) is a message. Each catalog keeps its
translations, gains the new messages (the English one filled with the
message itself, the Chinese one empty until translated) and loses those the
code no longer has; `tests/test_catalogs.py` fails until every Chinese text is
written.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "drillsim"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
HEADER = "# drillsim's messages, written by tools/catalogs.py: translate here, never edit the msgids.\n#"
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2"), ("**/templates/**.md", "jinja2")]


def extracted() -> Iterator[tuple[str | tuple[str, str], str]]:
    """(message, where) for every message of the code: a string, or (singular, plural)."""
    for filename, lineno, message, _comments, _context in extract_from_dir(
            PACKAGE, METHODS, keywords=KEYWORDS, options_map={"**/templates/**": {"extensions": "jinja2.ext.i18n"}}):
        if message:
            yield (tuple(message) if isinstance(message, (list, tuple)) else message), f"{filename}:{lineno}"


def path_of(lang: str) -> Path:
    return PACKAGE / "locale" / lang / "LC_MESSAGES" / "drillsim.po"


def read(lang: str) -> Catalog:
    path = path_of(lang)
    if not path.exists():
        return Catalog(locale=lang, domain="drillsim", project="drillsim")
    with path.open("rb") as handle:
        return read_po(handle, locale=lang, domain="drillsim")


def update(lang: str) -> int:
    """Rewrite a language's catalog for the code as it is; returns how many messages lack a translation."""
    old = read(lang)
    new = Catalog(locale=lang, domain="drillsim", project="drillsim", version=None, fuzzy=False,
                  header_comment=HEADER, copyright_holder="the drillsim authors", msgid_bugs_address="",
                  last_translator="the drillsim authors", language_team=lang,
                  creation_date=old.creation_date, revision_date=old.creation_date)
    seen: dict[str | tuple[str, str], list[tuple[str, int]]] = {}
    for message, where in extracted():
        file, _, line = where.rpartition(":")
        seen.setdefault(message, []).append((file, int(line)))
    missing = 0
    for message, places in seen.items():
        key = message[0] if isinstance(message, tuple) else message
        before = old.get(key)
        string: str | tuple[str, ...] = before.string if before is not None else ""
        if lang == "en" and not (all(string) if isinstance(string, tuple) else string):
            string = message if isinstance(message, str) else (message[0], message[1])
        if not (all(string) if isinstance(string, tuple) and string else string):
            missing += 1
            string = ("",) if isinstance(message, tuple) and lang == "zh" else string
        new.add(message if isinstance(message, str) else list(message), string, locations=places)
    path = path_of(lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, new, width=120, omit_header=False, sort_output=True, include_lineno=False)
    return missing


if __name__ == "__main__":
    for language in ("en", "zh"):
        print(f"{language}: {update(language)} messages without a translation", file=sys.stderr)
