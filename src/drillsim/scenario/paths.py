"""Dotted paths into a scenario document (`staffing.office.shifts[1].staff`), and setting a value at one.

A path names a field as the scenario file writes it: mappings by key, lists
by index, or, in a list of entries with ids (the flow), by id:
`flow.leadership_upward.when` is the `when` of the step `leadership_upward`,
wherever the flow lists it. The variants of a scenario (drillsim.scenario.variants) and the
readings a scenario takes (drillsim.scenario.readings) both write through here.
"""

from __future__ import annotations

import re
from typing import Any

from drillsim.i18n import _
from drillsim.scenario.errors import Problem, ScenarioError

FILE = "<replace>"
_INDEX = re.compile(r"\[(\d+|\*)\]")

Path = tuple[str | int, ...]


def parse_path(text: str) -> Path:
    """`staffing.office.shifts[1].staff` -> ("staffing", "office", "shifts", 1, "staff")."""
    parts = _INDEX.sub(r".\1", text.strip()).split(".")
    if not text.strip() or any(not part or "[" in part or "]" in part for part in parts):
        raise error((text,), _("not a dotted path such as staffing.office.staff or staffing.office.shifts[1].staff"))
    return tuple(int(part) if part.isdigit() else part for part in parts)


def entry_index(node: list[Any], key: str | int) -> int | None:
    """The index a key names in a list: an index in range, or the id of one of its entries."""
    if isinstance(key, int):
        return key if 0 <= key < len(node) else None
    found = [i for i, entry in enumerate(node) if isinstance(entry, dict) and entry.get("id") == key]
    return found[0] if len(found) == 1 else None


def set_at(doc: dict[str, Any], path: Path, value: Any) -> None:
    """Set (or with None remove) the value at `path`, making the mappings on the way."""
    node: Any = doc
    for depth, key in enumerate(path[:-1]):
        if isinstance(node, list):
            node = node[_index(node, path[:depth + 1])]
            continue
        child = node.get(str(key))
        if child is None:
            child = node[str(key)] = {}
        elif not isinstance(child, (dict, list)):
            raise error(path[:depth + 1], _("is a single value, it has no fields"))
        node = child
    last = path[-1]
    if isinstance(node, list):
        if value is None:
            raise error(path, _("a list entry cannot be removed by itself; set the whole list"))
        node[_index(node, path)] = value
    elif value is None:
        if str(last) not in node:
            raise error(path, _("there is nothing to remove here"))
        del node[str(last)]
    else:
        node[str(last)] = value


def _index(node: list[Any], path: Path) -> int:
    index = entry_index(node, path[-1])
    if index is None:
        raise error(path, _("expected an index from 0 to {last} of this list, or the id of one of its "
                            "entries").format(last=len(node) - 1))
    return index


def error(path: Path, message: str) -> ScenarioError:
    return ScenarioError([Problem(FILE, None, path, message)])


__all__ = ["FILE", "Path", "entry_index", "error", "parse_path", "set_at"]
