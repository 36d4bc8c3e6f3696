"""Local error estimate of a BDF step from divided differences, and the step-size rule.

The local error of a step of length h after a step h_p is estimated without
extra solves, from the divided differences y[...] of the accepted time levels
and the new one (the difference between the corrector and a polynomial
predictor through the previous levels):

    backward Euler:  h^2 y'' / 2                                 ~ h^2 y[t_{n+1}, t_n, t_{n-1}]
    BDF2:            h^2 (h + h_p) (1 + w) / (6 (1 + 2w)) y'''   ~ ... 6 y[t_{n+1}, ..., t_{n-2}]

(w = h / h_p; the constant-step BDF2 value is 2 h^3 y''' / 9). Right after a
protocol change too few smooth levels exist: BDF2 then uses the backward-Euler
estimate (conservative) and the first step has none. The samples are
concentrations, continuous across a voltage step, so the state just before an
instantaneous step counts as a level of the solution after it (see `stepping`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from mpi4py import MPI

SAFETY = 0.9
MAX_GROWTH = 2.0  # below 1 + sqrt(2), the zero-stability limit of variable-step BDF2
MAX_SHRINK = 0.2


def divided_difference(times: Sequence[float], values: Sequence[np.ndarray]) -> np.ndarray:
    """y[t_0, ..., t_k] of arrays sampled at distinct times."""
    table = [np.asarray(v, dtype=float) for v in values]
    t = list(times)
    for level in range(1, len(t)):
        table = [(table[i + 1] - table[i]) / (t[i + level] - t[i]) for i in range(len(table) - 1)]
    return table[0]


@dataclass(frozen=True)
class ErrorEstimate:
    """Weighted max-norm of the estimated local error (1 = at tolerance) and its order p
    (the error scales as h^(p+1))."""

    norm: float
    order: int


def local_error(
    order: int,
    times: Sequence[float],
    values: Sequence[np.ndarray],
    scale: np.ndarray,
    comm: MPI.Comm,
) -> ErrorEstimate | None:
    """Estimate for the newest level (last in `times`/`values`) of a step of `order`.

    `values` are the solution samples (e.g. concentrations) at the smooth time
    levels, oldest first, the new one last; `scale` is the tolerance per sample.
    None when there are too few levels.
    """
    available = len(times) - 2  # orders whose estimate the levels support
    if available < 1:
        return None
    used = min(order, available)
    h = times[-1] - times[-2]
    recent = slice(-(used + 2), None)
    dd = divided_difference(times[recent], values[recent])
    if used == 1:
        error = h * h * dd
    else:
        hp = times[-2] - times[-3]
        w = h / hp
        error = h * h * (h + hp) * (1.0 + w) / (1.0 + 2.0 * w) * dd
    local = float(np.max(np.abs(error) / scale)) if error.size else 0.0
    return ErrorEstimate(comm.allreduce(local, op=MPI.MAX), used)


def next_step(step: float, estimate: ErrorEstimate | None) -> float:
    """Step length for a target error of 1 (growth and shrink bounded)."""
    if estimate is None:
        return step * MAX_GROWTH
    if estimate.norm == 0.0:
        return step * MAX_GROWTH
    factor = SAFETY * estimate.norm ** (-1.0 / (estimate.order + 1))
    return step * min(MAX_GROWTH, max(MAX_SHRINK, factor))
