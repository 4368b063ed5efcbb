"""Safe YAML reading that remembers where every value was written.

PyYAML's composer gives nodes with positions; we build plain Python values
from them ourselves so that every error can name `FILE:LINE`, duplicate keys
are caught instead of silently overwritten, and only the plain YAML types are
accepted (no `!!python/object`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from drillsim.scenario.errors import Problem

Path_ = tuple[str | int, ...]

_SAFE_TAGS = {
    "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null", "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq", "tag:yaml.org,2002:timestamp",
}
_SEXAGESIMAL = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$")


_MAX_VALUES = 200_000
_MAX_DEPTH = 50
_TOO_LARGE = f"the document expands to more than {_MAX_VALUES} values; aliases too deep?"
_TOO_DEEP = f"the document nests lists and mappings more than {_MAX_DEPTH} deep; a scenario needs fewer than ten"


class _TooLarge(Exception):
    """The document is beyond any real scenario: aliases expanding it (a 'billion laughs' file), or nesting."""


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


class _Builder:
    def __init__(self, file: str) -> None:
        self.file = file
        self.lines: dict[Path_, int] = {}
        self.problems: list[Problem] = []
        self.built = 0

    def build(self, node: yaml.Node, path: Path_) -> Any:
        self.built += 1
        if self.built > _MAX_VALUES:
            raise _TooLarge(_TOO_LARGE)
        if len(path) > _MAX_DEPTH:
            raise _TooLarge(_TOO_DEEP)
        self.lines[path] = node.start_mark.line + 1
        if node.tag not in _SAFE_TAGS:
            self.problems.append(Problem(
                self.file, node.start_mark.line + 1, path,
                f"the YAML tag {_shown_tag(node.tag)} is not allowed; expected plain values, lists and mappings"))
            return None
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        assert isinstance(node, yaml.ScalarNode)
        if node.tag == "tag:yaml.org,2002:timestamp":
            return node.value
        constructed = _CONSTRUCTOR.yaml_constructors[node.tag](_CONSTRUCTOR, node)
        if node.tag == "tag:yaml.org,2002:int" and not node.style and _SEXAGESIMAL.match(node.value):
            return SexagesimalInt(constructed, node.value)
        return constructed

    def _mapping(self, node: yaml.MappingNode, path: Path_) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                self.problems.append(Problem(self.file, key_node.start_mark.line + 1, path,
                                             "YAML merge keys (<<) are not supported; write the values out"))
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.problems.append(Problem(self.file, key_node.start_mark.line + 1, path,
                                             "a key must be a plain name"))
                continue
            if key_node.tag not in _SAFE_TAGS:
                self.problems.append(Problem(self.file, key_node.start_mark.line + 1, path,
                                             f"the YAML tag {_shown_tag(key_node.tag)} is not allowed in a key; "
                                             f"expected a plain name"))
                continue
            key = str(_CONSTRUCTOR.yaml_constructors[key_node.tag](_CONSTRUCTOR, key_node))
            if key in result:
                first = self.lines.get((*path, key))
                self.problems.append(Problem(
                    self.file, key_node.start_mark.line + 1, (*path, key),
                    f"duplicate key {key!r}; it was already given on line {first}"))
                continue
            result[key] = self.build(value_node, (*path, key))
            self.lines[(*path, key)] = key_node.start_mark.line + 1
        return result


_CONSTRUCTOR = yaml.SafeLoader("")


_SYNTAX_HINTS = {
    "'\\t'": "; indent with spaces, not tabs",
    "mapping values are not allowed here": "; quote a value that contains ': ', or check the indentation",
    "could not find expected ':'": "; every line of a mapping is 'name: value'",
}
"""What usually causes PyYAML's complaint, said as the fix."""


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


def _path_at_error(text: str) -> Path_:
    """The field being written where the YAML stops making sense, replayed from the parser's events."""
    frames: list[_Frame] = []
    path: Path_ = ()
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
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


def _single_node(loader_class: Any, text: str) -> yaml.Node | None:
    loader = loader_class(text)
    try:
        return loader.get_single_node()  # type: ignore[no-any-return]
    finally:
        loader.dispose()


def _compose(text: str) -> yaml.Node | None:
    """The document's nodes, with their lines.

    libyaml, where PyYAML was built with it, composes the same nodes about
    fifteen times faster; a document it refuses is composed again by PyYAML's
    own parser, whose error messages are the ones drillsim explains.
    """
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        try:
            return _single_node(fast, text)
        except (yaml.YAMLError, ValueError):
            pass
    return _single_node(yaml.SafeLoader, text)


def parse_yaml(text: str, file: str) -> tuple[Any, SourceMap, list[Problem]]:
    """Parse one YAML document into plain values, their lines, and the problems met."""
    try:
        node = _compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        what = exc.problem or exc.context or "not valid YAML"
        if "another document" in what:
            what = "a second YAML document starts here; expected one scenario per file"
        elif exc.context and exc.context_mark is not None and exc.context_mark.line + 1 != line:
            what += f" ({exc.context} started on line {exc.context_mark.line + 1})"
        what += next((hint for words, hint in _SYNTAX_HINTS.items() if words in what), "")
        return None, SourceMap(file), [Problem(file, line, _path_at_error(text), f"YAML syntax error: {what}")]
    except yaml.YAMLError as exc:
        return None, SourceMap(file), [Problem(file, None, (), f"YAML syntax error: {exc}")]
    except RecursionError:  # PyYAML composes nested collections recursively
        return None, SourceMap(file), [Problem(file, None, (), _TOO_DEEP)]
    if node is None:
        return None, SourceMap(file), [Problem(file, 1, (), "the file is empty; expected a YAML mapping")]
    builder = _Builder(file)
    try:
        value = builder.build(node, ())
    except _TooLarge as exc:
        return None, SourceMap(file), [Problem(file, None, (), str(exc))]
    if not builder.problems and not isinstance(value, dict):
        shown = {"list": "a list", "str": "a single value", "NoneType": "nothing"}.get(type(value).__name__,
                                                                                      type(value).__name__)
        builder.problems.append(Problem(file, node.start_mark.line + 1, (),
                                        f"got {shown}; expected a YAML mapping of fields, one 'name: value' a line"))
    return value, SourceMap(file, builder.lines), builder.problems


def read_yaml(path: Path) -> tuple[Any, SourceMap, list[Problem]]:
    """Read and parse a YAML file; a missing or unreadable file is a problem, not a crash."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, SourceMap(str(path)), [Problem(str(path), None, (), "no such file")]
    except IsADirectoryError:
        return None, SourceMap(str(path)), [Problem(str(path), None, (), "is a directory, not a scenario file")]
    except UnicodeDecodeError as exc:
        line = exc.object[:exc.start].count(b"\n") + 1
        return None, SourceMap(str(path)), [Problem(str(path), line, (), f"not a UTF-8 text file ({exc.reason} at "
                                                                          f"byte {exc.start}); expected YAML text")]
    except OSError as exc:
        return None, SourceMap(str(path)), [Problem(str(path), None, (), f"cannot be read: {exc.strerror}")]
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
