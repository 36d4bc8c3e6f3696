"""Current–voltage runs: voltage continuation outward from 0 mV and the zero-current potential."""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from pnp.errors import ConvergenceError
from pnp.logs import on, phase
from pnp.solver.continuation import to_voltage
from pnp.solver.current import CurrentMeter
from pnp.solver.problem import PnpProblem
from pnp.solver.resolution import Resolution, ResolutionCheck

log = logging.getLogger(__name__)


@dataclass
class VoltagePoint:
    voltage_mV: float
    converged: bool
    newton_iterations: int = 0
    seconds: float = 0.0
    species_currents: np.ndarray | None = None  # A (A/m^2 in 1D), per species
    section_currents: np.ndarray | None = None
    error: dict | None = None
    resolution: Resolution | None = None  # of a converged point (see pnp.solver.resolution)
    extras: dict = field(default_factory=dict)

    @property
    def current(self) -> float:
        return float(np.sum(self.species_currents)) if self.species_currents is not None else np.nan


def continuation_order(voltages: Sequence[float]) -> list[float]:
    """0 first (if requested), then upward through positives, then downward through negatives."""
    ups = sorted(v for v in voltages if v >= 0)
    downs = sorted((v for v in voltages if v < 0), reverse=True)
    return ups + downs


def solve_iv(
    problem: PnpProblem,
    voltages: Sequence[float],
    meter: CurrentMeter,
    sections: Sequence[float],
    on_point: Callable[[VoltagePoint, PnpProblem], None] | None = None,
    resolution: ResolutionCheck | None = None,
) -> tuple[list[VoltagePoint], dict[float, np.ndarray]]:
    """Solve at each voltage (the state at 0 mV must be converged); failures are recorded.
    With `resolution`, every converged point also gets its mesh-resolution check.

    Returns the points in the order of `voltages` and the converged states by voltage.
    """
    states = {0.0: problem.copy_state()}
    results: dict[float, VoltagePoint] = {}
    for v in continuation_order(voltages):
        same_side = {k: s for k, s in states.items() if k == 0.0 or (k > 0) == (v > 0)}
        start = _nearest(same_side, v)
        behind = {k: s for k, s in same_side.items() if k != start}
        previous = None
        if behind:
            before = _nearest(behind, start)
            if (start - before) * (v - start) > 0:  # the secant continues in the same direction
                previous = (before, behind[before])
        problem.restore_state(states[start])
        t0 = time.perf_counter()
        try:
            step = to_voltage(problem, start, v, previous)
        except ConvergenceError as err:
            log.warning("%s", err)
            problem.restore_state(states[start])
            problem.set_voltage(start)
            point = VoltagePoint(
                v, False, err.iterations, time.perf_counter() - t0, error=err.as_dict()
            )
        else:
            states[v] = problem.copy_state()
            electrode, through_sections = meter.measure(sections)
            point = VoltagePoint(
                v,
                True,
                step.newton_iterations,
                time.perf_counter() - t0,
                species_currents=electrode,
                section_currents=through_sections.sum(axis=1),
                resolution=None if resolution is None else resolution(),
            )
        if on_point is not None:
            on_point(point, problem)
        results[v] = point
    return [results[v] for v in voltages], states


def _nearest(states: dict[float, np.ndarray], v: float) -> float:
    return min(states, key=lambda k: abs(k - v))


def find_reversal(
    problem: PnpProblem,
    meter: CurrentMeter,
    points: Sequence[VoltagePoint],
    states: dict[float, np.ndarray],
    tol_mV: float = 1e-3,
    max_solves: int = 30,
) -> float | None:
    """Zero of the total current, refined by solving (Illinois regula falsi) inside a sign change.

    None when the computed I–V curve does not change sign.
    """
    done = sorted((p for p in points if p.converged), key=lambda p: p.voltage_mV)
    bracket = next(
        ((a, b) for a, b in itertools.pairwise(done) if a.current * b.current <= 0),
        None,
    )
    if bracket is None:
        return None
    (va, ia), (vb, ib) = (
        (bracket[0].voltage_mV, bracket[0].current),
        (
            bracket[1].voltage_mV,
            bracket[1].current,
        ),
    )
    if ia == 0.0:
        return va
    if ib == 0.0:
        return vb
    with phase(log, problem.domain.mesh.comm, "reversal-potential search"):
        return _regula_falsi(problem, meter, states, (va, ia), (vb, ib), tol_mV, max_solves)


def _regula_falsi(problem, meter, states, a, b, tol_mV: float, max_solves: int) -> float | None:
    (va, ia), (vb, ib) = a, b
    side, previous = 0, np.inf
    for _ in range(max_solves):
        v = (va * ib - vb * ia) / (ib - ia)
        start = _nearest(states, v)
        problem.restore_state(states[start])
        try:
            to_voltage(problem, start, v)
        except ConvergenceError as err:
            log.warning("reversal-potential search stopped: %s", err)
            return None
        states[v] = problem.copy_state()
        i = float(meter.electrode_currents().sum())
        log.debug(
            "  reversal search: V = %+.6f mV, I = %+.4e", v, i, extra=on(problem.domain.mesh.comm)
        )
        if i == 0.0 or abs(v - previous) < tol_mV:
            break
        previous = v
        if (i > 0) == (ib > 0):
            vb, ib = v, i
            if side == 1:
                ia *= 0.5
            side = 1
        else:
            va, ia = v, i
            if side == -1:
                ib *= 0.5
            side = -1
    return float(v)
