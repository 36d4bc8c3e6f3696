"""Time discretisation of the scaled PNP system: BDF weights and the storage term.

Scaled time. With lengths in L0, concentrations in c0 and diffusion
coefficients in D0 (see `scaling.py`), the physical balance dc/dt + div J = 0,
J = (D0 c0 / L0) j, becomes

    dc^/dt^ + div^ j = 0    with    t^ = t / t0,   t0 = L0^2 / D0,

where j is the scaled flux of `forms.fluxes` (t0 = 0.5 ns for L0 = 1 nm
and D0 = 2e-9 m^2/s). Poisson stays quasi-static: it holds at every instant
and carries no time derivative.

Storage term. Nernst–Planck is discretised in the conservative form
d c(u)/dt (c = exp(u), or the excess term's c(u)): the BDF difference acts on the
concentrations of the time levels, not on u, so the discrete amount
of every species changes exactly by its boundary fluxes. Its weak form is
integrated over the electrolyte with the same r-weight and measure as the
steady Nernst–Planck term, and added to the steady residual of
`forms.pnp_residual`.

BDF weights. dy/dt at t_{n+1} ~ (a0 y^{n+1} + a1 y^n + a2 y^{n-1}) / dt_n with

    backward Euler:  a = (1, -1, 0)
    variable BDF2:   a = ((1 + 2w) / (1 + w), -(1 + w), w^2 / (1 + w)),  w = dt_n / dt_{n-1}

(w = 1 gives the constant-step (3/2, -2, 1/2)). Both weight sets sum to zero,
so the derivative of a constant vanishes exactly.

Time integrals. A quantity whose rate is a BDF difference, r_n = D_t y, is
integrated exactly by solving the same formula for the integral: Q^{n+1} from
a0 Q^{n+1} + a1 Q^n + a2 Q^{n-1} = dt_n r_n (`bdf_accumulate`, with the weights
and levels of each step) gives Q^n - Q^0 = y^n - y^0 at every level, since the
difference of the two obeys the homogeneous recurrence from zero.
For backward Euler this is the plain sum of r_n dt_n (it telescopes). For
variable-step BDF2 that sum is not the change of anything: with
a0 + a1 + a2 = 0 it is sum_n (a0 (y^{n+1} - y^n) - a2 (y^n - y^{n-1})), which
weights the increments unevenly whenever w varies, and is only a first-order
quadrature of the rate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import ufl
from ufl.core.expr import Expr

from pnp.solver.forms import Coefficients, Measures, concentrations, pnp_residual, split_state
from pnp.solver.scaling import Scales


def time_scale_s(scales: Scales) -> float:
    """t0 = L0^2 / D0: one unit of scaled time, in seconds."""
    return scales.length_m**2 / scales.diffusion_m2_per_s


def bdf_weights(order: int, step: float, previous_step: float | None = None) -> tuple[float, ...]:
    """(a0, a1, a2) of the BDF formula of `order` (1 or 2) for a step after `previous_step`."""
    if order == 1:
        return (1.0, -1.0, 0.0)
    if order != 2 or previous_step is None or previous_step <= 0.0:
        raise ValueError("BDF2 needs order 2 and the (positive) length of the previous step")
    w = step / previous_step
    return ((1.0 + 2.0 * w) / (1.0 + w), -(1.0 + w), w * w / (1.0 + w))


def bdf_accumulate(
    rate: float, step: float, order: int, previous_step: float | None, past: Sequence[float]
) -> float:
    """Q^{n+1} from (a0 Q^{n+1} + a1 Q^n + a2 Q^{n-1}) / `step` = `rate`: the time integral
    of `rate` accumulated by the BDF formula of the step; `past` = (Q^n, Q^{n-1}), where
    Q^{n-1} is needed only for BDF2."""
    a0, a1, a2 = bdf_weights(order, step, previous_step)
    older = past[1] if a2 != 0.0 else 0.0
    return (step * rate - a1 * past[0] - a2 * older) / a0


@dataclass(frozen=True)
class TimeLevels:
    """UFL handles of one BDF step: the states w^n and w^{n-1}, the weights, the scaled step."""

    previous: Sequence[Expr]  # (w^n, w^{n-1})
    weights: Sequence[Expr]  # (a0, a1, a2)
    step: Expr  # dt / t0


def time_derivative(
    quantity: Callable[[Expr], Expr],
    current: Expr,
    levels: TimeLevels,
) -> Expr:
    """BDF approximation of d quantity(w)/dt^ at the new time level (w = `current`)."""
    a0, a1, a2 = levels.weights
    w_n, w_nm1 = levels.previous
    combined = a0 * quantity(current) + a1 * quantity(w_n) + a2 * quantity(w_nm1)
    return combined / levels.step


def species_rates(w: Expr, levels: TimeLevels, coeffs: Coefficients) -> list[Expr]:
    """dc_i^/dt^ of every species, as the BDF difference of the concentrations."""
    n = len(coeffs.charges)

    def concentration_of(i: int) -> Callable[[Expr], Expr]:
        return lambda s: concentrations(split_state(s, n)[1], coeffs.excess)[i]

    return [time_derivative(concentration_of(i), w, levels) for i in range(n)]


def potential_rate(w: Expr, levels: TimeLevels, n_species: int) -> Expr:
    """dpsi/dt^ as the BDF difference of the scaled potential."""
    return time_derivative(lambda s: split_state(s, n_species)[0], w, levels)


def storage_residual(
    w: Expr, w_test: Expr, levels: TimeLevels, coeffs: Coefficients, measures: Measures
) -> ufl.Form:
    """sum_i (dc_i/dt, v_i) over the electrolyte, r-weighted like the steady Nernst–Planck term."""
    n = len(coeffs.charges)
    _, vs = split_state(w_test, n)
    rates = species_rates(w, levels, coeffs)
    r = coeffs.weight
    return sum(rate * v * r * measures.dx_electrolyte for rate, v in zip(rates, vs, strict=True))


def transient_residual(
    w: Expr, w_test: Expr, levels: TimeLevels, coeffs: Coefficients, measures: Measures
) -> ufl.Form:
    """Residual of one implicit time step: steady PNP residual plus the storage term."""
    return pnp_residual(w, w_test, coeffs, measures) + storage_residual(
        w, w_test, levels, coeffs, measures
    )
