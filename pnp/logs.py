"""Progress and log lines: the logger "pnp" and its children, shown by rank 0 only.

Library code logs on every rank with `on(comm)` as the record's `extra`; the handlers
installed here keep the records of rank 0 of that communicator (a record without it
counts as coming from the rank given to `setup`). A progress line is written whole with
a single `os.write`, so the lines of processes sharing a terminal or a pipe (a sweep's
groups under mpiexec) never merge.

`setup` is the command line's console; `run_log` adds the `run.log` file of an output
folder for the duration of a run.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from mpi4py import MPI

ROOT_LOGGER = "pnp"
RANK = "pnp_rank"  # the record attribute: the logging process's rank in its communicator
LOG_NAME = "run.log"
_CONSOLE = "pnp-console"  # the name of the handlers `setup` installs


def on(comm: MPI.Comm) -> dict[str, int]:
    """The `extra` of a record logged by this process of `comm`."""
    return {RANK: comm.rank}


@contextmanager
def phase(logger: logging.Logger, comm: MPI.Comm, what: str) -> Iterator[None]:
    """One line when `what` starts and one with its wall time when it ends."""
    logger.info("%s ...", what, extra=on(comm))
    t0 = time.perf_counter()
    yield
    logger.info("%s: done in %.2f s", what, time.perf_counter() - t0, extra=on(comm))


class RootOnly(logging.Filter):
    """Pass the records of rank 0 (of the record's communicator), and errors of any rank."""

    def __init__(self, default_rank: int = 0) -> None:
        super().__init__()
        self.default_rank = default_rank

    def filter(self, record: logging.LogRecord) -> bool:
        rank = getattr(record, RANK, self.default_rank)
        return rank == 0 or record.levelno >= logging.ERROR


class LineHandler(logging.Handler):
    """Writes each record as a single full line to `stream()` (looked up at every record,
    so that a replaced sys.stdout is followed)."""

    def __init__(self, stream: Callable[[], IO[str]]) -> None:
        super().__init__()
        self.stream = stream

    def emit(self, record: logging.LogRecord) -> None:
        try:
            stream = self.stream()
            text = self.format(record) + "\n"
            stream.flush()  # what was buffered before goes first
            try:
                fd = stream.fileno()
            except (AttributeError, OSError, ValueError):  # no descriptor (a captured stream)
                stream.write(text)
                stream.flush()
                return
            data = text.encode(getattr(stream, "encoding", None) or "utf-8", "replace")
            while data:
                data = data[os.write(fd, data) :]
        except Exception:
            self.handleError(record)


class _ToRoot(logging.Handler):
    """Hands the records that are not progress lines to the root logger's handlers (which
    the command configures for every library, and where pytest's caplog listens)."""

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno == logging.INFO:
            return
        ours = logging.getLogger(ROOT_LOGGER).handlers  # pytest attaches its handlers to both
        for handler in logging.getLogger().handlers:
            if handler not in ours and record.levelno >= handler.level:
                handler.handle(record)


class _Progress(logging.Filter):
    """The INFO records of the loggers under `names`."""

    def __init__(self, names: Sequence[str]) -> None:
        super().__init__()
        self.names = tuple(names)

    def filter(self, record: logging.LogRecord) -> bool:
        name = record.name
        under = any(name == n or name.startswith(n + ".") for n in self.names)
        return record.levelno == logging.INFO and under


def printer(name: str) -> Callable[[str], None]:
    """A progress callback that logs each line at INFO to the logger `name`, shown by the
    process that calls it (its caller picks the rank that reports)."""
    logger = logging.getLogger(name)
    return lambda line: logger.info("%s", line, extra={RANK: 0})


def setup(verbose: bool, rank: int, *, info_from: Sequence[str] = (ROOT_LOGGER,)) -> None:
    """Console logging of a command: the INFO lines (progress, phases) of the loggers under
    `info_from` as plain lines on stdout; every other "pnp" record (warnings, and debug
    lines with `verbose`) goes to the root logger's handlers. `rank` is this process's
    rank in the command's communicator, for the records that carry none; only rank 0's
    records are shown (errors of every rank)."""
    logger = logging.getLogger(ROOT_LOGGER)
    logger.setLevel(logging.DEBUG if verbose else logging.INFO)
    logger.propagate = False  # INFO lines only here; the rest by _ToRoot
    for handler in [h for h in logger.handlers if h.get_name() == _CONSOLE]:
        logger.removeHandler(handler)
    out = LineHandler(lambda: sys.stdout)
    out.setFormatter(logging.Formatter("%(message)s"))
    out.addFilter(_Progress(info_from))
    for handler in (out, _ToRoot()):
        handler.set_name(_CONSOLE)
        handler.addFilter(RootOnly(rank))
        logger.addHandler(handler)


@contextmanager
def run_log(folder: Path, comm: MPI.Comm) -> Iterator[None]:
    """Rank 0 of `comm` copies the "pnp" records of its process into `folder`/run.log
    (replaced) until the block ends, with their time and level: what the "pnp" logger
    lets through (INFO and up after `setup`, debug lines too with `verbose`)."""
    handler = None
    if comm.rank == 0:
        try:
            log_file = open(Path(folder) / LOG_NAME, "w", encoding="utf-8")  # noqa: SIM115
        except OSError as err:  # a log that cannot be written does not stop the run
            logging.getLogger(__name__).warning("no %s: %s", LOG_NAME, err)
        else:
            handler = LineHandler(lambda: log_file)
            handler.setFormatter(
                logging.Formatter("%(asctime)s %(levelname)-7s %(message)s", "%H:%M:%S")
            )
            logging.getLogger(ROOT_LOGGER).addHandler(handler)
    try:
        yield
    finally:
        if handler is not None:
            logging.getLogger(ROOT_LOGGER).removeHandler(handler)
            log_file.close()
