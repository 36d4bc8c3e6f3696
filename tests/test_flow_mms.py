"""Manufactured solutions of the Stokes forms (`pnp.solver.flow.forms`): Taylor–Hood
P2/P1 converges at rate 3 in the velocity and 2 in the pressure (L2), on the
axisymmetric r–z section (hoop term, weight r) and the planar/3D Cartesian forms.

The exact velocities are divergence-free (from a stream function), the source is
the strong form applied to them; velocity is given on the boundary except on one
open side, which carries the exact traction (grad(u) - p I) n, so the pressure
is determined. On the axis of the r–z section u_r = 0 and u_z is natural.
"""

from __future__ import annotations

import basix.ufl
import numpy as np
import pytest
import ufl
from mpi4py import MPI

from pnp.fem import dolfinx, fem_petsc
from pnp.solver.flow.forms import (
    stokes_bilinear,
    stokes_divergence,
    stokes_linear,
    strong_stokes,
)

fem = dolfinx.fem
COMM = MPI.COMM_WORLD


def exact_fields(mesh, axisymmetric: bool):
    x = ufl.SpatialCoordinate(mesh)
    if axisymmetric:  # stream function r^2 cos(r) sin(z): u_r = -(1/r) dPsi/dz, u_z = (1/r) dPsi/dr
        r, z = x[0], x[1]
        f, h = ufl.cos(r), ufl.sin(z + 0.3)
        u = ufl.as_vector([-r * f * ufl.cos(z + 0.3), (2 * f - r * ufl.sin(r)) * h])
        return u, ufl.cos(r) * z + r**2
    if mesh.geometry.dim == 2:
        psi = ufl.sin(np.pi * x[0]) * ufl.sin(np.pi * x[1] + 0.4)
        u = ufl.as_vector([psi.dx(1), -psi.dx(0)])
        return u, ufl.cos(x[0] + 2 * x[1])
    a = ufl.as_vector([ufl.sin(x[1] + x[2]), ufl.cos(x[0] * x[2]), ufl.sin(x[0] + x[1])])
    return ufl.curl(a), ufl.sin(x[0] - x[1] + x[2])


def solve_mms(n: int, kind: str) -> tuple[float, float, float]:
    if kind == "3d":
        mesh = dolfinx.mesh.create_unit_cube(COMM, n, n, n)
    else:
        mesh = dolfinx.mesh.create_unit_square(COMM, n, n)
    axisymmetric = kind == "axisymmetric"
    gdim = mesh.geometry.dim
    cell = mesh.basix_cell()
    W = fem.functionspace(
        mesh,
        basix.ufl.mixed_element(
            [
                basix.ufl.element("Lagrange", cell, 2, shape=(gdim,)),
                basix.ufl.element("Lagrange", cell, 1),
            ]
        ),
    )
    weight = ufl.SpatialCoordinate(mesh)[0] if axisymmetric else 1.0
    u_ex, p_ex = exact_fields(mesh, axisymmetric)
    div_ex = stokes_divergence(u_ex, weight=weight, axisymmetric=axisymmetric)
    force = strong_stokes(u_ex, p_ex, weight=weight, axisymmetric=axisymmetric)
    fdim = gdim - 1
    mesh.topology.create_connectivity(fdim, gdim)
    top = dolfinx.mesh.locate_entities_boundary(mesh, fdim, lambda x: np.isclose(x[gdim - 1], 1.0))
    tags = dolfinx.mesh.meshtags(mesh, fdim, top, np.full(top.size, 1, np.int32))
    ds = ufl.Measure("ds", domain=mesh, subdomain_data=tags)
    normal = ufl.FacetNormal(mesh)
    traction = ufl.dot(ufl.grad(u_ex) - p_ex * ufl.Identity(gdim), normal)
    u, p = ufl.TrialFunctions(W)
    v, q = ufl.TestFunctions(W)
    dx = ufl.Measure("dx", domain=mesh, metadata={"quadrature_degree": 6})
    a = stokes_bilinear(u, p, v, q, weight=weight, axisymmetric=axisymmetric, dx=dx)
    L = stokes_linear(v, force, weight=weight, dx=dx, tractions=[(traction, ds(1))])
    assert float(np.abs(fem.assemble_scalar(fem.form(div_ex**2 * dx)))) < 1e-20
    V, _ = W.sub(0).collapse()
    u_bc = fem.Function(V)
    u_bc.interpolate(fem.Expression(u_ex, V.element.interpolation_points))
    boundary = dolfinx.mesh.locate_entities_boundary(
        mesh, fdim, lambda x: np.full(x.shape[1], True)
    )
    walls = np.setdiff1d(boundary, top)  # facets, not vertices: the open side's corners stay
    if axisymmetric:
        axis_facets = dolfinx.mesh.locate_entities_boundary(
            mesh, fdim, lambda x: np.isclose(x[0], 0.0)
        )
        walls = np.setdiff1d(walls, axis_facets)
    bcs = [fem.dirichletbc(u_bc, fem.locate_dofs_topological((W.sub(0), V), fdim, walls), W.sub(0))]
    if axisymmetric:
        R, _ = W.sub(0).sub(0).collapse()
        axis = fem.locate_dofs_geometrical((W.sub(0).sub(0), R), lambda x: np.isclose(x[0], 0.0))
        bcs.append(fem.dirichletbc(fem.Function(R), axis, W.sub(0).sub(0)))
    problem = fem_petsc.LinearProblem(
        a,
        L,
        bcs=bcs,
        petsc_options_prefix=f"flow_mms_{kind}_{n}_",
        petsc_options={
            "ksp_type": "preonly",
            "pc_type": "lu",
            "pc_factor_mat_solver_type": "mumps",
        },
    )
    w = problem.solve()
    uh, ph = ufl.split(w)

    def norm(expr) -> float:
        return np.sqrt(
            COMM.allreduce(fem.assemble_scalar(fem.form(expr * weight * dx)), op=MPI.SUM)
        )

    eu = norm(ufl.inner(uh - u_ex, uh - u_ex)) / norm(ufl.inner(u_ex, u_ex))
    ep = norm((ph - p_ex) ** 2) / norm(p_ex**2)
    ed = norm(stokes_divergence(uh, weight=weight, axisymmetric=axisymmetric) ** 2)
    problem.solver.destroy()
    return eu, ep, ed


@pytest.mark.parametrize(
    ("kind", "sizes"),
    [("axisymmetric", (4, 8, 16)), ("planar", (4, 8, 16)), ("3d", (3, 6))],
)
def test_taylor_hood_rates(kind, sizes):
    errors = np.array([solve_mms(n, kind) for n in sizes])
    rates = (
        np.log(errors[:-1, :2] / errors[1:, :2]) / np.log(np.array(sizes[1:]) / sizes[:-1])[:, None]
    )
    assert rates[-1, 0] > 2.8, rates  # velocity, P2
    assert rates[-1, 1] > 1.8, rates  # pressure, P1
    assert errors[-1, 0] < 1e-3
