"""The iterative Stokes solve of [flow] (solver.preset = "iterative"): GMRES with the
block-triangular velocity (GAMG) | pressure-mass preconditioner.

- It gives the velocity and flow rate of the direct (MUMPS LU) solve of the same
  discrete problem, on an r–z pore between baths and on a small 3D pore (the
  off-electrolyte dofs pinned by unit rows in both).
- Its iteration count stays bounded under mesh refinement (the mass matrix is
  spectrally equivalent to the Schur complement); without the pressure-mass block the
  same solve does not converge, and that is reported (inf), not returned.
- A whole case with the iterative preset and [flow] gives the direct preset's currents
  and flow rates.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
import ufl
from mpi4py import MPI

from pnp.case import case_from_dict
from pnp.errors import ConvergenceError
from pnp.fem import PETSc, dolfinx
from pnp.run import prepare, run_case
from pnp.solver.continuation import ramp_fixed_charge
from pnp.solver.flow.problem import FLOW_PREFIX, StokesFlow
from pnp.solver.forms import split_state

COMM = MPI.COMM_WORLD
fem = dolfinx.fem


def pore_case(kind: str = "axisymmetric", mesh_nm: float = 1.0, wall_nm: float = 0.25) -> dict:
    return {
        "geometry": {
            "kind": kind,
            "pore_radius_nm": 1.5,
            "pore_length_nm": 5.0,
            "bath_radius_nm": 8.0,
            "bath_length_nm": 8.0,
            "mesh_size_nm": mesh_nm,
            "wall_size_nm": wall_nm,
        },
        "surfaces": {"pore_wall": {"charge_C_per_m2": -0.05}},
        "species": [
            {
                "name": n,
                "charge": z,
                "diffusion_m2_per_s": 2e-9,
                "inside_mM": 100.0,
                "outside_mM": 100.0,
            }
            for n, z in (("K", 1), ("Cl", -1))
        ],
        "conditions": {"voltages_mV": [-50.0, 50.0]},
        "flow": {"pressure_difference_Pa": 1.0e5},
        "output": {"fields": False, "plots": False, "profiles": False},
    }


def iterative_copy(problem) -> StokesFlow:
    """An iterative Stokes solver of `problem`'s flow (same force, walls, pressures)."""
    psi, us = split_state(problem.state, len(problem.case.species))
    flow = StokesFlow(
        problem.domain,
        psi,
        us,
        problem.coefficients,
        problem.measures.dx_electrolyte,
        preset="iterative",
    )
    flow.set_pressures(
        float(problem.flow.pressure_inside.value), float(problem.flow.pressure_outside.value)
    )
    return flow


def integral(expr) -> float:
    return COMM.allreduce(float(fem.assemble_scalar(fem.form(expr))), op=MPI.SUM)


def flux_and_norm(problem, velocity) -> tuple[float, float]:
    """The volume integral of u_z (the flow rate times the length, in the section's
    measure) and the L2 norm of u over the electrolyte."""
    weight = problem.weight
    dx = problem.measures.dx_electrolyte
    axis = problem.domain.axis
    return (
        integral(velocity[axis] * weight * dx),
        np.sqrt(integral(ufl.inner(velocity, velocity) * weight * dx)),
    )


@pytest.mark.parametrize(
    ("kind", "mesh_nm", "wall_nm"), [("axisymmetric", 1.0, 0.25), ("3d", 3.0, 1.0)]
)
def test_iterative_stokes_matches_the_direct_solve(kind, mesh_nm, wall_nm):
    problem = prepare(case_from_dict(pore_case(kind, mesh_nm, wall_nm)), COMM)
    flow = None
    try:
        problem.set_voltage(50.0)
        problem.initial_guess()  # psi ramp and density step: an electric and an ion force
        assert np.isfinite(problem.flow.solve())
        flow = iterative_copy(problem)
        assert np.isfinite(flow.solve())
        assert 0 < flow.iterations < 300
        direct, _ = flux_and_norm(problem, problem.flow.velocity)
        rate, _ = flux_and_norm(problem, flow.velocity)
        _, difference = flux_and_norm(problem, flow.velocity - problem.flow.velocity)
        _, size = flux_and_norm(problem, problem.flow.velocity)
        assert abs(direct) > 1e-3 * size  # a real net flow
        assert abs(rate / direct - 1.0) <= 1e-7
        assert difference <= 1e-7 * size
    finally:
        if flow is not None:
            flow.destroy()
        problem.destroy()


def stokes_iterations(mesh_nm: float, wall_nm: float) -> tuple[int, float]:
    """Krylov iterations of the iterative Stokes solve of the r–z pore and its result
    (inf: the solve failed)."""
    problem = prepare(case_from_dict(pore_case("axisymmetric", mesh_nm, wall_nm)), COMM)
    flow = iterative_copy(problem)
    try:
        problem.initial_guess()
        change = flow.solve()
        return flow.iterations, change
    finally:
        flow.destroy()
        problem.destroy()


def test_iterations_are_bounded_under_refinement():
    counts = []
    for refinement in range(3):  # 6.6e3, 1.9e4, 6.1e4 Stokes unknowns
        iterations, change = stokes_iterations(1.0 / 2**refinement, 0.25 / 2**refinement)
        assert np.isfinite(change)
        counts.append(iterations)
    assert counts[-1] <= 1.5 * counts[0], counts


def test_without_the_pressure_mass_block_the_solve_fails_and_says_so():
    """The control of the refinement test: a unit pressure block instead of the mass
    matrix leaves the scaled Schur complement (eigenvalues ~ h^2) unpreconditioned."""
    db = PETSc.Options()
    names = [FLOW_PREFIX + "fieldsplit_pressure_pc_type", FLOW_PREFIX + "ksp_max_it"]
    db[names[0]] = "none"
    db[names[1]] = 300
    try:
        iterations, change = stokes_iterations(1.0, 0.25)
    finally:
        for name in names:
            db.delValue(name)
    assert iterations == 300
    assert change == float("inf")


def test_failed_iterative_stokes_solve_is_a_typed_error():
    db = PETSc.Options()
    name = FLOW_PREFIX + "ksp_max_it"
    db[name] = 2
    data = pore_case()
    data["solver"] = {"preset": "iterative"}
    try:
        problem = prepare(case_from_dict(data), COMM)
    finally:
        db.delValue(name)
    try:
        with pytest.raises(ConvergenceError, match="FLOW_SOLVE_FAILED"):
            ramp_fixed_charge(problem)
    finally:
        problem.destroy()


def test_case_with_iterative_preset_and_flow_matches_direct(shared_tmp):
    direct = pore_case()
    iterative = copy.deepcopy(direct)
    iterative["solver"] = {"preset": "iterative"}
    results = [
        run_case(case_from_dict(data), shared_tmp / name, COMM)
        for name, data in (("direct", direct), ("iterative", iterative))
    ]
    for a, b in zip(*(r["points"] for r in results), strict=True):
        assert a["voltage_mV"] == b["voltage_mV"]
        assert abs(b["current_pA"] / a["current_pA"] - 1.0) < 1e-5
        assert abs(b["flow_rate_m3_per_s"] / a["flow_rate_m3_per_s"] - 1.0) < 1e-5
