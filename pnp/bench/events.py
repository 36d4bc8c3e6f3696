"""Newton time split into assembly and linear algebra, from PETSc log events.

SNESFunctionEval and SNESJacobianEval time the residual and Jacobian callbacks
(DOLFINx assembly, boundary conditions included); everything else inside
SNESSolve is linear algebra (preconditioner set-up, Krylov or triangular
solves) and the line search's vector work. Event times are cumulative and per
rank: read them before and after a phase and take the slowest rank.
"""

from __future__ import annotations

import resource
from dataclasses import dataclass

from mpi4py import MPI

from pnp.fem import PETSc

ASSEMBLY_EVENTS = ("SNESFunctionEval", "SNESJacobianEval")
NEWTON_EVENT = "SNESSolve"


def start_logging() -> None:
    """Switch PETSc's default event logging on (idempotent)."""
    PETSc.Log.begin()


@dataclass(frozen=True)
class NewtonTimes:
    """Seconds spent in Newton solves: assembly and the rest (linear algebra)."""

    assembly: float
    newton: float

    @property
    def solve(self) -> float:
        return self.newton - self.assembly

    def __sub__(self, other: NewtonTimes) -> NewtonTimes:
        return NewtonTimes(self.assembly - other.assembly, self.newton - other.newton)


def newton_times(comm: MPI.Comm) -> NewtonTimes:
    """Cumulative Newton times so far (slowest rank)."""

    def seconds(name: str) -> float:
        return float(PETSc.Log.Event(name).getPerfInfo()["time"])

    assembly = sum(seconds(name) for name in ASSEMBLY_EVENTS)
    newton = seconds(NEWTON_EVENT)
    return NewtonTimes(comm.allreduce(assembly, op=MPI.MAX), comm.allreduce(newton, op=MPI.MAX))


def peak_memory_MB(comm: MPI.Comm) -> float:
    """Peak resident memory of this process (Linux ru_maxrss, KiB), largest over ranks."""
    mine = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return comm.allreduce(mine, op=MPI.MAX)
