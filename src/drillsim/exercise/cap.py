"""Every report of a run as an OASIS CAP 1.2 message, for exercising systems that speak the standard.

Built from what `drillsim run --out RUN_DIR` wrote, as the run directory's
reader gives it (drillsim.experiment.rundir.RunRows: the rows of the steps
and incidents, the effective scenario, the summary). Each step that sent a
report becomes one message with status `Exercise`: the first report of an
incident is an `Alert`, every later one an `Update` whose `references` list
all earlier messages of the incident. Severity follows the level in force
when the report was sent (as the model sets it: the true level until the
office's judgement, the judged level after it, each change's level once its
continuation report is delivered), by its place in the plan's scale: I
Extreme, II Severe, III Moderate, IV Minor. Drill time 0 is mapped to a
fixed epoch, by default Monday 2026-01-05 00:00 China Standard Time
(DEFAULT_EPOCH), so the same run always gives the same messages; identifiers
are built from the scenario, the seed, the replication, the incident and the
step. A message speaks the language in force (drillsim.i18n): its `<info>` says
`zh-CN` or `en-US` and its headline, description and area are drillsim's words
in that language (the names in them are the scenario's, as written); asked for
several languages, it carries an `<info>` block for each, the same alert in
each language, as CAP provides.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from drillsim.exercise.played import drill_incidents
from drillsim.files import UnreadableFile, UnwritableFile, write_reason
from drillsim.i18n import Language, _, language, speaking
from drillsim.scenario.errors import DrillsimError
from drillsim.scenario.flow import flow_of, shown_change
from drillsim.scenario.names import example_of, title_of
from drillsim.scenario.schema import Scenario
from drillsim.scenario.units import format_offset
from drillsim.text import xml_safe

NS = "urn:oasis:names:tc:emergency:cap:1.2"
DEFAULT_EPOCH = "2026-01-05T00:00:00+08:00"
DEFAULT_DOMAIN = "community.drill.invalid"
SEVERITIES = ("Extreme", "Severe", "Moderate", "Minor")
"""CAP severity of the plan's levels, most serious first; levels past the fourth are `Unknown`."""
CATEGORY = {"social_security": "Security", "public_security_criminal": "Security", "accidents_disasters": "Safety",
            "public_health": "Health", "natural_disasters": "Geo", "network_security": "Infra",
            "exam_security": "Security", "other": "Safety"}
"""CAP category of the built-in plan's categories; another plan's categories export as `Other`."""
CATEGORY_OF_EXAMPLE = {"fire_or_collapse": "Fire", "gas_leak": "CBRNE", "traffic_or_work_accident": "Transport",
                       "pollution": "Env", "flood": "Met"}
"""Examples whose CAP category is more specific than their drillsim category's."""
STEP_COLUMNS = ("replication", "incident", "step", "change", "served_by", "receiver", "channel", "finished",
                "delivered", "incomplete")
INCIDENT_COLUMNS = ("replication", "incident", "source", "category", "example", "description", "grid", "level",
                    "judged_level", "occurred")
"""The columns the messages are built from."""

CAP_LANGUAGES: dict[Language, str] = {"zh": "zh-CN", "en": "en-US"}
"""The RFC 3066 code a message's `<info>` gives for each language drillsim speaks."""

ET.register_namespace("", NS)  # CAP messages are written in the default namespace, as in the OASIS examples


class Run(Protocol):
    """What the messages are built from: a run's directory read as rows (drillsim.experiment.rundir.RunRows)."""

    scenario: Scenario
    summary: dict[str, object]
    steps_file: Path
    """Where the steps' rows were read, to name in a message about one of them."""

    def incidents(self, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
        """Each incident's row with the line it ends on, with at least these columns."""
        ...

    def steps(self, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
        """Each step instance's row with the line it ends on, with at least these columns."""
        ...


@dataclass(frozen=True, slots=True)
class Message:
    identifier: str
    sender: str
    sent: str
    msg_type: str
    xml: bytes


def parse_epoch(text: str) -> datetime:
    """An ISO datetime with its UTC offset (CAP times carry one), e.g. `2026-01-05T00:00:00+08:00`."""
    try:
        epoch = datetime.fromisoformat(text)
    except ValueError:
        raise DrillsimError(_("--epoch {value}: expected an ISO date and time such as {example}").format(
            value=repr(text), example=DEFAULT_EPOCH)) from None
    if epoch.tzinfo is None:
        raise DrillsimError(_("--epoch {value}: give the UTC offset too, e.g. {example}").format(
            value=repr(text), example=DEFAULT_EPOCH))
    return epoch


_HOST = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$",
                   re.IGNORECASE | re.ASCII)


def parse_domain(text: str) -> str:
    """A host name for ACTOR@DOMAIN: an empty one, an `@` or a space would make every sender malformed."""
    if not _HOST.match(text):
        raise DrillsimError(_("--domain {value}: not a domain name; expected one such as {example}").format(
            value=repr(text[:40]), example=DEFAULT_DOMAIN))
    return text


def _check_range(epoch: datetime, scenario: Scenario, summary: dict[str, object], replication: int | None) -> None:
    """An epoch whose drill runs past the year 9999, or a replication the run does not have, before any message."""
    try:
        epoch.astimezone(UTC)
        (epoch + timedelta(seconds=scenario.horizon)).astimezone(UTC)
    except OverflowError:
        raise DrillsimError(_("--epoch {value}: the drill's times from it fall outside the years 1-9999; expected an "
                              "epoch such as {example}").format(value=epoch.isoformat(),
                                                                example=DEFAULT_EPOCH)) from None
    count = summary.get("replications")
    if replication is not None and isinstance(count, int) and replication >= count:
        raise DrillsimError(_("--replication {value}: the run has replications 0 to {last}; expected one of "
                              "them").format(value=replication, last=count - 1))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "scenario"


def _int(value: str) -> int | None:
    return int(float(value)) if value not in ("", "nan", "<NA>") else None


def messages(run: Run, epoch: datetime, domain: str = DEFAULT_DOMAIN, replication: int | None = None, *,
             version: str, languages: tuple[Language, ...] | None = None) -> list[Message]:
    """The CAP messages of every report of a run (or of one replication), in the order they were sent.

    `version` is drillsim's, for each message's source: the caller's to give, since this room sits below the
    package that holds it. `languages`: an `<info>` block in each, in this order (default: the language in
    force); the alert's note is in the first.
    """
    languages = languages or (language(),)
    scenario, summary = run.scenario, run.summary
    _check_range(epoch, scenario, summary, replication)
    prefix = f"drillsim-{_slug(str(summary['scenario']))}-s{summary['seed']}"
    incidents = {(int(r["replication"]), int(r["incident"])): r for _, r in run.incidents(INCIDENT_COLUMNS)}
    steps: dict[tuple[int, int], list[dict[str, str]]] = {}
    order = {node.id: node.position for node in flow_of(scenario)}
    for line, row in run.steps(STEP_COLUMNS):
        _check_step(row, scenario, order, run.steps_file, line)
        steps.setdefault((int(row["replication"]), int(row["incident"])), []).append(row)
    levels = _change_levels(scenario, incidents)
    out = []
    for key in sorted(incidents):
        if replication is not None and key[0] != replication:
            continue
        rows = steps.get(key, [])
        history = _level_history(scenario, incidents[key], rows, levels.get(key))
        reports = sorted((r for r in rows if _int(r["delivered"]) is not None),
                         key=lambda r: (_int(r["finished"]) or 0, _int(r["delivered"]) or 0, order[r["step"]],
                                        int(r["change"])))
        earlier: list[Message] = []
        for row in reports:
            message = _message(scenario, prefix, epoch, domain, version, incidents[key], row, history, earlier,
                               languages)
            earlier.append(message)
            out.append(message)
    return out


def _check_step(row: dict[str, str], scenario: Scenario, order: dict[str, int], path: Path, line: int) -> None:
    """A step row names a step of the scenario's flow and its actors, and its times are numbers."""
    if row["step"] not in order:
        raise UnreadableFile(path, f"step: {row['step']!r} is not a step of the run's scenario.yaml", line)
    if row["served_by"] not in scenario.actors and row["delivered"]:
        raise UnreadableFile(path, f"served_by: {row['served_by']!r} is not an actor of the run's scenario.yaml",
                             line)
    for column in ("finished", "delivered"):
        try:
            _int(row[column])
        except ValueError:
            raise UnreadableFile(path, f"{column}: {row[column]!r} is not a time in seconds", line) from None


def _change_levels(scenario: Scenario,
                   incidents: dict[tuple[int, int], dict[str, str]]) -> dict[tuple[int, int], list[str]]:
    """The level each change brings, for scripted incidents (streamed changes keep the true level)."""
    scripted = drill_incidents(scenario, scripted=True)
    out: dict[tuple[int, int], list[str]] = {}
    by_replication: dict[int, list[tuple[int, int]]] = {}
    for key, row in incidents.items():
        if row["source"] in ("inject", "cascade"):
            by_replication.setdefault(key[0], []).append(key)
    for keys in by_replication.values():
        for key, incident in zip(sorted(keys), scripted, strict=False):
            out[key] = [change.level for change in incident.changes]
    return out


def _level_history(scenario: Scenario, incident: dict[str, str], rows: list[dict[str, str]],
                   change_levels: list[str] | None) -> list[tuple[int, str]]:
    flow = flow_of(scenario)
    history = []
    for row in rows:
        effect = flow[row["step"]].step.effect
        if effect == "judge_level" and _int(row["finished"]) is not None:
            history.append((_int(row["finished"]) or 0, incident["judged_level"]))
        elif effect == "apply_change" and _int(row["delivered"]) is not None:
            k = int(row["change"])
            level = change_levels[k] if change_levels and k < len(change_levels) else incident["level"]
            history.append((_int(row["delivered"]) or 0, level))
    return sorted(history)


def _level_at(incident: dict[str, str], history: list[tuple[int, str]], time: int) -> str:
    level = incident["level"]
    for when, value in history:
        if when <= time:
            level = value
    return level


def _severity(scenario: Scenario, level: str) -> str:
    order = scenario.level_order
    index = order.index(level) if level in order else len(SEVERITIES)
    return SEVERITIES[index] if index < len(SEVERITIES) else "Unknown"


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    """Every element of a message is made here, so scenario text reaches XML only through `xml_safe`."""
    element = ET.SubElement(parent, f"{{{NS}}}{tag}")
    if text is not None:
        element.text = xml_safe(text)
    return element


def _message(scenario: Scenario, prefix: str, epoch: datetime, domain: str, version: str,
             incident: dict[str, str], row: dict[str, str], history: list[tuple[int, str]],
             earlier: list[Message], languages: tuple[Language, ...]) -> Message:
    rep, number, shown = int(row["replication"]), int(row["incident"]), shown_change(int(row["change"]))
    sent_at = _int(row["finished"]) or 0

    def stamp(seconds: int) -> str:
        return (epoch + timedelta(seconds=seconds)).isoformat(timespec="seconds")

    identifier = f"{prefix}-r{rep}-i{number}-{row['step']}" + (f"-c{shown}" if shown is not None else "")
    sender = f"{row['served_by']}@{domain}"
    sent = stamp(sent_at)
    level = _level_at(incident, history, sent_at)
    receivers = row["receiver"].split("+")
    alert = ET.Element(f"{{{NS}}}alert")
    _sub(alert, "identifier", identifier)
    _sub(alert, "sender", sender)
    _sub(alert, "sent", sent)
    _sub(alert, "status", "Exercise")
    _sub(alert, "msgType", "Update" if earlier else "Alert")
    _sub(alert, "source", f"drillsim {version}")
    _sub(alert, "scope", "Private")
    _sub(alert, "addresses", " ".join(f"{r}@{domain}" for r in receivers))
    with speaking(languages[0]):
        _sub(alert, "note", _("EXERCISE. A simulated report of drillsim (scenario {scenario}, replication {rep}); no "
                              "real incident.").format(scenario=repr(scenario.name), rep=rep))
    if earlier:
        _sub(alert, "references", " ".join(f"{m.sender},{m.identifier},{m.sent}" for m in earlier))
    _sub(alert, "incidents", f"{prefix}-r{rep}-i{number}")
    for lang in languages:
        with speaking(lang):
            _info(_sub(alert, "info"), scenario, incident, row, level, stamp)
    ET.indent(alert)
    xml = ET.tostring(alert, encoding="UTF-8", xml_declaration=True)
    return Message(identifier, sender, sent, "Update" if earlier else "Alert", xml)


def _info(info: ET.Element, scenario: Scenario, incident: dict[str, str], row: dict[str, str], level: str,
          stamp: Callable[[int], str]) -> None:
    """A message's `<info>` block in the language in force: its code, and drillsim's words in that language."""
    rep, number, shown = int(row["replication"]), int(row["incident"]), shown_change(int(row["change"]))
    sent_at, received_at = _int(row["finished"]) or 0, _int(row["delivered"]) or 0
    occurred = _int(incident["occurred"]) or 0
    step = flow_of(scenario)[row["step"]].step
    category = scenario.categories.get(incident["category"])
    sender_title = title_of(scenario.actors[row["served_by"]])
    receiver_titles = ", ".join(title_of(scenario.actors[r]).lower() for r in row["receiver"].split("+")
                                if r in scenario.actors)
    examples = category.examples if category else {}
    event = example_of(scenario, incident["category"], incident["example"]) \
        if incident["example"] and incident["description"] == examples.get(incident["example"]) \
        else incident["description"]  # an example by its name in the language in force; a scripted text as written
    _sub(info, "language", CAP_LANGUAGES[language()])
    _sub(info, "category", CATEGORY_OF_EXAMPLE.get(incident["example"], CATEGORY.get(incident["category"], "Other")))
    _sub(info, "event", event)
    _sub(info, "urgency", "Immediate")
    _sub(info, "severity", _severity(scenario, level))
    _sub(info, "certainty", "Observed")
    _sub(info, "onset", stamp(occurred))
    _sub(info, "senderName", sender_title)
    title = title_of(step) or step.id
    title = f"{title[:1].upper()}{title[1:]}"
    _sub(info, "headline", _("{step} (change {change}): {incident}").format(
        step=title, change=shown, incident=event) if shown is not None
        else _("{step}: {incident}").format(step=title, incident=event))
    what = title_of(category) if category else incident["category"]
    description = (_("Incident {number} of simulated run {rep}: {incident} ({category}, {grid}), level {level} in "
                     "force.") if incident["grid"] else
                   _("Incident {number} of simulated run {rep}: {incident} ({category}), level {level} in force."))
    description = ("" if language() == "zh" else " ").join((  # Chinese sentences follow each other unspaced
        description.format(number=number, rep=rep, incident=event, category=what,
                           grid=incident["grid"], level=level),
        _("Occurred {occurred} drill time.").format(occurred=format_offset(occurred)),
        _("{sender} to {receivers}: sent {sent} over {channel}, received {received}.").format(
            sender=sender_title, receivers=receiver_titles, sent=format_offset(sent_at),
            channel=row["channel"] or _("no channel"), received=format_offset(received_at)),
        *([_("Core elements were missing: a follow-up round trip was needed.")] if row["incomplete"] == "True"
          else [])))
    _sub(info, "description", description)
    for name, value in (("replication", str(rep)), ("incident", str(number)), ("step", row["step"]),
                        ("change", str(shown) if shown is not None else ""), ("level", level),
                        ("channel", row["channel"]), ("received", stamp(received_at)),
                        ("incomplete", row["incomplete"])):
        if value:
            parameter = _sub(info, "parameter")
            _sub(parameter, "valueName", f"drillsim:{name}")
            _sub(parameter, "value", value)
    area = _sub(info, "area")
    _sub(area, "areaDesc", _("{grid} of the community").format(grid=incident["grid"]) if incident["grid"]
         else _("the community"))


def write(messages_: list[Message], out: Path) -> list[Path]:
    """One file per message, named by its identifier; the folder is replaced whole, never half-written."""
    staging: Path | None = None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
        for message in messages_:
            (staging / f"{message.identifier}.xml").write_bytes(message.xml)
        if out.is_dir() and not out.is_symlink():
            shutil.rmtree(out)
        elif out.exists() or out.is_symlink():
            raise UnwritableFile(out, "a file of that name is in the way of the folder of messages")
        staging.rename(out)
    except OSError as exc:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        raise UnwritableFile(out, write_reason(exc, out)) from None
    except BaseException:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        raise
    return [out / f"{message.identifier}.xml" for message in messages_]

