"""Problems found in a plan or scenario, reported all at once as `FILE:LINE: field: message`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from drillsim.errors import DrillsimError


def dotted(path: tuple[str | int, ...]) -> str:
    """`("injects", 0, "at")` -> `injects[0].at`: the field as the planner wrote it."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with an input file, with where it was written."""

    file: str
    line: int | None
    path: tuple[str | int, ...]
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        field = dotted(self.path)
        text = f"{where}: {field}: {self.message}" if field else f"{where}: {self.message}"
        return _one_line(text)


def _one_line(text: str) -> str:
    """A name written with a line break must not split its problem over two lines of output."""
    return text.replace("\r", "\\r").replace("\n", "\\n")


class ScenarioError(DrillsimError):
    """Every problem found in a plan or scenario file, not only the first."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(set(problems), key=lambda p: (p.file, p.line or 0, p.path.__str__(), p.message))
        super().__init__("\n".join(str(p) for p in self.problems))


__all__ = ["DrillsimError", "Problem", "ScenarioError", "dotted"]
