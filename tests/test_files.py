"""Reading a user's file: only regular files of a bounded size, refused at once otherwise."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from drillsim.files import UnreadableFile, read_bytes, read_text


def test_a_fifo_with_no_writer_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "log.csv"
    os.mkfifo(fifo)
    with pytest.raises(UnreadableFile, match="not a regular file"):
        read_text(fifo)


def test_a_device_that_never_ends_is_refused() -> None:
    with pytest.raises(UnreadableFile, match="not a regular file"):
        read_bytes("/dev/zero")


def test_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFile, match="is a directory"):
        read_text(tmp_path)


def test_a_missing_file_and_a_name_too_long_say_so(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFile, match="no such file"):
        read_text(tmp_path / "absent.yaml")
    with pytest.raises(UnreadableFile, match="too long"):
        read_text(tmp_path / ("x" * 300))


def test_a_file_over_the_limit_is_refused_and_one_at_the_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"a" * 1001)
    with pytest.raises(UnreadableFile, match="larger than the limit"):
        read_bytes(path, limit=1000)
    assert read_bytes(path, limit=1001) == b"a" * 1001


def test_a_byte_that_is_not_utf8_is_named_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_bytes("a,b\n成功,2\n".encode() + b"\xff,3\n")
    with pytest.raises(UnreadableFile) as caught:
        read_text(path, what="a drill log")
    assert caught.value.line == 3
    assert str(caught.value).startswith(f"{path}:3: not a UTF-8 text file")
    assert "expected a drill log" in str(caught.value)


def test_writing_over_a_fifo_or_a_directory_refuses_and_leaves_it_as_it_was(tmp_path: Path) -> None:
    from drillsim.files import UnwritableFile, atomic_write
    fifo, folder = tmp_path / "report.html", tmp_path / "summary.json"
    os.mkfifo(fifo)
    folder.mkdir()
    for path, says in ((fifo, "not a regular file"), (folder, "is a directory")):
        with pytest.raises(UnwritableFile, match=says):
            atomic_write(path, "x")
    assert stat.S_ISFIFO(fifo.stat().st_mode) and folder.is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html", "summary.json"]  # no temporary file left
    atomic_write(tmp_path / "plain.txt", "a")
    atomic_write(tmp_path / "plain.txt", "b")
    assert (tmp_path / "plain.txt").read_text() == "b"
