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

import numpy as np
import ufl

# Metadata of the vertex quadrature rule (`solver.quadrature = "vertex"`, P1 only): the
# cell's vertices as points, equal weights. exp(u) is then evaluated at the nodes only,
# so each cell's Nernst–Planck flux carries the mean of its vertices' concentrations
# (the product-interpolation, or group, approximation c = sum_j exp(u_j) phi_j, which
# is exact for the P1 gradients) and the charge terms a lumped mass. That mean stays
# positive however low one vertex's u goes, and the kernels evaluate 4 exponentials per
# tetrahedron instead of 14.
VERTEX_RULE = {"quadrature_rule": "vertex", "quadrature_degree": 1}


class ExcessPotential(Protocol):
    """An excess chemical potential mu_i^ex / kT of the ions (steric exclusion now;
    solvation or correlations are more of these).

    With one, the species unknowns are the chemical-potential variables
    u_i = ln(c_i / c0) + mu_i^ex / kT instead of ln(c_i / c0): the fluxes are then
    -D_i c_i grad(u_i + z_i psi), whose equilibrium u_i + z_i psi = const is exact in
    the discrete space, and the term supplies the concentrations c_i(u) / c0 (the
    inverse of u(c)), both in UFL and on nodal arrays.
    """

    def concentrations(self, us: Sequence[ufl.core.expr.Expr]) -> list[ufl.core.expr.Expr]: ...

    def nodal_concentrations(self, us: np.ndarray) -> np.ndarray: ...

    def chemical_potentials(self, c: Sequence[float]) -> list[float]:
        """u_i for the scaled concentrations c_i / c0 (the bath values at the electrodes)."""
        ...


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
    excess: ExcessPotential | None = None
    # Pe * u, the scaled fluid velocity (pnp.solver.flow) that advects the ions; None: no flow
    advection: ufl.core.expr.Expr | None = None
    # Optional manufactured sources (Poisson first, then one per species), in strong form.
    sources: Sequence[ufl.core.expr.Expr] = field(default_factory=tuple)


def split_state(w: ufl.core.expr.Expr, n_species: int) -> tuple[ufl.core.expr.Expr, list]:
    """(psi, [u_1..u_n]) from the blocked unknown."""
    return w[0], [w[1 + i] for i in range(n_species)]


def concentrations(us: Sequence, excess: ExcessPotential | None) -> list[ufl.core.expr.Expr]:
    """Scaled concentrations c_i / c0 from the species unknowns: exp(u_i), or the excess
    term's inverse of u_i = ln(c_i / c0) + mu_i^ex / kT."""
    if excess is None:
        return [ufl.exp(u) for u in us]
    return excess.concentrations(us)


def fluxes(psi, us: Sequence, coeffs: Coefficients) -> list[ufl.core.expr.Expr]:
    """Scaled Nernst–Planck fluxes j_i = -(D_i/D0) c_i grad(u_i + z_i psi), u_i the
    (chemical-potential) unknown of species i, plus c_i Pe u with a flow."""
    cs = concentrations(us, coeffs.excess)
    js = [
        -d * c * ufl.grad(u + z * psi)
        for u, c, z, d in zip(us, cs, coeffs.charges, coeffs.diffusion, strict=True)
    ]
    if coeffs.advection is not None:
        js = [j + c * coeffs.advection for j, c in zip(js, cs, strict=True)]
    return js


def mobile_charge(us: Sequence, coeffs: Coefficients) -> ufl.core.expr.Expr:
    """sum_i z_i c_i / c0."""
    cs = concentrations(us, coeffs.excess)
    return sum(z * c for z, c in zip(coeffs.charges, cs, strict=True))


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
        - coeffs.kappa * mobile_charge(us, coeffs) * q * r * dxe
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
        coeffs.fixed_charge + mobile_charge(us, coeffs)
    )
    species = [cylindrical_divergence(j, r) for j in fluxes(psi, us, coeffs)]
    return [poisson, *species]
