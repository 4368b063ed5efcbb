"""CAP 1.2 export: every message of every bundled scenario validated against the OASIS schema."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema
from click.testing import CliRunner

from drillsim import __version__, api
from drillsim.cli import main
from drillsim.exercise.cap import DEFAULT_DOMAIN, DEFAULT_EPOCH, NS, messages, parse_epoch
from drillsim.experiment.rundir import RunRows, write_run
from drillsim.scenario import load
from drillsim.scenario.errors import DrillsimError
from tests.helpers import DATA, ROOT, SCENARIOS

SHARED = ROOT.parent / "shared" / "schemas"
Q = f"{{{NS}}}"


@pytest.fixture(scope="module")
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(DATA / "CAP-v1.2.xsd"))


def test_the_schema_copy_is_the_shared_one() -> None:
    if not SHARED.is_dir():
        pytest.skip("no shared/ folder beside the clone")
    for name in ("CAP-v1.2.xsd", "cap-v1.2-example-amber-alert.xml"):
        assert (DATA / name).read_bytes() == (SHARED / name).read_bytes()


def test_the_validator_accepts_the_oasis_example_and_rejects_a_broken_message(schema: xmlschema.XMLSchema) -> None:
    example = (DATA / "cap-v1.2-example-amber-alert.xml").read_text(encoding="utf-8")
    schema.validate(example)
    for broken in (example.replace("<status>Actual</status>", "<status>Drill</status>"),
                   example.replace("2003-06-11T22:39:00-07:00", "2003-06-11T22:39:00"),
                   example.replace("<msgType>Alert</msgType>", "")):
        assert not schema.is_valid(broken)


def _run_dir(scenario_path: Path, tmp_path: Path, replications: int = 1) -> Path:
    results = api.run(load(scenario_path), replications=replications)
    write_run(results, tmp_path / "run")
    return tmp_path / "run"


def _qualified(path: str) -> str:
    return "/".join(Q + part for part in path.split("/"))


def _text(alert: ET.Element, path: str) -> str:
    found = alert.find(_qualified(path))
    assert found is not None and found.text is not None, path
    return found.text


def _parameter(alert: ET.Element, name: str) -> str:
    return next(_text(p, "value") for p in alert.iter(Q + "parameter") if _text(p, "valueName") == name)


@pytest.mark.parametrize("scenario_path", SCENARIOS, ids=lambda p: p.stem)
def test_every_report_of_every_bundled_scenario_is_a_valid_cap_message(scenario_path: Path, tmp_path: Path,
                                                                        schema: xmlschema.XMLSchema) -> None:
    import pandas as pd
    run = _run_dir(scenario_path, tmp_path)
    result = CliRunner().invoke(main, ["export", "cap", str(run)])
    assert result.exit_code == 0, result.output
    files = sorted((run / "cap").glob("*.xml"))
    steps = pd.read_csv(run / "steps.csv")
    reports = steps[steps["delivered"].notna()]
    assert len(files) == len(reports) > 0
    incidents = pd.read_csv(run / "incidents.csv").set_index("incident")
    assert f"{len(files)} CAP messages ({len(incidents)} alerts" in result.output
    scenario = load(run / "scenario.yaml")
    severity = dict(zip(scenario.level_order, ("Extreme", "Severe", "Moderate", "Minor"), strict=True))
    chains: dict[str, list[ET.Element]] = {}
    for path in files:
        schema.validate(str(path))
        alert = ET.parse(path).getroot()
        assert path.stem == _text(alert, "identifier")
        assert _text(alert, "status") == "Exercise" and _text(alert, "scope") == "Private"
        assert _text(alert, "info/severity") == severity[_parameter(alert, "drillsim:level")]
        chains.setdefault(_text(alert, "incidents"), []).append(alert)
    assert len(chains) == len(incidents)
    for chain in chains.values():
        (first,) = [a for a in chain if _text(a, "msgType") == "Alert"]
        later = [a for a in chain if a is not first]
        assert first.find(Q + "references") is None
        assert all(_text(a, "sent") >= _text(first, "sent") for a in later)
        for alert in later:
            assert _text(alert, "msgType") == "Update"
            refs = _text(alert, "references").split()
            assert refs[0] == ",".join((_text(first, "sender"), _text(first, "identifier"), _text(first, "sent")))
            assert len(refs) == len({r.split(",")[1] for r in refs})


def test_chain_of_one_incident_by_hand(tmp_path: Path) -> None:
    """The robbery at 02:00: its reports in the order sent, the first an Alert, the last referencing all."""
    run = _run_dir(ROOT / "scenarios" / "three-level-ii-in-ten-minutes.yaml", tmp_path)
    found = [m for m in messages(RunRows(run), parse_epoch(DEFAULT_EPOCH), version=__version__)
             if "-r0-i1-" in m.identifier]
    assert [m.msg_type for m in found] == ["Alert"] + ["Update"] * (len(found) - 1)
    assert found[0].identifier == "drillsim-three-level-ii-incidents-within-ten-minutes-s3-r0-i1-first_report"
    assert found[0].sender == f"discoverer@{DEFAULT_DOMAIN}"
    assert found[0].sent.startswith("2026-01-05T02:") and found[0].sent.endswith("+08:00")
    last = ET.fromstring(found[-1].xml)
    refs = _text(last, "references").split()
    assert [r.split(",")[1] for r in refs] == [m.identifier for m in found[:-1]]
    assert _text(last, "info/onset") == "2026-01-05T02:00:00+08:00"
    assert _text(last, "info/category") == "Security" and _text(last, "info/event") == \
        "serious theft or robbery with casualties or large losses"


def test_export_is_deterministic_and_follows_the_epoch(tmp_path: Path) -> None:
    run = _run_dir(ROOT / "scenarios" / "exam-day-leak-and-fire.yaml", tmp_path, replications=2)
    runner = CliRunner()
    assert runner.invoke(main, ["export", "cap", str(run), "--out", str(tmp_path / "a")]).exit_code == 0
    assert runner.invoke(main, ["export", "cap", str(run), "--out", str(tmp_path / "b")]).exit_code == 0
    a = {p.name: p.read_bytes() for p in (tmp_path / "a").iterdir()}
    assert a == {p.name: p.read_bytes() for p in (tmp_path / "b").iterdir()}
    # a step's name may hold "-r" too (run_command_post): the replication is the number between "-r" and "-i"
    assert {re.findall(r"-r(\d+)-i\d+-", name)[-1] for name in a} == {"0", "1"}
    shifted = runner.invoke(main, ["export", "cap", str(run), "--out", str(tmp_path / "c"), "--replication", "1",
                                   "--epoch", "2030-06-01T00:00:00+00:00", "--domain", "drill.example"])
    assert shifted.exit_code == 0, shifted.output
    one = sorted((tmp_path / "c").glob("*-r1-i1-first_report.xml"))[0]
    alert = ET.parse(one).getroot()
    assert _text(alert, "sent").startswith("2030-06-01T") and _text(alert, "sent").endswith("+00:00")
    assert _text(alert, "sender") == "discoverer@drill.example"
    assert all("-r1-" in p.name for p in (tmp_path / "c").iterdir())


def test_bad_input_is_reported_without_a_traceback(tmp_path: Path) -> None:
    runner = CliRunner()
    empty = tmp_path / "empty"
    empty.mkdir()
    result = runner.invoke(main, ["export", "cap", str(empty)])
    assert result.exit_code == 2
    assert "no steps.csv, incidents.csv, scenario.yaml, summary.json" in result.output
    with pytest.raises(DrillsimError, match="give the UTC offset"):
        parse_epoch("2026-01-05T00:00:00")
    run = _run_dir(ROOT / "scenarios" / "exam-day-leak-and-fire.yaml", tmp_path)
    result = runner.invoke(main, ["export", "cap", str(run), "--epoch", "Monday"])
    assert result.exit_code == 2 and "--epoch 'Monday': expected an ISO date and time" in result.output


def test_cli_defaults_are_the_documented_ones() -> None:
    result = CliRunner().invoke(main, ["export", "cap", "--help"])
    assert DEFAULT_EPOCH in result.output and DEFAULT_DOMAIN in result.output
