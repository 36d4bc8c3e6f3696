"""An exclusive lock on a sweep folder and atomic file replacement.

Every change to the shared files of a sweep folder (the summary, the record of
the sweep, the work queue) happens under `folder_lock`, so several groups of
ranks, or several jobs of a job array, can share one folder. `flock` locks are
honoured across processes on one machine and, on Linux, over NFS; on Lustre the
file system must be mounted with ``-o flock``.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_NAME = ".lock"


@contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold the exclusive lock of `folder` (created if needed) for the duration of the block."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / LOCK_NAME).open("a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def write_atomic(path: Path, text: str) -> None:
    """Replace `path` with `text` in one step: readers see the old or the new file, never half."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
