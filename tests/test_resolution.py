"""A converged point on a mesh too coarse for its boundary layers is reported unresolved.

Serial and under ``mpiexec -n 2`` and ``-n 3``.
"""

from __future__ import annotations

from pathlib import Path

from mpi4py import MPI

from pnp.case import load_case
from pnp.post.ghk_counterpart import ghk_block
from pnp.run import run_case

CASES = Path(__file__).resolve().parents[1] / "cases"
COMM = MPI.COMM_WORLD


def dilute_at(voltage_mV: float, cell_nm: float):
    """The exact-GHK slab at one large voltage: drift layers V_T L / V thick at the ends."""
    return load_case(
        CASES / "ghk_dilute.toml",
        [
            f"conditions.voltages_mV=[{voltage_mV}]",
            f"geometry.mesh_size_nm={cell_nm}",
            "solver.max_voltage_step_mV=250",
            "solver.max_iterations=50",
            "output.plots=false",
        ],
    )


def test_unresolved_drift_layer_is_flagged_and_refining_resolves_it(shared_tmp):
    voltage = 8000.0
    lines = []
    coarse = run_case(dilute_at(voltage, 0.2), shared_tmp / "coarse", COMM, progress=lines.append)
    fine = run_case(dilute_at(voltage, 0.01), shared_tmp / "fine", COMM)
    exact = ghk_block(dilute_at(voltage, 0.2), [voltage])["points"][0]["current_density_A_per_m2"]

    point = coarse["points"][0]
    assert point["converged"] and not point["resolved"]
    assert not coarse["all_resolved"]
    assert point["resolution"]["max_log_concentration_jump"] > 3.0
    assert "--refine" in point["resolution"]["message"]
    if COMM.rank == 0:
        assert any("UNRESOLVED" in line for line in lines)
        assert any("warning" in line and "--refine" in line for line in lines)

    point = fine["points"][0]
    assert point["converged"] and point["resolved"] and fine["all_resolved"]
    coarse_error = abs(coarse["points"][0]["current_density_A_per_m2"] / exact - 1.0)
    fine_error = abs(point["current_density_A_per_m2"] / exact - 1.0)
    assert coarse_error > 1e-3  # the flag was deserved
    assert fine_error < 1e-4


def test_moderate_voltages_on_the_shipped_mesh_are_resolved(shared_tmp):
    results = run_case(dilute_at(100.0, 0.02), shared_tmp / "moderate", COMM)
    point = results["points"][0]
    assert point["resolved"] and results["all_resolved"]
    assert point["resolution"]["max_log_concentration_jump"] < 1.0
