"""Outputs that cannot be written, two runs into one directory, broken run directories, repeatable bytes.

Each failure ends in one line naming the path and the reason, exit status 2,
with nothing half-written left behind. These tests run as root in CI, and
root ignores permission bits: a path under a file (ENOTDIR) and a name too
long (ENAMETOOLONG) are real conditions; permission denied and a read-only
file system are made by monkeypatching the call that would meet them
(tempfile.mkstemp, os.replace, os.open) to raise that errno; a real read-only
file system is a read-only bind mount in a private mount namespace where
unshare can make one (skipped elsewhere).
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from drillsim import api
from drillsim.cli import main
from drillsim.exercise import drill_incidents
from drillsim.exercise.drilllog import DrillLogError, DrillLogWriter, read
from drillsim.experiment.rundir import write_run
from drillsim.files import LOCK_NAME, TEMP_SUFFIX, UnwritableFile, atomic_write
from drillsim.scenario import load
from tests.helpers import CASES

CASE = CASES / "night-one-grid-worker.yaml"
TOO_LONG = "x" * 300


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _one_line_error(result: Result, *parts: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    for part in parts:
        assert part in lines[0], (part, lines[0])


def _leftovers(root: Path) -> list[Path]:
    return [p for p in root.rglob(".*") if TEMP_SUFFIX in p.name or p.name == LOCK_NAME]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run") / "run"
    write_run(api.run(load(CASE), replications=1), out)
    return out


# --- outputs that cannot be written ---------------------------------------------------------------------------


@pytest.mark.parametrize("command", [
    ["run", str(CASE), "-n", "1", "--out", "{blocked}"],
    ["sweep", str(CASE), "--vary", "staffing.office.staff=1,2", "-n", "2", "--out", "{blocked}"],
    ["exercise", "msel", str(CASE), "--scripted", "--out", "{blocked}"],
    ["report", "{run}", "-o", "{blocked}/report.html"],
    ["export", "cap", "{run}", "-o", "{blocked}"],
    ["exercise", "run", str(CASE), "--scripted", "--log", "{blocked}/drill-log.csv"],
])
@pytest.mark.parametrize("kind", ["under a file", "name too long"])
def test_an_unwritable_output_path_is_one_line_exit_2(command: list[str], kind: str, tmp_path: Path,
                                                       run_dir: Path) -> None:
    (tmp_path / "plain-file").write_text("not a directory\n", encoding="utf-8")
    blocked = tmp_path / "plain-file" / "out" if kind == "under a file" else tmp_path / TOO_LONG
    args = [a.replace("{blocked}", str(blocked)).replace("{run}", str(run_dir)) for a in command]
    result = invoke(*args)
    reason = "plain-file is a file, not a directory" if kind == "under a file" else "too long for the file system"
    _one_line_error(result, "cannot be written", reason, str(blocked))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plain-file"]
    assert not _leftovers(run_dir)


@pytest.mark.parametrize(("code", "reason"), [(errno.EACCES, "permission denied"),
                                              (errno.EROFS, "the file system is read-only"),
                                              (errno.ENOSPC, "no space left on the device")])
def test_permission_and_read_only_are_named(code: int, reason: str, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Root writes anywhere, so the errno is raised where the file is created (mkstemp) or replaced."""
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(UnwritableFile, match=f"^{re.escape(str(tmp_path / 'a.txt'))}: cannot be written: {reason}$"):
        atomic_write(tmp_path / "a.txt", "x")
    monkeypatch.undo()
    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(UnwritableFile, match=reason):
        atomic_write(tmp_path / "b.txt", "x")
    assert list(tmp_path.iterdir()) == []  # the temporary file went with the failure


def test_a_real_read_only_file_system(tmp_path: Path) -> None:
    """A read-only bind mount in a private mount namespace (unshare -m; nothing outside it sees the mount)."""
    if shutil.which("unshare") is None or subprocess.run(["unshare", "-m", "--propagation", "private", "true"],
                                                         capture_output=True, check=False).returncode != 0:
        pytest.skip("no private mount namespace here (unshare -m needs CAP_SYS_ADMIN)")
    (tmp_path / "ro").mkdir()
    out = tmp_path / "ro" / "out"
    script = (f'mount --bind -o ro "{tmp_path / "ro"}" "{tmp_path / "ro"}" || exit 99\n'
              f'exec "{sys.executable}" -m drillsim.cli run "{CASE}" -n 1 --out "{out}"\n')
    done = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script], capture_output=True,
                          text=True, check=False, timeout=120)
    if done.returncode == 99:
        pytest.skip("cannot bind-mount read-only here")
    assert done.returncode == 2 and done.stderr.strip() == f"{out}: cannot be written: the file system is read-only"
    assert list((tmp_path / "ro").iterdir()) == []


def test_a_read_only_run_directory_fails_before_simulating(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_open = os.open

    def read_only(path: object, flags: int, *args: object) -> int:
        if str(path).endswith(LOCK_NAME):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS))
        return real_open(path, flags, *args)  # type: ignore[arg-type]

    ran: list[object] = []
    monkeypatch.setattr(os, "open", read_only)
    monkeypatch.setattr(api, "run", lambda *a, **k: ran.append(a))
    _one_line_error(invoke("run", str(CASE), "--out", str(tmp_path / "out")), str(tmp_path / "out"),
                    "read-only")
    assert ran == []


# --- two runs into one directory, and what a killed run leaves -----------------------------------------------


def _hold(directory: Path) -> subprocess.Popen[str]:
    """Another process holding the directory the way a run does, until its stdin closes."""
    code = ("import sys; from pathlib import Path; from drillsim.files import writing_directory\n"
            f"with writing_directory(Path({str(directory)!r})):\n"
            "    print('held', flush=True); sys.stdin.read()\n")
    holder = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


def test_a_second_run_into_the_same_directory_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    holder = _hold(out)
    try:
        busy = f"{out} is being written by another drillsim run (pid {holder.pid})"
        _one_line_error(invoke("run", str(CASE), "-n", "1", "--out", str(out)), busy)
        _one_line_error(invoke("sweep", str(CASE), "--vary", "staffing.office.staff=1,2", "-n", "2", "--out",
                               str(out)), busy)
        _one_line_error(invoke("report", str(out)), busy)  # what they write goes into the run's directory
        _one_line_error(invoke("export", "cap", str(out)), busy)
        assert sorted(p.name for p in out.iterdir()) == [LOCK_NAME]
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=10)
    assert not (out / LOCK_NAME).exists()
    assert invoke("run", str(CASE), "-n", "1", "--keep", "summary", "--out", str(out)).exit_code == 0
    assert (out / "summary.json").is_file() and not (out / LOCK_NAME).exists()


def test_a_sweep_resumes_after_its_lock_is_released(tmp_path: Path) -> None:
    args = ["sweep", str(CASE), "--vary", "staffing.office.staff=1,2", "-n", "2", "--out", str(tmp_path / "s")]
    first = invoke(*args)
    assert first.exit_code == 0, first.output
    again = invoke(*args, "--resume")
    assert again.exit_code == 0 and again.output == first.output
    assert not (tmp_path / "s" / LOCK_NAME).exists()


def test_stale_temporary_files_are_removed_and_nothing_else(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "points").mkdir(parents=True)
    stale = [out / f".summary.json.k3j9x0ab{TEMP_SUFFIX}", out / ".events.csv.a1b2c3d4",
             out / "points" / ".0001.json.zz99yy88"]
    foreign = [out / ".bashrc.12345678", out / ".events.csv.notmine-too-long", out / "notes.txt",
               out / "points" / ".notes.txt.a1b2c3d4"]
    for path in [*stale, *foreign]:
        path.write_text("left behind\n", encoding="utf-8")
    assert invoke("run", str(CASE), "-n", "1", "--keep", "summary", "--out", str(out)).exit_code == 0
    assert [p for p in stale if p.exists()] == [out / "points" / ".0001.json.zz99yy88"]  # a run leaves points be
    assert all(p.exists() for p in foreign)
    sweep = invoke("sweep", str(CASE), "--vary", "staffing.office.staff=1", "-n", "2", "--out", str(out / "s"))
    assert sweep.exit_code == 0
    (out / "s" / "points" / ".0000.json.q1w2e3r4").write_text("{", encoding="utf-8")
    assert invoke("sweep", str(CASE), "--vary", "staffing.office.staff=1", "-n", "2", "--out", str(out / "s"),
                  "--resume").exit_code == 0
    assert not (out / "s" / "points" / ".0000.json.q1w2e3r4").exists()
    assert all(p.exists() for p in foreign)


# --- a run directory truncated or of the wrong shape ---------------------------------------------------------


def _broken(run_dir: Path, tmp_path: Path, name: str, how: str) -> Path:
    copy = tmp_path / "broken"
    copy.mkdir()
    for path in run_dir.iterdir():
        if path.is_file() and not path.name.endswith((".png", ".svg")):
            (copy / path.name).write_bytes(path.read_bytes())
    target = copy / name
    text = target.read_text(encoding="utf-8")
    if how == "truncated":
        target.write_text(text[: len(text) // 2], encoding="utf-8")
    elif how == "column missing":
        lines = [",".join(line.split(",")[:4]) for line in text.splitlines()]
        target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    elif how == "invalid":
        target.write_text("name: [unclosed\n", encoding="utf-8")
    elif how == "directory":
        target.unlink()
        target.mkdir()
    elif how == "fifo":
        target.unlink()
        os.mkfifo(target)
    elif how == "not an object":
        target.write_text("[1, 2]\n", encoding="utf-8")
    return copy


BROKEN = [("summary.json", "truncated", "not valid JSON"), ("summary.json", "not an object", "not a JSON object"),
          ("provenance.json", "truncated", "not valid JSON"), ("steps.csv", "column missing", "no column"),
          ("incidents.csv", "column missing", "no column"), ("scenario.yaml", "invalid", "YAML"),
          ("steps.csv", "directory", "directory"), ("incidents.csv", "fifo", "not a regular file"),
          ("summary.json", "fifo", "not a regular file"), ("steps.csv", "truncated", "steps.csv")]


BROKEN_FOR = [(command, *case) for command in ("report", "export") for case in BROKEN
              if not (command == "export" and case[0] == "provenance.json")]
"""`export cap` reads every file of a run but the provenance."""


@pytest.mark.parametrize(("command", "name", "how", "says"), BROKEN_FOR,
                         ids=[f"{c}-{n}-{h}" for c, n, h, _ in BROKEN_FOR])
def test_a_broken_run_directory_is_one_line_naming_the_file(name: str, how: str, says: str, command: str,
                                                            run_dir: Path, tmp_path: Path) -> None:
    broken = _broken(run_dir, tmp_path, name, how)
    args = ["report", str(broken)] if command == "report" else ["export", "cap", str(broken)]
    started = time.perf_counter()
    result = invoke(*args)
    assert time.perf_counter() - started < 20
    if how == "truncated" and name == "steps.csv" and result.exit_code == 0:
        pytest.fail("a cut steps.csv was read as if whole")
    _one_line_error(result, str(broken / name), says)
    assert not (broken / "report.html").exists() and not (broken / "cap").exists()


# --- drill logs -----------------------------------------------------------------------------------------------


def test_drill_log_fifo_long_field_and_writer(tmp_path: Path) -> None:
    scenario = load(CASE)
    incidents = drill_incidents(scenario, scripted=True)
    fifo = tmp_path / "log.csv"
    os.mkfifo(fifo)
    started = time.perf_counter()
    with pytest.raises(DrillLogError, match="not a regular file"):
        read(fifo, scenario, incidents)
    with pytest.raises(DrillLogError, match="not a regular file"):
        DrillLogWriter(fifo)
    assert time.perf_counter() - started < 2
    long_note = "n" * 200_000  # past the csv module's default field limit of 131072
    log = tmp_path / "long.csv"
    log.write_text(f"time,incident,change,milestone,level,note\n01:00,{incidents[0].id},,occurred,,{long_note}\n",
                   encoding="utf-8")
    assert read(log, scenario, incidents)[0].note == long_note
    with DrillLogWriter(log) as writer:  # the writer reads the existing log the same way
        assert writer.path == log


# --- the same seed, the same bytes ----------------------------------------------------------------------------


def test_two_runs_in_fresh_processes_write_the_same_bytes(tmp_path: Path) -> None:
    """Every file of `run --out --report`, provenance's `written` and `elapsed_seconds` (and where shown) aside."""
    code = "import sys; from drillsim.cli import main; sys.exit(main())"
    runs = [subprocess.Popen([sys.executable, "-c", code, "run", str(CASE), "-n", "1", "--out", str(tmp_path / name),
                              "--report"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            for name in ("a", "b")]
    for process in runs:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "b").iterdir())
    assert {"report.html", "hit-rates.svg", "hit-rates.png", "summary.json", "events.csv"} <= set(names)

    def masked(path: Path) -> bytes:
        data = path.read_bytes()
        written = json.loads((path.parent / "provenance.json").read_text(encoding="utf-8"))["written"]
        if path.name in ("provenance.json", "report.html"):
            data = data.replace(written.encode(), b"WRITTEN")
            data = re.sub(rb'"elapsed_seconds": [0-9.]+', b'"elapsed_seconds": -', data)
            data = re.sub(rb"<dt>Run time</dt><dd>[^<]*</dd>", b"", data)
        return data

    differ = [n for n in names if masked(tmp_path / "a" / n) != masked(tmp_path / "b" / n)]
    assert differ == []
