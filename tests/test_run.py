"""`pnp run` end to end: outputs, conservation, typed errors, rank-count independence."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from mpi4py import MPI

from pnp.case import load_case
from pnp.cli import main
from pnp.errors import ConvergenceError
from pnp.run import prepare, run_case, solve

CASES = Path(__file__).resolve().parents[1] / "cases"
COMM = MPI.COMM_WORLD


def small_pore(*extra: str):
    """The default axisymmetric case on a coarse mesh and a few voltages."""
    return load_case(
        CASES / "default.toml",
        [
            "geometry.mesh_size_nm=1.0",
            "geometry.wall_size_nm=0.2",
            "conditions.voltages_mV=[-50, 0, 50]",
            *extra,
        ],
    )


def test_run_writes_every_output(shared_tmp):
    out = shared_tmp / "default"
    code = main(
        [
            "run",
            str(CASES / "default.toml"),
            "--out",
            str(out),
            "--set",
            "geometry.mesh_size_nm=1.0",
            "--set",
            "geometry.wall_size_nm=0.2",
            "--set",
            "conditions.voltages_mV=[-50, 0, 50]",
        ]
    )
    assert code == 0
    results = json.loads((out / "results.json").read_text())
    volts = [p["voltage_mV"] for p in results["points"]]
    assert volts == [-50, 0, 50]
    for p in results["points"]:
        assert p["converged"]
        assert p["newton_iterations"] >= 0
        assert set(p["species_currents_pA"]) == {"K", "Cl"}
        assert p["current_pA"] == pytest.approx(sum(p["species_currents_pA"].values()))
        area = np.pi * (0.6e-9) ** 2
        assert p["current_density_A_per_m2"] == pytest.approx(p["current_pA"] * 1e-12 / area)
        assert p["section_spread"] < 1e-6  # residual-based currents are conservative
    # I-V increases through zero between -50 and +50 mV: a reversal potential exists
    rev = results["reversal_potential_mV"]
    assert rev is not None and -50 < rev < 50
    ghk = results["ghk"]
    assert set(ghk["permeabilities_m_per_s"]) == {"K", "Cl"}
    assert len(ghk["points"]) == 3
    prov = results["provenance"]
    assert prov["mpi_ranks"] == COMM.size
    assert prov["mesh"]["dofs"] > 0
    assert results["case"]["geometry"]["kind"] == "axisymmetric"
    expected = ["iv.csv", "iv.png", "profiles.png", "mesh.msh", "profile_+50.0mV.csv"]
    for name in expected:
        assert (out / name).exists(), name
    assert (out / "fields.bp").exists() or (out / "fields.xdmf").exists()
    header = (out / "profile_+50.0mV.csv").read_text().splitlines()[0].split(",")
    assert header == ["z_nm", "phi_mV", "c_K_mM", "c_Cl_mM", "E_z_V_per_m"]
    rows = (out / "iv.csv").read_text().splitlines()
    assert rows[0].startswith("voltage_mV,current_pA") and len(rows) == 4


def test_bad_case_file_is_a_clear_error(shared_tmp, capsys):
    bad = shared_tmp / "bad.toml"
    if COMM.rank == 0:
        bad.write_text(
            (CASES / "default.toml").read_text().replace("inside_mM = 150.0", "inside_mM = -1.0")
        )
    COMM.barrier()
    code = main(["run", str(bad), "--out", str(shared_tmp / "bad")])
    assert code == 2
    if COMM.rank == 0:
        err = capsys.readouterr().err
        assert "species.K.inside_mM" in err and "Traceback" not in err


def test_unknown_override_key_is_a_clear_error(shared_tmp, capsys):
    code = main(["run", str(CASES / "default.toml"), "--set", "geometry.pore_radus_nm=1"])
    assert code == 2
    if COMM.rank == 0:
        assert "pore_radius_nm" in capsys.readouterr().err


def test_diverging_voltage_point_is_recorded_not_hidden():
    # A 10 V jump (the largest voltage a case may ask for) in one Newton solve of at most
    # 6 steps diverges, and steps may not be refined below 8 V.
    case = small_pore(
        "conditions.voltages_mV=[0, 10000]",
        "solver.max_voltage_step_mV=10000",
        "solver.min_voltage_step_mV=8000",
        "solver.max_iterations=6",
    )
    solution = solve(prepare(case, COMM))
    ok, failed = solution.points
    assert ok.converged and not failed.converged
    assert failed.error["stage"] == "voltage continuation"
    assert "10000" in failed.error["target"] and failed.error["hint"]


def test_failed_initial_solve_raises_typed_error(shared_tmp):
    case = small_pore("solver.max_iterations=1")
    out = shared_tmp / "diverged"
    with pytest.raises(ConvergenceError) as info:
        run_case(case, out, COMM)
    assert info.value.stage == "the uncharged initial solve"
    assert "DIVERGED_MAX_IT" in info.value.reason
    results = json.loads((out / "results.json").read_text())
    assert results["error"]["error"] == "ConvergenceError"


def test_current_is_conserved_across_pore_sections():
    case = small_pore("conditions.voltages_mV=[80]", "output.sections=7")
    solution = solve(prepare(case, COMM))
    sections = solution.points[0].section_currents
    assert len(sections) == 7
    assert np.ptp(sections) <= 1e-7 * np.max(np.abs(sections))
    assert solution.points[0].current == pytest.approx(np.mean(sections), rel=1e-7)


@pytest.mark.skipif(COMM.size == 1, reason="compares a 1-rank solve with the 2-rank solve")
def test_same_currents_on_one_and_several_ranks():
    case = small_pore()
    parallel = solve(prepare(case, COMM))
    serial = solve(prepare(case, MPI.COMM_SELF))
    for a, b in zip(parallel.points, serial.points, strict=True):
        np.testing.assert_allclose(a.species_currents, b.species_currents, rtol=1e-7)
    assert parallel.reversal_potential_mV == pytest.approx(serial.reversal_potential_mV, abs=1e-3)


def test_channel_current_converges_under_mesh_refinement():
    """Successive refinements (each halving every cell size) change the current less and less."""
    currents = []
    for refine in (0, 1, 2):
        case = small_pore("conditions.voltages_mV=[60]", f"geometry.refine={refine}")
        problem = prepare(case, COMM)
        currents.append(solve(problem).points[0].current)
        problem.destroy()
    changes = np.abs(np.diff(currents))
    assert changes[1] < 0.6 * changes[0], f"currents {currents}"
    assert changes[1] < 5e-3 * abs(currents[-1]), f"currents {currents}"


def assert_electrode_current_is_conserved(solution) -> None:
    """The electrode current equals the current through every pore section to solver
    tolerance (all are read from the same assembled residual)."""
    for point in solution.points:
        scale = np.abs(point.species_currents).sum()
        assert np.abs(point.section_currents - point.current).max() <= 1e-6 * scale


@pytest.mark.parametrize(
    "name",
    [
        "default",
        "ghk_dilute",
        "wide_pore",
        "charged_pore",
        "low_permittivity_gate",
        "bi_ionic",
        "calcium",
    ],
)
def test_shipped_case_solves(name):
    """Every shipped case converges (two voltages; the coarse 3D case is exercised below)
    and its electrode current is the current through its pore sections."""
    case = load_case(CASES / f"{name}.toml", ["conditions.voltages_mV=[-40, 40]"])
    problem = prepare(case, COMM)
    solution = solve(problem)
    problem.destroy()
    assert all(p.converged for p in solution.points)
    assert all(p.resolution.resolved for p in solution.points)
    assert_electrode_current_is_conserved(solution)
    low, high = (p.current for p in solution.points)
    assert high > low  # outward current grows with V: a positive chord conductance


def test_3d_pore_agrees_with_its_axisymmetric_twin():
    """The 3D pore and the 2D axisymmetric section of the same geometry give the same current."""
    sizes = [
        "geometry.mesh_size_nm=1.5",
        "geometry.wall_size_nm=0.3",
        "conditions.voltages_mV=[50]",
    ]
    currents = {}
    for kind in ("axisymmetric", "3d"):
        case = load_case(CASES / "default.toml", [f"geometry.kind={kind}", *sizes])
        problem = prepare(case, COMM)
        solution = solve(problem)
        assert_electrode_current_is_conserved(solution)
        currents[kind] = solution.points[0].current
        problem.destroy()
    assert currents["3d"] == pytest.approx(currents["axisymmetric"], rel=0.03)
