"""`drillsim check`: what the plan cannot keep, found without simulating."""

from __future__ import annotations

import re
import sys
import textwrap
from typing import Any

import click
from rich.cells import cell_len

from drillsim import i18n
from drillsim.cli import echo, load_scenario, main, roster_option, user_errors
from drillsim.cli.language import Command
from drillsim.i18n import N_, _, language, ngettext
from drillsim.limits import MAX_REPLICATIONS, MAX_SEED
from drillsim.scenario.names import scenario_name


class _WithKinds(Command):
    """The command's help ends with every kind of finding, read from the check only when help is asked for (each
    kind's sentence in the language in force)."""

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        from drillsim.experiment.plan_check import KINDS
        with formatter.section(N_("Kinds of finding")):
            formatter.write_dl([(kind, i18n.gettext(said)) for kind, said in KINDS.items()])


@main.command(cls=_WithKinds, help=N_(
    "What the plan of SCENARIO cannot keep: deadlines no incident can meet (or only when every step runs fast), "
    "deadlines that contradict each other, incidents without an upward deadline, steps nobody is on duty for, and "
    "the plan text the model does not simulate; each with its article and the plan's own words.\n\nStatic: nothing "
    "is simulated unless -n is given. Exit status 0 without findings, 1 with findings (the informational "
    "`not_simulated` ones alone do not count), 2 for bad input. With `--format json` the keys, kinds, subjects and "
    "figures are the same in every language; each finding's `message` is in the language in force."))
@click.argument("scenario", type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("-n", "--replications", type=click.IntRange(1, MAX_REPLICATIONS),
              help=N_("Also run this many replications (summaries only) and give each rule's simulated hit rate "
                      "beside its findings."))
@click.option("--seed", type=click.IntRange(0, MAX_SEED),
              help=N_("The seed of those replications (default: the scenario's)."))
@roster_option
def check(scenario: str, fmt: str, replications: int | None, seed: int | None) -> None:
    from drillsim.experiment.plan_check import as_data, counted
    from drillsim.experiment.plan_check import check as find
    with user_errors():
        loaded = load_scenario(scenario)
        findings = find(loaded, replications=replications, seed=seed)
    if fmt == "json":
        from drillsim.files import to_json
        echo(to_json({"scenario": loaded.name, "findings": [as_data(f) for f in findings],
                      "counted": counted(findings), "informational": len(findings) - counted(findings)}), nl=False)
    else:
        echo(render(scenario_name(loaded), findings))
    sys.exit(1 if counted(findings) else 0)


_WIDTH = 100


def render(name: str, findings: Any) -> str:
    """A heading with the counts, then each finding on a few lines: kind and subject, its sentence, the readings
    involved, the article with the plan's words."""
    from drillsim.experiment.plan_check import counted
    shown = counted(findings)
    lines = [ngettext("{name}: {count} finding", "{name}: {count} findings", shown).format(name=name, count=shown)
             + (_(", {count} informational").format(count=len(findings) - shown) if len(findings) > shown else "")]
    if not findings:
        lines.append(_("The plan keeps everything drillsim can check without simulating."))
    headed = False
    for finding in findings:
        if finding.informational and not headed:
            lines += ["", _("Informational: plan text the model does not simulate ({count})").format(
                count=len(findings) - shown)]
            headed = True
        lines += ["", f"{finding.kind}  {finding.heading or finding.subject}"]
        lines += _wrap(finding.message)
        if finding.readings:
            lines.append("  " + _("readings in force: {readings}").format(readings=", ".join(finding.readings)))
        if finding.resolved_by:
            lines.append("  " + _("goes away when read as: {readings}").format(readings=", ".join(finding.resolved_by)))
        for rule, rate in finding.hit_rates:
            lines.append("  " + _("simulated: {rule} met {rate} of the time").format(
                rule=rule, rate="-" if rate is None else f"{rate:.1%}"))
        texts = [" ".join(text.split()) for text in finding.text.splitlines() if text.strip()]
        if len(texts) == 1:
            lines.append(f"  {finding.article}{': ' if finding.article else ''}{texts[0]}")
        elif finding.article or texts:
            lines += [f"  {finding.article}{':' if texts else ''}", *(f"    {text}" for text in texts)]
    return "\n".join(lines)


def _wrap(text: str) -> list[str]:
    """A message in indented lines of at most _WIDTH terminal cells. Chinese breaks between any two characters but
    inside no Latin word or number (textwrap breaks only at spaces and counts characters, not cells)."""
    if language() != "zh":
        return textwrap.wrap(text, _WIDTH, initial_indent="  ", subsequent_indent="  ")
    lines, line = [], ""
    for piece in re.findall(r"[!-~]+|\s+|.", text):  # a run of Latin letters, digits, signs; spaces; one other
        if line and cell_len(line) + cell_len(piece) > _WIDTH - 2:
            lines.append(line.rstrip())
            line = "" if piece.isspace() else piece
        else:
            line += piece
    return [f"  {one}" for one in (*lines, line.rstrip()) if one]
