"""Solver presets: the iterative (field-split AMG, inexact Newton) and direct (LU) presets
configure what they claim and give the same solution."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from mpi4py import MPI

from pnp.case import load_case
from pnp.cli import main
from pnp.run import prepare, solve
from pnp.solver.options import matrix_types, merged_options, split_options

CASES = Path(__file__).resolve().parents[1] / "cases"
COMM = MPI.COMM_WORLD
COARSE = ["geometry.mesh_size_nm=1.0", "geometry.wall_size_nm=0.2"]


def solved(name: str, preset: str, *overrides: str):
    case = load_case(
        CASES / f"{name}.toml",
        [*overrides, f"solver.preset={preset}", "conditions.voltages_mV=[-50, 0, 25, 75]"],
    )
    problem = prepare(case, COMM)
    solution = solve(problem)
    pc = problem.newton.snes.getKSP().getPC()
    setup = {"pc_type": pc.getType(), "ew": problem.newton.snes.getUseEW()}
    if pc.getType() == "fieldsplit":
        setup["splits"] = [sub.getPC().getType() for sub in pc.getFieldSplitSubKSP()]
    currents = np.array([p.species_currents for p in solution.points])
    result = (solution, currents, setup, [p.newton_iterations for p in solution.points])
    problem.destroy()
    return result


@pytest.mark.parametrize(
    ("name", "overrides"),
    [
        ("default", COARSE),
        ("charged_pore", COARSE),
        ("calcium", COARSE),  # three species: a 1 + 3 field split
        ("ghk_dilute", []),  # 1D slab
    ],
)
def test_iterative_preset_agrees_with_direct(name, overrides):
    direct, direct_currents, direct_setup, direct_its = solved(name, "direct", *overrides)
    iterative, iterative_currents, setup, its = solved(name, "iterative", *overrides)
    assert direct_setup == {"pc_type": "lu", "ew": False}
    assert setup == {"pc_type": "fieldsplit", "ew": True, "splits": ["gamg", "gamg"]}
    assert all(p.converged for p in direct.points + iterative.points)
    scale = np.max(np.abs(direct_currents))
    np.testing.assert_allclose(iterative_currents, direct_currents, rtol=0, atol=1e-6 * scale)
    assert iterative.reversal_potential_mV == pytest.approx(direct.reversal_potential_mV, abs=1e-3)
    # inexact linear solves must not cost Newton steps
    assert sum(its) <= sum(direct_its) + len(its)


def test_split_options_separate_potential_from_log_densities():
    options = split_options(4)
    assert options["pc_fieldsplit_block_size"] == 4
    assert options["pc_fieldsplit_0_fields"] == "0"
    assert options["pc_fieldsplit_1_fields"] == "1,2,3"
    with pytest.raises(ValueError, match="n_fields"):
        split_options(1)


def test_later_sources_override_the_preset():
    options = merged_options(
        "iterative",
        {"pc_type": "asm"},
        {"ksp_max_it": 50},
        tolerances={"snes_rtol": 1e-9},
        n_fields=3,
    )
    assert options["pc_type"] == "asm"
    assert options["ksp_max_it"] == 50
    assert options["snes_rtol"] == 1e-9
    assert options["pc_fieldsplit_1_fields"] == "1,2"
    with pytest.raises(ValueError, match=r"solver\.preset"):
        merged_options("multigrid")


def test_options_already_in_the_database_win_and_stay():
    """Options given on the PETSc command line or in PETSC_OPTIONS (already in the
    database) take precedence over every other source and outlive the problem."""
    from pnp.fem import PETSc

    db = PETSc.Options()
    db["pnp_snes_max_it"] = 7
    try:
        case = load_case(CASES / "default.toml", COARSE)
        problem = prepare(case, COMM)
        max_it = problem.newton.snes.getTolerances()[3]
        problem.destroy()
        assert max_it == 7
        assert db.getInt("pnp_snes_max_it") == 7
    finally:
        db.delValue("pnp_snes_max_it")


def test_block_matrix_with_field_split_is_refused_with_the_fix(shared_tmp, capsys):
    jacobian, preconditioner, rest = matrix_types(merged_options("iterative", n_fields=3))
    assert (jacobian, preconditioner) == ("baij", "aij")
    assert "mat_type" not in rest and "pmat_type" not in rest
    args = ["run", str(CASES / "ghk_dilute.toml"), "--out", str(shared_tmp / "bad")]
    code = main([*args, "--set", "solver.preset=iterative", "--petsc", "pmat_type=baij"])
    assert code == 2
    if COMM.rank == 0:
        assert "pmat_type=aij" in capsys.readouterr().err
