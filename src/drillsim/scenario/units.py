"""Time with units: every duration, clock time and offset a planner writes.

The simulator keeps time in whole seconds, so that a report at exactly its
deadline is met and one a second later is missed, whatever the arithmetic.
Planners write `20m`, `1h30m`, `2d`, `10y`, clock times `"02:10"` and offsets
`2d 02:10`; a bare number is refused because nobody can tell its unit.
"""

from __future__ import annotations

import re
from typing import Literal

from drillsim.i18n import _

SECOND = 1
MINUTE = 60
HOUR = 3600
DAY = 86400
YEAR = 365 * DAY
"""A year is 365 days: a horizon in years is a count of days, never a calendar's."""

_UNIT_SECONDS = {"y": YEAR, "d": DAY, "h": HOUR, "m": MINUTE, "s": SECOND}
# re.ASCII: `\d` is 0-9 only, not every script's digits.
_DURATION = re.compile(r"^\s*(?:(\d+(?:\.\d+)?)\s*y)?\s*(?:(\d+(?:\.\d+)?)\s*d)?\s*(?:(\d+(?:\.\d+)?)\s*h)?\s*"
                       r"(?:(\d+(?:\.\d+)?)\s*m)?\s*(?:(\d+(?:\.\d+)?)\s*s)?\s*$", re.ASCII)
_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$", re.ASCII)
_OFFSET = re.compile(r"^\s*(?:(\d{1,6})\s*d\s+)?(\d{1,2}:\d{2}(?::\d{2})?)\s*$", re.ASCII)

_WORDY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(years?|yrs?|days?|hours?|hrs?|minutes?|mins?|seconds?|secs?)\s*$",
                    re.ASCII | re.IGNORECASE)
"""`8 min`, `12 hours`, `10 years`: a unit in words, answered with the short form to write."""

LONGEST = 36500 * DAY
"""A hundred years: no drill, step or delay lasts longer; a bound keeps absurd numbers out of the model's loops.

Long enough for the long-run figures of a summary-only run (`--keep summary`)."""

_Kind = Literal["duration", "clock", "offset"]


def _syntax(kind: _Kind) -> str:
    """How a time of this kind is written, in the language in force."""
    if kind == "duration":
        return _("a duration with units, e.g. 45s, 20m, 1h30m, 2d, 10y (a year is 365 days)")
    if kind == "clock":
        return _('a clock time in quotes, e.g. "02:10"')
    return _('a time in the drill, e.g. "02:10" (day 0), "2d 02:10", or a duration such as 26h')


class UnitError(ValueError):
    """A time value that is not written with units."""


def _bare_number_hint(value: object, kind: _Kind) -> str:
    raw = getattr(value, "yaml_text", None)
    if raw is not None:
        number = int(value)  # type: ignore[call-overload]
        if kind == "duration":
            return _("YAML reads the unquoted {raw} as the number {number}; write {syntax}").format(
                raw=raw, number=number, syntax=_syntax(kind))
        return _('YAML reads the unquoted {raw} as the number {number}; write it in quotes: "{raw}"').format(
            raw=raw, number=number)
    return _("the bare number {value} has no unit; write {syntax}").format(value=repr(value), syntax=_syntax(kind))


def _shown(value: str) -> str:
    """A value quoted for a message, cut short: a message is one line."""
    return repr(value if len(value) <= 40 else value[:37] + "...")


def _not_text(value: object, kind: _Kind) -> str:
    """Why a value that is not a string is no time: a bare number, or YAML's yes/no, null, list..."""
    syntax = _syntax(kind)
    if isinstance(value, bool):
        return _("YAML reads {value} as a yes/no value; write {syntax}").format(value=str(value).lower(),
                                                                                 syntax=syntax)
    if isinstance(value, (int, float)):
        return _bare_number_hint(value, kind)
    if value is None:
        return _("no value given; write {syntax}").format(syntax=syntax)
    shown = {"list": _("a list"), "dict": _("a mapping")}.get(type(value).__name__, type(value).__name__)
    return _("expected {syntax}, got {given}").format(syntax=syntax, given=shown)


def parse_duration(value: object, *, allow_zero: bool = False) -> int:
    """Seconds in a duration such as `1h30m`; refuses bare numbers."""
    if not isinstance(value, str):
        raise UnitError(_not_text(value, "duration"))
    if value.strip().startswith("-"):
        raise UnitError(_("{value}: a duration cannot be negative").format(value=_shown(value)))
    match = _DURATION.match(value)
    if not value.strip() or match is None or not any(match.groups()):
        words = _WORDY.match(value)
        if words is not None:
            raise UnitError(_("{value} is not {syntax}; write {fix}").format(
                value=_shown(value), syntax=_syntax("duration"), fix=f"{words[1]}{words[2][0].lower()}"))
        raise UnitError(_("{value} is not {syntax}").format(value=_shown(value), syntax=_syntax("duration")))
    total = sum(float(part) * _UNIT_SECONDS[unit]
                for part, unit in zip(match.groups(), "ydhms", strict=True) if part)
    if total > LONGEST:
        raise UnitError(_("{value} is longer than {longest}, the longest drillsim accepts").format(
            value=_shown(value), longest=format_duration(LONGEST)))
    seconds = round(total)
    if seconds < 0 or (seconds == 0 and not allow_zero):
        raise UnitError(_("{value} must be longer than zero").format(value=_shown(value)))
    return seconds


def parse_clock(value: object) -> int:
    """Seconds after midnight of a clock time such as `"02:10"`."""
    if not isinstance(value, str):
        raise UnitError(_not_text(value, "clock"))
    match = _CLOCK.match(value)
    if match is None:
        raise UnitError(_("{value} is not {syntax}").format(value=_shown(value), syntax=_syntax("clock")))
    hours, minutes, seconds = int(match[1]), int(match[2]), int(match[3] or 0)
    if hours > 24 or minutes > 59 or seconds > 59 or (hours == 24 and (minutes or seconds)):
        raise UnitError(_("{value} is not a time of day between 00:00 and 24:00").format(value=_shown(value)))
    return hours * HOUR + minutes * MINUTE + seconds


def parse_offset(value: object) -> int:
    """Seconds from the start of the drill (day 0, 00:00) to `2d 02:10`, `"02:10"` or `26h`."""
    if isinstance(value, str):
        match = _OFFSET.match(value)
        if match is not None:
            seconds = int(match[1] or 0) * DAY + parse_clock(match[2])
            if seconds > LONGEST:
                raise UnitError(_("{value} is later than {longest} into the drill").format(
                    value=_shown(value), longest=format_duration(LONGEST)))
            return seconds
        try:
            return parse_duration(value, allow_zero=True)
        except UnitError:
            raise UnitError(_("{value} is not {syntax}").format(value=_shown(value),
                                                                 syntax=_syntax("offset"))) from None
    raise UnitError(_not_text(value, "offset"))


def format_duration(seconds: float) -> str:
    """`5400` -> `1h30m`: the inverse of parse_duration, for tables and plans."""
    sign = "-" if seconds < 0 else ""
    rest = abs(round(seconds))
    if rest == 0:
        return "0s"
    parts = []
    for unit, size in (("d", DAY), ("h", HOUR), ("m", MINUTE), ("s", SECOND)):
        count, rest = divmod(rest, size)
        if count:
            parts.append(f"{count}{unit}")
    return sign + "".join(parts)


def format_clock(seconds: float) -> str:
    """`8100` -> `02:15`: a time of day as planners write it."""
    hours, rest = divmod(round(seconds), HOUR)
    minutes, secs = divmod(rest, MINUTE)
    return f"{hours:02d}:{minutes:02d}" + (f":{secs:02d}" if secs else "")


def format_offset(seconds: float) -> str:
    """`95400` -> `1d 02:30`: a drill time for timelines and inject lists."""
    days, rest = divmod(round(seconds), DAY)
    return f"{days}d {format_clock(rest)}"
