"""Manufactured solutions of PNP coupled to Stokes flow: L2 convergence rates.

The exact psi and species unknowns u_i are those of `pnp.validation.mms`; the exact
velocity is divergence-free (from a stream function, u_r = 0 on the axis of the
r–z section) and the pressure smooth. One Newton solve on one mixed space
(psi, u_1..u_n in P_k; velocity P2; pressure P1) of

    PNP with the fluxes advected by Pe * u_h            (`pnp.solver.forms`)
    -lap(u_h) + grad(p_h) = ion_force(psi_h, u_i,h) + s  (`pnp.solver.flow.forms`)

where the sources come from the strong forms of the same coefficients applied to
the exact fields: the PNP sources with the exact advection Pe * u, and
s = strong_stokes(u, p) - ion_force(psi, u_i), so the body force is the solver's
ion force on the discrete unknowns. Dirichlet data from the exact solution on every
side but the axis (natural for the ions and u_z, u_r = 0) and, for the flow, the
open side z = 1, which carries the exact traction (grad(u) - p I) n and so fixes
the pressure. Pe and kappa are O(1): switching off the advection or the body force
in the discrete problem (same sources) leaves an O(1) error.
"""

from __future__ import annotations

import dataclasses

import basix.ufl
import numpy as np
import ufl
from mpi4py import MPI

from pnp.fem import dolfinx
from pnp.solver.excess.steric import StericExclusion
from pnp.solver.flow.forms import (
    ion_force,
    stokes_bilinear,
    stokes_divergence,
    stokes_linear,
    strong_stokes,
)
from pnp.solver.forms import Coefficients, Measures, concentrations, pnp_residual, strong_residuals
from pnp.solver.newton import NewtonSolver
from pnp.validation.mms import CHARGES, DIFFUSION, MESHES, OPTIONS, STERIC_VOLUMES, exact_fields
from pnp.validation.mms import rates as observed_rates

fem = dolfinx.fem
PECLET = 5.0
KAPPA = 1.5
# (psi, c_1..c_n, velocity, pressure): the order of the errors returned
FIELDS = ("psi", *(f"c{i + 1}" for i in range(len(CHARGES))), "velocity", "pressure")
KINDS = ("2d-axisymmetric", "planar", "3d")


def exact_flow(x, dim: int, axisymmetric: bool):
    """Divergence-free exact velocity and a smooth pressure, O(1) each."""
    if axisymmetric:  # stream function r^2 cos(r) sin(z): u_r = -(1/r) dPsi/dz, u_z = (1/r) dPsi/dr
        r, z = x[0], x[1]
        f, h = ufl.cos(r), ufl.sin(z + 0.3)
        u = ufl.as_vector([-r * f * ufl.cos(z + 0.3), (2 * f - r * ufl.sin(r)) * h])
        return u, ufl.cos(r) * z + r**2
    if dim == 2:
        stream = ufl.sin(1.5 * x[0] + 0.2) * ufl.cos(1.2 * x[1])
        return ufl.as_vector([stream.dx(1), -stream.dx(0)]), ufl.cos(x[0] + 0.7 * x[1])
    a = ufl.as_vector([ufl.sin(x[1] + x[2]), ufl.cos(x[0] * x[2]), ufl.sin(x[0] + x[1])])
    return ufl.curl(a), ufl.sin(x[0] - x[1] + x[2])


def mesh_planar(comm: MPI.Comm, n: int):
    return dolfinx.mesh.create_rectangle(
        comm, [[-0.5, -1.0], [0.5, 1.0]], [n, 2 * n], dolfinx.mesh.CellType.triangle
    )


def _mesh(comm: MPI.Comm, kind: str, n: int):
    return mesh_planar(comm, n) if kind == "planar" else MESHES[kind](comm, n)


def _dirichlet(W, sub, expr, facets, fdim) -> fem.DirichletBC:
    space, _ = W.sub(sub[0]).sub(sub[1]).collapse() if len(sub) == 2 else W.sub(sub[0]).collapse()
    target = W.sub(sub[0]).sub(sub[1]) if len(sub) == 2 else W.sub(sub[0])
    g = fem.Function(space)
    g.interpolate(fem.Expression(expr, space.element.interpolation_points))
    dofs = fem.locate_dofs_topological((target, space), fdim, facets)
    return fem.dirichletbc(g, dofs, target)


def solve_coupled_mms(
    mesh,
    axisymmetric: bool,
    degree: int = 1,
    *,
    steric: bool = False,
    advection: bool = True,
    body_force: bool = True,
) -> tuple[float, np.ndarray]:
    """Solve on `mesh`; return (h, relative L2 errors in the order of `FIELDS`).

    `degree` is that of the PNP fields (the flow is always P2/P1). `steric` adds the
    finite-size excess potential (`STERIC_VOLUMES`). `advection` / `body_force` False
    drop that coupling term from the discrete problem, the sources kept: a check that
    the errors then do not converge.
    """
    dim = mesh.topology.dim
    n = len(CHARGES)
    cell = mesh.basix_cell()
    W = fem.functionspace(
        mesh,
        basix.ufl.mixed_element(
            [
                basix.ufl.element("Lagrange", cell, degree, shape=(n + 1,)),
                basix.ufl.element("Lagrange", cell, 2, shape=(dim,)),
                basix.ufl.element("Lagrange", cell, 1),
            ]
        ),
    )
    state = fem.Function(W)
    ions, velocity, pressure = ufl.split(state)
    ions_test, v, q = ufl.TestFunctions(W)
    x = ufl.SpatialCoordinate(mesh)
    # the r-symmetric fields vary across a planar section too (as a function of x[0])
    psi_e, us_e = exact_fields(x, dim, axisymmetric or dim == 2)
    u_e, p_e = exact_flow(x, dim, axisymmetric)
    weight = x[0] if axisymmetric else 1.0
    coeffs = Coefficients(
        permittivity=1.0 + 0.5 * x[dim - 1] ** 2,
        fixed_charge=0.3 * ufl.sin(x[dim - 1]),
        diffusion=[d * (1.0 + 0.2 * x[dim - 1] ** 2) for d in DIFFUSION],
        charges=CHARGES,
        kappa=KAPPA,
        weight=weight,
        excess=StericExclusion(STERIC_VOLUMES) if steric else None,
    )
    # Sources from the exact fields with every coupling term; the switches act on the
    # discrete problem only (Constants: one compiled form for all variants).
    pnp_sources = strong_residuals(psi_e, us_e, dataclasses.replace(coeffs, advection=PECLET * u_e))
    flow_source = strong_stokes(u_e, p_e, weight=weight, axisymmetric=axisymmetric) - ion_force(
        psi_e, us_e, coeffs
    )
    peclet = fem.Constant(mesh, PECLET if advection else 0.0)
    force_on = fem.Constant(mesh, 1.0 if body_force else 0.0)
    dx = ufl.Measure("dx", domain=mesh, metadata={"quadrature_degree": 2 * degree + 4})
    psi_h, us_h = ions[0], [ions[1 + i] for i in range(n)]
    discrete = dataclasses.replace(coeffs, advection=peclet * velocity, sources=pnp_sources)
    fdim = dim - 1
    mesh.topology.create_connectivity(fdim, dim)
    facets = dolfinx.mesh.exterior_facet_indices(mesh.topology)
    midpoints = dolfinx.mesh.compute_midpoints(mesh, fdim, facets)
    if axisymmetric:  # the axis keeps its natural symmetry condition
        facets = facets[midpoints[:, 0] > 1e-12]
        midpoints = midpoints[midpoints[:, 0] > 1e-12]
    is_open = np.isclose(midpoints[:, dim - 1], 1.0)
    walls = facets[~is_open]
    tags = dolfinx.mesh.meshtags(
        mesh, fdim, facets[is_open], np.full(int(is_open.sum()), 1, np.int32)
    )
    ds = ufl.Measure(
        "ds", domain=mesh, subdomain_data=tags, metadata={"quadrature_degree": 2 * degree + 4}
    )
    traction = ufl.dot(ufl.grad(u_e) - p_e * ufl.Identity(dim), ufl.FacetNormal(mesh))
    residual = (
        pnp_residual(ions, ions_test, discrete, Measures(dx=dx, dx_electrolyte=dx))
        + stokes_bilinear(velocity, pressure, v, q, weight=weight, axisymmetric=axisymmetric, dx=dx)
        - stokes_linear(
            v,
            force_on * ion_force(psi_h, us_h, coeffs) + flow_source,
            weight=weight,
            dx=dx,
            tractions=[(traction, ds(1))],
        )
    )
    bcs = [_dirichlet(W, (0, k), e, facets, fdim) for k, e in enumerate([psi_e, *us_e])]
    bcs.append(_dirichlet(W, (1,), u_e, walls, fdim))
    if axisymmetric:
        radial, _ = W.sub(1).sub(0).collapse()
        axis = fem.locate_dofs_geometrical(
            (W.sub(1).sub(0), radial), lambda p: np.isclose(p[0], 0.0)
        )
        bcs.append(fem.dirichletbc(fem.Function(radial), axis, W.sub(1).sub(0)))
    solver = NewtonSolver(residual, state, bcs, OPTIONS, prefix="flow_mms_")
    try:
        report = solver.solve()
        if not report.converged:
            raise RuntimeError(f"coupled manufactured-solution Newton solve failed: {report}")
    finally:
        solver.destroy()

    def norm(expr) -> float:
        local = fem.assemble_scalar(fem.form(ufl.inner(expr, expr) * weight * dx))
        return float(np.sqrt(mesh.comm.allreduce(local, op=MPI.SUM)))

    exact = [
        psi_e,
        *concentrations(us_e, coeffs.excess),
        u_e,
        p_e,
    ]
    approx = [psi_h, *concentrations(us_h, coeffs.excess), velocity, pressure]
    errors = np.array([norm(a - e) / norm(e) for a, e in zip(approx, exact, strict=True)])
    h = 1.0 / mesh.topology.index_map(dim).size_global ** (1.0 / dim)
    return h, errors


def divergence_of_exact_flow(mesh, axisymmetric: bool) -> float:
    """L2 norm of div(u) of the exact velocity (0 up to quadrature: no mass source)."""
    x = ufl.SpatialCoordinate(mesh)
    u_e, _ = exact_flow(x, mesh.topology.dim, axisymmetric)
    weight = x[0] if axisymmetric else 1.0
    div = stokes_divergence(u_e, weight=weight, axisymmetric=axisymmetric)
    dx = ufl.Measure("dx", domain=mesh, metadata={"quadrature_degree": 8})
    local = fem.assemble_scalar(fem.form(div**2 * weight * dx))
    return float(np.sqrt(mesh.comm.allreduce(local, op=MPI.SUM)))


def convergence_rates(
    comm: MPI.Comm, kind: str, sizes, degree: int = 1, **switches
) -> tuple[np.ndarray, np.ndarray]:
    """(errors per mesh, rates per refinement), columns as `FIELDS`, for kind in `KINDS`;
    `switches` as `solve_coupled_mms`."""
    hs, errs = [], []
    for n in sizes:
        h, e = solve_coupled_mms(
            _mesh(comm, kind, n), kind == "2d-axisymmetric", degree, **switches
        )
        hs.append(h)
        errs.append(e)
    return np.array(errs), observed_rates(hs, errs)
