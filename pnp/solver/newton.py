"""A SNES Newton solve that reports, rather than hides, failure.

DOLFINx's `NonlinearProblem.solve()` returns whatever iterate SNES stopped at;
`NewtonSolver.solve` checks the converged reason and the finiteness of the
iterate and returns a `SolveReport` the continuation logic acts on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import ufl
from mpi4py import MPI

from pnp.fem import PETSc, dolfinx, fem_petsc
from pnp.solver.options import PNP_PREFIX


@dataclass(frozen=True)
class SolveReport:
    converged: bool
    reason: str
    iterations: int
    residual_norm: float


def snes_reason_name(code: int) -> str:
    names = {v: k for k, v in vars(PETSc.SNES.ConvergedReason).items() if isinstance(v, int)}
    return f"{names.get(code, 'UNKNOWN')} ({code})"


class NewtonSolver:
    """Newton with line search on F(w) = 0 with Dirichlet conditions `bcs`.

    Continuation starts most solves from a very good guess, so a tolerance relative
    to each solve's own initial residual would ask for round-off-level residuals.
    The absolute tolerance is therefore raised to rtol times the largest initial
    residual seen so far (the problem's residual scale), never below the given atol.
    """

    def __init__(
        self,
        residual: ufl.Form,
        state: dolfinx.fem.Function,
        bcs: Sequence[dolfinx.fem.DirichletBC],
        options: Mapping[str, object],
        prefix: str = PNP_PREFIX,
        jit_options: Mapping[str, object] | None = None,
    ) -> None:
        self.state = state
        jacobian = ufl.derivative(residual, state, ufl.TrialFunction(state.function_space))
        self.problem = fem_petsc.NonlinearProblem(
            residual,
            state,
            bcs=list(bcs),
            J=jacobian,
            petsc_options_prefix=prefix,
            petsc_options=dict(options),
            jit_options=dict(jit_options or {}),
        )
        self.snes = self.problem.solver
        self.snes.setConvergenceHistory(reset=True)
        self.rtol, self.atol = self.snes.getTolerances()[:2]
        self.residual_scale = 0.0

    def solve(self) -> SolveReport:
        self.snes.setTolerances(atol=max(self.atol, self.rtol * self.residual_scale))
        self.problem.solve()
        history = self.snes.getConvergenceHistory()[0]
        if len(history):
            self.residual_scale = max(self.residual_scale, float(history[0]))
        reason = self.snes.getConvergedReason()
        comm = self.state.function_space.mesh.comm
        finite = comm.allreduce(bool(np.isfinite(self.state.x.array).all()), op=MPI.LAND)
        norm = self.snes.getFunctionNorm()
        return SolveReport(
            converged=reason > 0 and finite and np.isfinite(norm),
            reason=snes_reason_name(reason) if finite else "NON_FINITE_ITERATE",
            iterations=self.snes.getIterationNumber(),
            residual_norm=float(norm),
        )

    def destroy(self) -> None:
        """Free the PETSc objects now (collective): do not leave it to garbage collection,
        which runs at different moments on different ranks."""
        p = self.problem
        for obj in (p.solver, p.A, p.P_mat, p.b, p.x):
            if obj is not None:
                obj.destroy()
