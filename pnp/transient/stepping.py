"""Adaptive implicit time stepping of PNP from the current state to the end time.

Each step solves one implicit BDF system (`TransientProblem`). The step lands
exactly on every breakpoint of the voltage protocol (steps, ramp corners, the
end time) and returns to `initial_step_s` there. A step whose Newton solve fails
is retried with half the length; one whose estimated local error (of the
concentrations, relative tolerance `rtol`) exceeds the tolerance is retried with
a shorter step. Below `min_step_s` a failing Newton solve raises
`ConvergenceError`.

Restarts. The time levels since the last breakpoint form the history; at a
breakpoint it restarts from the landing level, the state computed with the
voltage just before the breakpoint (`VoltageProtocol.voltage_mV(left=True)`).

- Instantaneous voltage step. The concentrations are continuous across the
  jump, but the potential is not (Poisson is quasi-static, psi follows the
  electrode at once): the landing level holds the left limit of psi. The first
  step after the jump is backward Euler from it, so its displacement current
  carries the whole charge of the jump (smeared over that step). No later BDF2
  stencil may contain the landing level, since its difference of psi would
  straddle the jump (a reversed spike of the displacement current, and a wrong
  charge): the second step is backward Euler from the first post-jump level,
  BDF2 follows from the third. The error estimate, which differences only the
  concentrations, keeps the landing level (they are smooth from the right).
- Ramp corner (the start and end of a ramp, `rise_time_s` > 0). V, psi and the
  concentrations are continuous; only their time derivatives jump. The landing
  level is then the right limit too, a level of the smooth solution after the
  corner: the restart only keeps BDF2 from differencing across the corner, and
  the second step after it is already BDF2 over (landing level, first level).

Either way every smooth segment keeps second order (a bounded number of
backward-Euler steps, each of local error O(h^2)).
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
    """A completed step; the transient problem still holds its weights and time levels.

    `order` and `previous_step_s` (the step before it in its BDF2 stencil, None for
    backward Euler) give its weights, `pnp.solver.transient.bdf_weights`.
    """

    index: int  # 1, 2, ...
    time_s: float
    step_s: float
    voltage_mV: float
    order: int
    newton_iterations: int
    error: float | None  # estimated local error / tolerance
    previous_step_s: float | None = None


@dataclass(frozen=True)
class Level:
    """An accepted time level; `left_limit`: the state just before an instantaneous
    voltage step at `time`, which only the first step after the jump may difference."""

    time: float
    state: np.ndarray
    left_limit: bool = False


def stencil(history: list[Level]) -> list[Level]:
    """The levels the next BDF step differences: the history without a left-limit level,
    unless that is all there is (the first step after a jump)."""
    return [level for level in history if not level.left_limit] or history[-1:]


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
        """c_i / c0 at electrolyte nodes (nodes x species), the quantity the error controls."""
        bs = self.problem.V.dofmap.index_map_bs
        return self.problem.concentrations(state.reshape(-1, bs)[self._electrolyte, 1:])

    def _predict(self, levels: list[Level], time: float) -> np.ndarray:
        """Linear extrapolation of the last two stencil levels (the Newton initial guess)."""
        last = levels[-1]
        if len(levels) < 2:
            return last.state
        before = levels[-2]
        return last.state + (time - last.time) / (last.time - before.time) * (
            last.state - before.state
        )

    def _estimate(self, history: list[Level], time: float, order: int) -> ErrorEstimate | None:
        times = [*(level.time for level in history[-3:]), time]
        states = [*(level.state for level in history[-3:]), self.problem.state.x.array]
        values = [self._concentrations(w) for w in states]
        scale = self.settings.rtol * np.maximum(values[-1], self._floor)
        comm = self.problem.domain.mesh.comm
        return local_error(order, times, values, scale, comm)

    def _solve_step(
        self, levels: list[Level], new_time: float, order: int
    ) -> tuple[SolveReport, float]:
        """One implicit step of `order` from the last of the stencil `levels` to `new_time`;
        returns the Newton report and the voltage used (the value just before `new_time`)."""
        p, tp = self.problem, self.transient
        tp.set_step(new_time - levels[-1].time, order, _previous_step(levels, order))
        tp.set_history([level.state for level in reversed(levels[-2:])])
        voltage = self.protocol.voltage_mV(new_time, left=True)
        p.set_voltage(voltage)
        p.restore_state(self._predict(levels, new_time))
        return tp.solve(), voltage

    def _jumps_at(self, time: float) -> bool:
        """True if the voltage changes instantaneously at `time`."""
        return self.protocol.voltage_mV(time, left=True) != self.protocol.voltage_mV(time)

    # -- the march ----------------------------------------------------------------------
    def run(self, on_step: Callable[[AcceptedStep], None] | None = None) -> SteppingSummary:
        s, p = self.settings, self.problem
        summary = SteppingSummary()
        breaks = self.protocol.breakpoints()
        time = 0.0
        history = [Level(time, p.copy_state())]  # levels since the last breakpoint
        step = s.initial_step_s
        while breaks:
            target = breaks[0]
            trial = self._clip(time, step, target)
            landing = trial == target - time
            new_time = target if landing else time + trial
            levels = stencil(history)
            order = min(s.order, len(levels))
            report, voltage = self._solve_step(levels, new_time, order)
            summary.newton_iterations += report.iterations
            if not report.converged:
                summary.rejected_newton += 1
                step = 0.5 * trial
                log.debug("t = %g s: step %g s failed (%s)", new_time, trial, report.reason)
                if step < s.min_step_s:
                    p.restore_state(history[-1].state)
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
                        previous_step_s=_previous_step(levels, order),
                    )
                )
            time = new_time
            if landing:
                breaks.pop(0)
                history = [Level(time, p.copy_state(), left_limit=self._jumps_at(time))]
                step = s.initial_step_s
            else:
                history = [*history[-3:], Level(time, p.copy_state())]
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


def _previous_step(levels: list[Level], order: int) -> float | None:
    """Length of the step before the new one in a BDF2 stencil (None for backward Euler)."""
    return levels[-1].time - levels[-2].time if order == 2 else None


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
