"""Sweep cases that share a set-up reuse one problem and get the answers of fresh runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from mpi4py import MPI

from pnp.case import load_case
from pnp.problem_cache import ProblemCache, setup_key
from pnp.run import prepare, solve

CASES = Path(__file__).resolve().parents[1] / "cases"
COMM = MPI.COMM_WORLD
BASE = [
    "geometry.mesh_size_nm=1.0",
    "geometry.wall_size_nm=0.2",
    "conditions.voltages_mV=[-40, 0, 60]",
    "surfaces.pore_wall.charge_C_per_m2=-0.01",
]
# value changes only: the mesh, species and charged surfaces stay
VARIANTS = [
    [],
    ["regions.pore.fixed_charge_M=-0.3", "surfaces.pore_wall.charge_C_per_m2=-0.05"],
    ["regions.pore.permittivity=30", "regions.pore.diffusion_factor=0.4"],
    ["species.K.diffusion_m2_per_s=1.0e-9", "species.Cl.diffusion_m2_per_s=3.0e-9"],
    ["species.K.outside_mM=20", "species.Cl.outside_mM=20"],
]


def currents(solution) -> np.ndarray:
    return np.array([p.species_currents for p in solution.points])


def test_reused_problem_gives_the_fresh_answers(shared_tmp):
    cases = [load_case(CASES / "charged_pore.toml", BASE + extra) for extra in VARIANTS]
    assert len({setup_key(c, None) for c in cases}) == 1
    cache = ProblemCache()
    try:
        for k, case in enumerate(cases):
            reused = currents(solve(cache.problem_for(case, COMM, shared_tmp / f"{k}.msh", None)))
            fresh_problem = prepare(case, COMM)
            fresh = solve(fresh_problem)
            fresh_problem.destroy()
            np.testing.assert_allclose(
                reused, currents(fresh), rtol=1e-7, atol=1e-9 * np.abs(reused).max()
            )
        assert cache.reused == len(cases) - 1
        if COMM.rank == 0:
            assert (shared_tmp / f"{len(cases) - 1}.msh").exists()  # each case has its mesh
    finally:
        cache.clear()


@pytest.mark.parametrize(
    "change",
    [
        "geometry.pore_radius_nm=0.8",  # another mesh
        "species.K.inside_mM=400 species.Cl.inside_mM=400",  # shorter Debye length: new mesh
        "surfaces.pore_wall.charge_C_per_m2=0",  # one charged surface less
        "solver.preset=iterative",
        "solver.quadrature=vertex",  # other forms
    ],
)
def test_a_different_set_up_builds_a_new_problem(change):
    base = load_case(CASES / "charged_pore.toml", BASE)
    assert setup_key(base, None) != setup_key(
        load_case(CASES / "charged_pore.toml", [*BASE, *change.split()]), None
    )


def test_reused_segmented_steric_problem_gives_the_fresh_answers(shared_tmp):
    """Segment values and ion sizes are values of one set-up (a steric channel); turning
    the sizes off changes the forms, so it builds a new problem."""
    base = ["conditions.voltages_mV=[-50, 0, 50]", "output.fields=false"]
    variants = [
        [],
        ["species.K.size_nm=0.4", "segments.filter.fixed_charge_e=-1.5"],
        ["segments.filter.permittivity=20", "segments.filter.diffusion_factor=0.2"],
    ]
    path = CASES / "charged_filter_1d_finite_size.toml"
    cases = [load_case(path, base + extra) for extra in variants]
    assert len({setup_key(c, None) for c in cases}) == 1
    plain = load_case(CASES / "charged_filter_1d.toml", base)
    assert setup_key(plain, None) != setup_key(cases[0], None)
    cache = ProblemCache()
    try:
        for k, case in enumerate(cases):
            reused = currents(solve(cache.problem_for(case, COMM, shared_tmp / f"s{k}.msh", None)))
            fresh_problem = prepare(case, COMM)
            fresh = solve(fresh_problem)
            fresh_problem.destroy()
            np.testing.assert_allclose(
                reused, currents(fresh), rtol=1e-7, atol=1e-9 * np.abs(reused).max()
            )
        assert cache.reused == len(cases) - 1
    finally:
        cache.clear()
