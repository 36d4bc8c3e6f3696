"""Has the transient relaxed? Compare its final state with the steady solution there."""

from __future__ import annotations

import numpy as np
from mpi4py import MPI

from pnp.post.units import ReportUnits
from pnp.solver.current import CurrentMeter
from pnp.solver.newton import SolveReport
from pnp.solver.problem import PnpProblem
from pnp.transient.current import TransientCurrents

RELAXED_RTOL = 1e-3


def steady_check(
    problem: PnpProblem,
    meter: CurrentMeter,
    voltage_mV: float,
    final: TransientCurrents,
    units: ReportUnits,
) -> dict:
    """Solve the steady problem at `voltage_mV` from the final transient state; report how far
    the final current and fields are from it, and the steady residual norm of the final
    state. The final transient state is restored.

    ``relaxed`` is true when the total current is within `RELAXED_RTOL` of the steady current.
    """
    saved = problem.copy_state()
    problem.set_voltage(voltage_mV)
    report, initial_norm = _solve_from_here(problem)
    record: dict = {
        "voltage_mV": voltage_mV,
        "converged": report.converged,
        "newton_iterations": report.iterations,
        "steady_residual_norm": initial_norm,  # of the final transient state
    }
    try:
        if not report.converged:
            record.update(reason=report.reason, relaxed=False)
            return record
        steady = meter.electrode_currents()
        record.update(_field_differences(problem, saved))
    finally:
        problem.restore_state(saved)
    difference = abs(final.total - float(steady.sum()))
    scale = max(abs(float(steady.sum())), float(np.abs(steady).sum()))
    relative = difference / scale if scale > 0.0 else difference
    unit = units.extensive or "density_A_per_m2"
    factor = units.scale if units.extensive is not None else 1.0
    record.update(
        {
            f"steady_current_{unit}": factor * float(steady.sum()),
            f"final_current_{unit}": factor * final.total,
            "relative_current_difference": relative,
            "relaxed": relative <= RELAXED_RTOL,
        }
    )
    return record


def _solve_from_here(problem: PnpProblem) -> tuple[SolveReport, float]:
    """Steady Newton solve from the current state with at least one update (a state that
    already meets the tolerance is still refined), and the residual norm it started from."""
    snes = problem.newton.snes
    option = str(problem.petsc_options.get("snes_force_iteration", "false")).lower()
    forced = option in ("", "1", "true", "yes")  # the solver's own setting, restored below
    snes.setForceIteration(True)
    snes.setConvergenceHistory(reset=True)
    try:
        report = problem.solve()
    finally:
        snes.setForceIteration(forced)
    history, _ = snes.getConvergenceHistory()
    return report, float(history[0]) if len(history) else float("nan")


def _field_differences(problem: PnpProblem, transient_state: np.ndarray) -> dict:
    """Largest potential (mV) and relative concentration differences, steady - transient."""
    bs = problem.V.dofmap.index_map_bs
    difference = (problem.state.x.array - transient_state).reshape(-1, bs)
    electrolyte = ~problem.ion_free[: difference.shape[0]]
    potential = float(np.abs(difference[:, 0]).max(initial=0.0))
    species = np.abs(np.expm1(difference[electrolyte, 1:]))
    comm = problem.domain.mesh.comm
    return {
        "max_potential_difference_mV": comm.allreduce(potential, op=MPI.MAX)
        * problem.scales.thermal_voltage
        * 1e3,
        "max_relative_concentration_difference": comm.allreduce(
            float(species.max(initial=0.0)), op=MPI.MAX
        ),
    }
