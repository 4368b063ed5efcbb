"""Safe YAML reading that remembers where every value was written.

PyYAML's parser gives events with positions; we build plain Python values
from them ourselves so that every error can name `FILE:LINE`, duplicate keys
are caught instead of silently overwritten, and only the plain YAML types are
accepted (no `!!python/object`). A document beyond any scenario is refused
at the line where it crosses a limit: the values it writes, the values its
aliases add (a "billion laughs" file), or how deep it nests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import yaml

from drillsim.files import UnreadableFile, read_text
from drillsim.i18n import _
from drillsim.scenario.errors import Problem

Path_ = tuple[str | int, ...]

_SAFE_TAGS = {
    "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null", "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq", "tag:yaml.org,2002:timestamp",
}
_SEXAGESIMAL = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$")

_MAX_VALUES = 1_000_000
"""The most values a document may write: about 16 MiB of injects, the size cap of an input file."""
_MAX_ALIAS_VALUES = 100_000
"""The most values aliases may add: far more than any scenario repeats, far fewer than a 'billion laughs' file."""
_MAX_DEPTH = 50

def _too_much_aliased() -> str:
    """Said in the language in force when it is said, as every message here."""
    return _("aliases expand the document by more than {count} values, the most drillsim reads; write fewer "
             "aliases of large values").format(count=_MAX_ALIAS_VALUES)


def _too_deep() -> str:
    return _("the document nests lists and mappings more than {depth} deep; a scenario needs fewer than "
             "ten").format(depth=_MAX_DEPTH)


def _too_many() -> str:
    """Said with the limit in force (a test lowers it)."""
    return _("the document writes more than {count} values, the most drillsim reads (a scenario writes a few "
             "thousand; the limit is about 16 MiB of injects)").format(count=_MAX_VALUES)


def _not_allowed_tag(tag: str) -> str:
    """Said alike for a collection's tag and a scalar's."""
    return _("the YAML tag {tag} is not allowed; expected plain values, lists and mappings").format(
        tag=_shown_tag(tag))


class _Refused(Exception):
    """A document that cannot be read further: beyond a limit, or an alias that cannot be resolved."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


@dataclass(frozen=True)
class _Anchor:
    """An anchored value, and the span of `_Builder.order` that holds the lines of what it contains."""

    value: Any
    path: Path_
    first: int
    last: int
    count: int
    depth: int


class SexagesimalInt(int):
    """An unquoted `20:00`, which YAML 1.1 reads as 1200: kept to explain the mistake."""

    yaml_text: str

    def __new__(cls, value: int, text: str) -> SexagesimalInt:
        obj = super().__new__(cls, value)
        obj.yaml_text = text
        return obj


@dataclass(frozen=True)
class SourceMap:
    """Where each value of a document was written: path -> (file, line)."""

    file: str
    lines: dict[Path_, int] = field(default_factory=dict)
    origins: dict[Path_, str] = field(default_factory=dict)

    def locate(self, path: Path_) -> tuple[str, int | None]:
        """The file and line of `path`, or of its nearest written ancestor."""
        for cut in range(len(path), -1, -1):
            prefix = path[:cut]
            if prefix in self.lines:
                return self.origins.get(prefix, self.file), self.lines[prefix]
        return self.file, None


def _shown_tag(tag: str) -> str:
    """`tag:yaml.org,2002:python/object` -> `!!python/object`, as it was written."""
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org,2002:") else tag


_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"


class _Builder:
    """Plain values from the parser's events, one pass, without PyYAML's node tree.

    Building from events keeps memory to the values themselves and lets each
    limit be checked as it is crossed, at the line crossing it: the values
    the file writes, the values its aliases add, the nesting.
    """

    def __init__(self, file: str, loader: Any) -> None:
        self.file = file
        self.loader = loader
        self.lines: dict[Path_, int] = {}
        self.order: list[Path_] = []
        self.problems: list[Problem] = []
        self.anchors: dict[str, _Anchor] = {}
        self.open: set[str] = set()
        self.plain: dict[str, Any] = {}
        self.built = 0
        self.aliased = 0

    def document(self) -> tuple[bool, Any]:
        """(whether the file holds a document, its value)."""
        loader = self.loader
        loader.get_event()  # the stream's start
        if loader.check_event(yaml.StreamEndEvent):
            return False, None
        loader.get_event()  # the document's start
        value = self.node(())
        loader.get_event()  # the document's end
        if not loader.check_event(yaml.StreamEndEvent):
            second = loader.get_event()
            raise _Refused(Problem(self.file, second.start_mark.line + 1, (),
                                   _("a second YAML document starts here; expected one scenario per file")))
        return True, value

    def _refuse(self, line: int, path: Path_, message: str) -> NoReturn:
        raise _Refused(Problem(self.file, line, path, message))

    def _at(self, path: Path_, line: int) -> None:
        if path not in self.lines:
            self.order.append(path)
        self.lines[path] = line

    def node(self, path: Path_) -> Any:
        """The value of the next node, at `path`."""
        event = self.loader.get_event()
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            return self._alias(str(event.anchor), path, line)
        if len(path) > _MAX_DEPTH:
            self._refuse(line, path[:1], _too_deep())
        self.built += 1
        if self.built > _MAX_VALUES:
            self._refuse(line, path[:1], _too_many())
        self._at(path, line)
        anchor, first, before = event.anchor, len(self.order) - 1, self.built + self.aliased - 1
        if anchor is not None:
            if anchor in self.anchors or anchor in self.open:
                self._refuse(line, path, _("YAML syntax error: the anchor &{anchor} is defined twice; expected "
                                           "each anchor once").format(anchor=anchor))
            self.open.add(anchor)
        if isinstance(event, yaml.ScalarEvent):
            value = self._scalar(event, path, line)
        else:
            kind = yaml.MappingNode if isinstance(event, yaml.MappingStartEvent) else yaml.SequenceNode
            tag = event.tag if event.tag not in (None, "!") else self.loader.resolve(kind, None, event.implicit)
            value = self._mapping(path) if kind is yaml.MappingNode else self._sequence(path)
            if tag not in _SAFE_TAGS:
                self.problems.append(Problem(self.file, line, path, _not_allowed_tag(tag)))
                value = None
        if anchor is not None:
            self.open.discard(anchor)
            depth = max(len(p) for p in self.order[first:]) - len(path)
            self.anchors[anchor] = _Anchor(value, path, first, len(self.order),
                                           self.built + self.aliased - before, depth)
        return value

    def _scalar(self, event: Any, path: Path_, line: int) -> Any:
        """A scalar's value; a plain one is read once per text (what it means depends on its text alone)."""
        plain = event.tag is None and not event.style
        if plain and event.value in self.plain:
            return self.plain[event.value]
        count = len(self.problems)
        value = self._construct(event, path, line)
        if plain and len(self.problems) == count:
            self.plain[event.value] = value
        return value

    def _construct(self, event: Any, path: Path_, line: int) -> Any:
        tag = event.tag if event.tag not in (None, "!") else self.loader.resolve(yaml.ScalarNode, event.value,
                                                                                  event.implicit)
        if tag == _STR:
            return event.value
        if tag not in _SAFE_TAGS:
            self.problems.append(Problem(self.file, line, path, _not_allowed_tag(tag)))
            return None
        if tag == "tag:yaml.org,2002:timestamp":
            return event.value
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style)
        try:
            constructed = _CONSTRUCTOR.yaml_constructors[tag](_CONSTRUCTOR, node)
        except ValueError:  # Python reads at most 4300 digits of a whole number
            digits = sum(ch.isdigit() for ch in event.value)
            self.problems.append(Problem(self.file, line, path, _(
                "a number of {digits} digits is more than drillsim reads; expected a number of at most 4300 "
                "digits").format(digits=digits)))
            return None
        if tag == "tag:yaml.org,2002:int" and not event.style and _SEXAGESIMAL.match(event.value):
            return SexagesimalInt(constructed, event.value)
        return constructed

    def _sequence(self, path: Path_) -> list[Any]:
        items: list[Any] = []
        while not self.loader.check_event(yaml.SequenceEndEvent):
            items.append(self.node((*path, len(items))))
        self.loader.get_event()
        return items

    def _mapping(self, path: Path_) -> dict[str, Any]:
        result: dict[str, Any] = {}
        loader = self.loader
        while not loader.check_event(yaml.MappingEndEvent):
            key_event = loader.get_event()
            key_line = key_event.start_mark.line + 1
            key = self._key(key_event, path, key_line)
            if key is None:
                self._skip()
                continue
            if key in result:
                first = self.lines.get((*path, key))
                self.problems.append(Problem(self.file, key_line, (*path, key),
                                             _("duplicate key {key}; it was already given on line {line}").format(
                                                 key=repr(key), line=first)))
                self._skip()
                continue
            result[key] = self.node((*path, key))
            self.lines[(*path, key)] = key_line
        loader.get_event()
        return result

    def _key(self, event: Any, path: Path_, line: int) -> str | None:
        """A mapping's key as text; None (with its problem) for a key that is not a plain name."""
        if isinstance(event, yaml.AliasEvent) and event.anchor in self.anchors:
            value = self.anchors[event.anchor].value
            if not isinstance(value, (dict, list)):
                return str(value)
        if not isinstance(event, yaml.ScalarEvent):
            if isinstance(event, yaml.CollectionStartEvent):
                self._skip_rest()
            self.problems.append(Problem(self.file, line, path, _("a key must be a plain name")))
            return None
        tag = event.tag if event.tag not in (None, "!") else self.loader.resolve(yaml.ScalarNode, event.value,
                                                                                  event.implicit)
        if tag == _MERGE:
            self.problems.append(Problem(self.file, line, path,
                                         _("YAML merge keys (<<) are not supported; write the values out")))
            return None
        if tag not in _SAFE_TAGS:
            self.problems.append(Problem(self.file, line, path, _(
                "the YAML tag {tag} is not allowed in a key; expected a plain name").format(tag=_shown_tag(tag))))
            return None
        if tag in (_STR, "tag:yaml.org,2002:timestamp"):
            return str(event.value)
        return str(self._scalar(event, path, line))

    def _skip(self) -> None:
        """Pass over the next node's events: the value of a key that was refused."""
        if isinstance(self.loader.get_event(), yaml.CollectionStartEvent):
            self._skip_rest()

    def _skip_rest(self) -> None:
        depth = 1
        while depth:
            event = self.loader.get_event()
            depth += isinstance(event, yaml.CollectionStartEvent) - isinstance(event, yaml.CollectionEndEvent)

    def _alias(self, name: str, path: Path_, line: int) -> Any:
        """A copy of the anchored value at `path`, its lines copied with it; counted against the alias limit."""
        anchor = self.anchors.get(name)
        if anchor is None:
            self._refuse(line, path, (
                _("YAML syntax error: the alias *{name} refers to the value it is part of; expected an alias of an "
                  "&{name} written earlier") if name in self.open else
                _("YAML syntax error: the alias *{name} refers to no anchor defined before it; expected an alias of "
                  "an &{name} written earlier")).format(name=name))
        self.aliased += anchor.count
        if self.aliased > _MAX_ALIAS_VALUES:
            self._refuse(line, path[:1], _too_much_aliased())
        if len(path) + anchor.depth > _MAX_DEPTH:
            self._refuse(line, path[:1], _too_deep())
        cut = len(anchor.path)
        for inner in self.order[anchor.first:anchor.last]:
            self._at((*path, *inner[cut:]), self.lines[inner])
        return _copy(anchor.value)


def _copy(value: Any) -> Any:
    """An aliased value copied, so that no two places of the document share a list or mapping."""
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value


_CONSTRUCTOR = yaml.SafeLoader("")



def _hinted(raw: str, said: str) -> str:
    """What usually causes PyYAML's complaint (`raw`, in its English), said as the fix after it."""
    if "'\\t'" in raw:
        return _("{problem}; indent with spaces, not tabs").format(problem=said)
    if "mapping values are not allowed here" in raw:
        return _("{problem}; quote a value that contains ': ', or check the indentation").format(problem=said)
    if "could not find expected ':'" in raw:
        return _("{problem}; every line of a mapping is 'name: value'").format(problem=said)
    return said


_PYYAML_SAYS = re.compile(r"^(?:found character (?P<character>.+) that cannot start any token"
                          r"|expected (?P<expected>.+), but (?:found|got) (?P<found>.+)"
                          r"|found unknown escape character (?P<escape>.+))$", re.DOTALL)


def _pyyaml(text: str) -> str:
    """PyYAML's problem or context, in the language in force (its other words as it says them)."""
    fixed = {
        "mapping values are not allowed here": _("mapping values are not allowed here"),
        "could not find expected ':'": _("could not find expected ':'"),
        "sequence entries are not allowed here": _("sequence entries are not allowed here"),
        "mapping keys are not allowed here": _("mapping keys are not allowed here"),
        "found unexpected end of stream": _("found unexpected end of stream"),
        "found unexpected document separator": _("found unexpected document separator"),
        "invalid indentation or unclosed '[' or '{'": _("invalid indentation or unclosed {bracket} or {brace}").format(
            bracket="'['", brace="'{'"),
        "while scanning a simple key": _("while scanning a simple key"),
        "while parsing a block mapping": _("while parsing a block mapping"),
        "while parsing a block collection": _("while parsing a block collection"),
        "while parsing a flow sequence": _("while parsing a flow sequence"),
        "while parsing a flow mapping": _("while parsing a flow mapping"),
        "while scanning a quoted scalar": _("while scanning a quoted scalar"),
        "while scanning for the next token": _("while scanning for the next token"),
        "while scanning a block scalar": _("while scanning a block scalar"),
        "while parsing a block node": _("while parsing a block node"),
        "while parsing a flow node": _("while parsing a flow node"),
        "not valid YAML": _("not valid YAML"),
    }
    if text in fixed:
        return fixed[text]
    match = _PYYAML_SAYS.match(text)
    if match is None:
        return text
    if match["character"] is not None:
        return _("found character {character} that cannot start any token").format(character=match["character"])
    if match["escape"] is not None:
        return _("found unknown escape character {character}").format(character=match["escape"])
    head, said_or, last = match["expected"].rpartition(" or ")
    expected = _("{values} or {last}").format(values=head, last=last) if said_or else match["expected"]
    return _("expected {expected}, but found {found}").format(expected=expected, found=match["found"]) \
        if ", but found " in text else \
        _("expected {expected}, but got {found}").format(expected=expected, found=match["found"])


@dataclass
class _Frame:
    """A mapping or sequence the parser is inside, and where in it."""

    mapping: bool
    key: object = None
    in_value: bool = False
    index: int = -1

    def begin(self, scalar: object) -> bool:
        """A node starts in this collection; True when it is a mapping's key."""
        if not self.mapping:
            self.index += 1
            return False
        if self.in_value:
            return False
        self.key, self.in_value = scalar, True
        return True

    def done(self) -> None:
        """The node that was this mapping's value is complete."""
        self.in_value = False

    def part(self) -> str | int | None:
        if not self.mapping:
            return self.index if self.index >= 0 else None
        return self.key if self.in_value and isinstance(self.key, str) else None


_EXPLAINED = 1024 * 1024
"""Up to this many characters, a document libyaml refuses is parsed again by PyYAML's own parser, whose
messages are the ones drillsim explains (a few seconds a megabyte); a larger one keeps libyaml's message,
so that its syntax error costs seconds, not minutes."""


def _error_loader(text: str) -> Any:
    fast = getattr(yaml, "CSafeLoader", None)
    return fast if fast is not None and len(text) > _EXPLAINED else yaml.SafeLoader


def _path_at_error(text: str) -> Path_:
    """The field being written where the YAML stops making sense, replayed from the parser's events."""
    frames: list[_Frame] = []
    path: Path_ = ()
    try:
        for event in yaml.parse(text, Loader=_error_loader(text)):
            if isinstance(event, yaml.CollectionEndEvent):
                frames.pop()
                if frames:
                    frames[-1].done()
            elif isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent, yaml.CollectionStartEvent)):
                is_key = bool(frames) and frames[-1].begin(getattr(event, "value", None))
                if isinstance(event, yaml.CollectionStartEvent):
                    frames.append(_Frame(mapping=isinstance(event, yaml.MappingStartEvent)))
                elif frames and not is_key:
                    frames[-1].done()
            path = tuple(part for frame in frames if (part := frame.part()) is not None)
    except yaml.YAMLError:
        return path
    return path


def _build(loader_class: Any, text: str, file: str) -> tuple[bool, Any, _Builder]:
    loader = loader_class(text)
    try:
        builder = _Builder(file, loader)
        found, value = builder.document()
        return found, value, builder
    finally:
        loader.dispose()


def _read(text: str, file: str) -> tuple[bool, Any, _Builder]:
    """The document's values, with their lines.

    libyaml, where PyYAML was built with it, parses about fifteen times
    faster; a document it refuses is parsed again by PyYAML's own parser,
    whose error messages are the ones drillsim explains (see `_EXPLAINED`).
    """
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        try:
            return _build(fast, text, file)
        except yaml.YAMLError:
            if _error_loader(text) is fast:
                raise
    return _build(yaml.SafeLoader, text, file)


def parse_yaml(text: str, file: str) -> tuple[Any, SourceMap, list[Problem]]:
    """Parse one YAML document into plain values, their lines, and the problems met."""
    try:
        found, value, builder = _read(text, file)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raw = exc.problem or exc.context or "not valid YAML"
        what = _pyyaml(raw)
        if exc.context and exc.context_mark is not None and exc.context_mark.line + 1 != line:
            what = _("{problem} ({context} started on line {line})").format(
                problem=what, context=_pyyaml(exc.context), line=exc.context_mark.line + 1)
        what = _hinted(raw, what)
        return None, SourceMap(file), [Problem(file, line, _path_at_error(text),
                                               _("YAML syntax error: {problem}").format(problem=what))]
    except yaml.YAMLError as exc:
        return None, SourceMap(file), [Problem(file, None, (), _("YAML syntax error: {problem}").format(
            problem=exc))]
    except _Refused as exc:
        return None, SourceMap(file), [exc.problem]
    if not found:
        return None, SourceMap(file), [Problem(file, 1, (), _("the file is empty; expected a YAML mapping"))]
    if not builder.problems and not isinstance(value, dict):
        shown = {"list": _("a list"), "str": _("a single value"), "NoneType": _("nothing")}.get(
            type(value).__name__, type(value).__name__)
        builder.problems.append(Problem(file, builder.lines.get((), 1), (), _(
            "got {given}; expected a YAML mapping of fields, one 'name: value' a line").format(given=shown)))
    return value, SourceMap(file, builder.lines), builder.problems


def read_yaml(path: Path) -> tuple[Any, SourceMap, list[Problem]]:
    """Read and parse a YAML file; a file that cannot be read (missing, special, too large) is a problem.

    Only a regular file of at most `files.MAX_INPUT_BYTES` is read (`files.read_text`):
    a FIFO, a device or a directory is refused at once, so that no scenario
    or plan path can hang drillsim or fill its memory.
    """
    try:
        text = read_text(path, what=_("YAML text"))
    except UnreadableFile as exc:
        return None, SourceMap(str(path)), [Problem(str(path), exc.line, (), exc.reason)]
    return parse_yaml(text, str(path))


def merge(base: Any, over: Any, base_map: SourceMap, over_map: SourceMap) -> tuple[Any, SourceMap]:
    """Deep-merge a scenario over its plan: mappings merge key by key, anything else replaces.

    As in JSON merge patch (RFC 7386), `key: null` removes the plan's entry,
    so a scenario can drop a grid or an actor's shifts. A mapping with `dist`
    is a whole distribution: it replaces the plan's rather than merging into it.

    The merged map keeps the file and line of every value, so an error in the
    merged document still points at the file that wrote the value.
    """
    lines = dict(base_map.lines)
    origins = {key: base_map.origins.get(key, base_map.file) for key in base_map.lines}

    def replace(at: Path_) -> None:
        for key in [key for key in lines if key[:len(at)] == at]:
            del lines[key], origins[key]
        for key, line in over_map.lines.items():
            if key[:len(at)] == at:
                lines[key] = line
                origins[key] = over_map.origins.get(key, over_map.file)

    def walk(a: Any, b: Any, at: Path_) -> Any:
        if not (isinstance(a, dict) and isinstance(b, dict)) or "dist" in b:
            replace(at)
            return b
        if at in over_map.lines:
            lines[at] = over_map.lines[at]
            origins[at] = over_map.origins.get(at, over_map.file)
        merged = dict(a)
        for key, value in b.items():
            if value is None and key in a:
                del merged[key]
                replace((*at, key))
            else:
                merged[key] = walk(a[key], value, (*at, key)) if key in a else _replaced(at, key, value)
        return merged

    def _replaced(at: Path_, key: str, value: Any) -> Any:
        replace((*at, key))
        return value

    return walk(base, over, ()), SourceMap(base_map.file, lines, origins)
