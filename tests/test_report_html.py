"""The HTML run report: made from a run's directory alone, self-contained, and every scenario text escaped."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from drillsim import api
from drillsim.cli import main
from drillsim.experiment.rundir import report_page as build
from drillsim.experiment.rundir import write_run
from drillsim.results import Results
from tests.helpers import CASES, ROOT, case

CASE = CASES / "night-one-grid-worker.yaml"


def images(html: str) -> list[bytes]:
    return [base64.b64decode(data) for data in re.findall(r'src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', html)]


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> tuple[Results, Path, str]:
    """The hand-computed case written as `run --out` writes it, without plots, and its report."""
    directory = tmp_path_factory.mktemp("run")
    results = api.run(api.load(CASE), seed=1)
    write_run(results, directory, 2.5)
    return results, directory, build(directory)


def test_report_of_a_directory_without_plots_draws_them_and_says_what_was_run(
        saved: tuple[Results, Path, str]) -> None:
    results, directory, html = saved
    svgs = images(html)
    assert len(svgs) == 5 and all(b"<svg" in svg for svg in svgs)
    text = re.sub(r"<[^>]+>", " ", html)
    assert "One grid worker, two incidents" in text
    assert "2 in all, 2.0 per replication" in text
    assert "office to the leadership group" in text and "50.0%" in text  # 1 of 2 met
    assert results.bottleneck()["sentence"].replace("'", "&#39;") in html
    assert "drillsim run scenario.yaml --seed 1 --replications 1" in text
    assert "2.5 s" in text and json.loads((directory / "provenance.json").read_text())["written"] in text
    assert "effective scenario" in text and "horizon: 1d" in text


def test_report_loads_nothing_from_anywhere_and_runs_no_script(saved: tuple[Results, Path, str]) -> None:
    html = saved[2]
    assert "<script" not in html.lower() and "<link" not in html.lower()
    assert not re.search(r'(src|href)="(?!data:)', html)
    assert "default-src 'none'" in html


def test_every_text_from_the_scenario_is_escaped(tmp_path: Path) -> None:
    name = "<script>alert(1)</script> & \"quotes\" $x$"
    scenario = case(f"""
        description: {json.dumps("<b onmouseover=alert(2)>description</b>")}
        injects:
          - {{at: "01:00", category: social_security, example: group_fight, level: III, grid: grid_1,
             description: {json.dumps("<img src=x onerror=alert(3)>")}}}
        """, name=json.dumps(name))
    write_run(api.run(scenario, replications=1), tmp_path)
    html = build(tmp_path)
    assert "<script>" not in html and "<b " not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;quotes&#34; $x$" in html
    assert "&lt;img src=x onerror=alert(3)&gt;" in html
    # In the plots too, the name is drawn as written (no mathtext), and the SVG is an image, never markup.
    assert all(b"<script" not in svg for svg in images(html))


def test_drillsim_report_and_run_report_write_the_page(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "run"
    done = runner.invoke(main, ["run", str(CASE), "--out", str(out), "--report", "-q"], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    names = {p.name for p in out.iterdir()}
    assert {"report.html", "hit-rates.png", "hit-rates.svg", "worst-incident.png", "time-to-report.svg"} <= names
    first = (out / "report.html").read_text()
    (out / "report.html").unlink()
    again = runner.invoke(main, ["report", str(out)], catch_exceptions=False)
    assert again.exit_code == 0 and again.stdout.strip() == str(out / "report.html")
    second = (out / "report.html").read_text()
    assert images(first) == images(second)  # the directory's own plots are embedded
    elsewhere = runner.invoke(main, ["report", str(out), "-o", str(tmp_path / "r.html")], catch_exceptions=False)
    assert elsewhere.exit_code == 0 and (tmp_path / "r.html").is_file()


@pytest.mark.parametrize(("args", "message"), [
    (["run", str(CASE), "--report"], "give --out DIR"),
    (["report", str(ROOT / "tests")], "missing summary.json"),
])
def test_report_without_a_run_directory_is_bad_input(args: list[str], message: str) -> None:
    done = CliRunner().invoke(main, args)
    assert done.exit_code == 2
    assert message in done.stderr


def test_staffing_tables_show_who_holds_each_role_the_people_and_the_teams(
        saved: tuple[Results, Path, str]) -> None:
    """The built-in plan's party secretary holds the leader's and the commander's roles, which have no anonymous
    staff; the command post is led by the commander and the social security group takes category "other"."""
    html = saved[2]

    def rows(heading: str) -> list[list[str]]:
        table = html[html.index(f"<h3>{heading}</h3>"):]
        table = table[:table.index("</table>")]
        return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
                for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)]

    staff = rows("Staff on duty")
    assert ["Leadership group leader", "", "-", "-", "-", "party_secretary"] in staff
    assert ["Deputy leader", "", "-", "-", "-", "committee_director"] in staff
    assert ["Department head", "", "4", "-", "-", "-"] in staff
    people = rows("People")
    assert ["community party secretary", "party_secretary", "holds leader, commander; on duty throughout"] in people
    teams = rows("Teams and working groups")
    assert ["On-site command post", "commander (party_secretary)", "deputy (committee_director)", "committee_member",
            "-"] in teams
    assert ["Social security group", "leader (party_secretary)", "deputy (committee_director)",
            "community_police, property_security, grid_worker", "Social security, Other"] in teams
