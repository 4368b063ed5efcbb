"""The drill log format: what it accepts, how it reports a malformed file, how the console writes it."""

from __future__ import annotations

from pathlib import Path

import pytest

from drillsim.exercise import drill_incidents
from drillsim.exercise import drilllog as drilllog_module
from drillsim.exercise.drilllog import COLUMNS, DrillLogError, DrillLogWriter, Entry, parse, read, replay
from drillsim.scenario import Scenario, load
from tests.helpers import ROOT, drillsim

EXAM = ROOT / "scenarios" / "exam-day-leak-and-fire.yaml"
HEADER = ",".join(COLUMNS) + "\n"


@pytest.fixture(scope="module")
def exam() -> Scenario:
    return load(EXAM)


def _parse(exam: Scenario, text: str) -> list[Entry]:
    return parse(text, "drill.csv", exam, drill_incidents(exam, scripted=True))


def _problems(exam: Scenario, text: str) -> list[str]:
    with pytest.raises(DrillLogError) as caught:
        _parse(exam, text)
    return str(caught.value).splitlines()


@pytest.mark.parametrize(("written", "seconds"), [
    ("0d 02:14", 2 * 3600 + 14 * 60), ("02:14", 2 * 3600 + 14 * 60), ("1d 02:14", 86400 + 2 * 3600 + 14 * 60),
    ("02:14:30", 2 * 3600 + 14 * 60 + 30), ("2h14m", 2 * 3600 + 14 * 60), ("26h", 26 * 3600)])
def test_time_syntax(exam: Scenario, written: str, seconds: int) -> None:
    (entry,) = _parse(exam, HEADER + f"{written},leak,,occurred,,\n")
    assert entry.time == seconds


def test_only_the_required_columns_in_any_order(exam: Scenario) -> None:
    entries = _parse(exam, "milestone,Time,incident\r\noccurred,09:30,leak\r\n\r\n# comment\r\noffice_received,"
                           "09:41,leak\r\n")
    assert [(e.milestone, e.time, e.line) for e in entries] == [("occurred", 34200, 2), ("office_received", 34860, 5)]


def test_corrections_and_withdrawals_replay_in_order(exam: Scenario) -> None:
    entries = _parse(exam, HEADER + "09:30,leak,,occurred,,\n09:50,leak,,office_received,,\n"
                                    "09:45,leak,,office_received,,corrected\n10:00,leak,,leadership_received,III,\n"
                                    ",leak,,leadership_received,,withdrawn\n10:20,leak,1,change,,\n")
    record = replay(entries)["leak"]
    assert record.reached == {"occurred": 34200, "office_received": 34200 + 15 * 60, "change#0": 37200}
    assert record.levels == {}


def test_every_problem_of_a_malformed_log_with_file_line_and_column(exam: Scenario) -> None:
    text = HEADER + (
        "# a comment\n"
        "0d 09:30,leak,,occurred,,\n"                       # line 3: fine
        "9:3x,leak,,office_received,,\n"                    # 4
        "09:40,leek,,office_received,,\n"                   # 5
        "09:41,leak,,verify,,\n"                            # 6
        "09:42,leak,,continuation_received,,\n"             # 7
        "09:43,leak,3,continuation_received,,\n"            # 8
        "09:44,leak,1,office_received,,\n"                  # 9
        "09:45,leak,,leadership_received,V,\n"              # 10
        "09:46,leak,,office_received,I,\n"                  # 11
        "09:20,fire,,office_received,,\n"                   # 12
        ",fire,,decided,,\n"                                # 13
        "09:50,fire,,decided,,a note, with a comma\n"       # 14
        "09:51,fire,,,,\n"                                  # 15
        "09:52,fire,x,change,,\n")                          # 16
    assert _problems(exam, text) == [
        "drill.csv:4: time: '9:3x' is not a drill time such as 0d 02:14, 02:14, 02:14:30 or 2h14m",
        "drill.csv:5: incident: unknown incident 'leek'; did you mean 'leak'? (expected one of: fire, leak)",
        "drill.csv:6: milestone: 'verify' is a step of the flow; write the milestone it reaches, 'office_received'",
        "drill.csv:7: change: 'continuation_received' belongs to a change: write the change's number (1 for the "
        "first)",
        "drill.csv:8: change: incident leak has 1 change in the MSEL, not 3",
        "drill.csv:9: change: 'office_received' is a milestone of the incident, not of a change; leave 'change' empty",
        "drill.csv:10: level: unknown level 'V'; did you mean 'IV'? (expected one of: I, II, III, IV)",
        "drill.csv:11: level: a level is recorded only with 'continuation_received' or 'leadership_received', not "
        "with 'office_received'",
        "drill.csv:12: time: 0d 09:20 is before incident fire occurred (0d 09:40)",
        "drill.csv:13: time: an empty time withdraws a record, but no earlier row records 'decided' of incident fire",
        "drill.csv:14: 7 cells, but the header names 6 columns (quote a note that contains a comma)",
        "drill.csv:15: milestone: missing: write a milestone of the plan's flow",
        "drill.csv:16: change: 'x' is not a change number (1 for the first change)",
    ]


@pytest.mark.parametrize(("text", "message"), [
    ("", "drill.csv: the drill log is empty; it needs the header time,incident,change,milestone,level,note"),
    ("time,incident\n", "drill.csv:1: header: missing the column 'milestone' (the header is "
                        "time,incident,change,milestone,level,note)"),
    ("time,incident,milestone,tmie\n", "drill.csv:1: header: unknown column 'tmie'; did you mean 'time'? "
                                       "(expected one of: change, elements, incident, level, milestone, note, time)"),
    ("time,incident,milestone,time\n", "drill.csv:1: header: column 'time' appears twice"),
])
def test_header_problems(exam: Scenario, text: str, message: str) -> None:
    assert _problems(exam, text) == [message]


def test_a_malformed_log_ends_with_status_2_and_no_traceback(tmp_path: Path) -> None:
    log = tmp_path / "drill.csv"
    log.write_text(HEADER + "0d 09:30,leak,,occurred,,\n09:40,leak,,offce_received,,\n", encoding="utf-8")
    result = drillsim("exercise", "evaluate", str(EXAM), str(log), "--scripted", "-n", "1")
    assert result.returncode == 2
    assert result.stderr.startswith(f"{log}:3: milestone: unknown milestone 'offce_received'; did you mean "
                                    "'office_received'? (expected one of: change, closed, ")
    assert len(result.stderr.splitlines()) == 1
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_unreadable_log(exam: Scenario, tmp_path: Path) -> None:
    with pytest.raises(DrillLogError, match="cannot read the drill log"):
        read(tmp_path / "missing.csv", exam, [])
    (tmp_path / "latin1.csv").write_bytes(HEADER.encode() + "09:30,leak,,occurred,,caf\xe9\n".encode("latin-1"))
    with pytest.raises(DrillLogError, match=r"latin1.csv:2: not a UTF-8 text file"):
        read(tmp_path / "latin1.csv", exam, [])


def test_writer_syncs_every_row_before_returning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[str] = []
    real_fsync = drilllog_module.os.fsync

    def fsync(fd: int) -> None:
        real_fsync(fd)
        synced.append((tmp_path / "drill.csv").read_text(encoding="utf-8"))

    monkeypatch.setattr(drilllog_module.os, "fsync", fsync)
    writer = DrillLogWriter(tmp_path / "drill.csv")
    writer.append(Entry(34200, "leak", "occurred", note="inject 1"))
    writer.append(Entry(None, "leak", "continuation_received", 1, note="withdrawn, with a comma"))
    # each row was on disk when its fsync ran, before append returned; the file is still open
    assert synced == [HEADER, HEADER + "0d 09:30,leak,,occurred,,inject 1\n",
                      HEADER + "0d 09:30,leak,,occurred,,inject 1\n,leak,1,continuation_received,,"
                               '"withdrawn, with a comma"\n']
    writer.close()


def test_writer_continues_an_existing_log_and_refuses_a_foreign_one(tmp_path: Path) -> None:
    log = tmp_path / "drill.csv"
    log.write_text(HEADER + "0d 09:30,leak,,occurred,,", encoding="utf-8")  # no final newline: a hand edit
    with DrillLogWriter(log) as writer:
        writer.append(Entry(34800, "fire", "occurred"))
    assert log.read_text(encoding="utf-8") == HEADER + "0d 09:30,leak,,occurred,,\n0d 09:40,fire,,occurred,,\n"
    other = tmp_path / "other.csv"
    other.write_text("when,what\n", encoding="utf-8")
    with pytest.raises(DrillLogError, match=r"other\.csv:1: header: the console continues only logs"):
        DrillLogWriter(other)
    assert other.read_text(encoding="utf-8") == "when,what\n"
