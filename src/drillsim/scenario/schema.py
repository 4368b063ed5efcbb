"""The form of a plan and a scenario: validated once into immutable objects.

A scenario file is merged over its plan file (mapping by mapping) and the
result validated here. Names that refer to other parts of the document
(categories, levels, actors, grids, channels, steps) are checked against the
names the document defines, passed in as validation context, so that one pass
reports every problem with its field path.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationInfo,
    field_validator,
    model_validator,
)

from drillsim import limits
from drillsim.i18n import _
from drillsim.scenario.units import (
    DAY,
    format_clock,
    format_duration,
    format_offset,
    parse_clock,
    parse_duration,
    parse_offset,
)
from drillsim.scenario.variates import Sampler, Variate, Variates
from drillsim.text import first_control

if TYPE_CHECKING:  # only for annotations: `drillsim validate` need not pay for importing numpy
    import numpy as np

K = TypeVar("K")
V = TypeVar("V")

Z90 = 1.2815515655446004
"""The standard normal's 90th percentile: turns a lognormal's p90 into its sigma."""


def _frozen(value: Any) -> Any:
    """A free-form document (YAML mappings, lists and scalars) that refuses changes, all the way down."""
    if isinstance(value, dict):
        return FrozenDict({key: _frozen(item) for key, item in value.items()})
    if isinstance(value, list):
        return tuple(_frozen(item) for item in value)
    return value


class FrozenDict(dict[K, V]):
    """A mapping that refuses changes, so a validated scenario stays as validated."""

    def _refuse(self, *args: object, **kwargs: object) -> None:
        raise TypeError("scenario values cannot be changed in place; use Scenario.replace()")

    __setitem__ = __delitem__ = __ior__ = _refuse  # type: ignore[assignment]
    clear = pop = popitem = setdefault = update = _refuse  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenDict, (dict(self),))

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(sorted(self.items(), key=lambda kv: str(kv[0]))))


def _freeze(value: dict[K, V]) -> FrozenDict[K, V]:
    return FrozenDict(value)


def _zero_allowed(value: object) -> int:
    return parse_duration(value, allow_zero=True)


Duration = Annotated[int, BeforeValidator(parse_duration), PlainSerializer(format_duration, when_used="json")]
"""A duration longer than zero, in whole seconds (written `20m`, `1h30m`, `2d`)."""
DurationOrZero = Annotated[int, BeforeValidator(_zero_allowed),
                           PlainSerializer(format_duration, when_used="json")]
"""A duration that may be `0s`, for steps that are instant."""
Clock = Annotated[int, BeforeValidator(parse_clock), PlainSerializer(format_clock, when_used="json")]
"""Seconds after midnight (written `"02:10"`)."""
Offset = Annotated[int, BeforeValidator(parse_offset), PlainSerializer(format_offset, when_used="json")]
"""Seconds from the start of the drill (written `"2d 02:10"`)."""


def _no_yes_no(value: object) -> object:
    """`staff: yes` or `replications: true`: pydantic would count a yes/no as 1 or 0 without a word."""
    if isinstance(value, bool):
        raise ValueError(_("YAML reads {value} as a yes/no value; expected a number").format(
            value=str(value).lower()))
    return value


_Number = BeforeValidator(_no_yes_no)
Probability = Annotated[float, Field(ge=0.0, le=1.0, strict=False), _Number]
Positive = Annotated[float, Field(gt=0, allow_inf_nan=False), _Number]
"""A rate or factor: `.inf` and `.nan` are valid YAML but nothing the model can draw with."""
NotNegative = Annotated[float, Field(ge=0, allow_inf_nan=False), _Number]
YesNo = Annotated[bool, Field(strict=True)]
"""true or false as YAML writes them: pydantic would also read 1, 0, 'on' or 'n' as a yes/no."""


def _at_most(limit: float, why: Callable[[], str]) -> AfterValidator:
    """A bound on what a number counts, said with its reason (drillsim.limits) in the language in force."""
    def check(value: float) -> float:
        if value > limit:
            raise ValueError(limits.too_large(value, limit, why()))
        return value
    return AfterValidator(check)


Staff = Annotated[int, _Number, _at_most(limits.MAX_STAFF, lambda: _("more people than any community's office or grid "
                                                                     "has"))]
"""A count of people: on duty, away, or taken by one step."""


def _known(kind: str) -> Callable[[str, ValidationInfo], str]:
    """A name that must be defined elsewhere in the document (a category, an actor...)."""
    def check(value: str, info: ValidationInfo) -> str:
        names = (info.context or {}).get(kind)
        if names is not None and value not in names:
            raise ValueError(unknown_name(kind, value, names))
        return value
    return check


_ROMAN = {"1": "I", "2": "II", "3": "III", "4": "IV"}
"""Levels are written I-IV in the plan; 1-4 is the usual slip."""


def closest(value: str, known: Iterable[str]) -> str | None:
    """The known name a typo most likely meant: a close spelling, or the one name it abbreviates."""
    names = sorted(known)
    if _ROMAN.get(value) in names:
        return _ROMAN[value]
    close = difflib.get_close_matches(value, names, n=1)
    if close:
        return close[0]
    starts = [name for name in names if len(value) >= 3 and (name.startswith(value) or value.startswith(name))]
    return starts[0] if len(starts) == 1 else None


def kind_name(kind: str) -> str:
    """A kind of name the document defines (`deadline rule`) in the language in force; a kind already said in
    it (`example of fire`, from its own message) is kept as given."""
    names = {"category": _("category"), "level": _("level"), "actor": _("actor"), "grid": _("grid"),
             "channel": _("channel"), "major class": _("major class"), "duration": _("duration"),
             "probability": _("probability"), "working group": _("working group"),
             "core element": _("core element"), "step": _("step"), "milestone": _("milestone"),
             "step or milestone": _("step or milestone"), "example": _("example"), "alternative": _("alternative"),
             "reading": _("reading"), "deadline rule": _("deadline rule"), "column": _("column"),
             "incident": _("incident"), "source name": _("source name"), "incident id": _("incident id"),
             "superior": _("superior")}
    return names.get(kind, kind)


def unknown_name(kind: str, value: str, names: Any) -> str:
    """`unknown category 'fier'; did you mean 'fire'? (known: ...)`, in the language in force."""
    known = sorted(str(n) for n in names)
    close = closest(str(value), known)
    listed = ", ".join(known[:30]) + (", ..." if len(known) > 30 else "")
    shown = value if len(str(value)) <= 40 else str(value)[:37] + "..."  # a name may be a megabyte long
    if close:
        return _("unknown {kind} {name}; did you mean {close}? (expected one of: {names})").format(
            kind=kind_name(kind), name=repr(shown), close=repr(close), names=listed)
    return _("unknown {kind} {name} (expected one of: {names})").format(kind=kind_name(kind), name=repr(shown),
                                                                          names=listed)


def _as_name(value: object) -> object:
    """`level: 2`, `grid: 1`: YAML reads numbers, but keys are names, so a number is compared as written."""
    return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


_Text = BeforeValidator(_as_name)
CategoryName = Annotated[str, _Text, AfterValidator(_known("category"))]
LevelName = Annotated[str, _Text, AfterValidator(_known("level"))]
ActorName = Annotated[str, _Text, AfterValidator(_known("actor"))]
GridName = Annotated[str, _Text, AfterValidator(_known("grid"))]
ChannelName = Annotated[str, _Text, AfterValidator(_known("channel"))]
MajorClassName = Annotated[str, _Text, AfterValidator(_known("major class"))]
DurationName = Annotated[str, _Text, AfterValidator(_known("duration"))]
ProbabilityName = Annotated[str, _Text, AfterValidator(_known("probability"))]
WorkingGroupName = Annotated[str, _Text, AfterValidator(_known("working group"))]
ElementName = Annotated[str, _Text, AfterValidator(_known("core element"))]
StepName = Annotated[str, AfterValidator(_known("step"))]
"""A step of the flow, or one of the events `occurred` and `change`."""
MilestoneName = Annotated[str, AfterValidator(_known("milestone"))]


def _actor_or_receiver(value: str, info: ValidationInfo) -> str:
    return value if value.startswith("@") else _known("actor")(value, info)


StepActor = Annotated[str, AfterValidator(_actor_or_receiver)]
"""An actor, or `@step`: whoever received that step's report (checked with the flow's wiring)."""


def _within_horizon(value: int, info: ValidationInfo) -> int:
    horizon = (info.context or {}).get("horizon")
    if horizon is not None and not 0 <= value < horizon:
        raise ValueError(_("{time} is outside the horizon; expected a time before the drill ends at {end} (horizon "
                           "{horizon})").format(time=format_offset(value), end=format_offset(horizon),
                                                horizon=format_duration(horizon)))
    return value


DrillTime = Annotated[Offset, AfterValidator(_within_horizon)]
"""A time inside the drill: from its start up to, not including, the horizon."""


def _one_line(value: str) -> str:
    """A name, id or title is printed in tables, sentences and headings: a line break, a terminal escape or a
    bidi override in it would forge another line of a verdict, drive the terminal, or reverse what follows."""
    bad = first_control(value)
    if bad is not None:
        shown = {"\n": _("a line break"), "\r": _("a carriage return"), "\t": _("a tab")}.get(bad, f"U+{ord(bad):04X}")
        raise ValueError(_("{character} is not allowed in a name, id or title; expected one line of text without "
                           "control characters (a description may have several lines)").format(character=shown))
    return value


Line = Annotated[str, AfterValidator(_one_line)]
"""One line of text: a name, an id, a title."""


def _mapping(value_type: Any, key_type: Any = Line) -> Any:
    return Annotated[dict[key_type, value_type], AfterValidator(_freeze)]


class Model(BaseModel):
    """Frozen, no unknown keys: a typo is an error, never a silent default."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)


# --- time windows -----------------------------------------------------------------


class DailyWindow(Model):
    """A window of the day, `from` to `to`; it wraps past midnight when `to` < `from`."""

    start: Clock = Field(alias="from")
    end: Clock = Field(alias="to")

    model_config = ConfigDict(populate_by_name=True)

    @model_validator(mode="after")
    def _not_empty(self) -> DailyWindow:
        if self.start == self.end:
            raise ValueError(_("the window is empty: 'from' equals 'to' ({time}); expected two different times (from "
                               "22:00 to 07:00 wraps past midnight)").format(time=format_clock(self.start)))
        return self

    def covers(self, clock: int) -> bool:
        """Whether a time of day (seconds after midnight) falls in the window."""
        if self.start < self.end:
            return self.start <= clock < self.end
        return clock >= self.start or clock < self.end


class Factor(DailyWindow):
    """A multiplier that applies during a window of the day."""

    factor: Annotated[Positive, _at_most(limits.MAX_FACTOR,
                                         lambda: _("no hour of the day is a thousand times another"))]


def factor_at(windows: tuple[Factor, ...], clock: int) -> float:
    """The factor in force at a time of day: the first window that covers it, else 1."""
    for window in windows:
        if window.covers(clock % DAY):
            return window.factor
    return 1.0


class Window(Model):
    """An interval of drill time, `from` to `to` (offsets such as `"1d 02:00"`)."""

    start: Offset = Field(alias="from")
    end: Offset = Field(alias="to")

    model_config = ConfigDict(populate_by_name=True)

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.end <= self.start:
            raise ValueError(_("'to' must come after 'from' (from {start}, to {end})").format(
                start=format_offset(self.start), end=format_offset(self.end)))
        return self


# --- distributions ----------------------------------------------------------------


class Dist(Model):
    """A step's duration distribution, optionally refined by category, level and time of day.

    The most specific entry wins: `by_category` over `by_level` over the base.
    `time_of_day` multiplies the drawn value by the factor in force when the
    incident occurred (discovery is slower at night).

    Each distribution is one class that owns its formula, in the two forms
    the model reads: `sampler`, one value per call (an incident draws its
    steps one at a time), and `block`, many values at once (a stream of its
    own is read a block ahead); from equal streams both give the same numbers
    (tests/test_distributions.py). A subclass that does not say how it is
    drawn is refused where it is defined, so it is never drawn as another.
    """

    by_category: _mapping("AnyDist", CategoryName) = FrozenDict()  # type: ignore[valid-type]
    by_level: _mapping("AnyDist", LevelName) = FrozenDict()  # type: ignore[valid-type]
    time_of_day: tuple[Factor, ...] = ()

    variate: ClassVar[Variate | None]
    """The standard draw the formula reads (None: it draws nothing); a stream read ahead serves one kind only."""

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        below = cls.__mro__[:cls.__mro__.index(Dist)]
        missing = [name for name in _DRAWN_BY if not any(name in vars(c) for c in below)]
        if missing:
            raise TypeError(f"{cls.__name__} is no distribution drillsim can draw: it does not define "
                            f"{', '.join(missing)} (see Dist)")

    def resolve(self, category: str, level: str) -> Dist:
        """The distribution that applies to an incident of this category and level."""
        if category in self.by_category:
            return self.by_category[category]  # type: ignore[no-any-return]
        if level in self.by_level:
            return self.by_level[level]  # type: ignore[no-any-return]
        return self

    def sampler(self) -> Sampler | float:
        """The formula as a function of a stream, its constants bound once (a float: it draws nothing).

        Reads only `variate` draws from the stream, so the stream may be read ahead.
        """
        raise NotImplementedError

    def block(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """`size` values at once: the numbers `size` calls of `sampler` give on an equal stream."""
        raise NotImplementedError

    def sample(self, rng: Variates) -> float:
        """One draw, in seconds."""
        sampler = self.sampler()
        return sampler if isinstance(sampler, float) else sampler(rng)

    def mean(self) -> float:
        """The mean in seconds, for queueing checks and the plan table."""
        raise NotImplementedError

    def describe(self) -> str:
        """Short human text, e.g. `lognormal(median 10m, p90 25m)`."""
        raise NotImplementedError


_DRAWN_BY = ("variate", "sampler", "block", "mean", "describe")
"""What a distribution class must define to be drawn (`Dist.__pydantic_init_subclass__` checks)."""


def _fmt(seconds: float) -> str:
    return format_duration(seconds)


class Constant(Dist):
    dist: Literal["constant"] = "constant"
    value: DurationOrZero

    variate = None

    def sampler(self) -> float:
        return float(self.value)

    def block(self, rng: np.random.Generator, size: int) -> np.ndarray:
        import numpy as np

        return np.full(size, float(self.value))

    def mean(self) -> float:
        return float(self.value)

    def describe(self) -> str:
        return _fmt(self.value)


class Exponential(Dist):
    dist: Literal["exponential"]
    mean_: Duration = Field(alias="mean")

    model_config = ConfigDict(populate_by_name=True)

    variate = "standard_exponential"

    def sampler(self) -> Sampler:
        mean = float(self.mean_)
        return lambda rng: mean * rng.standard_exponential()  # NumPy's exponential(scale): scale * this

    def block(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return float(self.mean_) * rng.standard_exponential(size)

    def mean(self) -> float:
        return float(self.mean_)

    def describe(self) -> str:
        return f"exponential(mean {_fmt(self.mean_)})"


class Uniform(Dist):
    dist: Literal["uniform"]
    low: DurationOrZero
    high: Duration

    variate = "random"

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high <= self.low:
            raise ValueError(_("'high' must be greater than 'low' (low {low}, high {high})").format(
                low=_fmt(self.low), high=_fmt(self.high)))
        return self

    def sampler(self) -> Sampler:
        low, span = float(self.low), float(self.high) - float(self.low)
        return lambda rng: low + span * rng.random()  # NumPy's uniform(low, high), operation for operation

    def block(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return float(self.low) + (float(self.high) - float(self.low)) * rng.random(size)

    def mean(self) -> float:
        return (self.low + self.high) / 2

    def describe(self) -> str:
        return f"uniform({_fmt(self.low)}-{_fmt(self.high)})"


class Triangular(Dist):
    dist: Literal["triangular"]
    low: DurationOrZero
    mode: DurationOrZero
    high: Duration

    variate = "random"

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not self.low <= self.mode <= self.high or self.low == self.high:
            raise ValueError(_("expected low <= mode <= high, with low < high (low {low}, mode {mode}, high "
                               "{high})").format(low=_fmt(self.low), mode=_fmt(self.mode), high=_fmt(self.high)))
        return self

    def _terms(self) -> tuple[float, float, float, float, float]:
        """NumPy's triangular(low, mode, high) on one `random()`: left, right, ratio and the two products."""
        left, mode, right = float(self.low), float(self.mode), float(self.high)
        base = right - left
        return left, right, (mode - left) / base, (mode - left) * base, (right - mode) * base

    def sampler(self) -> Sampler:
        left, right, ratio, leftprod, rightprod = self._terms()

        def draw(rng: Variates) -> float:
            u = rng.random()
            if u <= ratio:
                return left + math.sqrt(u * leftprod)
            return right - math.sqrt((1.0 - u) * rightprod)
        return draw

    def block(self, rng: np.random.Generator, size: int) -> np.ndarray:
        import numpy as np

        left, right, ratio, leftprod, rightprod = self._terms()
        u = rng.random(size)
        return np.where(u <= ratio, left + np.sqrt(u * leftprod), right - np.sqrt((1.0 - u) * rightprod))

    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3

    def describe(self) -> str:
        return f"triangular({_fmt(self.low)}, {_fmt(self.mode)}, {_fmt(self.high)})"


class LogNormal(Dist):
    """Given by its median and 90th percentile, the two numbers people can estimate."""

    dist: Literal["lognormal"]
    median: Duration
    p90: Duration

    variate = "standard_normal"

    @model_validator(mode="after")
    def _ordered(self) -> LogNormal:
        if self.p90 <= self.median:
            raise ValueError(_("'p90' must be greater than 'median' (median {median}, p90 {p90})").format(
                median=_fmt(self.median), p90=_fmt(self.p90)))
        return self

    @property
    def sigma(self) -> float:
        return (math.log(self.p90) - math.log(self.median)) / Z90

    def sampler(self) -> Sampler:
        median, sigma = float(self.median), self.sigma
        return lambda rng: median * math.exp(sigma * rng.standard_normal())

    def block(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Python's exponential, value by value: NumPy's can differ from it in the last bit."""
        import numpy as np

        median, sigma = float(self.median), self.sigma
        return np.array([median * math.exp(sigma * z) for z in rng.standard_normal(size).tolist()])

    def mean(self) -> float:
        return self.median * math.exp(self.sigma**2 / 2)

    def describe(self) -> str:
        return f"lognormal(median {_fmt(self.median)}, p90 {_fmt(self.p90)})"


class Empirical(Dist):
    """Resampled from observed durations, e.g. the times of past drills."""

    dist: Literal["empirical"]
    samples: tuple[DurationOrZero, ...] = Field(min_length=1)

    variate = "integers"

    def sampler(self) -> Sampler:
        samples = [float(s) for s in self.samples]
        n = len(samples)
        return lambda rng: samples[int(rng.integers(n))]

    def block(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """NumPy draws a block of bounded integers as it draws them one by one."""
        import numpy as np

        return np.asarray(self.samples, dtype=float)[rng.integers(len(self.samples), size=size)]

    def mean(self) -> float:
        return sum(self.samples) / len(self.samples)

    def describe(self) -> str:
        return f"empirical({len(self.samples)} samples)"


def _shorthand(value: object) -> object:
    """`verify: 10m` means a constant 10 minutes; `{dist: ...}` is a full distribution."""
    if isinstance(value, (str, int, float)):  # a bool too: the duration's own check explains yes/no
        return {"dist": "constant", "value": value}
    if isinstance(value, dict) and "dist" not in value and "value" in value:
        return {"dist": "constant", **value}
    return value


AnyDist = Annotated[Annotated[Constant | Exponential | Uniform | Triangular | LogNormal | Empirical,
                              Field(discriminator="dist")],
                    BeforeValidator(_shorthand)]
Dist.model_rebuild()  # its refinements name AnyDist, known only now; a subclass defined in another module inherits them


# --- the plan ---------------------------------------------------------------------


ActorKind = Literal["unlimited", "pool", "per_grid", "superior", "team", "working_group"]
Policy = Literal["fcfs", "level", "deadline", "first_reports"]
Practice = Literal["send_now", "wait"]
"""How a role sends a report whose required elements are not all known yet: at once, answering the receiver's
follow-up call when they are (the plan's first-report principle, Art. 8.1(2)), or once they are."""
"""Which waiting task an actor's people take next (the README, "Roles, people and policies"): first come first
served; the most serious level first; the nearest open deadline first; the steps earlier in the flow first."""


class Actor(Model):
    """Someone in the chain (the plan's Art. 4-7 and 13; the README, "What question drillsim answers").

    A `pool` or `per_grid` actor is a role that people hold. A `team` is
    drawn from people of other roles: its `leader` (one person, with the
    leader role's stand-in) and `units` of its `members` per step. A
    `working_group` actor is the working group of the incident's category,
    which the plan's `working_groups` staff the same way.
    """

    title: Line
    who: Line = ""
    zh: Line = ""
    """The entry's name in Chinese, in the plan's own words (drillsim.scenario.names says which is shown)."""
    kind: ActorKind
    stand_in: ActorName | None = None
    leader: ActorName | None = None
    members: tuple[ActorName, ...] = ()
    article: str = ""
    text: str = ""
    """The plan's own words this entry comes from (the original Chinese sentence)."""


class Shift(DailyWindow):
    """How many are on duty during a window of each day."""

    staff: Staff = Field(ge=0)


class Absence(Window):
    """How many are away (leave, sickness) during an interval of the drill."""

    staff: Staff = Field(ge=1)


class Staffing(Model):
    """Who is on duty: a base count of people who hold this role only, shifts by time of day, absences; and how
    the role's people choose their next task (`policy`, `preempt`)."""

    staff: Staff = Field(default=1, ge=0)
    shifts: tuple[Shift, ...] = ()
    absences: tuple[Absence, ...] = ()
    handover: DurationOrZero = 0
    policy: Policy | None = None
    """None: the scenario's `policy`."""
    preempt: YesNo = False
    """A task of a better priority pauses the running task of the worst (its remaining work kept)."""
    practice: Practice | None = None
    """None: the scenario's `practice`."""
    grids: _mapping("Staffing", Line) = FrozenDict()  # type: ignore[valid-type]

    def on_duty(self, clock: int) -> int:
        """Staff on duty at a time of day, before absences."""
        for shift in self.shifts:
            if shift.covers(clock % DAY):
                return shift.staff
        return self.staff

    def schedule(self, horizon: int) -> tuple[tuple[int, int], ...]:
        """Piecewise-constant on-duty count over the drill: ((time, count), ...) at each change."""
        points = {0}
        for day in range(horizon // DAY + 1):
            for shift in self.shifts:
                points.update({day * DAY + shift.start, day * DAY + shift.end})
        for absence in self.absences:
            points.update({absence.start, absence.end})
        out: list[tuple[int, int]] = []
        for time in sorted(p for p in points if 0 <= p < horizon):
            count = self.on_duty(time) - sum(a.staff for a in self.absences if a.start <= time < a.end)
            count = max(count, 0)
            if not out or out[-1][1] != count:
                out.append((time, count))
        return tuple(out)

    def for_grid(self, grid: str) -> Staffing:
        """A grid's own staffing: what the grid sets, the actor's staffing for the rest."""
        own = self.grids[grid]
        inherited = {name: getattr(self, name) for name in ("staff", "shifts", "absences", "handover")
                     if name not in own.model_fields_set}
        return own.model_copy(update=inherited)


class WorkingGroup(Model):
    """A working group of Art. 7: its leader's and deputy's roles and the roles its members are drawn from."""

    title: Line
    office: Line = ""
    zh: Line = ""
    """The entry's name in Chinese, in the plan's own words (drillsim.scenario.names says which is shown)."""
    led_by: ActorName
    deputy: ActorName | None = None
    members: tuple[ActorName, ...] = ()
    article: str = ""
    text: str = ""
    """The plan's own words this entry comes from (the original Chinese sentence)."""


def _role(value: str, info: ValidationInfo) -> str:
    """`office`, or `grid_worker:grid_1` for a per-grid role in one grid."""
    actor, grid = value.partition(":")[::2]
    _known("actor")(actor, info)
    if grid:
        _known("grid")(grid, info)
    return value


RoleName = Annotated[str, _Text, AfterValidator(_role)]


class Person(Model):
    """Someone the plan's roles name: one person, one task at a time, whichever role it comes from.

    On duty always, or during their `shifts` of each day, or (from a duty
    roster) during their `duty` intervals, and never during `absences`.
    """

    title: Line = ""
    zh: Line = ""
    """The entry's name in Chinese, in the plan's own words (drillsim.scenario.names says which is shown)."""
    roles: tuple[RoleName, ...] = Field(min_length=1)
    shifts: tuple[DailyWindow, ...] = ()
    duty: tuple[Window, ...] = ()
    absences: tuple[Window, ...] = ()
    article: str = ""
    text: str = ""
    """The plan's own words this entry comes from (the original Chinese sentence)."""

    def on_duty(self, time: int) -> bool:
        return ((not self.shifts or any(shift.covers(time % DAY) for shift in self.shifts))
                and (not self.duty or any(w.start <= time < w.end for w in self.duty))
                and not any(w.start <= time < w.end for w in self.absences))

    def schedule(self, horizon: int) -> tuple[tuple[int, int], ...]:
        """On duty (1) or not (0) over the drill: ((time, 0 or 1), ...) at each change, as a role's schedule."""
        points = {0}
        for day in range(horizon // DAY + 1):
            for shift in self.shifts:
                points.update({day * DAY + shift.start, day * DAY + shift.end})
        for window in (*self.duty, *self.absences):
            points.update({window.start, window.end})
        out: list[tuple[int, int]] = []
        for time in sorted(p for p in points if 0 <= p < horizon):
            count = int(self.on_duty(time))
            if not out or out[-1][1] != count:
                out.append((time, count))
        return tuple(out)


class MajorClassRule(Model):
    """Which levels of a category make it one of the six major classes (Art. 8.5)."""

    class_: MajorClassName = Field(alias="class")
    levels: tuple[LevelName, ...]

    model_config = ConfigDict(populate_by_name=True)


def _example(value: str, info: ValidationInfo) -> str:
    """A key of `examples_zh`: one of the category's own `examples` (checked at its own line)."""
    examples = info.data.get("examples")
    if examples is not None and value not in examples:
        raise ValueError(unknown_name("example", value, examples))
    return value


ExampleName = Annotated[str, _Text, AfterValidator(_one_line), AfterValidator(_example)]


class Category(Model):
    title: Line
    zh: Line = ""
    """The entry's name in Chinese, in the plan's own words (drillsim.scenario.names says which is shown)."""
    article: str = ""
    text: str = ""
    """The plan's own words this entry comes from (the original Chinese sentence)."""
    working_group: WorkingGroupName
    examples: _mapping(Line) = Field(min_length=1)  # type: ignore[valid-type]
    examples_zh: _mapping(Line, ExampleName) = FrozenDict()  # type: ignore[valid-type]
    """Example -> its name in Chinese, in the plan's own words (each key one of `examples`)."""
    major_class: MajorClassRule | None = None
    external: Line = ""
    """The professional responders the category calls (police 110, fire 119, medical 120), who take over the
    on-site response; empty: the community's own people respond."""


class Level(Model):
    colour: Line
    title: Line
    zh: Line = ""
    """The level's title in Chinese, in the plan's own words (its colour is named by drillsim.scenario.names)."""
    meaning: str = ""
    article: str = ""
    text: str = ""
    """The plan's own words this entry comes from (the original Chinese sentence)."""


class MajorClass(Model):
    title: Line
    zh: Line = ""
    """The entry's name in Chinese, in the plan's own words (drillsim.scenario.names says which is shown)."""
    article: str = ""
    text: str = ""
    """The plan's own words this entry comes from (the original Chinese sentence)."""


class CommandPostRule(Model):
    levels: tuple[LevelName, ...]
    article: str = ""
    text: str = ""
    """The plan's own words this entry comes from (the original Chinese sentence)."""


class Escalation(Model):
    levels: _mapping(tuple[ActorName, ...], LevelName)  # type: ignore[valid-type]
    article: str = ""
    text: str = ""
    """The plan's own words this entry comes from (the original Chinese sentence)."""
    open: YesNo = False
    """Its numbers are a default for what the plan leaves open, not the plan's own."""


class Medium(Model):
    """A communication channel: its delay, and the time lost finding it down."""

    delay: DurationOrZero
    fallback_delay: DurationOrZero = 0
    failures: tuple[Window, ...] = ()

    def up(self, time: float) -> bool:
        return not any(w.start <= time < w.end for w in self.failures)


class Channels(Model):
    """Wired, wireless, satellite (Art. 11): tried in order; a failed one costs its fallback delay."""

    order: tuple[ChannelName, ...] = Field(min_length=1)
    media: _mapping(Medium)  # type: ignore[valid-type]
    article: str = ""
    text: str = ""
    """The plan's own words this entry comes from (the original Chinese sentence)."""
    open: YesNo = False
    """Its numbers are a default for what the plan leaves open, not the plan's own."""


class Report(Model):
    """A step's output travelling over the channels to an actor.

    `to: escalation` sends it level by level to the superiors the plan's
    escalation table lists for the level in force. `or` names an alternative
    receiver chosen with `probability` (the department head instead of the
    grid worker).
    """

    to: str
    or_: ActorName | None = Field(default=None, alias="or")
    probability: ProbabilityName | None = None
    carries: tuple[ElementName, ...] | Literal["known", "all"] = ()
    """The core elements it must carry (Art. 8.4): a list, `all` nine, or `known`: whatever the sender knows when
    it is sent (never incomplete for want of an element)."""
    incomplete: Probability | None = None
    """The chance it is incomplete for a human error, on top of its elements (None: `incomplete_report`)."""
    transit: DurationName | None = None
    """A transit time of its own, on top of the channel's (a courier, a fax): a duration drawn per report."""

    model_config = ConfigDict(populate_by_name=True)

    @field_validator("to")
    @classmethod
    def _receiver(cls, value: str, info: ValidationInfo) -> str:
        names = (info.context or {}).get("actor")
        if value != "escalation" and names is not None and value not in names:
            raise ValueError(unknown_name("actor", value, [*names, "escalation"]))
        return value

    @model_validator(mode="after")
    def _alternative(self) -> Report:
        if (self.or_ is None) != (self.probability is None):
            raise ValueError(_("'or' and 'probability' go together: the alternative receiver and how often"))
        return self


class Element(Model):
    """A core element of a report (Art. 8.4), and when the chain can know it: once the step `after` has done its
    work (or a milestone or event of that name is reached), and a `duration` drawn per incident later."""

    title: Line
    after: str = "occurred"
    zh: Line = ""
    """The entry's name in Chinese, in the plan's own words (drillsim.scenario.names says which is shown)."""
    duration: DurationName | None = None
    article: str = ""
    text: str = ""
    """The plan's own words this entry comes from (the original Chinese sentence)."""

    @model_validator(mode="before")
    @classmethod
    def _title_only(cls, value: Any) -> Any:
        """`time: time, to the minute`: an element known from the occurrence on."""
        return {"title": value} if isinstance(value, str) else value


Effect = Literal["judge_level", "apply_change", "close"]
Condition = Literal["always", "command_post", "major_class", "external", "no_external"]
"""When a step runs: always; when the incident needs a command post; when it is of a major class; when its
category calls professional responders (`external`), or does not (`no_external`)."""


class Step(Model):
    """One step of the reporting flow (the plan's Art. 8.2 and 10.2; `article` names each step's own)."""

    id: Line
    title: Line = ""
    zh: Line = ""
    """The entry's name in Chinese, in the plan's own words (drillsim.scenario.names says which is shown)."""
    actor: StepActor
    after: tuple[StepName, ...] = Field(min_length=1)
    duration: DurationName
    when: Condition = "always"
    per: Literal["incident", "change"] = "incident"
    units: _mapping(Annotated[Staff, Field(ge=1)], LevelName) = FrozenDict()  # type: ignore[valid-type]
    units_by_category: _mapping(_mapping(Annotated[Staff, Field(ge=1)], LevelName),  # type: ignore[valid-type]
                                CategoryName) = FrozenDict()
    """The people it takes for an incident of a category, per level (the levels a category leaves out: `units`)."""
    effect: Effect | None = None
    report: Report | None = None
    milestone: Line
    article: str = ""
    text: str = ""
    """The plan's own words this entry comes from (the original Chinese sentence)."""
    open: YesNo = False
    """Its numbers (the people it takes by level) are a default for what the plan leaves open."""


class DeadlineRule(Model):
    """A deadline of the plan (the README's scenario reference, `deadlines`): a clock from one milestone to another."""

    title: Line
    limit: Duration
    zh: Line = ""
    """The entry's name in Chinese, in the plan's own words (drillsim.scenario.names says which is shown)."""
    start: MilestoneName
    end: MilestoneName
    not_before: MilestoneName | None = None
    """A milestone before which the chain cannot know the clock has started: it starts at the later of the two."""
    applies: Literal["all", "command_post", "no_command_post", "major_class", "change"] = "all"
    """Which incidents it is checked for: every one, those with (or without) a command post, those of a major class,
    every change (`change`: the clock starts at each change; a clock that starts at a per-change milestone is checked
    per change whatever the incidents it applies to)."""
    levels: tuple[LevelName, ...] = ()
    open: YesNo = False
    article: str = ""
    text: str = ""
    """The plan's own words this entry comes from (the original Chinese sentence)."""


class Changes(Model):
    """How many changes (calling for continuation reports) an incident of each level brings, and the cadence of the
    continuation reports the scenario asks for until the incident is closed, whatever changes."""

    mean_count: _mapping(Annotated[NotNegative, _at_most(limits.MAX_MEAN_CHANGES,  # type: ignore[valid-type]
                                                         lambda: _("each change calls for a continuation report"))],
                         LevelName) = FrozenDict()
    cadence: _mapping(Duration, LevelName) = FrozenDict()  # type: ignore[valid-type]
    """For an incident of a level (its true level when it occurs): a continuation report every so long from the
    occurrence on, until the closure (the plan sets none: `changes.cadence: {I: 1h}` is a scenario's own rule)."""
    article: str = ""
    text: str = ""
    """The plan's own words this entry comes from (the original Chinese sentence)."""
    open: YesNo = False
    """Its numbers are a default for what the plan leaves open, not the plan's own."""


class Alternative(Model):
    """One way of reading what the plan leaves open, and the values a scenario takes with it."""

    means: Line
    """In one line, why the text allows it."""
    means_zh: Line = ""
    """`means` in Chinese, in the plan's own words (drillsim.scenario.names.means_of says which is shown)."""
    text: str = ""
    """The plan's words it rests on, where they are not the reading's own."""
    set: _mapping(Any, Line) = Field(min_length=1)  # type: ignore[valid-type]
    """Dotted path (drillsim.scenario.variants) -> value as a scenario file writes it; null removes the entry."""


class Reading(Model):
    """A number or a clock start the plan leaves open (drillsim.scenario.readings): its alternatives, each with
    its justification, and the one the plan file takes unless a scenario's `read_as` says otherwise."""

    title: Line
    zh: Line = ""
    """The entry's name in Chinese, in the plan's own words (drillsim.scenario.names says which is shown)."""
    article: str = ""
    text: str = ""
    default: Line
    alternatives: _mapping(Alternative) = Field(min_length=2)  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _default_is_an_alternative(self) -> Reading:
        if self.default not in self.alternatives:
            raise ValueError(unknown_name("alternative", self.default, self.alternatives))
        return self


class Unmodelled(Model):
    """Plan text drillsim does not simulate, and why: what a reader of a verdict should know it leaves out."""

    title: Line
    zh: Line = ""
    """The entry's name in Chinese, in the plan's own words (drillsim.scenario.names says which is shown)."""
    text: str = ""
    why: Line
    why_zh: Line = ""
    """`why` in Chinese, in the plan's own words (drillsim.scenario.names.why_of says which is shown)."""


# --- incidents --------------------------------------------------------------------


def _mix(value: dict[str, float]) -> FrozenDict[str, float]:
    if not value:
        raise ValueError(_("the mix is empty"))
    total = sum(value.values())
    if abs(total - 1.0) > 1e-6:
        raise ValueError(_("the shares sum to {total}; expected them to sum to 1").format(total=f"{total:g}"))
    return FrozenDict(value)


def _mix_of(key: Any) -> Any:
    return Annotated[dict[key, NotNegative], AfterValidator(_mix)]


class Source(Model):
    """A Poisson stream of incidents, its rate varying by time of day."""

    name: Line
    rate_per_day: Positive
    time_of_day: tuple[Factor, ...] = ()
    start: Offset = 0
    end: Offset | None = None
    categories: _mix_of(CategoryName)  # type: ignore[valid-type]
    levels: _mix_of(LevelName)  # type: ignore[valid-type]
    grids: _mix_of(GridName) | None = None  # type: ignore[valid-type]

    def peak_factor(self) -> float:
        return max([1.0, *(w.factor for w in self.time_of_day)])

    def expected_count(self, horizon: int) -> float:
        """Incidents drawn on average before `horizon`, at the peak rate: the candidates a run thins."""
        end = min(self.end if self.end is not None else horizon, horizon)
        return self.rate_per_day * self.peak_factor() * max(end - self.start, 0) / DAY


class Change(Model):
    """A change in an incident's situation: it calls for a continuation report."""

    after: Duration
    description: str = ""
    level: LevelName | None = None


class IncidentSpec(Model):
    """A scripted incident: an inject of the exercise, or a cascade of one."""

    id: Line | None = None
    category: CategoryName
    example: str | None = None
    description: str = ""
    level: LevelName
    judged_level: LevelName | None = None
    major_class: MajorClassName | None = None
    grid: GridName | None = None
    first_receiver: ActorName | None = None
    command_post: YesNo | None = None
    changes: tuple[Change, ...] = ()
    cascades: tuple[Cascade, ...] = ()

    @field_validator("example")
    @classmethod
    def _example_of_category(cls, value: str | None, info: ValidationInfo) -> str | None:
        """Checked at its own field, so a wrong level or grid elsewhere does not hide it."""
        category = info.data.get("category")
        examples = (info.context or {}).get("examples", {}).get(category)
        if value is not None and examples is not None and value not in examples:
            raise ValueError(unknown_name(_("example of {category}").format(category=category), value, examples))
        return value


class Cascade(IncidentSpec):
    """A secondary incident that starts `after` its parent occurred (an earthquake's fires)."""

    after: Duration


class Inject(IncidentSpec):
    """An incident placed at a time of the drill."""

    at: DrillTime


IncidentSpec.model_rebuild()


class Probabilities(Model):
    department_head_first: Probability = 0.0
    incomplete_report: Probability = 0.0
    misjudged_level: Probability = 0.0
    command_post_low_level: Probability = 0.0


class Costs(Model):
    """Cost of one staff-hour per actor, for choosing the cheapest staffing in a sweep."""

    staff_hour: _mapping(Annotated[NotNegative, _at_most(limits.MAX_STAFF_HOUR_COST,  # type: ignore[valid-type]
                                                         lambda: _("so that a sweep's costs stay finite"))],
                         ActorName) = FrozenDict()


def incidents_beyond(scenario: Scenario, load: float = 1.0) -> tuple[int, str] | None:
    """When the streams would bring more incidents than a run can hold: the source bringing most, and why."""
    expected = [source.expected_count(scenario.horizon) * load for source in scenario.sources]
    total = sum(expected)
    if total <= limits.MAX_INCIDENTS:
        return None
    shown = _("about {count}").format(count=f"{total:.3g}") if math.isfinite(total) else _("more than 1e308")
    figures = {"count": shown, "horizon": format_duration(scenario.horizon), "most": limits.MAX_INCIDENTS,
               "load": f"{load:g}"}
    if load != 1:
        return expected.index(max(expected)), _(
            "the incident streams at load {load} bring {count} incidents a replication over the horizon of {horizon}, "
            "more than {most}, the most drillsim accepts (twice the largest run measured); expected a lower load, "
            "rate_per_day or a shorter horizon").format(**figures)
    return expected.index(max(expected)), _(
        "the incident streams bring {count} incidents a replication over the horizon of {horizon}, more than {most}, "
        "the most drillsim accepts (twice the largest run measured); expected a lower rate_per_day or a shorter "
        "horizon").format(**figures)


# --- the whole scenario -----------------------------------------------------------


class Scenario(Model):
    """A plan with a scenario merged over it: everything a run needs, validated."""

    name: Line
    name_zh: Line = ""
    """The scenario's name in Chinese (drillsim.scenario.names.scenario_name says which is shown)."""
    description: str = ""
    plan_title: Line = ""
    plan_title_zh: Line = ""
    """The plan's title in Chinese, in its own words (drillsim.scenario.names.plan_title_of says which is shown)."""
    plan: str = "builtin"
    language: Literal["zh", "en"] | None = None
    """The language the plan is written in: what drillsim speaks for it unless told (drillsim.i18n)."""
    horizon: Duration
    warm_up: DurationOrZero = Field(default=0, exclude_if=lambda value: value == 0)
    """Incidents that occur before it are simulated but counted in no figure (left out of the file when 0)."""
    replications: Annotated[int, _Number, _at_most(limits.MAX_REPLICATIONS, lambda: _(
        "a hit rate's interval is then 0.3 points wide"))] = Field(default=20, ge=1)
    seed: Annotated[int, _Number, _at_most(limits.MAX_SEED, lambda: _(
        "a 64-bit number, as the result files store it"))] = Field(
        default=0, ge=0)
    actors: _mapping(Actor)  # type: ignore[valid-type]
    staffing: _mapping(Staffing, ActorName) = FrozenDict()  # type: ignore[valid-type]
    people: _mapping(Person) = FrozenDict()  # type: ignore[valid-type]
    policy: Policy = "fcfs"
    practice: Practice = "send_now"
    leadership_group: _mapping(Any) = FrozenDict()  # type: ignore[valid-type]
    working_groups: _mapping(WorkingGroup)  # type: ignore[valid-type]
    categories: _mapping(Category)  # type: ignore[valid-type]
    levels: _mapping(Level)  # type: ignore[valid-type]
    major_classes: _mapping(MajorClass)  # type: ignore[valid-type]
    core_elements: _mapping(Element) = FrozenDict()  # type: ignore[valid-type]
    command_post: CommandPostRule
    escalation: Escalation
    channels: Channels
    flow: tuple[Step, ...] = Field(min_length=1)
    deadlines: _mapping(DeadlineRule)  # type: ignore[valid-type]
    durations: _mapping(AnyDist)  # type: ignore[valid-type]
    probabilities: Probabilities = Probabilities()
    changes: Changes = Changes()
    sources: tuple[Source, ...] = ()
    injects: tuple[Inject, ...] = ()
    costs: Costs = Costs()
    readings: _mapping(Reading) = FrozenDict()  # type: ignore[valid-type]
    read_as: _mapping(Line) = FrozenDict()  # type: ignore[valid-type]
    """Reading name -> the alternative this scenario takes (its values are set as the scenario is loaded)."""
    unmodelled: _mapping(Unmodelled) = FrozenDict()  # type: ignore[valid-type]
    """Article -> plan text the model does not use (`drillsim check` lists it)."""
    provenance: Annotated[Any, BeforeValidator(lambda value: _frozen(value))] = None
    """Where a scenario's numbers came from (`drillsim calibrate` writes which drills, and each fit): for its
    readers, never read by a run."""

    @field_validator("read_as")
    @classmethod
    def _known_readings(cls, value: Mapping[str, str], info: ValidationInfo) -> Mapping[str, str]:
        readings = info.data.get("readings")
        if readings is None:
            return value
        for name, alternative in value.items():
            if name not in readings:
                raise ValueError(unknown_name("reading", name, readings))
            if alternative not in readings[name].alternatives:
                raise ValueError(unknown_name(_("alternative of {reading}").format(reading=name), alternative,
                                              readings[name].alternatives))
        return value

    @field_validator("warm_up")
    @classmethod
    def _warm_up_within_horizon(cls, value: int, info: ValidationInfo) -> int:
        horizon = info.data.get("horizon")
        if horizon is not None and value >= horizon:
            raise ValueError(_("a warm-up of {warm_up} leaves nothing to count; expected a duration shorter than the "
                               "horizon of {horizon}").format(warm_up=format_duration(value),
                                                               horizon=format_duration(horizon)))
        return value

    @property
    def level_order(self) -> tuple[str, ...]:
        """Levels from the most to the least serious, as the plan lists them."""
        return tuple(self.levels)

    @property
    def grids(self) -> tuple[str, ...]:
        """Every grid the staffing defines (a person's role names one of them: `grid_worker:grid_1`)."""
        return tuple(grid for actor, staffing in self.staffing.items()
                     if self.actors[actor].kind == "per_grid" for grid in staffing.grids)

    def staffing_of(self, actor: str) -> Staffing:
        return self.staffing.get(actor, Staffing())  # type: ignore[no-any-return]

    def policy_of(self, actor: str) -> Policy:
        """The policy the actor's people choose their next task by."""
        own = self.staffing.get(actor)
        return own.policy if own is not None and own.policy is not None else self.policy

    def practice_of(self, actor: str) -> Practice:
        """How the actor's people send a report whose required elements are not all known yet."""
        own = self.staffing.get(actor)
        return own.practice if own is not None and own.practice is not None else self.practice

    def holders(self, actor: str) -> tuple[str, ...]:
        """The people who hold a role (in any grid, for a per-grid role), in the order the scenario lists them."""
        return tuple(person_id for person_id, person in self.people.items()
                     if any(role.partition(":")[0] == actor for role in person.roles))

    make_variant: ClassVar[Callable[[Scenario, Mapping[str, Any]], Scenario]]
    """What `replace` builds a variant with: drillsim.scenario.variants.replace, set as this package is imported.
    A variant is validated as a file is, by the loader, which builds Scenarios: importing it here would be a circle."""

    def replace(self, changes: Mapping[str, Any] | None = None, /, **more: Any) -> Scenario:
        """A validated variant with values set by dotted path (`{"staffing.office.staff": 3}`); self is unchanged."""
        return type(self).make_variant(self, {**(changes or {}), **more})

    def milestones(self) -> tuple[str, ...]:
        return ("occurred", "change", *(step.milestone for step in self.flow))

