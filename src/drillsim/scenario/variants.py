"""Variants of a scenario by dotted path: `{"staffing.office.staff": 3}` gives a new, re-validated scenario.

A path names a field as the scenario file writes it: mappings by key,
lists by index (`staffing.office.shifts[1].staff` or `...shifts.1.staff`) or, for the flow, by a step's id
(`flow.verify.report.incomplete`),
and `*` for every entry of a mapping or list (`staffing.grid_worker.grids.*.staff`).
A staffed actor's name stands for its staffing: `office.staff` is
`staffing.office.staff`.
Values are written as in YAML (`"15m"`, `"22:00"`, `3`); `None` removes an
entry, as `key: null` does in a scenario file.

A name that nothing reads is refused when this replace sets it
(`{"durations.discover": "1m"}` next to the duration `discovery`), as in a
scenario file; a name the change leaves unused (a step removed) is not.

A per-grid actor's own fields (`staffing.grid_worker.staff`) reach only the
grids that do not set the field themselves, as in a scenario file. A change
that reaches no grid at all would silently change nothing, so it is refused
with a pointer to the `grids.*` path.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from drillsim.i18n import _
from drillsim.scenario.errors import dotted
from drillsim.scenario.paths import FILE, Path, entry_index, error, parse_path, set_at

if TYPE_CHECKING:
    from drillsim.scenario.schema import Scenario

_INHERITED = ("staff", "shifts", "absences", "handover")

def replace(scenario: Scenario, changes: Mapping[str, Any]) -> Scenario:
    """A new scenario with each path set to its value, validated as a whole; `scenario` is unchanged."""
    from drillsim.scenario.loader import validate
    from drillsim.scenario.yamlsource import SourceMap
    doc = scenario.model_dump(mode="json", by_alias=True, exclude_unset=True)
    applied: list[Path] = []
    for text, value in changes.items():
        path = _shorthand(parse_path(text), scenario)
        targets = list(_expand(doc, path, ()))
        if not targets:
            raise error(path, _("matches no entry of the scenario"))
        for target in targets:
            set_at(doc, target, _plain(value))
        applied.extend(targets)
    variant = validate(doc, SourceMap(FILE), blame=lambda found: found.typo_of_missing or _written(found.path, applied))
    _check_inherited(variant, applied)
    return variant


def _written(path: Path, applied: list[Path]) -> bool:
    """Whether a name nothing uses was set by this replace (not left unused by it: removing a step may do that)."""
    return any(path[:len(done)] == done or done[:len(path)] == path for done in applied)


def _shorthand(path: Path, scenario: Scenario) -> Path:
    """`office.staff` stands for `staffing.office.staff`: an actor's name is not a field of the scenario."""
    fields = {f.alias or name for name, f in type(scenario).model_fields.items()}
    if path[0] not in fields and path[0] in scenario.staffing:
        return ("staffing", *path)
    return path


def _plain(value: Any) -> Any:
    """Values as a scenario file writes them; a model from another scenario is written out first."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _expand(node: Any, path: Path, done: Path) -> Iterator[Path]:
    """The concrete paths a path names: `*` becomes every key or index present."""
    if not path:
        yield done
        return
    head, rest = path[0], path[1:]
    if head == "*":
        if isinstance(node, Mapping):
            keys: list[str | int] = list(node)
        elif isinstance(node, list):
            keys = list(range(len(node)))
        elif node is None:
            keys = []
        else:
            raise error(done, _("'*' needs a mapping or a list here"))
        for key in keys:
            yield from _expand(node[key], rest, (*done, key))  # type: ignore[index]
        return
    if isinstance(node, list) and isinstance(head, str):
        index = entry_index(node, head)
        if index is None:
            raise error((*done, head), _("no entry of {path} has the id {id}").format(path=dotted(done), id=repr(head)))
        head = index
    yield from _expand(_child(node, head, done), rest, (*done, head))


def _child(node: Any, key: str | int, done: Path) -> Any:
    """The value below `node` at `key`, or None where a mapping does not have it yet."""
    if isinstance(node, list):
        if not isinstance(key, int) or not 0 <= key < len(node):
            raise error((*done, key), _("expected an index from 0 to {last} of this list").format(last=len(node) - 1))
        return node[key]
    if isinstance(node, Mapping):
        return node.get(str(key))
    if node is None:
        return None
    if not done:
        raise error((*done, key), _("the scenario is a single value, it has no fields"))
    raise error((*done, key), _("{path} is a single value, it has no fields").format(path=dotted(done)))


def _check_inherited(variant: Scenario, applied: list[Path]) -> None:
    """Refuse a per-grid actor's field that every grid overrides: it would change nothing."""
    for path in applied:
        if len(path) != 3 or path[0] != "staffing" or path[2] not in _INHERITED:
            continue
        actor, field = str(path[1]), str(path[2])
        if actor not in variant.actors or variant.actors[actor].kind != "per_grid":
            continue
        grids = variant.staffing[actor].grids
        if grids and all(field in own.model_fields_set for own in grids.values()):
            names = ", ".join(grids)
            raise error(path, _("every grid of {actor} sets its own {field} ({grids}), so this changes nothing; set "
                                "staffing.{id}.grids.*.{field} to change it in every grid").format(
                                  actor=repr(actor), field=field, grids=names, id=actor))


__all__ = ["parse_path", "replace"]
