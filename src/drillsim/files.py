"""Reading the files a user names: only regular files, of a bounded size, as UTF-8 text.

A scenario, a plan or a drill log is a path the user typed, so it may be a
directory, a device that never ends (`/dev/zero`), a FIFO that nobody ever
writes to, or a file far larger than any real input. Each is refused at once
with a sentence, instead of a hang, a memory blow-up or a traceback.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from drillsim.scenario.errors import DrillsimError

MAX_INPUT_BYTES = 16 * 1024 * 1024
"""The largest input file read: a real scenario or drill log is a few kilobytes."""


class UnreadableFile(DrillsimError):
    """A named input that is not a readable text file; `line` is set for a decoding error."""

    def __init__(self, path: str | Path, reason: str, line: int | None = None) -> None:
        self.path, self.reason, self.line = str(path), reason, line
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {reason}")


def _open_reason(exc: OSError) -> str:
    if exc.errno == errno.ENOENT:
        return "no such file"
    if exc.errno == errno.EISDIR:
        return "is a directory; expected a file"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "cannot be read: permission denied"
    if exc.errno == errno.ENAMETOOLONG:
        return "the file name is too long for the file system"
    if exc.errno == errno.ELOOP:
        return "cannot be read: too many levels of symbolic links"
    return f"cannot be read: {exc.strerror or exc}"


def _too_large(limit: int) -> str:
    return f"is larger than the limit of {limit / (1024 * 1024):g} MiB for an input file"


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
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise UnreadableFile(path, "is a directory; expected a file")
        if not stat.S_ISREG(info.st_mode):
            raise UnreadableFile(path, "is not a regular file (a device, FIFO or socket); expected a file")
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


def read_text(path: str | Path, *, what: str = "text", limit: int = MAX_INPUT_BYTES) -> str:
    """A regular file's text, decoded as UTF-8; a byte that is not UTF-8 is named with its line.

    `what` says what the file should have been, for the message (`YAML text`, `a drill log`).
    """
    data = read_bytes(path, limit=limit)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise UnreadableFile(path, f"not a UTF-8 text file ({exc.reason} at byte {exc.start}); expected {what}",
                             line) from None


__all__ = ["MAX_INPUT_BYTES", "UnreadableFile", "read_bytes", "read_text"]
