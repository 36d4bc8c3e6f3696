"""A conical pore's membrane faces are charged apart from its wall (surfaces.membrane_face).

At 0 mV between equal 100 mM baths (Debye length 1 nm, short against the baths) the
electrolyte holds the counter-charge of every charged surface (Gauss): -sigma times
its area. Charging only the membrane faces, then only the cone wall, with the same
sigma, the two ionic charges are in the ratio of the areas,
pi (2 R^2 - r_tip^2 - r_base^2) : pi (r_tip + r_base) sqrt(L^2 + (r_base - r_tip)^2).
Serial and under ``mpiexec -n 2`` and ``-n 3``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import ufl
from mpi4py import MPI

from pnp.case import case_from_dict
from pnp.fem import dolfinx
from pnp.run import prepare, solve

COMM = MPI.COMM_WORLD
LENGTH, TIP, BASE, BATH_RADIUS = 6.0, 1.0, 2.5, 8.0


def cone(surface: str) -> dict:
    return {
        "geometry": {
            "kind": "axisymmetric",
            "shape": "conical",
            "pore_length_nm": LENGTH,
            "tip_radius_nm": TIP,
            "base_radius_nm": BASE,
            "bath_radius_nm": BATH_RADIUS,
            "bath_length_nm": 8.0,
            "wall_size_nm": 0.2,
            "mesh_size_nm": 1.5,
        },
        "surfaces": {surface: {"charge_C_per_m2": -0.02}},
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
        "conditions": {"voltages_mV": [0.0]},
        "output": {"fields": False, "plots": False, "profiles": False},
    }


def ionic_charge(surface: str) -> float:
    """integral of sum_i z_i c_i / c0 over the electrolyte (r-weighted), at 0 mV."""
    problem = prepare(case_from_dict(cone(surface)), COMM)
    try:
        (point,) = solve(problem).points
        assert point.converged
        charge = dolfinx.fem.Function(problem.scalar_space)
        valences = np.array([s.charge for s in problem.case.species], dtype=float)
        charge.x.array[:] = problem.concentrations() @ valences
        r = ufl.SpatialCoordinate(problem.domain.mesh)[0]
        form = dolfinx.fem.form(charge * r * problem.measures.dx_electrolyte)
        return COMM.allreduce(dolfinx.fem.assemble_scalar(form), op=MPI.SUM)
    finally:
        problem.destroy()


def test_face_and_wall_counter_charges_follow_their_areas():
    faces, wall = ionic_charge("membrane_face"), ionic_charge("pore_wall")
    assert faces > 0.0 and wall > 0.0  # cations gather at the negative surfaces
    face_area = math.pi * (2.0 * BATH_RADIUS**2 - TIP**2 - BASE**2)
    wall_area = math.pi * (TIP + BASE) * math.hypot(LENGTH, BASE - TIP)
    assert faces / wall == pytest.approx(face_area / wall_area, rel=0.01)
