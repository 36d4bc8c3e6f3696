"""Ctrl-C and SIGTERM under MPI: every rank stops at the same point.

Under mpiexec each rank receives the signal at a slightly different moment. A
KeyboardInterrupt raised at that moment would leave one rank inside a collective
call (a PETSc solve or destroy, an allreduce) and the others waiting forever.
So a signal only sets a flag; the ranks look at it together (`check`, an
allreduce) at safe points: before every Newton solve (each continuation step,
each time step) and, in a sweep, before each case. Once a rank has seen it,
every rank of the communicator raises `Interrupted` there, the run keeps what it
has written and the command exits with 130.

The signals escalate through the levels of a `StopOnSignal`: for ``pnp run``
the first stops the run at the next safe point; for ``pnp sweep`` the first lets
the running cases finish and the second stops them. The signal after the last
level aborts every rank at once (``MPI_Abort``). Install after PETSc is
initialised (it installs handlers of its own), e.g. after importing `pnp.fem`;
meshing with gmsh resets the SIGTERM handler, so every check installs the
handlers again.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Sequence
from types import FrameType

from mpi4py import MPI

SIGNALS = (signal.SIGINT, signal.SIGTERM)
EXIT_CODE = 130

FINISH = "finish"  # let the running unit of work (a sweep case) finish, start no new one
STOP = "stop"  # stop at the next safe point


class Interrupted(KeyboardInterrupt):
    """Raised on every rank at once after SIGINT/SIGTERM (not an `Exception`, so that no
    handler of solver failures records it as one)."""

    def __init__(self, signal_name: str = "SIGINT") -> None:
        self.signal_name = signal_name
        super().__init__(signal_name)

    def __str__(self) -> str:
        return f"interrupted by {self.signal_name}"


class StopOnSignal:
    """Signal handlers that step through `levels` (FINISH, STOP), one signal each.

    ``stop()`` is True once a signal arrived (the FINISH level or beyond). Only one
    instance is active at a time: the one `check` looks at. `notice` receives one
    line per signal (pass it on one rank only).
    """

    def __init__(
        self,
        comm: MPI.Comm,
        levels: Sequence[str] = (STOP,),
        notice: Callable[[str], None] | None = None,
    ) -> None:
        global _active
        self.comm = comm
        self.levels = tuple(levels)
        self.level = 0  # signals received, at most len(levels)
        self.signum = 0
        self._notice = notice
        self._previous = {sig: signal.signal(sig, self._handle) for sig in SIGNALS}
        _active = self

    def __call__(self) -> bool:
        self.reinstall()
        return self.level > 0

    def __enter__(self) -> StopOnSignal:
        return self

    def __exit__(self, *exc_info) -> None:
        self.restore()

    @property
    def reached(self) -> str | None:
        """The level reached so far (None before any signal)."""
        return self.levels[self.level - 1] if self.level else None

    def request(self, signum: int = signal.SIGINT) -> None:
        """What a signal does: go one level up; past the last level, abort every rank."""
        if self.level == len(self.levels):
            self._say(f"{signal.Signals(signum).name} again: aborting")
            self.comm.Abort(EXIT_CODE)
        self.signum = signum
        self.level += 1
        self._say(f"{signal.Signals(signum).name}: {_NOTICES[self.levels[self.level - 1]]}")

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.request(signum)

    def _say(self, line: str) -> None:
        if self._notice is not None:
            self._notice(line)

    def reinstall(self) -> None:
        if self._previous:
            for sig in SIGNALS:
                signal.signal(sig, self._handle)

    def restore(self) -> None:
        """Put the previous handlers back; `check` no longer sees this instance."""
        global _active
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous = {}
        if _active is self:
            _active = None


_NOTICES = {
    FINISH: "stopping after the running cases (Ctrl-C again stops them now); "
    "re-run the same command to resume",
    STOP: "stopping at the next safe point (Ctrl-C again aborts at once)",
}

_active: StopOnSignal | None = None


def stderr_notice(prefix: str, comm: MPI.Comm) -> Callable[[str], None] | None:
    """A `notice` for rank 0 of `comm` that writes ``prefix: line`` to stderr. It writes to
    the file descriptor: a signal handler may run while the main code is printing."""
    if comm.rank != 0:
        return None
    return lambda line: os.write(2, f"{prefix}: {line}\n".encode())


def check(comm: MPI.Comm) -> None:
    """Collective safe point: raise `Interrupted` on every rank of `comm` if any of them
    has reached the STOP level of the active `StopOnSignal`."""
    signum = 0
    if _active is not None:
        _active.reinstall()
        if _active.reached == STOP:
            signum = _active.signum
    signum = comm.allreduce(signum, op=MPI.MAX)
    if signum:
        raise Interrupted(signal.Signals(signum).name)


def stop_requested(comm: MPI.Comm, stop: Callable[[], bool] | None) -> bool:
    """Collective: True on every rank of `comm` if `stop()` is True on any."""
    return comm.allreduce(stop is not None and bool(stop()), op=MPI.LOR)
