"""Continuation in fixed charge (at V = 0) and in applied voltage, with adaptive steps.

Each accepted step starts from the previous converged state; a failed Newton
solve restores that state and halves the step. Below the minimum step a
`ConvergenceError` says what diverged, where, and what to try.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from pnp.errors import ConvergenceError
from pnp.logs import on, phase
from pnp.solver.newton import SolveReport
from pnp.solver.problem import PnpProblem

log = logging.getLogger(__name__)

GROWTH = 1.5


@dataclass
class StepResult:
    """Outcome of reaching one continuation target."""

    newton_iterations: int  # summed over all sub-steps that reached the target
    substeps: int
    last_report: SolveReport


def advance(
    problem: PnpProblem,
    apply: Callable[[float], None],
    start: float,
    target: float,
    max_step: float,
    min_step: float,
    *,
    stage: str,
    unit: str,
    hint: str,
    previous: tuple[float, np.ndarray] | None = None,
) -> StepResult:
    """Move a continuation parameter from `start` (converged) to `target`.

    `previous` is an earlier converged (parameter, state) on the same path: each
    Newton solve then starts from the secant extrapolation of the last two states
    instead of the last state alone.
    """
    current, step = start, max_step
    iterations = substeps = 0
    report = SolveReport(True, "ALREADY_CONVERGED", 0, 0.0)
    saved = problem.copy_state()
    where = on(problem.domain.mesh.comm)
    while current != target:
        t0 = time.perf_counter()
        trial = (
            target if abs(target - current) <= step else current + step * _sign(target - current)
        )
        apply(trial)
        if previous is not None and previous[0] != current:
            weight = (trial - current) / (current - previous[0])
            problem.restore_state(saved + weight * (saved - previous[1]))
        report = problem.solve()
        iterations += report.iterations
        substeps += 1
        if report.converged:  # a target reached in one step is the caller's line
            level = logging.DEBUG if substeps == 1 and trial == target else logging.INFO
            took = time.perf_counter() - t0
            log.log(
                level,
                "  %s: %g %s, newton %d, %.2f s",
                stage,
                trial,
                unit,
                report.iterations,
                took,
                extra=where,
            )
            previous = (current, saved)
            current, saved = trial, problem.copy_state()
            step = min(step * GROWTH, max_step)
            continue
        problem.restore_state(saved)
        step *= 0.5
        log.info(
            "  %s: step to %g %s failed (%s); step now %g",
            stage,
            trial,
            unit,
            report.reason,
            step,
            extra=where,
        )
        if step < min_step:
            apply(current)
            raise ConvergenceError(
                stage=stage,
                target=f"{trial:g} {unit}",
                last_converged=f"{current:g} {unit}",
                reason=report.reason,
                iterations=report.iterations,
                residual_norm=report.residual_norm,
                hint=hint,
            )
    return StepResult(iterations, substeps, report)


def _sign(x: float) -> float:
    return 1.0 if x > 0 else -1.0


def ramp_fixed_charge(problem: PnpProblem) -> StepResult:
    """Solve at V = 0 without fixed charges, then switch them on gradually."""
    with phase(log, problem.domain.mesh.comm, "charge ramp at 0 mV"):
        return _ramp_fixed_charge(problem)


def _ramp_fixed_charge(problem: PnpProblem) -> StepResult:
    settings = problem.case.solver
    problem.set_voltage(0.0)
    problem.set_charge_fraction(0.0)
    problem.initial_guess()
    first = problem.solve()
    if not first.converged:
        raise ConvergenceError(
            stage="the uncharged initial solve",
            target="V = 0 mV, fixed charge 0",
            last_converged="none",
            reason=first.reason,
            iterations=first.iterations,
            residual_norm=first.residual_norm,
            hint="check the bath concentrations; raise solver.max_iterations; "
            "use a finer mesh (geometry.refine) if the Debye length is unresolved",
        )
    if not problem.has_fixed_charge:
        return StepResult(first.iterations, 1, first)
    step = 1.0 / max(settings.charge_steps, 1)
    result = advance(
        problem,
        problem.set_charge_fraction,
        0.0,
        1.0,
        max_step=step,
        min_step=step / 256,
        stage="fixed-charge continuation",
        unit="x full charge",
        hint="raise solver.charge_steps, refine the mesh near charged walls "
        "(geometry.wall_size_nm or geometry.refine), or reduce the fixed charge",
    )
    result.newton_iterations += first.iterations
    return result


def to_voltage(
    problem: PnpProblem,
    start_mV: float,
    target_mV: float,
    previous: tuple[float, np.ndarray] | None = None,
) -> StepResult:
    """Continue in voltage from a converged state at `start_mV` (see `advance`)."""
    s = problem.case.solver
    return advance(
        problem,
        problem.set_voltage,
        start_mV,
        target_mV,
        max_step=s.max_voltage_step_mV,
        min_step=s.min_voltage_step_mV,
        stage="voltage continuation",
        unit="mV",
        hint="lower solver.max_voltage_step_mV or solver.min_voltage_step_mV, "
        "refine the mesh (geometry.refine), or narrow conditions.voltages_mV",
        previous=previous,
    )
