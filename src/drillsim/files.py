"""Reading the files a user names and writing drillsim's own: each failure a sentence, never a traceback.

A scenario, a plan or a drill log is a path the user typed, so it may be a
directory, a device that never ends (`/dev/zero`), a FIFO that nobody ever
writes to, or a file far larger than any real input. Each is refused at once
with a sentence, instead of a hang, a memory blow-up or a traceback.

Every file drillsim writes goes through `atomic_write` (nothing half-written
is ever left, and a path that cannot be written is named with the reason);
a directory a run writes into is held with `writing_directory`, so that two
runs cannot mix their files; and every CSV is written by `csv_text` or
`frame_csv` and read back by `csv_rows` or `read_frame`, in one dialect
(RFC 4180 quoting) with text cells neutralised against spreadsheet formulas;
every JSON file is written as `to_json` gives it.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

from drillsim.errors import DrillsimError
from drillsim.i18n import _

MAX_INPUT_BYTES = 16 * 1024 * 1024
"""The largest input file read: a real scenario or drill log is a few kilobytes."""


class UnreadableFile(DrillsimError):
    """A named input that is not a readable text file; `line` is set for a decoding error."""

    def __init__(self, path: str | Path, reason: str, line: int | None = None) -> None:
        self.path, self.reason, self.line = str(path), reason, line
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {reason}")


def _words(exc: OSError) -> str:
    """What an OSError means, in the words of a message about the file, read or written."""
    words = {
        errno.EACCES: _("permission denied"), errno.EPERM: _("permission denied"),
        errno.EROFS: _("the file system is read-only"),
        errno.ENAMETOOLONG: _("the file name is too long for the file system"),
        errno.ENOSPC: _("no space left on the device"), errno.EDQUOT: _("no space left on the device"),
        errno.EISDIR: _("is a directory; expected a file"),
        errno.ELOOP: _("too many levels of symbolic links"),
    }
    return words.get(exc.errno or 0) or str(exc.strerror or exc)


def _open_reason(exc: OSError) -> str:
    if exc.errno == errno.ENOENT:
        return _("no such file")
    if exc.errno in (errno.EISDIR, errno.ENAMETOOLONG):
        return _words(exc)
    return _("cannot be read: {reason}").format(reason=_words(exc))


def _too_large(limit: int) -> str:
    return _("is larger than the limit of {size} MiB for an input file").format(size=f"{limit / (1024 * 1024):g}")


def read_bytes(path: str | Path, *, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; anything else raises UnreadableFile.

    The file is opened without blocking, so that a FIFO with no writer is
    refused at once instead of waiting forever, and read at most one byte
    past the limit, so that a file growing while it is read is refused too.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise UnreadableFile(path, _open_reason(exc)) from None
    except ValueError:  # a NUL in the name, from a path written inside a file: no file has such a name
        raise UnreadableFile(str(path).replace("\0", "\\0"), _("no such file (the name contains a NUL byte)")) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise UnreadableFile(path, _("is a directory; expected a file"))
        if not stat.S_ISREG(info.st_mode):
            raise UnreadableFile(path, _("is not a regular file (a device, FIFO or socket); expected a file"))
        if info.st_size > limit:
            raise UnreadableFile(path, _too_large(limit))
        chunks, size = [], 0
        while size <= limit and (chunk := os.read(fd, min(1 << 20, limit + 1 - size))):
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise UnreadableFile(path, _open_reason(exc)) from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:
        raise UnreadableFile(path, _too_large(limit))
    return data


def read_text(path: str | Path, *, what: str | None = None, limit: int = MAX_INPUT_BYTES) -> str:
    """A regular file's text, decoded as UTF-8; a byte that is not UTF-8, or a NUL, is named with its line.

    `what` says what the file should have been, for the message (`YAML text`, `a drill log`).
    A NUL is valid UTF-8 but never text: a binary or zero-filled file is refused
    here, not blamed on its first YAML token or CSV header.
    """
    data = read_bytes(path, limit=limit)
    expected = what if what is not None else _("text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise UnreadableFile(path, _("not a UTF-8 text file ({reason} at byte {byte}); expected {what}").format(
            reason=exc.reason, byte=exc.start, what=expected), line) from None
    if (nul := data.find(b"\0")) >= 0:
        raise UnreadableFile(path, _("not a text file (a NUL byte at byte {byte}); expected {what}").format(
            byte=nul, what=expected), data[:nul].count(b"\n") + 1)
    return text


# --- writing ---------------------------------------------------------------------------------------------------

TEMP_SUFFIX = ".drillsim-partial"
"""The end of the name of a file `atomic_write` has not finished: `.summary.json.k3j9x0ab.drillsim-partial`."""
_TEMP = re.compile(r"^\.(?P<name>.+)\.[a-z0-9_]{8}(?P<own>" + re.escape(TEMP_SUFFIX) + ")?$")
LOCK_NAME = ".drillsim.lock"


class UnwritableFile(DrillsimError):
    """An output path that cannot be written, with the reason (permission, read-only, name too long...)."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path, self.reason = str(path), reason
        super().__init__(_("{path}: cannot be written: {reason}").format(path=path, reason=reason))


class DirectoryBusy(DrillsimError):
    """An output directory another drillsim run is writing into at this moment."""


def _blocking_file(path: Path) -> Path | None:
    """The first part of `path` that exists and is not a directory (why a directory cannot be made there)."""
    for part in reversed([path, *path.parents]):
        if part.exists() and not part.is_dir():
            return part
        if not part.exists():
            return None
    return None


def write_reason(exc: OSError, path: Path) -> str:
    """Why `path` could not be written, in words (naming the file in the way of a directory)."""
    if exc.errno in (errno.ENOTDIR, errno.EEXIST):
        blocker = _blocking_file(path)
        if blocker == path:
            return _("is a file, not a directory")
        if blocker is None:
            return _("a part of the path is a file, not a directory")
        return _("{path} is a file, not a directory").format(path=blocker)
    return _words(exc)


def ensure_directory(directory: Path) -> Path:
    """Make `directory` (and its parents) if needed; a path that cannot be one raises UnwritableFile."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UnwritableFile(directory, write_reason(exc, directory)) from None
    return directory


def _file_mode() -> int:
    """The mode a plain `open` would give a new file (mkstemp's own is private to the owner)."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write to a temporary file beside `path`, then rename it into place: `path` is whole or untouched.

    A path that cannot be written raises UnwritableFile naming it and why;
    the temporary file is removed on every failure (a killed process leaves
    it behind, and `writing_directory` removes it on the next run). What a
    user left at `path` that is not a regular file (a FIFO, a device, a
    directory) is refused, not silently replaced by the new file.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    tmp: str | None = None
    try:
        mode = path.stat().st_mode if path.exists() else None
        if mode is not None and not stat.S_ISREG(mode):
            raise UnwritableFile(path, _("is a directory; expected a file to write or replace") if stat.S_ISDIR(mode)
                                 else _("is not a regular file (a FIFO, device or socket); expected a file to write "
                                        "or replace"))
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
        os.fchmod(fd, _file_mode())
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise UnwritableFile(path, write_reason(exc, path)) from None
    except BaseException:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise


def remove_stale_temporaries(directory: Path, known: Iterable[str] | Callable[[str], bool] = ()) -> list[Path]:
    """Remove the temporary files killed runs left in `directory`; only drillsim's own names.

    A name is drillsim's when it ends with TEMP_SUFFIX, or (as earlier
    versions named them) is `.NAME.XXXXXXXX` for a NAME `known` holds (or accepts).
    """
    ours = known if callable(known) else set(known).__contains__
    removed = []
    try:
        entries = list(os.scandir(directory))
    except FileNotFoundError:
        return []
    for entry in entries:
        match = _TEMP.match(entry.name)
        if match is None or not (match["own"] or ours(match["name"])):
            continue
        if entry.is_file(follow_symlinks=False):
            Path(entry.path).unlink(missing_ok=True)
            removed.append(Path(entry.path))
    return removed


def _holder(fd: int) -> str:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return "?"
    return text if text.isdigit() else "?"


def _acquire(directory: Path) -> int:
    """An open descriptor of the directory's lock file, locked (flock, exclusive); refused if another run holds it.

    The lock file is removed on release; a run that opened the old file before
    its removal sees that the name now refers to another file and tries again.
    """
    import fcntl
    lock = directory / LOCK_NAME
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0),
                         0o644)
        except OSError as exc:
            raise UnwritableFile(directory, write_reason(exc, lock)) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _holder(fd)
            os.close(fd)
            raise DirectoryBusy(_("{directory} is being written by another drillsim run (pid {pid}); wait for it to "
                                  "finish, or write to another directory").format(directory=directory,
                                                                                  pid=pid)) from None
        try:
            current = os.stat(lock)
            opened = os.fstat(fd)
            if (current.st_dev, current.st_ino) == (opened.st_dev, opened.st_ino):
                os.ftruncate(fd, 0)
                os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
                return fd
        except FileNotFoundError:
            pass
        os.close(fd)


@contextmanager
def writing_directory(directory: Path, known: Iterable[str] | Callable[[str], bool] = ()) -> Iterator[Path]:
    """Hold `directory` for one run's writing: made if needed, locked, cleared of stale temporary files.

    A second run into the same directory is refused at once (DirectoryBusy);
    the lock goes with the process, so a killed run never blocks the next one.
    Making the directory and its lock file first also finds an unwritable
    path before any simulating is done.
    """
    ensure_directory(directory)
    fd = _acquire(directory)
    try:
        remove_stale_temporaries(directory, known)
        yield directory
    finally:
        (directory / LOCK_NAME).unlink(missing_ok=True)
        os.close(fd)


# --- JSON -----------------------------------------------------------------------------------------------------

def to_json(data: object) -> str:
    """JSON as every file drillsim writes holds it: indented, text as it is (not \\u-escaped), one final newline;
    a value JSON has no type for (a path, a time) as its str."""
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False, default=str) + "\n"


# --- CSV ------------------------------------------------------------------------------------------------------

FORMULA_STARTS = frozenset("=+-@\t\r")
"""What a spreadsheet reads as the start of a formula (OWASP's list): a text cell beginning so is neutralised."""
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_QUOTE_WHEN = re.compile(r'[,"\r\n]')


def neutralise(text: str) -> str:
    """A text cell a spreadsheet will not run: one starting with FORMULA_STARTS gets a leading `'`.

    Cells already starting with quotes before such a character get one more,
    so `restore` undoes exactly this; a plain number (`-3`, `+1.5`) is left as
    it is, since a spreadsheet reads it as the number it is, not a formula.
    """
    if text.lstrip("'")[:1] in FORMULA_STARTS and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def restore(text: str) -> str:
    """The text `neutralise` was given."""
    if text[:1] == "'" and text.lstrip("'")[:1] in FORMULA_STARTS and not _NUMBER.fullmatch(text[1:]):
        return text[1:]
    return text


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value) or type(value).__name__ in (
        "NAType", "NaTType")


def csv_cell(value: object) -> str:
    """One cell as CSV: empty for a missing value, text neutralised, quoted per RFC 4180 when it must be.

    A field with a comma, a quote, a CR or an LF is quoted and its quotes
    doubled (Python's csv writer leaves a lone CR unquoted, which breaks the row).
    A NUL (a YAML "\\0" in scenario text) is written as `\\u0000`: `read_text` refuses
    a file holding one, and drillsim's readers must read every file drillsim writes.
    """
    if _missing(value):
        return ""
    if isinstance(value, str):
        text = neutralise(value).replace("\0", "\\u0000")
        return f'"{text.replace(chr(34), chr(34) * 2)}"' if _QUOTE_WHEN.search(text) else text
    return str(value)


def _lines(rows: Iterable[Iterable[str]]) -> str:
    return "".join(",".join(row) + "\n" for row in rows)


def csv_text(rows: Iterable[Sequence[object]], header: Sequence[str] | None = None) -> str:
    """Rows (and a header first, if given) as CSV text, one line each ending in LF, every cell by `csv_cell`."""
    head = [] if header is None else [map(csv_cell, header)]
    return _lines([*head, *(map(csv_cell, row) for row in rows)])


def frame_csv(frame: pd.DataFrame) -> str:
    """A frame as `csv_text` writes it, numbers written as pandas writes them (floats shortest, NaN empty).

    Plain numeric columns are formatted a column at a time (they need no
    quoting and are never neutralised); every other cell goes through `csv_cell`.
    """
    import numpy as np
    columns = []
    for name in frame.columns:
        column = frame[name]
        if isinstance(column.dtype, np.dtype) and column.dtype.kind in "iubf":
            values = column.to_numpy()
            text = values.astype(str)
            if column.dtype.kind == "f":
                text[values != values] = ""
            columns.append(text.tolist())
        else:
            columns.append([csv_cell(value) for value in column.astype(object).tolist()])
    header = [csv_cell(str(name)) for name in frame.columns]
    return _lines([header, *zip(*columns, strict=True)])


def csv_rows(text: str, file: str | Path) -> Iterator[tuple[int, list[str]]]:
    """Each row of CSV text with the line it ends on, cells restored; a malformed row raises UnreadableFile.

    Any field fits (up to the size of the text, itself capped by the reader),
    not only the csv module's default 128 KiB.
    """
    reader = csv.reader(io.StringIO(text), strict=False)
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, len(text) + 1))
    try:
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise UnreadableFile(file, _("not CSV text as drillsim reads it ({problem})").format(problem=exc),
                                     reader.line_num) from None
            yield reader.line_num, [restore(cell) for cell in cells]
    finally:
        csv.field_size_limit(limit)


def read_frame(path: Path, *, limit: int = MAX_INPUT_BYTES, what: str | None = None) -> pd.DataFrame:
    """A CSV file drillsim wrote, as a frame: read safely (read_text), empty cells missing, text restored.

    drillsim ends every line, so a file whose last line has no end was cut short.
    """
    import pandas as pd
    expected = what if what is not None else _("a CSV table")
    text = read_text(path, what=expected, limit=limit)
    if text and not text.endswith("\n"):
        raise UnreadableFile(path, _("cut short: the last line has no end; expected {what}").format(what=expected),
                             text.count("\n") + 1)
    try:
        frame = pd.read_csv(io.StringIO(text), keep_default_na=False, na_values=[""])
    except pd.errors.EmptyDataError:
        raise UnreadableFile(path, _("is empty; expected {what}").format(what=expected)) from None
    except (pd.errors.ParserError, ValueError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UnreadableFile(path, _("is not {what} ({reason})").format(what=expected, reason=reason)) from None
    frame.columns = [restore(str(c)) for c in frame.columns]
    for name in frame.columns:
        if frame[name].dtype == object or pd.api.types.is_string_dtype(frame[name].dtype):
            frame[name] = frame[name].map(lambda v: restore(v) if isinstance(v, str) else v)
    return frame


__all__ = ["FORMULA_STARTS", "LOCK_NAME", "MAX_INPUT_BYTES", "TEMP_SUFFIX", "DirectoryBusy", "UnreadableFile",
           "UnwritableFile", "atomic_write", "csv_cell", "csv_rows", "csv_text", "ensure_directory", "frame_csv",
           "neutralise", "read_bytes", "read_frame", "read_text", "remove_stale_temporaries", "restore",
           "write_reason", "writing_directory"]
