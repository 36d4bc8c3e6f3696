"""Pure functions that build the UFL forms of the scaled PNP system.

The mixed unknown w = (psi, u_1, ..., u_n) lives in one blocked P_k space on the
whole mesh. Nernst–Planck is integrated over electrolyte cells only, so no ion
enters the membrane: the membrane | electrolyte interface gets the natural
no-flux condition, and the u-dofs that touch no electrolyte cell are pinned by
the caller (their rows would otherwise be empty). See `scaling.py` for units.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import ufl


class ExcessPotential(Protocol):
    """A contribution to the excess chemical potential mu_i^ex / kT of every species, from
    the log-densities (steric exclusion now; solvation or correlations are more of these).
    The Nernst–Planck flux of species i drifts down grad(u_i + z_i psi + sum mu_i^ex)."""

    def potentials(self, us: Sequence[ufl.core.expr.Expr]) -> Sequence[ufl.core.expr.Expr]: ...


@dataclass(frozen=True)
class Measures:
    """Integration measures: everything, electrolyte cells, and charged walls."""

    dx: ufl.Measure  # all cells (Poisson)
    dx_electrolyte: ufl.Measure  # bath/pore/filter cells (Nernst–Planck, mobile charge)
    # (scaled surface charge, exterior-facet measure, interior-facet measure) per charged wall
    charged_walls: Sequence[tuple[ufl.core.expr.Expr, ufl.Measure, ufl.Measure]] = ()


@dataclass(frozen=True)
class Coefficients:
    """Scaled material data as UFL expressions (DG0 functions or constants)."""

    permittivity: ufl.core.expr.Expr  # eps_r
    fixed_charge: ufl.core.expr.Expr  # rho_f / (F c0)
    diffusion: Sequence[ufl.core.expr.Expr]  # D_i / D0 where the species is, per species
    charges: Sequence[int]
    kappa: ufl.core.expr.Expr | float
    # r for the axisymmetric r–z section, the cross-section A(x) (nm^2) in the 1D channel
    # model, else 1
    weight: ufl.core.expr.Expr | float = 1.0
    excess: Sequence[ExcessPotential] = ()
    # Optional manufactured sources (Poisson first, then one per species), in strong form.
    sources: Sequence[ufl.core.expr.Expr] = field(default_factory=tuple)


def split_state(w: ufl.core.expr.Expr, n_species: int) -> tuple[ufl.core.expr.Expr, list]:
    """(psi, [u_1..u_n]) from the blocked unknown."""
    return w[0], [w[1 + i] for i in range(n_species)]


def concentration(u: ufl.core.expr.Expr) -> ufl.core.expr.Expr:
    """Scaled concentration c / c0 from the log-density."""
    return ufl.exp(u)


def excess_potentials(us: Sequence, coeffs: Coefficients) -> list:
    """sum of the excess chemical potentials mu_i^ex / kT, per species (0 without any)."""
    total = [0.0] * len(us)
    for term in coeffs.excess:
        total = [a + b for a, b in zip(total, term.potentials(us), strict=True)]
    return total


def fluxes(psi, us: Sequence, coeffs: Coefficients) -> list[ufl.core.expr.Expr]:
    """Scaled Nernst–Planck fluxes j_i = -(D_i/D0) c_i grad(u_i + z_i psi + mu_i^ex/kT)."""
    mus = excess_potentials(us, coeffs)
    return [
        -d * concentration(u) * ufl.grad(u + z * psi + mu)
        for u, z, d, mu in zip(us, coeffs.charges, coeffs.diffusion, mus, strict=True)
    ]


def mobile_charge(us: Sequence, charges: Sequence[int]) -> ufl.core.expr.Expr:
    """sum_i z_i c_i / c0."""
    return sum(z * concentration(u) for z, u in zip(charges, us, strict=True))


def pnp_residual(w, w_test, coeffs: Coefficients, measures: Measures) -> ufl.Form:
    """Residual F(w; w_test) of steady PNP (Galerkin, log-density form)."""
    n = len(coeffs.charges)
    psi, us = split_state(w, n)
    q, vs = split_state(w_test, n)
    r = coeffs.weight
    dx, dxe = measures.dx, measures.dx_electrolyte

    poisson = (
        coeffs.permittivity * ufl.inner(ufl.grad(psi), ufl.grad(q)) * r * dx
        - coeffs.kappa * coeffs.fixed_charge * q * r * dx
        - coeffs.kappa * mobile_charge(us, coeffs.charges) * q * r * dxe
    )
    for sigma, ds, dS in measures.charged_walls:
        poisson -= sigma * q * r * ds + sigma * ufl.avg(q * r) * dS

    nernst_planck = sum(
        -ufl.inner(j, ufl.grad(v)) * r * dxe
        for j, v in zip(fluxes(psi, us, coeffs), vs, strict=True)
    )

    residual = poisson + nernst_planck
    if coeffs.sources:
        f_psi, *f_species = coeffs.sources
        residual -= f_psi * q * r * dx
        residual -= sum(f * v * r * dxe for f, v in zip(f_species, vs, strict=True))
    return residual


def cylindrical_divergence(vector, weight) -> ufl.core.expr.Expr:
    """div in the computational coordinates, with the r-weighting of axisymmetry.

    For weight = r (x[0]) this is (1/r) d(r F_r)/dr + dF_z/dz, for weight A(x) the
    area-weighted (1/A) d(A F)/dx of the 1D channel; for weight 1 the plain divergence.
    Used to manufacture strong-form sources consistent with `pnp_residual`.
    """
    return ufl.div(weight * vector) / weight


def strong_residuals(psi, us: Sequence, coeffs: Coefficients) -> list[ufl.core.expr.Expr]:
    """Strong-form operators L(psi, u) whose values are the sources for an exact solution."""
    r = coeffs.weight
    poisson = -cylindrical_divergence(coeffs.permittivity * ufl.grad(psi), r) - coeffs.kappa * (
        coeffs.fixed_charge + mobile_charge(us, coeffs.charges)
    )
    species = [cylindrical_divergence(j, r) for j in fluxes(psi, us, coeffs)]
    return [poisson, *species]
