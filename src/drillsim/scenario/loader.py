"""Loading a scenario: read its YAML, merge it over what it extends or its plan, validate, check references.

Input is built in stages (raw YAML with lines -> merged over the scenario it
extends, down to its plan -> validated -> cross-checked -> names nothing
uses); the model only ever sees the finished Scenario. Every problem of a
stage is collected and raised together as one ScenarioError, each with its
file, line and field; what validates but cannot work is logged as a warning.
"""

from __future__ import annotations

import contextlib
import logging
import re
import types
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from drillsim import i18n, limits
from drillsim.i18n import _, ngettext
from drillsim.scenario import readings, schema, usage
from drillsim.scenario import roster as rosters
from drillsim.scenario.errors import Problem, ScenarioError, dotted
from drillsim.scenario.flow import EVENTS, flow_of
from drillsim.scenario.schema import Scenario, kind_name, unknown_name
from drillsim.scenario.units import format_duration, format_offset, parse_duration
from drillsim.scenario.usage import Unused
from drillsim.scenario.yamlsource import SourceMap, merge, parse_yaml, read_yaml

BUILTIN_PLAN = "lanzhou-community"
_log = logging.getLogger("drillsim.scenario")


def builtin_plans() -> list[str]:
    """Names of the plans that ship with drillsim."""
    folder = resources.files("drillsim.scenario") / "plans"
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))


def _read_plan(name: str, relative_to: Path | None) -> tuple[Any, SourceMap, list[Problem]]:
    if name in ("builtin", BUILTIN_PLAN) or name in builtin_plans():
        plan_name = BUILTIN_PLAN if name == "builtin" else name
        resource = resources.files("drillsim.scenario") / "plans" / f"{plan_name}.yaml"
        return parse_yaml(resource.read_text(encoding="utf-8"), f"<plan {plan_name}>")
    path = Path(name)
    if not path.is_absolute() and relative_to is not None:
        path = relative_to / path
    return read_yaml(path)


def load(path: str | Path, roster: str | Path | None = None) -> Scenario:
    """Load and validate a scenario file (or a plan file on its own); a duty `roster` (CSV) replaces its people."""
    path = Path(path)
    raw, source, problems = read_yaml(path)
    if problems:
        raise ScenarioError(problems)
    if roster is not None:
        raw = {**raw, rosters.KEY: rosters.given(roster)}
    return from_document(raw, source, relative_to=path.parent)


def loads(text: str, file: str = "<scenario>") -> Scenario:
    """Load a scenario from YAML text."""
    raw, source, problems = parse_yaml(text, file)
    if problems:
        raise ScenarioError(problems)
    return from_document(raw, source, relative_to=None)


def from_document(raw: dict[str, Any], source: SourceMap, relative_to: Path | None) -> Scenario:
    """Merge a parsed scenario over the scenario it extends or the plan it names, then validate the whole.

    Names nothing uses (`drillsim.scenario.usage`) are blamed only on the
    file the user gave: a plan is a vocabulary its scenarios draw from, and a
    scenario may leave some of its entries unused (it removes the step that
    took a duration, it sends no incident to a grid), so an entry whose
    origin is the plan (or a base the scenario extends, which was checked on
    its own) is never blamed on a line the user did not write. A document
    that is a whole plan (a plan file, or the effective scenario.yaml of a
    run, which carries the plan's entries its scenario made unused) is
    refused only a name that misspells one the run reads and the document
    does not give (`folow_up` without `follow_up`).
    """
    trail = (Path(source.file).resolve(),) if relative_to is not None else ()
    merged, where, own = _resolve(raw, source, relative_to, trail, None)
    merged = _renamed(merged, where)
    # Its problems are said in the plan's language unless the user chose one (drillsim.i18n.resolve's order).
    with i18n.speaking(i18n.resolve(i18n.chosen(), merged.get("language") if isinstance(merged, dict) else None)):
        try:
            return validate(merged, where, blame=_written_in(where, own))
        except ScenarioError as exc:
            raise ScenarioError([_flow_replaced(problem, merged, where, own) for problem in exc.problems]) from None


_TITLED = ("actors", "working_groups", "people", "categories", "levels", "major_classes", "core_elements",
          "deadlines", "readings", "unmodelled")
"""The sections whose entries have a `title` and may have its Chinese `zh`."""


def _renamed(doc: dict[str, Any], where: SourceMap) -> dict[str, Any]:
    """An entry a later file retitles (or an example it renames) without naming it in Chinese too loses the
    Chinese name an earlier file (the plan, a base scenario) gave what its title said: in Chinese it is then
    shown by the new title."""
    def origin(path: tuple[str, ...]) -> str | None:
        return where.locate(path)[0] if path in where.lines else None

    def stale(title: tuple[str, ...], zh: tuple[str, ...]) -> bool:
        return origin(zh) is not None and origin(title) is not None and origin(title) != origin(zh)
    out = dict(doc)
    for section in _TITLED:
        entries = doc.get(section)
        if not isinstance(entries, Mapping):
            continue
        for key, entry in entries.items():
            if not isinstance(entry, Mapping):
                continue
            at = (section, str(key))
            drop = "zh" in entry and stale((*at, "title"), (*at, "zh"))
            examples = entry.get("examples_zh")
            renamed = [name for name in examples if stale((*at, "examples", str(name)), (*at, "examples_zh", str(name)))
                       ] if isinstance(examples, Mapping) else []
            if drop or renamed:
                changed = {k: v for k, v in entry.items() if not (drop and k == "zh")}
                if renamed:
                    changed["examples_zh"] = {k: v for k, v in examples.items() if k not in renamed}  # type: ignore[union-attr]
                out[section] = {**out[section], key: changed}
    return _explained(out, stale)


def _explained(doc: dict[str, Any], stale: Callable[[tuple[str, ...], tuple[str, ...]], bool]) -> dict[str, Any]:
    """The same for the texts that explain: the scenario's name and the plan's title, an unmodelled passage's
    `why` and an alternative's `means`, rewritten in English alone, lose the Chinese of the text they replace."""
    out = {key: value for key, value in doc.items()
           if not (key in ("name_zh", "plan_title_zh") and stale((key[:-3],), (key,)))}

    def fresh(at: tuple[str, ...], entry: Any, text: str) -> Any:
        if isinstance(entry, Mapping) and f"{text}_zh" in entry and stale((*at, text), (*at, f"{text}_zh")):
            return {k: v for k, v in entry.items() if k != f"{text}_zh"}
        return entry
    if isinstance(out.get("unmodelled"), Mapping):
        out["unmodelled"] = {key: fresh(("unmodelled", str(key)), entry, "why") for key, entry in
                             out["unmodelled"].items()}
    if isinstance(out.get("readings"), Mapping):
        out["readings"] = {
            name: {**reading, "alternatives": {alt: fresh(("readings", str(name), "alternatives", str(alt)), entry,
                                                          "means") for alt, entry in reading["alternatives"].items()}}
            if isinstance(reading, Mapping) and isinstance(reading.get("alternatives"), Mapping) else reading
            for name, reading in out["readings"].items()}
    return out


_MILESTONE_FIELDS = ("start", "end", "not_before")
"""The fields of a deadline rule that name a milestone of the flow."""


def _flow_replaced(problem: Problem, doc: dict[str, Any], where: SourceMap, own: frozenset[str]) -> Problem:
    """A plan's deadline rule naming a milestone the user's own flow lacks says so, and what the user can write.

    A scenario whose flow replaces the plan's (one written before the plan
    gained a step) cannot edit the plan's line the rule is at.
    """
    flow_file, flow_line = where.locate(("flow",))
    if problem.file in own or flow_file not in own or len(problem.path) != 3 or problem.path[0] != "deadlines" \
            or problem.path[2] not in _MILESTONE_FIELDS or not _unknown_milestone(doc, problem.path):
        return problem
    return Problem(problem.file, problem.line, problem.path,
                   _("{problem}; the flow at {where} replaces the plan's and no step of it reaches that milestone: "
                     "expected such a step, or `deadlines: {{{rule}: null}}` in the scenario to remove the "
                     "rule").format(problem=problem.message, where=f"{flow_file}:{flow_line}", rule=problem.path[1]))


def _unknown_milestone(doc: dict[str, Any], path: tuple[str | int, ...]) -> bool:
    """A deadline rule's field names a milestone the flow does not reach (whatever the language it was said in)."""
    rules = doc.get("deadlines")
    rule = rules.get(path[1]) if isinstance(rules, Mapping) else None
    value = rule.get(path[2]) if isinstance(rule, Mapping) else None
    return isinstance(value, str) and value not in _names(doc).get("milestone", [value])


_MAX_EXTENDS = 32
"""Scenarios a chain of extends may hold: a variant of a variant is a handful, a longer chain a mistake or an attack."""
_Override = tuple[str, Path | None, SourceMap]
"""A plan named by an extending file: it wins over its bases' (the name, the folder it is relative to, and the
file that names it, where a plan that cannot be used is blamed)."""


def _resolve(raw: dict[str, Any], source: SourceMap, relative_to: Path | None, trail: tuple[Path, ...],
             plan: _Override | None) -> tuple[dict[str, Any], SourceMap, frozenset[str]]:
    """The document merged over what it extends or its plan, where each value came from, and the user's files."""
    plan_name = raw.get("plan")
    if plan_name is not None and (not isinstance(plan_name, str) or not plan_name.strip() or "\0" in plan_name):
        raise ScenarioError([Problem(source.file, source.lines.get(("plan",)), ("plan",),
                                     _("expected builtin, the name of a built-in plan or the path to a plan file; "
                                       "got {given}").format(given=repr(plan_name)))])
    if plan is None and plan_name is not None:
        plan = (plan_name, relative_to, source)
    if "extends" in raw:
        base, base_map = _base(raw, source, relative_to, trail, plan)
        own = {key: value for key, value in raw.items() if key != "extends"}
        merged, where = merge(base, own, base_map, _without(source, "extends"))
        return merged, where, frozenset({source.file})
    # A plan file defines the actors and the flow and names no plan; a scenario that
    # only replaces the flow is still merged over the built-in plan.
    if plan is None and "flow" in raw and "actors" in raw:
        return raw, source, frozenset()
    name, folder, named_in = plan if plan is not None else ("builtin", relative_to, source)
    plan_raw, plan_source, problems = _read_plan(name, folder)
    if problems:
        raise ScenarioError(_unusable("plan", name, problems, named_in))
    merged, where = merge(plan_raw, raw, plan_source, source)
    return merged, where, frozenset({source.file})


def _without(source: SourceMap, key: str) -> SourceMap:
    keep = {path: line for path, line in source.lines.items() if path[:1] != (key,)}
    return SourceMap(source.file, keep, {path: f for path, f in source.origins.items() if path[:1] != (key,)})


def _base(raw: dict[str, Any], source: SourceMap, relative_to: Path | None, trail: tuple[Path, ...],
          plan: _Override | None) -> tuple[dict[str, Any], SourceMap]:
    """The scenario `extends` names, merged over its own base or plan and validated on its own."""
    at = ("extends",)
    line = source.lines.get(at)
    name = raw["extends"]
    if not isinstance(name, str) or not name.strip() or "\0" in name:
        raise ScenarioError([Problem(source.file, line, at, _("expected the path to a scenario file, relative to "
                                                              "this one; got {given}").format(given=repr(name)))])
    path = Path(name)
    if not path.is_absolute() and relative_to is not None:
        path = relative_to / path
    resolved = path.resolve()
    if len(trail) >= _MAX_EXTENDS:
        raise ScenarioError([Problem(source.file, line, at, _("the chain of extends is longer than {count} files; "
                                                              "expected a base a few files away at most").format(
                                                                count=_MAX_EXTENDS))])
    if resolved in trail:
        chain = " -> ".join(p.name for p in (*trail[trail.index(resolved):], resolved))
        raise ScenarioError([Problem(source.file, line, at, _("extends {name}, which leads back here: a cycle "
                                                              "({chain}); expected a chain of scenarios that ends in "
                                                              "one without extends").format(name=repr(name),
                                                                                            chain=chain))])
    base_raw, base_source, problems = read_yaml(path)
    if not problems and "flow" in base_raw and "actors" in base_raw and "plan" not in base_raw \
            and "extends" not in base_raw and plan is not None:
        raise ScenarioError([Problem(source.file, source.lines.get(("plan",)), ("plan",),
                                     _("{name} is a whole plan (it defines actors and flow and names no plan), so "
                                       "what extends it takes no plan; remove plan").format(name=repr(name)))])
    try:
        if problems:
            raise ScenarioError(problems)
        base, base_map, own = _resolve(base_raw, base_source, path.parent, (*trail, resolved), plan)
        validate(base, base_map, blame=_written_in(base_map, own), warn=False)
    except ScenarioError as exc:
        if all(problem.file == source.file for problem in exc.problems):
            raise  # the plan this file names over its base's, not the base, cannot be used
        raise ScenarioError(_unusable("extends", name, list(exc.problems), source)) from None
    return base, base_map


def _written_in(where: SourceMap, files: frozenset[str]) -> Callable[[Unused], bool]:
    """Whether a name nothing uses is blamed: written in one of the user's files, or surely a typo."""
    return lambda found: found.typo_of_missing or where.locate(found.path)[0] in files


def _unusable(key: str, name: str, problems: list[Problem], source: SourceMap) -> list[Problem]:
    """A plan (`key` plan) or base (`key` extends) that cannot be used: said at the scenario's `plan:` or
    `extends:` line, its own problems at their lines."""
    line = source.lines.get((key,))
    if len(problems) == 1 and problems[0].line is None:
        said = {"name": repr(name), "file": problems[0].file, "problem": problems[0].message,
                "plans": ", ".join(["builtin", *builtin_plans()])}
        return [Problem(source.file, line, (key,),
                        _("the plan {name} cannot be used: {file}: {problem}; expected {plans} or the path to a plan "
                          "file, relative to the scenario").format(**said) if key == "plan" else
                        _("the scenario {name} cannot be used: {file}: {problem}; expected the path to a scenario "
                          "file, relative to the scenario").format(**said))]
    files = sorted({p.file for p in problems})
    said = {"name": repr(name), "files": ", ".join(files),
            "problems": ngettext("{count} problem", "{count} problems", len(problems)).format(count=len(problems))}
    message = ngettext("the plan {name} cannot be used: {files} has {problems}, each listed at its line",
                       "the plan {name} cannot be used: {files} have {problems}, each listed at its line",
                       len(files)) if key == "plan" else \
        ngettext("the scenario {name} cannot be used: {files} has {problems}, each listed at its line",
                 "the scenario {name} cannot be used: {files} have {problems}, each listed at its line", len(files))
    return [Problem(source.file, line, (key,), message.format(**said)), *problems]


def validate(doc: dict[str, Any], where: SourceMap, *, blame: Callable[[Unused], bool] | None = None,
             warn: bool = True) -> Scenario:
    """Validate a merged document, reporting every problem at its file and line.

    `blame` says which names that nothing uses are refused (by default only
    those that misspell a name the run reads and the document does not give).
    With `warn`, what validates but cannot work (an actor never on duty) is
    logged on the `drillsim.scenario` logger as `FILE:LINE: field: message`.
    """
    if rosters.KEY in doc:  # its people replace the document's, then the whole is validated
        return rosters.validated(doc, where, lambda d, w: validate(d, w, blame=blame, warn=warn))
    doc, chosen = readings.apply(doc, where.locate)
    if chosen:
        raise ScenarioError(chosen)
    try:
        scenario = Scenario.model_validate(doc, context=_names(doc))
    except ValidationError as exc:
        raise ScenarioError(_problems(exc, doc, where)) from None
    blamed = blame or (lambda found: found.typo_of_missing)
    problems = [_at(where, path, message) for path, message in check_references(scenario)]
    problems += [_at(where, path, message) for path, message in usage.ambiguous(scenario)]
    if not problems:  # names are judged used or not on a document whose references hold
        problems += [_at(where, found.path, found.message) for found in usage.unused(scenario) if blamed(found)]
    if problems:
        raise ScenarioError(problems)
    if warn:
        for path, message in usage.warnings(scenario):
            _log.warning("%s", _at(where, path, message))
    return scenario


def _at(where: SourceMap, path: tuple[str | int, ...], message: str) -> Problem:
    file, line = where.locate(path)
    return Problem(file, line, path, message)


def _keys(doc: Any, *path: str) -> list[str] | None:
    node = doc
    for part in path:
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return [str(k) for k in node] if isinstance(node, Mapping) else None


def _names(doc: dict[str, Any]) -> dict[str, Any]:
    """The names the document defines, against which its references are checked."""
    names: dict[str, Any] = {
        "category": _keys(doc, "categories"),
        "level": _keys(doc, "levels"),
        "actor": _keys(doc, "actors"),
        "channel": _keys(doc, "channels", "media"),
        "major class": _keys(doc, "major_classes"),
        "duration": _keys(doc, "durations"),
        "working group": _keys(doc, "working_groups"),
        "core element": _keys(doc, "core_elements") or [],
        "probability": list(schema.Probabilities.model_fields),
    }
    grids: set[str] = set()
    actors: Mapping[str, Any] = doc["actors"] if isinstance(doc.get("actors"), Mapping) else {}
    staffing: Mapping[str, Any] = doc["staffing"] if isinstance(doc.get("staffing"), Mapping) else {}
    for actor, entry in staffing.items():
        kind = actors.get(actor, {}).get("kind") if isinstance(actors.get(actor), Mapping) else None
        if kind == "per_grid":
            grids.update(_keys(entry, "grids") or [])
    names["grid"] = sorted(grids)
    categories: Mapping[str, Any] = doc["categories"] if isinstance(doc.get("categories"), Mapping) else {}
    names["examples"] = {c: _keys(entry, "examples") for c, entry in categories.items()
                         if _keys(entry, "examples") is not None}
    if isinstance(doc.get("flow"), list):
        steps = [step for step in doc["flow"] if isinstance(step, Mapping)]
        names["step"] = [*EVENTS, *(step["id"] for step in steps if isinstance(step.get("id"), str))]
        names["milestone"] = [*EVENTS, *(step["milestone"] for step in steps
                                          if isinstance(step.get("milestone"), str))]
    with contextlib.suppress(ValueError):  # a bad horizon is reported at its own field
        names["horizon"] = parse_duration(doc.get("horizon"))
    return {kind: value for kind, value in names.items() if value is not None}


# --- turning pydantic's errors into the planner's words -------------------------------


def _problems(exc: ValidationError, doc: Any, where: SourceMap) -> list[Problem]:
    errors = [(error, _written_path(doc, error["loc"])) for error in exc.errors(include_url=False)]
    # `maen: 3m` gives both "unknown field 'maen'; did you mean 'mean'?" and "'mean' is missing": say it once.
    meant = {(*path[:-1], schema.closest(str(path[-1]), _allowed_keys(doc, path[:-1])))
             for error, path in errors if error["type"] == "extra_forbidden" and path}
    # pydantic counts a list's valid entries: one bad entry of a one-entry list also makes it "too short".
    inner = {path[:cut] for _, path in errors for cut in range(len(path))}
    typos = _misspelt_entries(errors, doc)
    return [_at(where, path, _message(error, doc, path)) for error, path in errors
            if not (error["type"] == "missing" and path in meant)
            and not (error["type"] == "too_short" and path in inner)
            and not any(path[:len(entry)] == entry for entry in typos)] + \
        [_at(where, entry, message) for entry, message in typos.items()]


_NAMED = {("deadlines",): "deadline rule", ("actors",): "actor", ("channels", "media"): "channel",
          ("durations",): "duration", ("working_groups",): "working group", ("categories",): "category",
          ("levels",): "level", ("major_classes",): "major class"}
"""Mappings whose entries are named: a new entry needs its required fields, an existing one is merged into."""


def _misspelt_entries(errors: list[tuple[Any, tuple[str | int, ...]]], doc: Any) -> dict[tuple[str | int, ...], str]:
    """An entry that lacks what a new entry needs and is named like an existing one: a misspelt name.

    `office_to_leader: {limit: 30m}` then says "unknown deadline rule ...;
    did you mean 'office_to_leadership'?" once, not "missing required field"
    for each field a new rule would need.
    """
    out: dict[tuple[str | int, ...], str] = {}
    incomplete = {path[:len(at) + 1]: at for error, path in errors
                  if error["type"] in ("missing", "union_tag_not_found")
                  for at in _NAMED if path[:len(at)] == at and len(path) > len(at)}
    for entry, at in incomplete.items():
        siblings = [key for key in _keys(doc, *map(str, at)) or [] if (*at, key) not in incomplete]
        close = schema.closest(str(entry[-1]), siblings)
        if close is None:
            continue
        model = _model_at(Scenario, doc, entry)
        needs = [field.alias or name for name, field in model.model_fields.items() if field.is_required()] \
            if model is not None and _NAMED[at] != "duration" else ["dist"]
        out[entry] = _("unknown {kind} {name}; did you mean {close}? (a new {kind} needs {fields})").format(
            kind=kind_name(_NAMED[at]), name=repr(entry[-1]), close=repr(close), fields=", ".join(needs))
    return out


def _written_path(doc: Any, loc: tuple[Any, ...]) -> tuple[str | int, ...]:
    """pydantic's location with its internal tags (union members, validators) removed."""
    path: list[str | int] = []
    node = doc
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(node, (Mapping, list)) and _has(node, part):
            path.append(part)
            node = node[part]
        elif last and isinstance(node, Mapping) and isinstance(part, str) and "[" not in part \
                and not _is_tag(node, part):
            path.append(part)
    return tuple(path)


def _is_tag(node: Any, part: str) -> bool:
    """pydantic names a distribution's validator after its tag (`durations.judge.lognormal`)."""
    return isinstance(node, Mapping) and node.get("dist", "constant" if "value" in node else None) == part


def _message(error: Any, doc: Any, path: tuple[str | int, ...]) -> str:
    kind, given = error["type"], error.get("input")
    if kind == "extra_forbidden":
        allowed = _allowed_keys(doc, path[:-1])
        return _unknown_field(str(path[-1]) if path else "?", allowed)
    if kind == "missing":
        return _("missing required field")
    if kind in ("value_error", "assertion_error"):
        return str(error["ctx"]["error"])
    if kind == "union_tag_invalid":
        tag, tags = str(error["ctx"]["tag"]), [t.strip(" '") for t in str(error["ctx"]["expected_tags"]).split(",")]
        close = schema.closest(tag, tags)
        return _unknown(_("distribution"), tag, close, tags)
    if kind == "union_tag_not_found":
        return _("a distribution needs 'dist' (constant, exponential, uniform, triangular, lognormal, empirical)")
    if kind == "literal_error":
        return _("{given} is not allowed; expected {expected}").format(given=repr(given),
                                                                        expected=_either(error["ctx"]["expected"]))
    expected = _expected(kind, error.get("ctx") or {}, doc, path)
    if expected is not None and kind == "float_parsing" and _PERCENT.match(str(given)):
        expected = _("{expected} (write {given} as {number})").format(
            expected=expected, given=given.strip(), number=f"{float(given.strip()[:-1]) / 100:g}")
    if expected is not None:
        return _("got {given}; expected {expected}").format(given=_shown(given), expected=expected)
    return _("{problem}; got {given}").format(problem=error["msg"].rstrip("."), given=_shown(given))


def _either(expected: str) -> str:
    """pydantic's `'a', 'b' or 'c'` with the language's word for "or"."""
    head, said_or, last = expected.rpartition(" or ")
    return _("{values} or {last}").format(values=head, last=last) if said_or else expected


_PERCENT = re.compile(r"^\s*\d+(?:\.\d+)?\s*%\s*$", re.ASCII)


def _expected_of_kind(kind: str) -> str | None:
    """What a field of a plain type expects, in the language in force."""
    listed = _("a list (one '- ' line per entry, or [a, b])")
    return {
        "int_parsing": _("a whole number"), "int_type": _("a whole number"), "int_from_float": _("a whole number"),
        "float_parsing": _("a number"), "float_type": _("a number"), "finite_number": _("a finite number"),
        "string_type": _("text (quote it if YAML reads it as a number or yes/no)"),
        "bool_parsing": _("true or false"), "bool_type": _("true or false"),
        "tuple_type": listed, "list_type": listed,
        "dict_type": _("a mapping of names to values"),
    }.get(kind)


def _expected(kind: str, ctx: Mapping[str, Any], doc: Any, path: tuple[str | int, ...]) -> str | None:
    """pydantic's error kind said as what the field expects."""
    plain = _expected_of_kind(kind)
    if plain is not None:
        return plain
    if kind in ("model_type", "model_attributes_type"):
        fields = _allowed_keys(doc, path)
        return _("a mapping of fields ({fields})").format(fields=", ".join(sorted(fields))) if fields \
            else _("a mapping of fields")
    bounds = {"greater_than": (_("more than {bound}"), "gt"), "greater_than_equal": (_("{bound} or more"), "ge"),
              "less_than": (_("less than {bound}"), "lt"), "less_than_equal": (_("{bound} or less"), "le")}
    if kind in bounds and bounds[kind][1] in ctx:
        text, key = bounds[kind]
        return text.format(bound=f"{ctx[key]:g}" if isinstance(ctx[key], float) else ctx[key])
    if kind == "too_short":
        count = ctx.get("min_length", 1)
        return ngettext("at least {count} entry", "at least {count} entries", count).format(count=count)
    return None


def _shown(value: Any) -> str:
    """A value as the planner wrote it, short enough for a one-line message."""
    if isinstance(value, dict):
        return _("a mapping") if value else _("an empty mapping")
    if isinstance(value, (list, tuple)):
        return _("a list") if value else _("an empty list")
    if value is None:
        return _("nothing (null)")
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _unknown(kind: str, name: str, close: str | None, allowed: list[str]) -> str:
    """`unknown KIND 'name'; did you mean 'close'? (expected one of: ...)`, as the list is given."""
    listed = ", ".join(allowed)
    if close and allowed:
        return _("unknown {kind} {name}; did you mean {close}? (expected one of: {names})").format(
            kind=kind, name=repr(name), close=repr(close), names=listed)
    if allowed:
        return _("unknown {kind} {name} (expected one of: {names})").format(kind=kind, name=repr(name), names=listed)
    return _("unknown {kind} {name}").format(kind=kind, name=repr(name))


def _unknown_field(key: str, allowed: list[str]) -> str:
    return _unknown(_("field"), key, schema.closest(key, allowed), sorted(allowed))


def _allowed_keys(doc: Any, path: tuple[str | int, ...]) -> list[str]:
    """The field names that the model at `path` accepts, for 'did you mean'."""
    model = _model_at(Scenario, doc, path)
    if model is None:
        return []
    return [field.alias or name for name, field in model.model_fields.items()]


def _model_at(annotation: Any, doc: Any, path: tuple[str | int, ...]) -> type[BaseModel] | None:
    node = doc
    for part in (*path, None):
        annotation = _unwrap(annotation, node)
        if part is None:
            break
        node = node[part] if isinstance(node, (Mapping, list)) and _has(node, part) else None  # type: ignore[index]
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = next((f for n, f in annotation.model_fields.items() if (f.alias or n) == part), None)
            if field is None:
                return None
            annotation = field.annotation
        elif typing.get_origin(annotation) is dict:
            annotation = typing.get_args(annotation)[1]
        elif typing.get_origin(annotation) is tuple:
            annotation = typing.get_args(annotation)[0]
        else:
            return None
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


def _has(node: Any, part: str | int) -> bool:
    if isinstance(node, Mapping):
        return part in node
    return isinstance(part, int) and 0 <= part < len(node)


def _unwrap(annotation: Any, node: Any) -> Any:
    while True:
        if isinstance(annotation, (str, typing.ForwardRef)):
            name = annotation if isinstance(annotation, str) else annotation.__forward_arg__
            annotation = _postponed(name)
        elif typing.get_origin(annotation) is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif typing.get_origin(annotation) in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            tag = node.get("dist", "constant") if isinstance(node, Mapping) else None
            chosen = [m for m in members if isinstance(m, type) and issubclass(m, schema.Dist) and _tag_of(m) == tag]
            annotation = chosen[0] if chosen else members[0]
        else:
            return annotation


def _postponed(text: str) -> Any:
    """A postponed annotation of the schema (`AnyDist`, `_mapping('AnyDist', LevelName)`).

    Evaluated in the schema's namespace, as `typing.get_type_hints` does; the
    text is the schema's own source, never the planner's input.
    """
    return getattr(schema, text) if text.isidentifier() else eval(text, vars(schema))


def _tag_of(model: type[BaseModel]) -> str | None:
    args = typing.get_args(model.model_fields["dist"].annotation)
    return args[0] if args else None


# --- references across the document ---------------------------------------------------


def _element_problems(s: Scenario) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """An element is learnt from something every incident reaches once, and no report waits for an element that is
    learnt only after the report itself."""
    flow = flow_of(s)
    for name, element in s.core_elements.items():
        source = flow.get(element.after) or flow.reaching(element.after)
        if source is None and element.after != "occurred":
            yield (("core_elements", name, "after"),
                   _("{problem}; a flow without it says after which of its steps the element is known, or removes it "
                     "({name}: null)").format(problem=unknown_name("step or milestone", element.after,
                                                                   ["occurred", *flow.step_ids(), *flow.milestones()]),
                                              name=name))
        elif source is not None and not flow.always_runs(source.id):
            yield (("core_elements", name, "after"),
                   _("{name} is not reached by every incident once (a condition or a change decides it), so the "
                     "element might never be known; expected a step every incident runs once").format(
                       name=repr(element.after)))
    for i, step in enumerate(s.flow):
        report = step.report
        if report is None or not isinstance(report.carries, tuple):
            continue
        later = flow.descendants(step.id)
        for name in report.carries:
            after = s.core_elements[name].after
            source = flow.get(after) or flow.reaching(after)
            if source is not None and (source.id in later or (source.id == step.id and flow.get(after) is None)):
                yield (("flow", i, "report", "carries"),
                       _("{element} is known only after {after}, which waits for this report; expected an element "
                         "known before the report is sent").format(element=repr(name), after=repr(after)))


def check_references(s: Scenario) -> list[tuple[tuple[str | int, ...], str]]:
    """What pydantic cannot see: the flow's wiring, milestones, staffing, times."""
    out: list[tuple[tuple[str | int, ...], str]] = []
    steps = {step.id: step for step in s.flow}
    milestones = set(EVENTS)
    seen: set[str] = set()
    for i, step in enumerate(s.flow):
        at = ("flow", i)
        if step.id in seen:
            out.append(((*at, "id"), _("the step id {id} is used twice").format(id=repr(step.id))))
        seen.add(step.id)
        if step.milestone in milestones:
            out.append(((*at, "milestone"), _("the milestone {milestone} is reached by another step").format(
                milestone=repr(step.milestone))))
        milestones.add(step.milestone)
        after_change = "change" in step.after or any(
            steps[name].per == "change" for name in step.after if name in steps)
        if ("change" in step.after and step.per != "change") or (step.per == "change" and not after_change):
            out.append(((*at, "per"), _("a step runs per change when it comes after 'change', and only after "
                                        "'change' or a step run per change")))
        if step.actor.startswith("@"):
            ref = steps.get(step.actor[1:])
            if ref is None or ref.report is None:
                out.append(((*at, "actor"), _("{actor} must name an earlier step that sends a report").format(
                    actor=repr(step.actor))))
        elif s.actors[step.actor].kind == "superior":
            out.append(((*at, "actor"), _("{actor} is a superior: it receives reports, it has no steps").format(
                actor=repr(step.actor))))
        if step.report is not None and step.report.to == step.actor:
            out.append(((*at, "report", "to"), _("a step cannot report to its own actor")))
    out.extend(_cycles(s))
    flow = flow_of(s)
    for rule_id, rule in s.deadlines.items():
        if rule.not_before is not None and flow.per_change(rule.not_before):
            out.append((("deadlines", rule_id, "not_before"), _("{milestone} is reached once per change; expected a "
                                                                "milestone reached once per incident").format(
                                                                  milestone=repr(rule.not_before))))
        if rule.applies == "change" and not flow.per_change(rule.start):
            out.append((("deadlines", rule_id, "applies"),
                        _("'change' checks a rule once per change: expected a clock that starts at 'change' or at a "
                          "milestone reached per change")))
    out.extend(_element_problems(s))
    for level, every in s.changes.cadence.items():
        if s.horizon // every > limits.MAX_CADENCE_REPORTS:
            out.append((("changes", "cadence", level),
                        _("a report every {every} over the horizon of {horizon} is more than {most} reports an "
                          "incident; expected a cadence of at least {least}").format(
                            every=format_duration(every), horizon=format_duration(s.horizon),
                            most=limits.MAX_CADENCE_REPORTS,
                            least=format_duration(-(-s.horizon // limits.MAX_CADENCE_REPORTS)))))
    for actor, staffing in s.staffing.items():
        kind = s.actors[actor].kind
        if kind in ("unlimited", "superior"):
            out.append((("staffing", actor), _("{actor} is {kind}: it takes no staffing; remove this entry").format(
                actor=repr(actor), kind=kind)))
        if kind == "per_grid" and not staffing.grids:
            out.append((("staffing", actor, "grids"), _("a per-grid actor needs at least one grid")))
        if kind != "per_grid" and staffing.grids:
            out.append((("staffing", actor, "grids"), _("{actor} is not per grid").format(actor=repr(actor))))
    for actor_id, actor in s.actors.items():
        if actor.kind in ("pool", "per_grid") and actor_id not in s.staffing and not s.holders(actor_id):
            out.append((("staffing",), _("{actor} needs staffing: it is a limited {kind} actor; expected "
                                         "staffing.{id} or a person in people holding it").format(
                                           actor=repr(actor_id), kind=actor.kind, id=actor_id)))
        if actor.stand_in is not None and s.actors[actor.stand_in].kind != "pool":
            out.append((("actors", actor_id, "stand_in"), _("the stand-in must be a pool actor")))
        out.extend(_team_problems(s, ("actors", actor_id), actor.kind, actor.leader, actor.members))
    for group_id, group in s.working_groups.items():
        at = ("working_groups", group_id)
        for field, role in (("led_by", group.led_by), ("deputy", group.deputy)):
            if role is not None and s.actors[role].kind != "pool":
                out.append(((*at, field), _("{actor} must be a pool actor: one role that people hold").format(
                    actor=repr(role))))
        out.extend(_role_problems(s, (*at, "members"), group.members))
    out.extend(_people_problems(s))
    for level in s.levels:
        if level not in s.escalation.levels:
            out.append((("escalation", "levels"), _("no escalation is given for level {level}").format(
                level=repr(level))))
    for level, targets in s.escalation.levels.items():
        for k, target in enumerate(targets):
            if s.actors[target].kind != "superior":
                out.append((("escalation", "levels", level, k), _("{actor} is not a superior").format(
                    actor=repr(target))))
    grids = s.grids
    for i, src in enumerate(s.sources):
        if src.grids is None and not grids and any(a.kind == "per_grid" for a in s.actors.values()):
            out.append((("sources", i, "grids"), _("no grids are staffed to send incidents to")))
        if src.end is not None and src.end <= src.start:
            out.append((("sources", i, "end"), _("'end' must come after 'start' (start {start}, end {end})").format(
                start=format_offset(src.start), end=format_offset(src.end))))
    beyond = schema.incidents_beyond(s)
    if beyond is not None:  # refused here, not after hours of drawing or at the memory's end
        out.append((("sources", beyond[0], "rate_per_day"), beyond[1]))
    return out


_HELD = ("pool", "per_grid")
"""The kinds of actor that are roles people hold."""


def _role_problems(s: Scenario, at: tuple[str | int, ...], roles: Iterable[str]) -> list[tuple[tuple[str | int, ...],
                                                                                                str]]:
    return [((*at, k), _("{actor} is {kind}: a team is drawn from roles people hold (pool or per_grid "
                         "actors)").format(actor=repr(role), kind=s.actors[role].kind))
            for k, role in enumerate(roles) if s.actors[role].kind not in _HELD]


def _team_problems(s: Scenario, at: tuple[str | int, ...], kind: str, leader: str | None,
                   members: tuple[str, ...]) -> list[tuple[tuple[str | int, ...], str]]:
    if kind != "team":
        if leader is not None or members:
            return [((*at, "leader" if leader is not None else "members"),
                     _("only a team has a leader and members; this actor is {kind}").format(kind=kind))]
        return []
    out = _role_problems(s, (*at, "members"), members)
    if leader is not None and s.actors[leader].kind != "pool":
        out.append(((*at, "leader"), _("{actor} must be a pool actor: one role that people hold").format(
            actor=repr(leader))))
    if leader is None and not members:
        out.append((at, _("a team needs a leader or members to be drawn from")))
    return out


def _people_problems(s: Scenario) -> list[tuple[tuple[str | int, ...], str]]:
    out: list[tuple[tuple[str | int, ...], str]] = []
    for person_id, person in s.people.items():
        if person_id in s.actors or any(mark in person_id for mark in "*+:"):
            out.append((("people", person_id), _(
                "{person} cannot name a person: a step's people name each person and each role's anonymous staff "
                "(`grid_worker:grid_1`), joined with '+' (and '*' for how many); expected an id that is not an actor "
                "and has none of ':', '+', '*'").format(person=repr(person_id))))
        for k, role in enumerate(person.roles):
            actor, grid = role.partition(":")[::2]
            kind = s.actors[actor].kind
            at = ("people", person_id, "roles", k)
            if kind not in _HELD:
                out.append((at, _("{actor} is {kind}: people hold pool or per-grid roles").format(actor=repr(actor),
                                                                                                   kind=kind)))
            elif kind == "per_grid" and not grid:
                out.append((at, _("{actor} is per grid; expected {id}:GRID (one of: {grids})").format(
                    actor=repr(actor), id=actor, grids=", ".join(s.grids))))
            elif kind == "pool" and grid:
                out.append((at, _("{actor} is not per grid; expected {actor} without ':{grid}'").format(
                    actor=repr(actor), grid=grid)))
        if len(set(person.roles)) != len(person.roles):
            out.append((("people", person_id, "roles"), _("a role is listed twice")))
    groups: list[tuple[list[str], str]] = []
    for person_id, person in s.people.items():
        actors = list(dict.fromkeys(role.partition(":")[0] for role in person.roles))
        groups.append((actors, ngettext("{person} holds it", "{person} holds them", len(actors)).format(
            person=repr(person_id))))
    for actor_id, actor in s.actors.items():
        if actor.kind == "team":
            groups.append(([*([actor.leader] if actor.leader else []), *actor.members],
                           ngettext("team {actor} draws on it", "team {actor} draws on them",
                                    len(actor.members)).format(actor=repr(actor_id))))
    if any(actor.kind == "working_group" for actor in s.actors.values()):
        for group_id, group in s.working_groups.items():
            groups.append(([group.led_by, *([group.deputy] if group.deputy else []), *group.members],
                           _("working group {group} draws on them").format(group=repr(group_id))))
    out.extend(_shared_problems(s, groups))
    return out


def _shared_problems(s: Scenario, groups: list[tuple[list[str], str]]) -> list[tuple[tuple[str | int, ...], str]]:
    """Roles that share people are served from one queue: one policy for all, and nobody paused. Said once per
    role, at the staffing line that set its policy or its preempt (the plan's teams are not the user's doing)."""
    found: dict[tuple[str | int, ...], str] = {}
    for actors, why in groups:
        held = [actor for actor in dict.fromkeys(actors) if s.actors[actor].kind in _HELD]
        policies = {actor: s.policy_of(actor) for actor in held}
        if len(set(policies.values())) > 1:
            listed = ", ".join(f"{actor}: {policy}" for actor, policy in policies.items())
            for actor in held:
                own = s.staffing.get(actor)
                if own is not None and own.policy is not None:
                    found.setdefault(("staffing", actor, "policy"), _(
                        "{actor} shares people with other roles ({why}: {policies}), and roles that share people "
                        "take their tasks from one queue; expected the same policy for each, or the scenario's "
                        "`policy` for all").format(actor=repr(actor), why=why, policies=listed))
        for actor in held:
            if s.staffing_of(actor).preempt:
                found.setdefault(("staffing", actor, "preempt"), _(
                    "{actor} cannot preempt: {why}, and a task of people who share roles is not paused; expected "
                    "preempt only for a role held by its own staff alone").format(actor=repr(actor), why=why))
    return list(found.items())


def _cycles(s: Scenario) -> Iterable[tuple[tuple[str | int, ...], str]]:
    found = flow_of(s).cycle()
    if found is not None:
        position, cycle = found
        yield (("flow", position, "after"), _("the flow has a cycle: {cycle}").format(cycle=" -> ".join(cycle)))


__all__ = ["BUILTIN_PLAN", "builtin_plans", "check_references", "dotted", "from_document", "load", "loads",
           "validate"]
