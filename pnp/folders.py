"""Output folders: creating them, locking them, and replacing files in one step.

A run holds its folder's lock (`FolderClaim`) from start to end, so a second run
into the same folder is refused instead of mixing its files with the first's.
Every change to the shared files of a sweep folder (the summary, the record of
the sweep, the work queue) happens under `folder_lock`, which waits, so several
groups of ranks, or several jobs of a job array, can share one folder. Both are
`flock` locks on ``FOLDER/.lock``: the kernel releases them when the process
ends, however it ends, so a killed run leaves no stale lock. They are honoured
across processes on one machine and, on Linux, over NFS; on Lustre the file
system must be mounted with ``-o flock``.
"""

from __future__ import annotations

import datetime
import fcntl
import json
import os
import socket
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO

from pnp.errors import PnpError

LOCK_NAME = ".lock"


class OutputError(PnpError):
    """An output folder or file that cannot be made or written; the message names it."""


def make_folder(folder: Path, option: str = "--out") -> None:
    """Create `folder` (and its parents) or raise OutputError naming `option`."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{option} {folder}: is a file, not a folder; choose a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(
            f"{option} {folder}: cannot create the folder ({err.strerror}); "
            "choose a folder you can write to"
        ) from None


def _open_lock(folder: Path, option: str) -> IO[str]:
    make_folder(folder, option)
    try:
        return (folder / LOCK_NAME).open("a+", encoding="utf-8")
    except OSError as err:
        raise OutputError(
            f"{option} {folder}: cannot write into the folder ({err.strerror}); "
            "choose a folder you can write to"
        ) from None


@contextmanager
def folder_lock(folder: Path, option: str = "--out") -> Iterator[None]:
    """Hold the exclusive lock of `folder` (created if needed) for the block; waits for it."""
    with _open_lock(Path(folder), option) as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


class FolderClaim:
    """The lock of one run's output folder, taken without waiting and held until `release`.

    `acquire` creates the folder and takes the lock, or raises OutputError naming the
    process that holds it. The lock file records who holds it (pid, host, start).
    """

    def __init__(self, folder: Path, option: str = "--out") -> None:
        self.folder = Path(folder)
        self.option = option
        self._handle: IO[str] | None = None

    def acquire(self) -> None:
        handle = _open_lock(self.folder, self.option)
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            owner = handle.read().strip()
            handle.close()
            raise OutputError(
                f"{self.option} {self.folder}: another run ({_describe(owner)}) is writing "
                f"into this folder; wait for it to end or choose another {self.option} (if no "
                f"such process runs, delete {self.folder / LOCK_NAME})"
            ) from None
        handle.truncate(0)
        handle.write(json.dumps(_owner()) + "\n")
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        """Give the folder back (on every rank: a no-op where it was not acquired)."""
        if self._handle is None:
            return
        handle, self._handle = self._handle, None
        try:
            handle.truncate(0)
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
            handle.close()


def _owner() -> dict:
    return {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "since": datetime.datetime.now().isoformat(timespec="seconds"),
        "command": " ".join(sys.argv),
    }


def _describe(text: str) -> str:
    try:
        owner = json.loads(text)
        return f"pid {owner['pid']} on {owner['host']} since {owner['since']}"
    except (ValueError, KeyError, TypeError):
        return "a process that did not say who it is"


def write_atomic(path: Path, text: str) -> None:
    """Replace `path` with `text` in one step: readers see the old or the new file, never half.

    The temporary file has a name of its own, so concurrent writers never share it.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with open(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        tmp.replace(path)
    except BaseException:
        with suppress(OSError):
            tmp.unlink()
        raise
