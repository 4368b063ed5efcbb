"""Scenario text made harmless where it is shown: a terminal, an XML message.

A scenario's names, titles and descriptions are the user's text, printed as
they are. Control characters in them (an ANSI escape clears the screen or
retitles the window, a carriage return overwrites a line, a bidi override
reverses what follows) would act on the reader's terminal instead of being
read, and XML 1.0 cannot hold most of them at all. Each is written as its
`\\uXXXX` escape instead: visible, and in JSON the very same character.
"""

from __future__ import annotations

import re

_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_CONTROLS = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")
"""What a terminal acts on: C0 but tab and newline, DEL, C1 (CSI is U+009B), and the bidi controls."""

_OFF_A_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}]")
"""What one line of text may not hold: every C0 (tab, newline and carriage return too), DEL, C1, bidi controls."""

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
"""What XML 1.0 cannot hold (its Char production): C0 but tab, newline and CR, U+FFFE/FFFF, surrogates."""


def _escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def visible(text: str) -> str:
    """`text` with every control character a terminal would act on shown as its escape."""
    return _CONTROLS.sub(_escape, text)


def first_control(text: str) -> str | None:
    """The first character that one line of text (a name, an id, a title) may not hold, if any."""
    found = _OFF_A_LINE.search(text)
    return found.group() if found else None


def xml_safe(text: str) -> str:
    """`text` with every character XML 1.0 cannot hold shown as its escape, so the message stays well-formed."""
    return _NOT_XML.sub(_escape, text)


def finalize(value: object) -> object:
    """A Jinja `finalize` for HTML: every `{{ }}` shown by `visible` (a bidi override would reverse the page's words).

    Markup (an inlined SVG, a filter's escaped text) stays Markup: its class is kept.
    """
    return type(value)(visible(value)) if isinstance(value, str) else value
