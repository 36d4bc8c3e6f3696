"""One implicit time step of PNP, composed with a steady `PnpProblem`.

The steady problem provides the space, the state, the coefficients, the
measures, the boundary conditions (with its `voltage` Constant) and its own
steady Newton solver, which prepares the initial state. This class adds the
time levels w^n and w^{n-1}, the BDF weights and the step as Constants, and a
second Newton solver on steady residual + storage term (same options prefix, so
``-pnp_...`` PETSc options reach both).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import ufl
from mpi4py import MPI

from pnp.fem import PETSc, dolfinx
from pnp.solver.newton import NewtonSolver, SolveReport
from pnp.solver.problem import PnpProblem
from pnp.solver.transient import TimeLevels, bdf_weights, time_scale_s, transient_residual

fem = dolfinx.fem


class TransientProblem:
    """Backward Euler / BDF2 steps of the PNP system set up by `problem`.

    With `blocking_electrodes` the electrodes keep their potential but pass no
    ions (the concentration conditions there are dropped): a closed system, in
    which every species' amount is conserved.
    """

    def __init__(
        self,
        problem: PnpProblem,
        *,
        blocking_electrodes: bool = False,
        jit_options: Mapping[str, object] | None = None,
    ) -> None:
        self.problem = problem
        self.time_scale_s = time_scale_s(problem.scales)
        mesh = problem.domain.mesh
        self.previous = (
            fem.Function(problem.V, name="state_n"),
            fem.Function(problem.V, name="state_n_minus_1"),
        )
        self.weights = tuple(fem.Constant(mesh, value) for value in bdf_weights(1, 1.0))
        self.step = fem.Constant(mesh, 1.0)
        self.levels = TimeLevels(previous=self.previous, weights=self.weights, step=self.step)
        residual = transient_residual(
            problem.state,
            ufl.TestFunction(problem.V),
            self.levels,
            problem.coefficients,
            problem.measures,
        )
        self.bcs = closed_bcs(problem) if blocking_electrodes else list(problem.bcs)
        self.newton = NewtonSolver(
            residual, problem.state, self.bcs, problem.petsc_options, jit_options=jit_options
        )
        self._convergence = StepConvergence(*self.newton.snes.getTolerances()[:2])
        self.newton.snes.setConvergenceTest(self._convergence)

    def set_step(self, step_s: float, order: int, previous_step_s: float | None = None) -> None:
        """Weights and length of the next step (order 1: backward Euler, 2: BDF2)."""
        for constant, value in zip(
            self.weights, bdf_weights(order, step_s, previous_step_s), strict=True
        ):
            constant.value = value
        self.step.value = step_s / self.time_scale_s

    def set_history(self, levels: Sequence[np.ndarray]) -> None:
        """w^n (and w^{n-1}) from state arrays, most recent first."""
        for function, values in zip(self.previous, levels, strict=False):
            function.x.array[:] = values
            function.x.scatter_forward()

    def hold(self) -> None:
        """Make every time derivative vanish at the current state (an instant at rest)."""
        self.set_history([self.problem.state.x.array, self.problem.state.x.array])
        self.set_step(self.time_scale_s, 1)

    def solve(self) -> SolveReport:
        return self.newton.solve()

    def destroy(self) -> None:
        """Free this solver's PETSc objects (collective); the steady problem is the caller's."""
        self.newton.destroy()


class StepConvergence:
    """SNES convergence test of one time step: at least one Newton update (unless the
    residual is exactly 0), then |F| <= atol or |F| <= rtol |F_0|, with |F_0| the
    residual of this solve's initial guess.

    The initial guess is extrapolated from earlier steps and may already meet the
    absolute tolerance; one update makes it the solution of this step. The test is
    explicit because PETSc's default test was seen (PETSc 3.25) to carry a tolerance
    of rtol |F_0| from one solve into the next.
    """

    def __init__(self, rtol: float, atol: float) -> None:
        self.rtol, self.atol = rtol, atol
        self.initial = math.inf

    def __call__(self, snes: PETSc.SNES, iteration: int, norms: tuple[float, ...]) -> int:
        reasons = PETSc.SNES.ConvergedReason
        fnorm = norms[2]
        if not math.isfinite(fnorm):
            return reasons.DIVERGED_FNORM_NAN
        if iteration == 0:
            self.initial = fnorm
            # an exact zero is the solution (a state at rest); nothing to update
            return reasons.CONVERGED_FNORM_ABS if fnorm == 0.0 else reasons.CONVERGED_ITERATING
        if fnorm <= self.atol:
            return reasons.CONVERGED_FNORM_ABS
        if fnorm <= self.rtol * self.initial:
            return reasons.CONVERGED_FNORM_RELATIVE
        return reasons.CONVERGED_ITERATING


def closed_bcs(problem: PnpProblem) -> list[fem.DirichletBC]:
    """The problem's conditions without the electrode concentrations: potentials and the
    pinned ion-free dofs stay."""
    bs = problem.V.dofmap.index_map_bs
    comm = problem.domain.mesh.comm
    kept = []
    for bc in problem.bcs:
        dofs, _ = bc.dof_indices()
        potential = bc.function_space.component() == [0]
        pinned = comm.allreduce(bool(np.all(problem.ion_free[dofs // bs])), op=MPI.LAND)
        if potential or pinned:
            kept.append(bc)
    return kept
