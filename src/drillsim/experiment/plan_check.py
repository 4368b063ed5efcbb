"""What a plan cannot keep, found without simulating: `drillsim check`.

Every finding comes from the scenario's own entries (its flow, deadline rules,
durations, channels, staffing and readings), never from knowledge of one plan:

- `infeasible`: a deadline no incident of some kind can meet even when every step takes its fastest time and
  nobody waits. The lower bound is the longest chain of steps from the rule's start to its end in the flow, each
  step at the least its duration can draw (a constant's value, a uniform's or triangular's low end, an empirical
  distribution's smallest sample, 0 for a lognormal or exponential one; `by_category`/`by_level` resolved for the
  kind, times the smallest `time_of_day` factor), each report at the least its channels take (the first channel's
  delay, or a fallback's when the channels before it can fail) times its receivers, plus its own `transit`, and
  a report that must carry core elements sent no earlier than the least time they can be known.
- `tight`: met only when steps run fast: the lower bound keeps the limit, but the same chain with every duration
  at its median (a lognormal's median, an exponential's mean times ln 2, the middle of the others, at the fastest
  time of day, each report over the first channel) does not.
- `contradiction`: two rules A and B where B's clock starts no later than A's and A's end comes before B's end
  in the flow, so that A's allowance used in full puts B's end past B's limit, however fast the rest is.
- `never_applies`, `never_reached`, `no_upward_deadline`: rules that apply to no kind of incident the scenario
  brings, rules whose end (or start) the flow never reaches for a kind they apply to, and kinds of incident for
  which no deadline of the plan's own (not `open`) ends at a report to a superior.
- `off_duty`: the hours in which nobody who can do a step is on duty (a role's holders and its stand-in, every
  part of a team or working group), as the model counts who is on duty (drillsim.model.staffing).
- `not_simulated` (informational): the plan text listed in `unmodelled`.

A kind of incident is a category and a level the scenario's sources and injects bring (every category and
level when it brings none), with or without a command post as the plan's levels and `command_post_low_level`
allow, judged at its level or, with `misjudged_level`, one level off until a change corrects it (`kinds_of`;
no other change of level is followed). Each finding about a rule names the
readings (drillsim.scenario.readings) that set it, and the alternatives under which the finding goes away.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from itertools import permutations

from drillsim.i18n import N_, _, ngettext, speaking
from drillsim.model.clocks import applies
from drillsim.model.staffing import (
    HolderSpec,
    Role,
    Schedule,
    TeamSpec,
    count_at,
    crew_schedules,
    holders_of,
    teams_of,
)
from drillsim.scenario.flow import Flow, FlowStep, flow_of
from drillsim.scenario.names import title_of, why_of
from drillsim.scenario.readings import in_force, rules_moved, variant
from drillsim.scenario.schema import (
    DAY,
    Constant,
    DeadlineRule,
    Dist,
    Empirical,
    Exponential,
    IncidentSpec,
    LogNormal,
    Scenario,
    Triangular,
    Uniform,
    factor_at,
)
from drillsim.scenario.units import HOUR, format_clock, format_duration, format_offset

KINDS = {
    "infeasible": N_("a deadline no incident of some kind can meet, even with every step at its fastest and no "
                     "waiting"),
    "tight": N_("a deadline met only when steps run fast: with every step at its median the chain misses it"),
    "contradiction": N_("one rule's allowance, used in full, leaves another rule's deadline unreachable"),
    "never_applies": N_("a rule that applies to no kind of incident the scenario brings"),
    "never_reached": N_("a rule whose start or end milestone the flow never reaches for some incidents it applies to"),
    "no_upward_deadline": N_("incidents for which no deadline of the plan's own ends at a report to a superior"),
    "off_duty": N_("hours in which nobody who can do a step is on duty"),
    "short_handed": N_("hours in which fewer people are on duty than a step takes at once"),
    "not_simulated": N_("plan text the model does not use (informational: it does not make the exit status 1)"),
}
"""Each kind of finding, in the order they are listed."""

NEVER = math.inf
"""A milestone the flow never reaches for a kind of incident."""
FREE = -math.inf
"""A milestone the source of a path does not hold back: no bound from it."""


@dataclass(frozen=True)
class Finding:
    """One thing the plan cannot keep, in a planner's sentence with its numbers, and the plan's words it rests on."""

    kind: str
    subject: str
    """The rule, rule pair (`A/B`), step's actor, kinds of incident or article it is about (in English whatever the
    language, as `figures`, so that tools read the same in both)."""
    message: str
    """The sentence, in the language in force when the check ran."""
    article: str = ""
    text: str = ""
    """The plan's own words (the entry's `text`)."""
    rules: tuple[str, ...] = ()
    readings: tuple[str, ...] = ()
    """`reading=alternative in force` for each reading that sets one of its rules."""
    resolved_by: tuple[str, ...] = ()
    """`reading=alternative` under which the finding goes away."""
    figures: tuple[tuple[str, float | str], ...] = ()
    """Its numbers for tools: seconds for times, hours of the day, kinds of incident."""
    informational: bool = False
    hit_rates: tuple[tuple[str, float | None], ...] = ()
    """With replications: each of its rules' simulated hit rate over all levels."""
    heading: str = ""
    """The subject as a reader reads it when it is words (the kinds of incident, in the language in force); empty:
    the subject itself."""


@dataclass(frozen=True)
class Kind:
    """A kind of incident: its category, the level the office judges it (in force from the judgement on: the
    steps' conditions, the command post, the escalation), its true level (its durations and major class), every
    level it can be at, whether it has a command post, its major class, and whether it can have changes (which call
    for per-change reports)."""

    level: str
    category: str
    command_post: bool
    major_class: str | None
    changes: bool
    true_level: str
    levels: frozenset[str]


# --- durations --------------------------------------------------------------------------------------------------


def fastest(dist: Dist, category: str, level: str) -> int:
    """The least whole seconds a duration can draw for an incident of this category and level."""
    own = dist.resolve(category, level)
    if isinstance(own, Constant):
        least = float(own.value)
    elif isinstance(own, (Uniform, Triangular)):
        least = float(own.low)
    elif isinstance(own, Empirical):
        least = float(min(own.samples))
    else:  # lognormal, exponential: every positive value can be drawn
        least = 0.0
    return max(0, round(least * _least_factor(dist)))


def median(dist: Dist, category: str, level: str) -> int:
    """A duration's median for an incident of this category and level, at the fastest time of day."""
    own = dist.resolve(category, level)
    if isinstance(own, Constant):
        middle = float(own.value)
    elif isinstance(own, Uniform):
        middle = (own.low + own.high) / 2
    elif isinstance(own, Triangular):
        low, mode, high = float(own.low), float(own.mode), float(own.high)
        if mode >= (low + high) / 2:
            middle = low + math.sqrt((high - low) * (mode - low) / 2)
        else:
            middle = high - math.sqrt((high - low) * (high - mode) / 2)
    elif isinstance(own, LogNormal):
        middle = float(own.median)
    elif isinstance(own, Exponential):
        middle = own.mean_ * math.log(2)
    elif isinstance(own, Empirical):
        middle = float(statistics.median_low(own.samples))
    else:
        middle = own.mean()
    return max(0, round(middle * _least_factor(dist)))


def _least_factor(dist: Dist) -> float:
    """The smallest time-of-day factor (the base distribution's, as the model applies it to every variant)."""
    windows = dist.time_of_day
    return min(factor_at(windows, clock) for clock in {0, *(w.start for w in windows), *(w.end for w in windows)})


def fastest_transmission(scenario: Scenario) -> int:
    """The least time one report takes over the channels: the first one's delay, or, when the ones before can
    fail, the fallback delays lost to them and the delay of one after."""
    channels = scenario.channels
    lost, best = 0, math.inf
    for name in channels.order:
        medium = channels.media[name]
        best = min(best, lost + medium.delay)
        if not medium.failures:
            break
        lost += medium.fallback_delay
    return int(best)


Cost = Callable[[Dist, str, str], int]


# --- kinds of incident ------------------------------------------------------------------------------------------


def kinds_of(scenario: Scenario) -> tuple[Kind, ...]:
    """Every kind of incident the scenario's sources and injects bring (all categories and levels without any),
    judged at its true level or, with `misjudged_level`, one level more or less serious (new facts then correct it:
    a change at the true level)."""
    flow = flow_of(scenario)
    p_post = scenario.probabilities.command_post_low_level
    order = scenario.level_order
    kinds: set[Kind] = set()

    def add(category: str, true: str, judged: str | None, told: bool | None, given: str | None,
            changed: tuple[str, ...]) -> None:
        """The kinds of one incident: each judged level it can have, with or without a command post."""
        misjudged = scenario.probabilities.misjudged_level > 0
        i = order.index(true)
        for level in (judged,) if judged is not None else (true, *(
                order[j] for j in (i - 1, i + 1) if misjudged and 0 <= j < len(order))):
            changes = changed or ((true,) if level != true else ())
            may_change = bool(changes) or _changing(scenario, true)
            after = changes or ((true,) if may_change else ())
            needs = flow.needs_command_post_as_judged(level, after, bool(told))
            posts = [True] if needs else [False] if told is not None else [
                post for post, possible in ((False, p_post < 1), (True, p_post > 0)) if possible]
            for post in posts:
                kinds.add(Kind(level, category, post, flow.major_class(category, (true, *after), given), may_change,
                               true, frozenset((true, level, *after))))

    for source in scenario.sources:
        for category, share in source.categories.items():
            for level, level_share in source.levels.items():
                if share > 0 and level_share > 0:
                    add(category, level, None, None, None, ())
    for spec in _specs(scenario.injects):
        add(spec.category, spec.level, spec.judged_level, spec.command_post, spec.major_class, _levels(spec))
    if not kinds:
        for category in scenario.categories:
            for level in scenario.levels:
                add(category, level, None, None, None, ())
    rank = {level: i for i, level in enumerate(order)}
    return tuple(sorted(kinds, key=lambda k: (rank[k.level], not k.command_post, k.category, rank[k.true_level],
                                              k.changes, k.major_class or "")))


def _levels(spec: IncidentSpec) -> tuple[str, ...]:
    """The true level after each of a scripted incident's changes."""
    out, level = [], spec.level
    for change in spec.changes:
        level = change.level or level
        out.append(level)
    return tuple(out)


def _changing(scenario: Scenario, level: str) -> bool:
    return scenario.changes.mean_count.get(level, 0) > 0 or level in scenario.changes.cadence


def _specs(specs: Iterable[IncidentSpec]) -> Iterator[IncidentSpec]:
    for spec in specs:
        yield spec
        yield from _specs(spec.cascades)


def describe_kinds(scenario: Scenario, chosen: Iterable[Kind], every: Iterable[Kind]) -> str:
    """`levels III and IV without a command post (every category); level I (network_security)`, or `every incident`."""
    chosen, every = set(chosen), set(every)
    if {(k.level, k.category, k.command_post) for k in chosen} == {(k.level, k.category, k.command_post)
                                                                  for k in every}:
        return _("every incident")
    groups: dict[tuple[bool | None, str], list[str]] = {}
    for level in scenario.levels:
        posts = {k.command_post for k in every if k.level == level}
        for post in (True, False):
            these = {k.category for k in chosen if k.level == level and k.command_post == post}
            if not these:
                continue
            alike = {k.category for k in every if k.level == level and k.command_post == post}
            which = _("every category") if these == alike else _list([c for c in scenario.categories if c in these])
            groups.setdefault((None if len(posts) == 1 else post, which), []).append(level)
    return _("; ").join(_group_words(levels, post, which) for (post, which), levels in groups.items())


def _group_words(levels: list[str], post: bool | None, which: str) -> str:
    """`levels III and IV without a command post (every category)`; `post` None when the levels do not differ."""
    if post is None:
        words = ngettext("level {levels} ({which})", "levels {levels} ({which})", len(levels))
    elif post:
        words = ngettext("level {levels} with a command post ({which})",
                         "levels {levels} with a command post ({which})", len(levels))
    else:
        words = ngettext("level {levels} without a command post ({which})",
                         "levels {levels} without a command post ({which})", len(levels))
    return words.format(levels=_and(levels), which=which)


def _and(names: list[str]) -> str:
    """`a, b and c` (`a、b和c`)."""
    return names[0] if len(names) == 1 else _("{listed} and {last}").format(listed=_list(names[:-1]), last=names[-1])


def _or(names: list[str]) -> str:
    """`a or b or c` (`a或b或c`)."""
    listed = names[0]
    for name in names[1:]:
        listed = _("{listed} or {last}").format(listed=listed, last=name)
    return listed


def _list(names: Iterable[str]) -> str:
    """`a, b, c` (`a、b、c`)."""
    items = list(names)
    listed = items[0] if items else ""
    for item in items[1:]:
        listed = _("{listed}, {item}").format(listed=listed, item=item)
    return listed


# --- paths through the flow -------------------------------------------------------------------------------------


class Paths:
    """The least time from one milestone to every other for one kind of incident, each step costed by `cost`."""

    def __init__(self, scenario: Scenario, kind: Kind, cost: Cost, transmission: int) -> None:
        self.scenario, self.kind, self.flow = scenario, kind, flow_of(scenario)
        durations = scenario.durations
        category, true = kind.category, kind.true_level
        self.work = {node.id: cost(durations[node.step.duration], category, true) for node in self.flow}
        fewest = min(len(scenario.escalation.levels.get(level, ())) for level in kind.levels)
        self.delay: dict[str, int] = {}
        for node in self.flow:
            report = node.step.report
            if report is None:
                continue
            receivers = fewest if report.to == "escalation" else 1
            transit = cost(durations[report.transit], category, true) if report.transit else 0
            self.delay[node.id] = receivers * (transmission + transit)
        self.learning = {name: cost(durations[element.duration], category, true) if element.duration else 0
                         for name, element in scenario.core_elements.items()}
        self._order = sorted(self.flow, key=lambda node: self.flow.rank.get(node.id, len(self.flow)))
        self._from: dict[str, tuple[dict[str, float], dict[str, str | None]]] = {}

    def runs(self, node: FlowStep) -> bool:
        kind = self.kind
        return self.flow.holds(node.condition, kind.category, (kind.level,), kind.major_class, kind.command_post)

    def times(self, source: str) -> tuple[dict[str, float], dict[str, str | None]]:
        """Milestone -> the least time after `source` it is reached (NEVER, or FREE when `source` does not hold it
        back), and milestone -> what held it back last (a step's predecessor, or `element NAME`)."""
        if source in self._from:
            return self._from[source]
        flow, kind = self.flow, self.kind
        at: dict[str, float] = {"occurred": 0 if source == "occurred" else FREE,
                                "change": (0 if source == "change" else FREE) if kind.changes else NEVER}
        via: dict[str, str | None] = {}
        worked: dict[str, float] = {}
        per_change_source = flow.per_change(source)
        closing = [node for node in flow if node.step.effect == "close"]
        for node in self._order:
            for name in node.step.after:
                if name == "closure" and "closure" not in at:
                    reached = [at[c.milestone] for c in closing if c.milestone in at]
                    at["closure"] = 0 if source == "closure" else min(reached, default=NEVER)
            if not self.runs(node):
                at[node.milestone] = worked[node.id] = NEVER
                continue
            start, held = FREE, None
            for name in node.step.after:
                before = flow.get(name)
                value = at.get(name if before is None else before.milestone, FREE)
                if before is not None and flow.fans_in(node, before):
                    value = value if per_change_source and math.isfinite(value) else FREE
                if value > start:
                    start, held = value, name
            done = worked[node.id] = start + self.work[node.id]
            if node.id in self.delay:
                for element in self._required(node):
                    known = self._known(element, at, worked)
                    if known > done:
                        done, held = known, f"element {element}"
                done += self.delay[node.id]
            if node.milestone == source:
                done, held = 0, None
            at[node.milestone], via[node.milestone] = done, held
        if "closure" not in at:
            at["closure"] = 0 if source == "closure" else min(
                (at[c.milestone] for c in closing if c.milestone in at), default=NEVER)
        self._from[source] = (at, via)
        return at, via

    def _required(self, node: FlowStep) -> tuple[str, ...]:
        report = node.step.report
        if report is None or report.carries == "known":
            return ()
        return tuple(self.scenario.core_elements) if report.carries == "all" else tuple(report.carries)

    def _known(self, element: str, at: Mapping[str, float], worked: Mapping[str, float]) -> float:
        """The least time an element is known: its step's work done (or its milestone reached), then its delay; a
        step not yet placed in the flow's order holds nothing back."""
        after = self.scenario.core_elements[element].after
        base = worked.get(after, FREE) if self.flow.get(after) is not None else at.get(after, FREE)
        return base + self.learning[element]

    def between(self, start: str, end: str) -> float:
        return self.times(start)[0].get(end, FREE)

    def chain(self, start: str, end: str) -> list[tuple[str, float]]:
        """The steps that hold `end` back from `start`, first to last, each with its share of the time."""
        at, via = self.times(start)
        out: list[tuple[str, float]] = []
        name = end
        while name != start and (node := self.flow.reaching(name)) is not None:
            held = via.get(name) or ""
            if held.startswith("element "):
                after = self.scenario.core_elements[held.removeprefix("element ")].after
                held = after if self.flow.get(after) is None else self.flow[after].milestone
            elif self.flow.get(held) is not None:
                held = self.flow[held].milestone
            earlier = at.get(held, FREE)
            out.append((node.id, at[name] - (earlier if math.isfinite(earlier) else 0)))
            if not math.isfinite(earlier):
                break
            name = held
        return out[::-1]

    def clock(self, rule: DeadlineRule) -> float:
        """The least time from a rule's clock start (the later of `start` and `not_before`) to its end."""
        least = self.between(rule.start, rule.end)
        if rule.not_before is not None:
            least = min(least, self.between(rule.not_before, rule.end))
        return least


def _applies(rule: DeadlineRule, kind: Kind, flow: Flow) -> bool:
    return (applies(rule.applies, kind.command_post, kind.major_class)
            and (not rule.levels or kind.level in rule.levels) and (kind.changes or not flow.rule_per_change(rule)))


# --- the checks -------------------------------------------------------------------------------------------------


class _Plan:
    """A scenario with its kinds of incident and their paths, fastest and at the median."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.flow = flow_of(scenario)
        self.kinds = kinds_of(scenario)
        fast, steady = fastest_transmission(scenario), scenario.channels.media[scenario.channels.order[0]].delay
        self.fast = {kind: Paths(scenario, kind, fastest, fast) for kind in self.kinds}
        self.typical = {kind: Paths(scenario, kind, median, steady) for kind in self.kinds}

    def applying(self, rule: DeadlineRule) -> list[Kind]:
        return [kind for kind in self.kinds if _applies(rule, kind, self.flow)]

    def kinds_words(self, chosen: Iterable[Kind]) -> str:
        return describe_kinds(self.scenario, chosen, self.kinds)

    def kinds_key(self, chosen: Iterable[Kind]) -> str:
        """The kinds in English, for a finding's subject and figures (the same in every language)."""
        with speaking("en"):
            return self.kinds_words(chosen)


def _rule_findings(plan: _Plan) -> list[Finding]:
    scenario = plan.scenario
    out: list[Finding] = []
    for rule_id, rule in scenario.deadlines.items():
        kinds = plan.applying(rule)
        if not kinds:
            out.append(_about(scenario, rule_id, "never_applies", _(
                "{rule} ({title}) applies to no incident the scenario brings: it is checked for {applies}, and no "
                "kind of incident is one.").format(rule=rule_id, title=title_of(rule), applies=_applies_words(rule)),
                ()))
            continue
        unreached = [k for k in kinds if plan.fast[k].times("occurred")[0].get(rule.end, NEVER) == NEVER]
        unstarted = [k for k in kinds if plan.fast[k].times("occurred")[0].get(rule.start, NEVER) == NEVER]
        if unreached or unstarted:
            which = unreached or unstarted
            sentence = _("{rule} ({title}) applies to {kinds}, but the flow never reaches its end, {end}, for them: "
                         "the rule is missed for every one of them.") if unreached else _(
                "{rule} ({title}) applies to {kinds}, but the flow never reaches its start, {start}, for them: the "
                "rule is never checked for them.")
            out.append(_about(scenario, rule_id, "never_reached", sentence.format(
                rule=rule_id, title=title_of(rule), kinds=plan.kinds_words(which), end=rule.end, start=rule.start),
                (("kinds", plan.kinds_key(which)),)))
            kinds = [k for k in kinds if k not in unreached and k not in unstarted]
        bounds = {k: plan.fast[k].clock(rule) for k in kinds}
        bounded = {k: b for k, b in bounds.items() if math.isfinite(b)}
        over = {k: b for k, b in bounded.items() if b > rule.limit}
        if over:
            least = min(over, key=lambda k: over[k])  # the bound every kind listed has
            out.append(_about(scenario, rule_id, "infeasible", _(
                "{rule} ({title}) allows {limit} from {start} to {end}, but even with every step at its fastest and "
                "nobody waiting {end} comes at least {bound} after it for {kinds} ({chain}): no such incident can "
                "meet it.").format(rule=rule_id, title=title_of(rule), limit=format_duration(rule.limit),
                                   start=_clock_words(rule), end=rule.end, bound=format_duration(over[least]),
                                   kinds=plan.kinds_words(over), chain=_chain_words(plan.fast[least], rule)),
                (("limit", rule.limit), ("lower_bound", over[least]), ("kinds", plan.kinds_key(over)))))
            continue
        typical = {k: plan.typical[k].clock(rule) for k in bounded}
        slow = {k: t for k, t in typical.items() if math.isfinite(t) and t > rule.limit}
        if slow:
            least = min(slow, key=lambda k: slow[k])
            out.append(_about(scenario, rule_id, "tight", _(
                "{rule} ({title}) allows {limit} from {start} to {end}; the fastest chain takes {fastest}, but with "
                "every step at its median it takes {median} or more for {kinds} ({chain}): only incidents whose "
                "steps run fast meet it.").format(
                    rule=rule_id, title=title_of(rule), limit=format_duration(rule.limit), start=_clock_words(rule),
                    end=rule.end, fastest=format_duration(bounded[least]), median=format_duration(slow[least]),
                    kinds=plan.kinds_words(slow), chain=_chain_words(plan.typical[least], rule)),
                (("limit", rule.limit), ("lower_bound", bounded[least]), ("median_path", slow[least]),
                 ("kinds", plan.kinds_key(slow)))))
    return out


def _contradictions(plan: _Plan) -> list[Finding]:
    """A and B: A's clock starts no earlier than B's, A's end comes before B's, and A's allowance used in full
    puts B's end past its limit, for a kind of incident both apply to that could otherwise meet B."""
    scenario = plan.scenario
    out: list[Finding] = []
    for (a_id, a), (b_id, b) in permutations(scenario.deadlines.items(), 2):
        if b.not_before is not None and not (b.start == a.start and b.not_before == a.not_before) and not all(
                math.isfinite(plan.fast[k].between(b.not_before, b.start)) for k in plan.kinds):
            continue  # B's clock may start later than B.start: A's allowance says nothing of B's clock
        forced: dict[Kind, tuple[float, float, float]] = {}
        for kind in plan.applying(a):
            paths = plan.fast[kind]
            if not _applies(b, kind, plan.flow) or not paths.clock(b) <= b.limit:
                continue
            lead, tail = paths.between(b.start, a.start), paths.between(a.end, b.end)
            if math.isfinite(lead) and math.isfinite(tail) and lead + a.limit + tail > b.limit:
                forced[kind] = (lead, tail, lead + a.limit + tail)
        if not forced:
            continue
        least = min(forced, key=lambda k: forced[k][2])
        lead, tail, total = forced[least]
        defaults = [name for name, rule in ((a_id, a), (b_id, b)) if rule.open]
        whose = ngettext("({names} is a default for what the plan leaves open)",
                         "({names} are defaults for what the plan leaves open)", len(defaults)).format(
            names=_and(defaults)) if defaults else _("(both are the plan's own numbers)")
        out.append(Finding(
            "contradiction", f"{a_id}/{b_id}",
            _("{a} allows {allowance} from {a_start} to {a_end}, but {b} wants {b_end} within {limit} of {b_start}: "
              "with {a}'s {allowance} used in full, {b_end} comes at least {total} after {b_start} ({lead} from "
              "{b_start} to {a_start}, {allowance}, {tail} from {a_end} to {b_end}), {over} past {b}'s limit, for "
              "{kinds} {whose}.").format(
                a=a_id, b=b_id, allowance=format_duration(a.limit), a_start=a.start, a_end=a.end, b_end=b.end,
                b_start=b.start, limit=format_duration(b.limit), total=format_duration(total),
                lead=format_duration(lead), tail=format_duration(tail), over=format_duration(total - b.limit),
                kinds=plan.kinds_words(forced), whose=whose),
            article=" / ".join(dict.fromkeys(r.article for r in (a, b) if r.article)),
            text="\n".join(dict.fromkeys(r.text for r in (a, b) if r.text)), rules=(a_id, b_id),
            figures=(("allowance", a.limit), ("limit", b.limit), ("forced", total), ("before", lead),
                     ("after", tail), ("kinds", plan.kinds_key(forced)))))
    return out


def _upward(plan: _Plan) -> list[Finding]:
    """Kinds of incident for which no rule of the plan's own ends at a report to a superior."""
    scenario = plan.scenario
    superiors = {name for name, actor in scenario.actors.items() if actor.kind == "superior"}
    upward = {}
    for rule_id, rule in scenario.deadlines.items():
        node = plan.flow.reaching(rule.end)
        report = node.step.report if node is not None else None
        if report is not None and (report.to == "escalation" or report.to in superiors or report.or_ in superiors):
            upward[rule_id] = rule
    bare: dict[tuple[str, ...], list[Kind]] = {}
    for kind in plan.kinds:
        covering = tuple(rule_id for rule_id, rule in upward.items() if _applies(rule, kind, plan.flow)
                         and _reaches_superior(scenario, plan.flow.reaching(rule.end), kind)
                         and plan.fast[kind].times("occurred")[0].get(rule.end, NEVER) != NEVER)
        if all(upward[rule_id].open for rule_id in covering):
            bare.setdefault(covering, []).append(kind)
    own = {rule_id: rule for rule_id, rule in upward.items() if not rule.open}
    elsewhere = (_("; ").join(_("{rule} is checked for {applies}").format(rule=r, applies=_applies_words(rule))
                              for r, rule in own.items()) if own else _("the plan sets none"))
    out = []
    for covering, kinds in bare.items():
        words = plan.kinds_key(kinds)
        cover = _("Only defaults for what the plan leaves open cover them: {rules}").format(rules=_list(
            _("{rule} ({limit} to {end})").format(rule=r, limit=format_duration(upward[r].limit), end=upward[r].end)
            for r in covering)) if covering else _("No rule covers them")
        cited = [*own.values(), *(upward[r] for r in covering)]
        out.append(Finding(
            "no_upward_deadline", words,
            _("No deadline of the plan's own ends at a report to a superior for {kinds} ({elsewhere}). "
              "{cover}.").format(kinds=plan.kinds_words(kinds), elsewhere=elsewhere, cover=cover),
            article=" / ".join(dict.fromkeys(r.article for r in cited if r.article)),
            text="\n".join(dict.fromkeys(r.text for r in cited if r.text)), rules=covering,
            figures=(("kinds", words),), heading=plan.kinds_words(kinds)))
    return out


def _reaches_superior(scenario: Scenario, node: FlowStep | None, kind: Kind) -> bool:
    report = node.step.report if node is not None else None
    return report is not None and (report.to != "escalation" or bool(scenario.escalation.levels.get(kind.level)))


def _about(scenario: Scenario, rule_id: str, kind: str, message: str,
           figures: tuple[tuple[str, float | str], ...]) -> Finding:
    rule = scenario.deadlines[rule_id]
    return Finding(kind, rule_id, message, rule.article, rule.text, (rule_id,), figures=figures)


def _applies_words(rule: DeadlineRule) -> str:
    which = {"all": _("every incident"), "command_post": _("incidents with a command post"),
             "no_command_post": _("incidents without a command post"),
             "major_class": _("incidents of a major class"), "change": _("every change")}[rule.applies]
    return _("{which} of level {levels}").format(which=which, levels=_list(rule.levels)) if rule.levels else which


def _clock_words(rule: DeadlineRule) -> str:
    return rule.start if rule.not_before is None else _("{start} (not before {not_before})").format(
        start=rule.start, not_before=rule.not_before)


def _chain_words(paths: Paths, rule: DeadlineRule) -> str:
    start = rule.start
    if rule.not_before is not None and paths.between(rule.not_before, rule.end) < paths.between(start, rule.end):
        start = rule.not_before
    return " + ".join(f"{step} {format_duration(share)}" for step, share in paths.chain(start, rule.end)) or _(
        "no step")


# --- who is on duty ---------------------------------------------------------------------------------------------


def _off_duty(scenario: Scenario) -> list[Finding]:
    """For every actor of a step: the times nobody who can do it is on duty (its role's holders or the stand-in's;
    a team's leader or stand-in and its members)."""
    flow = flow_of(scenario)
    schedules = {(actor, unit): schedule for actor, unit, schedule in crew_schedules(scenario)}
    teams = teams_of(scenario)
    groups = dict.fromkeys(category.working_group for category in scenario.categories.values())
    steps: dict[str, list[str]] = {}
    needs: dict[str, list[list[Role]]] = {}
    for node in flow:
        for actor_id in flow.doers(node):
            for holder, parts in _parts(scenario, actor_id, schedules, teams, groups):
                steps.setdefault(holder, []).append(node.id)
                needs[holder] = parts
    out = []
    for holder, parts in needs.items():
        gaps = _gaps([[schedules.get(role, ((0, 0),)) for role in part] for part in parts], scenario.horizon)
        if not gaps:
            continue
        actor_id = holder.partition(":")[0]
        actor = scenario.actors[actor_id]
        hours = _hours(gaps)
        who = _and([_or([_role_words(role) for role in part]) for part in parts])
        out.append(Finding(
            "off_duty", holder,
            _("Nobody who can do {steps} ({who}) is on duty {when}: a task of {holder} waits then for someone to "
              "come on duty.").format(steps=_list(dict.fromkeys(steps[holder])), who=who,
                                      when=_gap_words(gaps, scenario.horizon), holder=holder),
            actor.article, actor.text, figures=(("hours", ",".join(str(h) for h in hours)),
                                                ("off_duty", sum(end - start for start, end in gaps)))))
    return out


def _parts(scenario: Scenario, actor_id: str, schedules: Mapping[Role, Schedule],
           teams: Mapping[tuple[str, str], TeamSpec], groups: Iterable[str]) -> list[tuple[str, list[list[Role]]]]:
    """(who, parts) for an actor of a step: each part a list of roles of which someone must be on duty."""
    actor = scenario.actors[actor_id]
    if actor.kind in ("unlimited", "superior"):
        return []
    if actor.kind == "pool":
        return [(actor_id, [[(actor_id, ""), *([(actor.stand_in, "")] if actor.stand_in else [])]])]
    if actor.kind == "per_grid":
        return [(f"{actor_id}:{unit}", [[(actor_id, unit)]]) for role, unit in schedules if role == actor_id]
    keys = [(actor_id, "")] if actor.kind == "team" else [(actor_id, group) for group in groups]
    out = []
    for key in keys:
        team = teams[key]
        lead = [*([team.leader] if team.leader else []), *([team.stand_in[0]] if team.stand_in else [])]
        parts = [part for part in (lead, list(team.members)) if part]
        out.append((actor_id if actor.kind == "team" else f"{actor_id}:{key[1]}", parts))
    return out


def _hours(gaps: list[tuple[int, int]]) -> list[int]:
    """The hours of the day some gap touches."""
    hours: set[int] = set()
    for start, end in gaps:
        time = start
        while time < end and len(hours) < 24:
            hours.add(time % DAY // HOUR)
            time = (time // HOUR + 1) * HOUR
    return sorted(hours)


def _role_words(role: Role) -> str:
    return _("{role} of {unit}").format(role=role[0], unit=role[1]) if role[1] else role[0]


def _gaps(parts: list[list[Schedule]], horizon: int) -> list[tuple[int, int]]:
    """The intervals of the drill in which some part has nobody of its roles on duty."""
    points = sorted({0, *(time for part in parts for schedule in part for time, _ in schedule)})
    gaps: list[tuple[int, int]] = []
    for i, time in enumerate(points):
        if time >= horizon:
            break
        end = points[i + 1] if i + 1 < len(points) else horizon
        if any(all(count_at(schedule, time) == 0 for schedule in part) for part in parts):
            if gaps and gaps[-1][1] == time:
                gaps[-1] = (gaps[-1][0], end)
            else:
                gaps.append((time, end))
    return gaps


def _gap_words(gaps: list[tuple[int, int]], horizon: int) -> str:
    """`every day from 22:00 to 07:00`, or the drill's intervals (`from 2d 08:00 to 3d 08:00`)."""
    days = horizon // DAY
    if days >= 1 and all(_day_gaps(gaps, d) == _day_gaps(gaps, 0) for d in range(days)) and _day_gaps(gaps, 0):
        daily = _day_gaps(gaps, 0)
        if daily == [(0, DAY)]:
            return _("at any time of day")
        return _("every day {times}").format(times=_list(
            _("from {start} to {end}").format(start=format_clock(s), end=format_clock(e % DAY))
            for s, e in _wrapped(daily)))
    shown = _list(_("from {start} to {end}").format(start=format_offset(s), end=format_offset(e)) for s, e in gaps[:5])
    return _("{shown} and {count} more times").format(shown=shown, count=len(gaps) - 5) if len(gaps) > 5 else shown


def _day_gaps(gaps: list[tuple[int, int]], day: int) -> list[tuple[int, int]]:
    low, high = day * DAY, (day + 1) * DAY
    return [(max(s, low) - low, min(e, high) - low) for s, e in gaps if s < high and e > low]


def _wrapped(daily: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """A day's gaps with one that ends at midnight joined to one that starts there (22:00 to 07:00)."""
    if len(daily) > 1 and daily[0][0] == 0 and daily[-1][1] == DAY:
        return [(daily[-1][0], daily[0][1] + DAY), *daily[1:-1]]
    return daily


def _short_handed(scenario: Scenario, kinds: Iterable[Kind]) -> list[Finding]:
    """For every step that takes several people at once: the times fewer of them are on duty than it takes (but
    not none: `off_duty` says those), as the model caps a task at the most its people ever are."""
    flow = flow_of(scenario)
    holders = holders_of(scenario)
    teams = teams_of(scenario)
    groups = dict.fromkeys(category.working_group for category in scenario.categories.values())
    kinds = tuple(kinds)
    out = []
    for node in flow:
        step = node.step
        if not step.units and not step.units_by_category:
            continue
        takes = {kind: max((step.units_by_category.get(kind.category, {}) | {}).get(level, step.units.get(level, 1))
                           for level in kind.levels) for kind in kinds if _may_run(flow, node, kind)}
        for actor_id in flow.doers(node):
            for who, roles in _members(scenario, actor_id, teams, groups):
                mine = [h for h in holders if not set(h.roles).isdisjoint(roles)]
                peak = sum(max((count for _, count in h.schedule), default=0) for h in mine)
                need = {kind: max(1, min(units, peak)) if peak else units for kind, units in takes.items()}
                if not need or max(need.values()) <= 1:
                    continue
                most = max(need.values())
                gaps, fewest = _short(mine, most, scenario.horizon)
                if not gaps:
                    continue
                wanting = [kind for kind, units in need.items() if units > fewest]
                out.append(Finding(
                    "short_handed", f"{step.id}:{who}",
                    ngettext("{step} takes up to {most} of {who}'s people at once (for {kinds}), but only {fewest} "
                             "of them is on duty {when}: such a task waits then for more to come on duty.",
                             "{step} takes up to {most} of {who}'s people at once (for {kinds}), but only {fewest} "
                             "of them are on duty {when}: such a task waits then for more to come on duty.",
                             fewest).format(step=step.id, most=most, who=who,
                                            kinds=describe_kinds(scenario, wanting, kinds), fewest=fewest,
                                            when=_gap_words(gaps, scenario.horizon)),
                    step.article, step.text, figures=(("takes", most), ("on_duty", fewest),
                                                      ("hours", ",".join(str(h) for h in _hours(gaps))))))
    return out


def _may_run(flow: Flow, node: FlowStep, kind: Kind) -> bool:
    return flow.holds(node.condition, kind.category, tuple(kind.levels), kind.major_class, kind.command_post)


def _members(scenario: Scenario, actor_id: str, teams: Mapping[tuple[str, str], TeamSpec],
             groups: Iterable[str]) -> list[tuple[str, tuple[Role, ...]]]:
    """(who, roles) of the people a step of this actor takes several of: a role's, a team's or a group's members."""
    actor = scenario.actors[actor_id]
    if actor.kind == "pool":
        return [(actor_id, ((actor_id, ""),))]
    if actor.kind == "per_grid":
        staffing = scenario.staffing.get(actor_id)
        return [(f"{actor_id}:{grid}", ((actor_id, grid),)) for grid in (staffing.grids if staffing else ())]
    if actor.kind == "team":
        return [(actor_id, teams[(actor_id, "")].members)] if teams[(actor_id, "")].members else []
    if actor.kind == "working_group":
        return [(group, teams[(actor_id, group)].members) for group in groups if teams[(actor_id, group)].members]
    return []


def _short(holders: list[HolderSpec], need: int, horizon: int) -> tuple[list[tuple[int, int]], int]:
    """The intervals in which some but fewer than `need` of these holders are on duty, and the fewest then."""
    points = sorted({0, *(time for h in holders for time, _ in h.schedule)})
    gaps: list[tuple[int, int]] = []
    fewest = need
    for i, time in enumerate(points):
        if time >= horizon:
            break
        end = points[i + 1] if i + 1 < len(points) else horizon
        count = sum(count_at(h.schedule, time) for h in holders)
        if 0 < count < need:
            fewest = min(fewest, count)
            if gaps and gaps[-1][1] == time:
                gaps[-1] = (gaps[-1][0], end)
            else:
                gaps.append((time, end))
    return gaps, fewest


# --- the check --------------------------------------------------------------------------------------------------


def _static(scenario: Scenario) -> list[Finding]:
    plan = _Plan(scenario)
    return [*_rule_findings(plan), *_contradictions(plan), *_upward(plan)]


def _with_readings(scenario: Scenario, findings: list[Finding]) -> list[Finding]:
    """Each finding about rules with the readings that set them, and the alternatives under which it goes away."""
    forced = in_force(scenario)
    moving = {name: rules_moved(reading) for name, reading in scenario.readings.items()}
    others: dict[tuple[str, str], set[tuple[str, str]] | None] = {}
    out = []
    for finding in findings:
        names = [name for name, rules in moving.items() if rules & set(finding.rules)]
        resolved = []
        if finding.kind in ("infeasible", "tight", "contradiction"):
            for name in names:
                for alternative in scenario.readings[name].alternatives:
                    if alternative == forced.get(name):
                        continue
                    keys = others.get((name, alternative))
                    if (name, alternative) not in others:
                        keys = others[(name, alternative)] = _keys(scenario, name, alternative)
                    if keys is not None and (finding.kind, finding.subject) not in keys:
                        resolved.append(f"{name}={alternative}")
        out.append(replace(finding, readings=tuple(f"{name}={forced.get(name)}" for name in names),
                           resolved_by=tuple(resolved)))
    return out


def _keys(scenario: Scenario, reading: str, alternative: str) -> set[tuple[str, str]] | None:
    from drillsim.scenario.errors import ScenarioError
    try:
        other = variant(scenario, reading, alternative)
    except ScenarioError:
        return None
    return {(f.kind, f.subject) for f in _static(other)}


def _not_simulated(scenario: Scenario) -> list[Finding]:
    return [Finding("not_simulated", article, _("{title}: {why}").format(title=title_of(entry), why=why_of(entry)),
                    article, entry.text, informational=True)
            for article, entry in scenario.unmodelled.items()]


def check(scenario: Scenario, *, replications: int | None = None, seed: int | None = None) -> tuple[Finding, ...]:
    """Everything the plan of a scenario cannot keep (the module's docstring says each kind), in KINDS' order.

    With `replications`, each finding about rules carries their simulated hit rates over all levels (a run that
    keeps summaries only).
    """
    findings = [*_with_readings(scenario, _static(scenario)), *_off_duty(scenario),
                *_short_handed(scenario, kinds_of(scenario)), *_not_simulated(scenario)]
    if replications:
        rates = _hit_rates(scenario, replications, seed)
        findings = [replace(f, hit_rates=tuple((rule, rates.get(rule)) for rule in f.rules)) if f.rules else f
                    for f in findings]
    order = list(KINDS)
    return tuple(sorted(findings, key=lambda f: order.index(f.kind)))


def _hit_rates(scenario: Scenario, replications: int, seed: int | None) -> dict[str, float | None]:
    from drillsim.experiment.replications import run
    summary = run(scenario, replications=replications, seed=seed, keep="summary").summary()
    return {row["rule"]: row["rate"] for row in summary["rules"] if row["level"] == "all"}


def counted(findings: Iterable[Finding]) -> int:
    """The findings that make the exit status 1 (the informational ones do not)."""
    return sum(not finding.informational for finding in findings)


def as_data(finding: Finding) -> dict[str, object]:
    """A finding as JSON writes it."""
    data: dict[str, object] = {
        "kind": finding.kind, "subject": finding.subject, "message": finding.message, "article": finding.article,
        "text": finding.text, "rules": list(finding.rules), "readings": list(finding.readings),
        "resolved_by": list(finding.resolved_by), "figures": dict(finding.figures),
        "informational": finding.informational}
    if finding.hit_rates:
        data["hit_rates"] = dict(finding.hit_rates)
    return data


__all__ = ["FREE", "KINDS", "NEVER", "Finding", "Kind", "Paths", "as_data", "check", "counted", "describe_kinds",
           "fastest", "fastest_transmission", "kinds_of", "median"]
