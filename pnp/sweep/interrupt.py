"""Graceful stop of a sweep on SIGINT/SIGTERM: finish the running cases, start no new one.

Without this, an interrupt arriving inside a PETSc solve surfaces as a solver
error and would be recorded as a failed case. The first signal only sets a flag
that `run_sweep` checks before handing out the next case; a second SIGINT
aborts at once. Install after PETSc is initialised (it installs its own
handlers), e.g. after importing `pnp.fem`. Meshing with gmsh resets the SIGTERM
handler, so a SIGTERM during a case (e.g. the end of a batch job's time limit)
can still end that case at once; it is not marked finished and runs again on
resume. Each check re-installs the handlers.
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from types import FrameType

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopOnSignal:
    """A callable flag: ``stop()`` is True once SIGINT or SIGTERM was received."""

    def __init__(self, notice: Callable[[str], None] | None = None) -> None:
        self.requested = False
        self._notice = notice
        self._previous = {sig: signal.signal(sig, self._handle) for sig in SIGNALS}

    def __call__(self) -> bool:
        for sig in SIGNALS:
            signal.signal(sig, self._handle)
        return self.requested

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.requested and signum == signal.SIGINT:
            self.restore()
            raise KeyboardInterrupt
        self.requested = True
        if self._notice is not None:
            self._notice(
                f"{signal.Signals(signum).name}: stopping after the running cases "
                "(Ctrl-C again aborts them); re-run the same command to resume"
            )

    def restore(self) -> None:
        """Put the previous handlers back."""
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous = {}
