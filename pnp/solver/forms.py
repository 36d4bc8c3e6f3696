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

import ufl


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
    diffusion: Sequence[ufl.core.expr.Expr]  # D_i / D0 (region factor included), per species
    charges: Sequence[int]
    kappa: ufl.core.expr.Expr | float
    weight: ufl.core.expr.Expr | float = 1.0  # r for the axisymmetric r–z section, else 1
    # Optional manufactured sources (Poisson first, then one per species), in strong form.
    sources: Sequence[ufl.core.expr.Expr] = field(default_factory=tuple)


def split_state(w: ufl.core.expr.Expr, n_species: int) -> tuple[ufl.core.expr.Expr, list]:
    """(psi, [u_1..u_n]) from the blocked unknown."""
    return w[0], [w[1 + i] for i in range(n_species)]


def concentration(u: ufl.core.expr.Expr) -> ufl.core.expr.Expr:
    """Scaled concentration c / c0 from the log-density."""
    return ufl.exp(u)


def species_flux(u, psi, charge: int, diffusion) -> ufl.core.expr.Expr:
    """Scaled Nernst–Planck flux j = -(D/D0) c grad(u + z psi)."""
    return -diffusion * concentration(u) * ufl.grad(u + charge * psi)


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
        -ufl.inner(species_flux(u, psi, z, d), ufl.grad(v)) * r * dxe
        for u, v, z, d in zip(us, vs, coeffs.charges, coeffs.diffusion, strict=True)
    )

    residual = poisson + nernst_planck
    if coeffs.sources:
        f_psi, *f_species = coeffs.sources
        residual -= f_psi * q * r * dx
        residual -= sum(f * v * r * dxe for f, v in zip(f_species, vs, strict=True))
    return residual


def cylindrical_divergence(vector, weight) -> ufl.core.expr.Expr:
    """div in the computational coordinates, with the r-weighting of axisymmetry.

    For weight = r (x[0]) this is (1/r) d(r F_r)/dr + dF_z/dz; for weight 1 the plain divergence.
    Used to manufacture strong-form sources consistent with `pnp_residual`.
    """
    return ufl.div(weight * vector) / weight


def strong_residuals(psi, us: Sequence, coeffs: Coefficients) -> list[ufl.core.expr.Expr]:
    """Strong-form operators L(psi, u) whose values are the sources for an exact solution."""
    r = coeffs.weight
    poisson = -cylindrical_divergence(coeffs.permittivity * ufl.grad(psi), r) - coeffs.kappa * (
        coeffs.fixed_charge + mobile_charge(us, coeffs.charges)
    )
    species = [
        cylindrical_divergence(species_flux(u, psi, z, d), r)
        for u, z, d in zip(us, coeffs.charges, coeffs.diffusion, strict=True)
    ]
    return [poisson, *species]
