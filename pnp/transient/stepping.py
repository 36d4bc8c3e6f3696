"""Adaptive implicit time stepping of PNP from the current state to the end time.

Each step solves one implicit BDF system (`TransientProblem`). The step lands
exactly on every breakpoint of the voltage protocol (steps, ramp ends, the end
time); after a breakpoint the history restarts (one backward-Euler step, then
BDF2) and the step returns to `initial_step_s`, since the solution is not
smooth across it. A step whose Newton solve fails is retried with half the
length; one whose estimated local error (of the concentrations, relative
tolerance `rtol`) exceeds the tolerance is retried with a shorter step. Below
`min_step_s` a failing Newton solve raises `ConvergenceError`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from pnp.case import Transient
from pnp.errors import ConvergenceError
from pnp.solver.newton import SolveReport
from pnp.transient.error import MAX_GROWTH, ErrorEstimate, local_error, next_step
from pnp.transient.problem import TransientProblem
from pnp.transient.protocol import VoltageProtocol

log = logging.getLogger(__name__)

LANDING = 1e-9  # relative slack for landing on a breakpoint
ABSOLUTE_FLOOR = 1e-3  # concentrations below this fraction of a species' bath level count as it


@dataclass(frozen=True)
class AcceptedStep:
    """A completed step; the transient problem still holds its weights and time levels."""

    index: int  # 1, 2, ...
    time_s: float
    step_s: float
    voltage_mV: float
    order: int
    newton_iterations: int
    error: float | None  # estimated local error / tolerance


@dataclass
class SteppingSummary:
    steps: int = 0
    rejected_newton: int = 0
    rejected_error: int = 0
    newton_iterations: int = 0

    @property
    def rejected(self) -> int:
        return self.rejected_newton + self.rejected_error


class TimeStepper:
    """March `transient` from its current state (time 0) to the protocol's end time."""

    def __init__(
        self, transient: TransientProblem, protocol: VoltageProtocol, settings: Transient
    ) -> None:
        self.transient = transient
        self.problem = transient.problem
        self.protocol = protocol
        self.settings = settings
        p = self.problem
        nodes = p.state.x.array.size // p.V.dofmap.index_map_bs
        self._electrolyte = ~p.ion_free[:nodes]
        floors = [
            ABSOLUTE_FLOOR * max(s.inside_mM, s.outside_mM) / p.scales.concentration_mM
            for s in p.case.species
        ]
        self._floor = np.array(floors)

    # -- one step ---------------------------------------------------------------------
    def _concentrations(self, state: np.ndarray) -> np.ndarray:
        """exp(u_i) at electrolyte nodes (nodes x species), the quantity the error controls."""
        bs = self.problem.V.dofmap.index_map_bs
        return np.exp(state.reshape(-1, bs)[self._electrolyte, 1:])

    def _predict(self, history: list[tuple[float, np.ndarray]], time: float) -> np.ndarray:
        """Linear extrapolation of the last two smooth levels (the Newton initial guess)."""
        t0, w0 = history[-1]
        if len(history) < 2:
            return w0
        t1, w1 = history[-2]
        return w0 + (time - t0) / (t0 - t1) * (w0 - w1)

    def _estimate(
        self, history: list[tuple[float, np.ndarray]], time: float, order: int
    ) -> ErrorEstimate | None:
        levels = [*history[-3:], (time, self.problem.state.x.array)]
        values = [self._concentrations(w) for _, w in levels]
        scale = self.settings.rtol * np.maximum(values[-1], self._floor)
        comm = self.problem.domain.mesh.comm
        return local_error(order, [t for t, _ in levels], values, scale, comm)

    def _solve_step(
        self, history: list[tuple[float, np.ndarray]], new_time: float, order: int
    ) -> tuple[SolveReport, float]:
        """One implicit step from the last level to `new_time`; returns the Newton report and
        the voltage used (the value just before `new_time`)."""
        (time, _), p, tp = history[-1], self.problem, self.transient
        previous = history[-1][0] - history[-2][0] if order == 2 else None
        tp.set_step(new_time - time, order, previous)
        tp.set_history([w for _, w in reversed(history[-2:])])
        voltage = self.protocol.voltage_mV(new_time, left=True)
        p.set_voltage(voltage)
        p.restore_state(self._predict(history, new_time))
        return tp.solve(), voltage

    # -- the march ----------------------------------------------------------------------
    def run(self, on_step: Callable[[AcceptedStep], None] | None = None) -> SteppingSummary:
        s, p = self.settings, self.problem
        summary = SteppingSummary()
        breaks = self.protocol.breakpoints()
        time = 0.0
        history = [(time, p.copy_state())]  # smooth levels since the last breakpoint
        step = s.initial_step_s
        while breaks:
            target = breaks[0]
            trial = self._clip(time, step, target)
            landing = trial == target - time
            new_time = target if landing else time + trial
            order = min(s.order, len(history))
            report, voltage = self._solve_step(history, new_time, order)
            summary.newton_iterations += report.iterations
            if not report.converged:
                summary.rejected_newton += 1
                step = 0.5 * trial
                log.debug("t = %g s: step %g s failed (%s)", new_time, trial, report.reason)
                if step < s.min_step_s:
                    p.restore_state(history[-1][1])
                    raise _failure(report, time, new_time, trial, voltage)
                continue
            estimate = self._estimate(history, new_time, order) if s.adaptive else None
            if estimate is not None and estimate.norm > 1.0 and trial > s.min_step_s:
                summary.rejected_error += 1
                step = max(next_step(trial, estimate), s.min_step_s)
                continue
            summary.steps += 1
            if on_step is not None:
                on_step(
                    AcceptedStep(
                        index=summary.steps,
                        time_s=new_time,
                        step_s=trial,
                        voltage_mV=voltage,
                        order=order,
                        newton_iterations=report.iterations,
                        error=None if estimate is None else estimate.norm,
                    )
                )
            time = new_time
            history = [*history[-3:], (time, p.copy_state())]
            if landing:
                breaks.pop(0)
                history = history[-1:]
                step = s.initial_step_s
            else:
                step = self._next(trial, estimate, report.iterations)
        return summary

    def _next(self, trial: float, estimate: ErrorEstimate | None, iterations: int) -> float:
        s = self.settings
        if not s.adaptive:
            return min(MAX_GROWTH * trial, s.initial_step_s)
        step = next_step(trial, estimate)
        if iterations > self.problem.case.solver.max_iterations // 2:
            step = min(step, trial)  # Newton struggles: do not grow
        return min(max(step, s.min_step_s), s.max_step_s)

    def _clip(self, time: float, step: float, target: float) -> float:
        """The step to try from `time`: land on `target` when it is (nearly) reached, and in
        adaptive mode split the approach into two steps rather than leave a sliver."""
        remaining = target - time
        if step >= remaining * (1.0 - LANDING):
            return remaining
        if self.settings.adaptive and step > remaining / 1.5:
            return 0.5 * remaining
        return step


def _failure(
    report: SolveReport, time: float, new_time: float, step: float, voltage: float
) -> ConvergenceError:
    return ConvergenceError(
        stage="time stepping",
        target=f"t = {new_time:.6g} s (step {step:.3g} s, V = {voltage:g} mV)",
        last_converged=f"t = {time:.6g} s",
        reason=report.reason,
        iterations=report.iterations,
        residual_norm=report.residual_norm,
        hint="lower transient.min_step_s or transient.initial_step_s, soften the voltage "
        "steps with transient.rise_time_s, raise solver.max_iterations, or refine the mesh "
        "(geometry.refine)",
    )
