"""The language drillsim speaks: Chinese or English, from gettext catalogs kept with Babel.

Every text drillsim shows a reader is written in English in the code, as
`_("...")` (or `ngettext` for counts), with named `{placeholders}` filled by
`.format` after translation, so the catalog holds whole sentences in each
language. The catalogs are `drillsim/locale/<lang>/LC_MESSAGES/drillsim.po`,
read with Babel when a language other than the one of the code is in use; a
test extracts every message of the code with Babel and fails on one missing
from a catalog, untranslated, or with other placeholders, and on a catalog
entry the code no longer uses.

Which language: `--lang` on any command, else `DRILLSIM_LANG`, else the
plan's own `language`, else the locale (`LC_ALL`, `LC_MESSAGES`, `LANG`),
else English. The language in force is a context variable, so one thread or
task can speak Chinese while another speaks English.

Percentages and dates are written as the language's locale writes them
(`percent_text`, `datetime_text`, with Babel's CLDR data), in this one place.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from importlib import resources
from typing import Literal, cast, get_args

Language = Literal["zh", "en"]
LANGUAGES: tuple[Language, ...] = get_args(Language)
SOURCE: Language = "en"
"""The language the messages are written in, in the code."""
DOMAIN = "drillsim"
ENVIRONMENT = "DRILLSIM_LANG"

_current: ContextVar[Language | None] = ContextVar("drillsim_language", default=None)


def parse(text: str | None) -> Language | None:
    """`zh`, `zh_CN.UTF-8`, `zh-Hant`, `en_GB`... -> the language drillsim speaks for it (None: neither)."""
    if not text:
        return None
    head = text.strip().replace("-", "_").split(".")[0].split("_")[0].lower()
    return cast(Language, head) if head in LANGUAGES else None


def from_environment() -> Language | None:
    """`DRILLSIM_LANG` when it names a language drillsim speaks."""
    return parse(os.environ.get(ENVIRONMENT))


def from_locale() -> Language | None:
    """The user's locale, as POSIX looks it up (the first of LC_ALL, LC_MESSAGES, LANG that is set)."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name)
        if value:
            return parse(value)
    return None


def resolve(chosen: str | None = None, plan: str | None = None) -> Language:
    """The language to speak: the one chosen (`--lang`), the environment's, the plan's, the locale's, English."""
    return (parse(chosen) or from_environment() or parse(plan) or from_locale() or SOURCE)


def language() -> Language:
    """The language in force (set with `use`; until then, as `resolve` finds it without a plan)."""
    return _current.get() or resolve()


def use(lang: str | None) -> Language:
    """Speak `lang` from now on in this context (None: as `resolve` finds it); returns the language in force."""
    chosen = parse(lang) if lang is not None else None
    _current.set(chosen)
    return language()


def chosen() -> Language | None:
    """The language set with `use`, if any (a plan's language then does not override it)."""
    return _current.get()


@contextmanager
def speaking(lang: str) -> Iterator[Language]:
    """Speak `lang` inside the block (a test, a page written in both languages)."""
    token = _current.set(parse(lang) or SOURCE)
    try:
        yield language()
    finally:
        _current.reset(token)


@cache
def catalog(lang: Language) -> Mapping[str | tuple[str, str], str | tuple[str, ...]]:
    """msgid (or (singular, plural)) -> translation of a language's catalog; empty translations left out."""
    from babel.messages.pofile import read_po
    path = resources.files("drillsim") / "locale" / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as handle:
        read = read_po(handle, locale=lang, domain=DOMAIN)
    out: dict[str | tuple[str, str], str | tuple[str, ...]] = {}
    for message in read:
        if not message.id or not message.string or (isinstance(message.string, tuple) and not all(message.string)):
            continue
        key = tuple(message.id) if isinstance(message.id, (list, tuple)) else message.id
        out[key] = tuple(message.string) if isinstance(message.string, (list, tuple)) else message.string  # type: ignore[index]
    return out


def gettext(message: str) -> str:
    """`message` in the language in force (as written when the catalog lacks it)."""
    lang = language()
    if lang == SOURCE:
        return message
    found = catalog(lang).get(message)
    return found if isinstance(found, str) else message


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural message for `count`, in the language in force (Chinese has one form)."""
    lang = language()
    if lang != SOURCE:
        found = catalog(lang).get((singular, plural))
        if isinstance(found, tuple) and found:
            return found[0] if len(found) == 1 else found[0 if count == 1 else 1]
    return singular if count == 1 else plural


_ = gettext


LOCALES: Mapping[Language, str] = {"zh": "zh_CN", "en": "en_US"}
"""The Babel locale whose conventions a language's dates and numbers follow."""


def percent_text(value: float, digits: int = 1, *, sign: bool = False) -> str:
    """A share as a percentage with `digits` decimals (`33.1%`, `+2.0%` with `sign`), as the language in force
    writes it (Babel's CLDR pattern, grouping included). English keeps Python's `{:.1%}`, byte for byte what
    drillsim always wrote (Babel's en_US would group the thousands), and so does a NaN. Babel is given the float's
    hundredfold, which Python's `%` rounds, so the two languages never differ by a rounding."""
    lang = language()
    if lang == SOURCE or not math.isfinite(value):
        return f"{value:+.{digits}%}" if sign else f"{value:.{digits}%}"
    from decimal import Decimal

    from babel.numbers import format_percent
    body = "#,##0" + ("." + "0" * digits if digits else "") + "%"
    hundredfold = Decimal(value * 100).scaleb(-2)
    return format_percent(hundredfold, f"+{body};-{body}" if sign else body, locale=LOCALES[lang])


def datetime_text(written: str) -> str:
    """An ISO date and time with its UTC offset (`2026-12-03T11:40:05+00:00`, as a run records it) as the language
    in force writes one (`2026年12月3日 UTC 11:40:05`: Babel's long form). English keeps the ISO text as
    recorded, which drillsim always showed; a text that is no such time is shown as given."""
    lang = language()
    if lang == SOURCE:
        return written
    from datetime import datetime

    from babel.dates import format_datetime
    try:
        when = datetime.fromisoformat(written)
    except ValueError:
        return written
    return format_datetime(when, "long" if when.tzinfo else "medium", tzinfo=when.tzinfo, locale=LOCALES[lang])


def N_(message: str) -> str:
    """Mark `message` for the catalog where it is written, to be translated where it is shown: click's help texts are
    read at import, before the language is known, and pass through `gettext` when a help page is rendered."""
    return message


__all__ = ["DOMAIN", "ENVIRONMENT", "LANGUAGES", "LOCALES", "N_", "SOURCE", "Language", "catalog", "chosen",
           "datetime_text", "from_environment", "from_locale", "gettext", "language", "ngettext", "parse",
           "percent_text", "resolve", "speaking", "use"]
