"""Assembly levers and the bench summary: a Jacobian with capped quadrature leads Newton
to the same root as the exact one, and the bench reports the 3D Poisson yardstick."""

from __future__ import annotations

import numpy as np
import pytest
import ufl
from mpi4py import MPI

from pnp.bench import summary
from pnp.fem import dolfinx
from pnp.solver.newton import NewtonSolver, capped_quadrature

fem = dolfinx.fem
COMM = MPI.COMM_WORLD
NEWTON = {
    "snes_type": "newtonls",
    "snes_rtol": 1e-12,
    "snes_atol": 1e-13,
    "snes_max_it": 30,
    "ksp_type": "preonly",
    "pc_type": "lu",
    "pc_factor_mat_solver_type": "mumps",
}


def exp_problem(prefix: str, degree: int | str | None) -> tuple[np.ndarray, int, NewtonSolver]:
    """-div(exp(u) grad u) + exp(u) = 1 on the unit cube, u = 0 on x = 0 and x = 1."""
    mesh = dolfinx.mesh.create_unit_cube(COMM, 4, 4, 4)
    V = fem.functionspace(mesh, ("Lagrange", 1))
    u, v = fem.Function(V), ufl.TestFunction(V)
    x = ufl.SpatialCoordinate(mesh)
    F = (ufl.exp(u) * ufl.inner(ufl.grad(u), ufl.grad(v)) + (ufl.exp(u) - 1 - x[1]) * v) * ufl.dx
    mesh.topology.create_connectivity(2, 3)
    facets = dolfinx.mesh.locate_entities_boundary(
        mesh, 2, lambda p: np.isclose(p[0], 0.0) | np.isclose(p[0], 1.0)
    )
    bc = fem.dirichletbc(0.0, fem.locate_dofs_topological(V, 2, facets), V)
    newton = NewtonSolver(F, u, [bc], NEWTON, prefix=prefix, jacobian_degree=degree)
    report = newton.solve()
    assert report.converged, report.reason
    return u.x.array.copy(), report.iterations, newton


def test_capped_jacobian_reaches_the_same_root():
    exact, its_exact, a = exp_problem("bench_exact_", None)
    capped, its_capped, b = exp_problem("bench_capped_", "mass")
    try:
        assert np.abs(exact).max() > 1e-2  # a genuinely nonlinear solution
        assert np.abs(capped - exact).max() < 1e-10
        assert its_capped <= its_exact + 2
    finally:
        a.destroy()
        b.destroy()


def test_capped_quadrature_lowers_only_estimated_degrees():
    mesh = dolfinx.mesh.create_unit_square(COMM, 2, 2)
    V = fem.functionspace(mesh, ("Lagrange", 1))
    u, v = fem.Function(V), ufl.TestFunction(V)
    fixed = ufl.dx(metadata={"quadrature_degree": 6})
    F = ufl.exp(u) * v * ufl.dx + ufl.exp(u) * v * fixed + u * v * ufl.ds
    J = ufl.derivative(F, u, ufl.TrialFunction(V))
    degrees = sorted(
        (i.integral_type(), i.metadata()["quadrature_degree"])
        for i in capped_quadrature(J, 2).integrals()
    )
    # exp(u) du v: estimate 1 + 2 + 1 + 1 = 5, capped to 2; du v on facets: 2 (kept)
    assert degrees == [("cell", 2), ("cell", 6), ("exterior_facet", 2)]
    assert capped_quadrature(J, None) is J


def case(name: str, preset: str, its: float, assembly: float, solve: float) -> dict:
    record = {
        "dofs": 1000,
        "newton_iterations_mean": its,
        "assembly_seconds": assembly,
        "solve_seconds": solve,
        "seconds_per_point": assembly + solve,
        "converged": True,
    }
    return summary.case_record(name, preset, 1, record)


def test_summary_has_the_3d_poisson_yardstick():
    cases = [
        case("axi", "direct", 2.0, 1.0, 3.0),
        case("axi", "iterative", 2.0, 1.0, 1.0),
        case("pore", "iterative", 3.0, 6.0, 3.0),
    ]
    poisson = [
        {"name": "axi", "preset": "direct", "dofs": 1000, "seconds": 0.5, "same_mesh": False},
        {"name": "axi", "preset": "iterative", "dofs": 1000, "seconds": 0.25, "same_mesh": False},
    ]
    poisson_3d = [{"name": "pore", "preset": "iterative", "dofs": 333, "seconds": 1.5}]
    poisson_3d[0]["same_mesh"] = True
    doc = summary.document(
        cases=cases,
        two_ranks=[],
        poisson=poisson,
        poisson_3d=poisson_3d,
        double_layer={},
        axisymmetric=["axi"],
        pore_3d=["pore"],
        machine={},
    )
    two = doc["newton_step_over_poisson_solve"]
    assert two["direct"] == pytest.approx(2.0 / 0.5)
    assert two["iterative"] == pytest.approx(1.0 / 0.25)
    three = doc["newton_step_over_poisson_solve_3d"]
    assert three["pnp_case"] == "pore"
    assert three["iterative"] == pytest.approx(3.0 / 1.5)
    assert three["poisson_dofs"] == 333
    assert three["poisson_mesh"] == "the PNP case's mesh"
    for key in ("cases", "growth_exponent", "speedup_2_ranks", "matscipy", "preset_agreement"):
        assert key in doc
