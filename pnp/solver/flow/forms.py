"""Pure functions that build the UFL forms of scaled steady Stokes flow.

Taylor–Hood P2/P1 velocity/pressure (u, p) live on the whole mesh and are
integrated over the electrolyte cells only (the caller pins the dofs that touch
no electrolyte cell, as for the ions). With weight r (axisymmetric r–z section,
x[0] = r) the vector Laplacian carries the hoop term u_r / r^2 and the
divergence is (1/r) d(r u_r)/dr + du_z/dz; with weight 1 the forms are the
Cartesian ones (planar 2D, 3D). Viscosity is 1 in the scaled units.

Body force. The force of the ions on the fluid is written as
f = -sum_i c_i grad(mu~_i) = -rho_e grad(phi) - grad(Pi), Pi = kT sum_i c_i the
ideal osmotic pressure (plus its excess part for finite-size ions,
`pnp.solver.excess.steric`): the same velocity as the force -rho_e grad(phi), with
the pressure p - Pi as unknown. Its radial part vanishes identically where the
ions are in equilibrium across the pore, so the large double-layer pressure
does not have to be resolved by the P1 pressure.

Open boundaries (the electrodes) carry the traction (grad(u) - p I) n = g, for a
pressure p_e there g = -p_e n (the "do-nothing" condition of the Laplacian form).
"""

from __future__ import annotations

from collections.abc import Sequence

import ufl

from pnp.solver.forms import Coefficients, concentrations


def weighted_divergence(u, weight, axisymmetric: bool) -> ufl.core.expr.Expr:
    """weight * div(u): r * ((1/r) d(r u_r)/dr + du_z/dz) = r div(u) + u_r in r–z."""
    if axisymmetric:
        return weight * ufl.div(u) + u[0]
    return weight * ufl.div(u)


def stokes_bilinear(u, p, v, q, *, weight, axisymmetric: bool, dx: ufl.Measure) -> ufl.Form:
    """a((u, p), (v, q)) of -lap(u) + grad(p) = f, div(u) = 0 (symmetric saddle point)."""
    a = ufl.inner(ufl.grad(u), ufl.grad(v)) * weight * dx
    if axisymmetric:
        a += u[0] * v[0] / weight * dx  # hoop term (u_r v_r / r^2) * r
    a -= p * weighted_divergence(v, weight, axisymmetric) * dx
    a -= q * weighted_divergence(u, weight, axisymmetric) * dx
    return a


def ion_force(psi, us: Sequence, coeffs: Coefficients) -> ufl.core.expr.Expr:
    """Scaled force density of the ions on the fluid, -kappa sum_i c_i grad(u_i + z_i psi)
    (module notes: -rho_e grad(phi) up to the gradient of the osmotic pressure)."""
    cs = concentrations(us, coeffs.excess)
    return -coeffs.kappa * sum(
        c * ufl.grad(u + z * psi) for c, u, z in zip(cs, us, coeffs.charges, strict=True)
    )


def stokes_linear(
    v,
    force,
    *,
    weight,
    dx: ufl.Measure,
    tractions: Sequence[tuple[ufl.core.expr.Expr, ufl.Measure]] = (),
) -> ufl.Form:
    """L(v) = (f, v) + sum over open boundaries of (g, v), g the traction there."""
    L = ufl.inner(force, v) * weight * dx
    for g, ds in tractions:
        L += ufl.inner(g, v) * weight * ds
    return L


def pressure_traction(pressure, mesh) -> ufl.core.expr.Expr:
    """Traction -p n of an open boundary held at pressure p (outward normal n)."""
    return -pressure * ufl.FacetNormal(mesh)


def strong_stokes(u, p, *, weight, axisymmetric: bool) -> ufl.core.expr.Expr:
    """-lap(u) + grad(p) in the computational coordinates (manufactured sources)."""
    lap = ufl.as_vector([ufl.div(weight * ufl.grad(u[k])) / weight for k in range(len(u))])
    if axisymmetric:
        lap -= ufl.as_vector([u[0] / weight**2] + [0] * (len(u) - 1))
    return -lap + ufl.grad(p)


def stokes_divergence(u, *, weight, axisymmetric: bool) -> ufl.core.expr.Expr:
    return weighted_divergence(u, weight, axisymmetric) / weight


def navier_slip(u, p, v, q, *, normal, size, friction, weight, penalty: float = 100.0):
    """Nitsche terms of a Navier-slip wall for the Laplacian form: u . n = 0 weakly and
    the tangential traction (du/dn) . t = -(1 / b) u . t, `friction` = 1 / b (scaled).

    Symmetric Nitsche with penalty / h on the normal component. With u . n = 0 on a wall
    that is straight in the section (a cylinder or cone of revolution, a plane), the
    tangential part of du/dn equals that of the strain rate 2 e(u) n, so b is the
    slip length of the stress condition. Integrate with `weight` r over the wall.
    """
    un, vn = ufl.dot(u, normal), ufl.dot(v, normal)
    ut, vt = u - un * normal, v - vn * normal
    dudn = ufl.dot(ufl.dot(ufl.grad(u), normal), normal)
    dvdn = ufl.dot(ufl.dot(ufl.grad(v), normal), normal)
    return (
        friction * ufl.inner(ut, vt) - (dudn - p) * vn - (dvdn - q) * un + penalty / size * un * vn
    ) * weight
