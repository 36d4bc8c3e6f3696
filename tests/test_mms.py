"""Manufactured solutions for the coupled nonlinear PNP forms: L2 convergence rates.

The exact (psi, c_i) are smooth; their strong-form residuals, computed by UFL
from the same coefficients, become sources. Dirichlet data come from the exact
solution on the boundary (the axis r = 0 keeps its natural symmetry condition).
P1 must converge at rate 2 in L2 for psi and every concentration, in 1D, 2D
axisymmetric (r-weighted) and 3D, with variable permittivity, fixed charge and
valences +1, -1, +2.
"""

from __future__ import annotations

import basix.ufl
import numpy as np
import pytest
import ufl
from mpi4py import MPI

from pnp.fem import dolfinx
from pnp.solver.forms import Coefficients, Measures, pnp_residual, strong_residuals
from pnp.solver.newton import NewtonSolver

fem = dolfinx.fem
CHARGES = (1, -1, 2)
DIFFUSION = (1.0, 0.7, 0.4)
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


def solve_mms(mesh, axisymmetric: bool) -> tuple[float, list[float]]:
    dim = mesh.topology.dim
    n = len(CHARGES)
    V = fem.functionspace(mesh, basix.ufl.element("Lagrange", mesh.basix_cell(), 1, shape=(n + 1,)))
    w = fem.Function(V)
    x = ufl.SpatialCoordinate(mesh)
    psi_e, us_e = exact_fields(x, dim, axisymmetric)
    weight = x[0] if axisymmetric else 1.0
    coeffs = Coefficients(
        permittivity=2.0 + x[dim - 1] ** 2,
        fixed_charge=0.3 * ufl.sin(x[dim - 1]),
        diffusion=[d * (1.0 + 0.2 * x[dim - 1] ** 2) for d in DIFFUSION],
        charges=CHARGES,
        kappa=0.8,
        weight=weight,
    )
    sources = strong_residuals(psi_e, us_e, coeffs)
    coeffs = Coefficients(**{**coeffs.__dict__, "sources": sources})
    dx = ufl.Measure("dx", domain=mesh, metadata={"quadrature_degree": 6})
    residual = pnp_residual(w, ufl.TestFunction(V), coeffs, Measures(dx=dx, dx_electrolyte=dx))

    fdim = dim - 1
    mesh.topology.create_connectivity(fdim, dim)
    if axisymmetric:
        facets = dolfinx.mesh.locate_entities_boundary(mesh, fdim, lambda p: ~np.isclose(p[0], 0.0))
    else:
        facets = dolfinx.mesh.exterior_facet_indices(mesh.topology)
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
    assert report.converged, report

    errors = []
    psi_h = w[0]
    for exact, approx in [(psi_e, psi_h)] + [
        (ufl.exp(u), ufl.exp(w[1 + i])) for i, u in enumerate(us_e)
    ]:
        local = fem.assemble_scalar(fem.form((exact - approx) ** 2 * weight * dx))
        errors.append(np.sqrt(mesh.comm.allreduce(local, op=MPI.SUM)))
    solver.destroy()
    h = 1.0 / mesh.topology.index_map(dim).size_global ** (1.0 / dim)
    return h, errors


def rates(hs, errs) -> np.ndarray:
    errs = np.array(errs)
    return np.log(errs[:-1] / errs[1:]) / np.log(np.array(hs[:-1]) / np.array(hs[1:]))[:, None]


def mesh_1d(n):
    return dolfinx.mesh.create_interval(MPI.COMM_WORLD, n, [-1.0, 1.0])


def mesh_axisymmetric(n):
    return dolfinx.mesh.create_rectangle(
        MPI.COMM_WORLD, [[0.0, -1.0], [1.0, 1.0]], [n, 2 * n], dolfinx.mesh.CellType.triangle
    )


def mesh_3d(n):
    return dolfinx.mesh.create_box(
        MPI.COMM_WORLD,
        [[-0.5, -0.5, -1.0], [0.5, 0.5, 1.0]],
        [n, n, 2 * n],
        dolfinx.mesh.CellType.tetrahedron,
    )


@pytest.mark.parametrize(
    ("make_mesh", "sizes", "axisymmetric"),
    [
        (mesh_1d, (16, 32, 64, 128), False),
        (mesh_axisymmetric, (6, 12, 24), True),
        (mesh_3d, (3, 6, 12), False),
    ],
    ids=["1d", "2d-axisymmetric", "3d"],
)
def test_p1_converges_at_rate_two(make_mesh, sizes, axisymmetric):
    hs, errs = [], []
    for n in sizes:
        h, e = solve_mms(make_mesh(n), axisymmetric)
        hs.append(h)
        errs.append(e)
    r = rates(hs, errs)
    # the finest pair decides: every field (psi and each c_i) at rate >= 1.9
    assert np.all(r[-1] >= 1.9), f"observed L2 rates per refinement (psi, c_1..c_n):\n{r}"
