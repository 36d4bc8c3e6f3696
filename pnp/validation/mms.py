"""Manufactured solutions for the coupled nonlinear PNP forms: L2 convergence rates.

The exact (psi, c_i) are smooth; their strong-form residuals, computed by UFL
from the same coefficients, become sources. Dirichlet data come from the exact
solution on the boundary (the axis r = 0 keeps its natural symmetry condition).
Variable permittivity, fixed charge, variable diffusion and valences +1, -1, +2
are all exercised.
"""

from __future__ import annotations

import basix.ufl
import numpy as np
import ufl
from mpi4py import MPI

from pnp.fem import dolfinx
from pnp.solver.excess.steric import StericExclusion
from pnp.solver.forms import (
    VERTEX_RULE,
    Coefficients,
    Measures,
    concentrations,
    pnp_residual,
    strong_residuals,
)
from pnp.solver.newton import NewtonSolver

fem = dolfinx.fem
CHARGES = (1, -1, 2)
DIFFUSION = (1.0, 0.7, 0.4)
# packing a_j^3 N_A c0 of the three species: with these exact unknowns the packing
# fraction S / (1 + S) reaches about 0.4
STERIC_VOLUMES = (0.15, 0.1, 0.25)


def channel_area(x):
    """A smooth cross-section A(x) > 0 varying by a factor 3 over [-1, 1]."""
    return 2.0 + ufl.sin(1.7 * x + 0.3)


OPTIONS = {
    "snes_type": "newtonls",
    "snes_linesearch_type": "bt",
    "snes_rtol": 1e-12,
    "snes_atol": 1e-13,
    "snes_max_it": 30,
    "ksp_type": "preonly",
    "pc_type": "lu",
    "pc_factor_mat_solver_type": "mumps",
}


def exact_fields(x, dim: int, axisymmetric: bool):
    """Exact psi and log-densities u_i (smooth, O(1) variation, symmetric about r = 0)."""
    z = x[dim - 1]
    lateral = 1.0
    if axisymmetric:
        lateral = ufl.cos(0.5 * ufl.pi * x[0])  # d/dr = 0 on the axis
    elif dim == 3:
        lateral = ufl.cos(0.4 * x[0]) * ufl.cos(0.3 * x[1])
    psi = 1.5 * ufl.sin(1.3 * z + 0.2) * lateral
    us = [
        0.6 * ufl.cos(1.1 * z) * lateral,
        -0.4 * ufl.sin(0.9 * z + 0.5) + 0.2 * lateral,
        0.3 * z * lateral - 0.5,
    ]
    return psi, us


def solve_mms(
    mesh,
    axisymmetric: bool,
    degree: int = 1,
    *,
    steric: bool = False,
    area: bool = False,
    vertex: bool = False,
) -> tuple[float, list[float]]:
    """Solve on `mesh`; return (h, [L2 error of psi, c_1, ..., c_n]). `steric` adds the
    finite-size excess potential (packing volumes `STERIC_VOLUMES`); `area` weights a 1D
    mesh by the cross-section `channel_area`(x), as in the 1D channel model; `vertex`
    integrates the residual, sources included, with the vertex rule (P1) instead of a
    high-degree Gauss rule. The errors are always integrated at high degree."""
    dim = mesh.topology.dim
    n = len(CHARGES)
    V = fem.functionspace(
        mesh, basix.ufl.element("Lagrange", mesh.basix_cell(), degree, shape=(n + 1,))
    )
    w = fem.Function(V)
    x = ufl.SpatialCoordinate(mesh)
    psi_e, us_e = exact_fields(x, dim, axisymmetric)
    weight = x[0] if axisymmetric else (channel_area(x[0]) if area else 1.0)
    coeffs = Coefficients(
        permittivity=2.0 + x[dim - 1] ** 2,
        fixed_charge=0.3 * ufl.sin(x[dim - 1]),
        diffusion=[d * (1.0 + 0.2 * x[dim - 1] ** 2) for d in DIFFUSION],
        charges=CHARGES,
        kappa=0.8,
        weight=weight,
        excess=StericExclusion(STERIC_VOLUMES) if steric else None,
    )
    sources = strong_residuals(psi_e, us_e, coeffs)
    dx = ufl.Measure("dx", domain=mesh, metadata={"quadrature_degree": 2 * degree + 4})
    test = ufl.TestFunction(V)
    if vertex:  # the sources (singular on the axis, like 1/r) stay at high degree
        dx_vertex = ufl.Measure("dx", domain=mesh, metadata=VERTEX_RULE)
        residual = pnp_residual(w, test, coeffs, Measures(dx=dx_vertex, dx_electrolyte=dx_vertex))
        residual -= sum(f * test[k] * weight * dx for k, f in enumerate(sources))
    else:
        coeffs = Coefficients(**{**coeffs.__dict__, "sources": sources})
        residual = pnp_residual(w, test, coeffs, Measures(dx=dx, dx_electrolyte=dx))

    fdim = dim - 1
    mesh.topology.create_connectivity(fdim, dim)
    facets = dolfinx.mesh.exterior_facet_indices(mesh.topology)
    if axisymmetric:  # every boundary facet but those on the axis (judged by their midpoints)
        midpoints = dolfinx.mesh.compute_midpoints(mesh, fdim, facets)
        facets = facets[midpoints[:, 0] > 1e-12]
    bcs = []
    for k, expr in enumerate([psi_e, *us_e]):
        Vk, _ = V.sub(k).collapse()
        g = fem.Function(Vk)
        g.interpolate(fem.Expression(expr, Vk.element.interpolation_points))
        dofs = fem.locate_dofs_topological((V.sub(k), Vk), fdim, facets)
        bcs.append(fem.dirichletbc(g, dofs, V.sub(k)))
    # start from a rough guess: zero fields
    solver = NewtonSolver(residual, w, bcs, OPTIONS, prefix="mms_")
    report = solver.solve()
    if not report.converged:
        solver.destroy()
        raise RuntimeError(f"manufactured-solution Newton solve failed: {report}")

    errors = []
    psi_h = w[0]
    exact_c = concentrations(us_e, coeffs.excess)
    approx_c = concentrations([w[1 + i] for i in range(n)], coeffs.excess)
    for exact, approx in [(psi_e, psi_h), *zip(exact_c, approx_c, strict=True)]:
        local = fem.assemble_scalar(fem.form((exact - approx) ** 2 * weight * dx))
        errors.append(np.sqrt(mesh.comm.allreduce(local, op=MPI.SUM)))
    solver.destroy()
    h = 1.0 / mesh.topology.index_map(dim).size_global ** (1.0 / dim)
    return h, errors


def rates(hs, errs) -> np.ndarray:
    """Observed orders between successive meshes (rows) for each field (columns)."""
    errs = np.array(errs)
    return np.log(errs[:-1] / errs[1:]) / np.log(np.array(hs[:-1]) / np.array(hs[1:]))[:, None]


def mesh_1d(comm: MPI.Comm, n: int):
    return dolfinx.mesh.create_interval(comm, n, [-1.0, 1.0])


def mesh_axisymmetric(comm: MPI.Comm, n: int):
    return dolfinx.mesh.create_rectangle(
        comm, [[0.0, -1.0], [1.0, 1.0]], [n, 2 * n], dolfinx.mesh.CellType.triangle
    )


def mesh_3d(comm: MPI.Comm, n: int):
    return dolfinx.mesh.create_box(
        comm,
        [[-0.5, -0.5, -1.0], [0.5, 0.5, 1.0]],
        [n, n, 2 * n],
        dolfinx.mesh.CellType.tetrahedron,
    )


MESHES = {
    "1d": mesh_1d,
    "1d-channel": mesh_1d,
    "2d-axisymmetric": mesh_axisymmetric,
    "3d": mesh_3d,
}


def convergence_rates(
    comm: MPI.Comm,
    kind: str,
    sizes,
    degree: int = 1,
    *,
    steric: bool = False,
    vertex: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """(errors per mesh, rates per refinement) for kind in MESHES, on `comm`."""
    hs, errs = [], []
    for n in sizes:
        h, e = solve_mms(
            MESHES[kind](comm, n),
            kind == "2d-axisymmetric",
            degree,
            steric=steric,
            area=kind == "1d-channel",
            vertex=vertex,
        )
        hs.append(h)
        errs.append(e)
    return np.array(errs), rates(hs, errs)
