"""`pnp run` on transient cases: dispatch, outputs, the steady check, typed failures."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from mpi4py import MPI

from pnp.case import load_case
from pnp.cli import main
from pnp.errors import ConvergenceError
from pnp.solver.newton import SolveReport
from pnp.transient import run_transient_case
from pnp.transient.problem import TransientProblem

CASES = Path(__file__).resolve().parents[1] / "cases"
COMM = MPI.COMM_WORLD


def slab_step(*extra: str):
    """A 1D KCl slab with a voltage step, on the shipped transient case's protocol."""
    return load_case(
        CASES / "transient_step.toml",
        [
            "geometry={kind = 'slab', pore_length_nm = 5.0, bath_length_nm = 2.0}",
            "surfaces.pore_wall.charge_C_per_m2=0",
            "transient.end_time_s=5e-8",
            "transient.max_step_s=2e-9",
            *extra,
        ],
    )


def test_shipped_transient_case_runs_and_relaxes(shared_tmp, capsys):
    out = shared_tmp / "transient_step"
    code = main(["run", str(CASES / "transient_step.toml"), "--out", str(out)])
    assert code == 0
    results = json.loads((out / "results.json").read_text())
    block = results["transient"]
    times = np.array(block["times_s"])
    n = len(times)
    assert times[0] == 0.0 and times[-1] == pytest.approx(1e-7, rel=1e-12)
    assert np.all(np.diff(times) > 0)
    assert block["steps"] == n - 1 and block["steps_rejected"] >= 0
    for key in ("voltage_mV", "current_pA", "ionic_current_pA", "displacement_current_pA"):
        assert len(block[key]) == n, key
    assert len(block["newton_iterations"]) == n
    assert set(block["species_currents_pA"]) == {"K", "Cl"}
    assert block["voltage_mV"][0] == 0.0 and block["voltage_mV"][-1] == 100.0
    total = np.array(block["current_pA"])
    ionic = np.array(block["ionic_current_pA"])
    species = sum(np.array(v) for v in block["species_currents_pA"].values())
    np.testing.assert_allclose(ionic, species, rtol=1e-12)
    np.testing.assert_allclose(total, ionic + np.array(block["displacement_current_pA"]))
    assert block["max_section_spread"] < 1e-6  # total current: the same through every section
    # the charge passed: 0 at rest, then the integral of the total current, per segment
    charge = np.array(block["charge_pC"])
    assert len(charge) == n and charge[0] == 0.0 and "charge_C_per_m2" not in block
    segments = block["segments"]
    assert [(s["start_s"], s["voltage_mV"]) for s in segments] == [(0.0, 0.0), (1e-9, 100.0)]
    assert segments[-1]["end_s"] == times[-1]
    before = np.flatnonzero(times == 1e-9)[0]
    assert segments[0]["charge_pC"] == pytest.approx(charge[before], rel=1e-12)
    assert sum(s["charge_pC"] for s in segments) == pytest.approx(charge[-1], rel=1e-12)
    steps = np.array(block["step_s"])
    after = times > 3e-9  # the charge follows the current
    assert np.diff(charge[after]) == pytest.approx(
        (total * steps)[after][1:], rel=2e-2, abs=1e-3 * np.abs(total * steps).max()
    )
    # the membrane charges during the rise: a displacement current far above the ionic one
    rise = (times > 1e-9) & (times < 1.05e-9)
    assert np.max(total[rise]) > 5 * abs(total[-1])
    check = results["steady_check"]
    assert check["converged"] and check["relaxed"]
    assert check["relative_current_difference"] < 1e-6
    assert check["steady_current_pA"] == pytest.approx(total[-1], rel=1e-6)
    assert check["max_relative_concentration_difference"] < 1e-5
    assert check["steady_residual_norm"] < 1e-6  # the transient end state is already steady
    assert results["all_converged"] and results["provenance"]["mpi_ranks"] == COMM.size
    assert results["case"]["transient"]["scheme"] == "bdf2"
    for name in ("transient.csv", "transient.png", "mesh.msh"):
        assert (out / name).exists(), name
    assert (out / "fields.bp").exists() or (out / "fields.xdmf").exists()
    assert len(block["field_times_s"]) == 1 + (n - 1) // 10 + ((n - 1) % 10 != 0)
    with (out / "transient.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == n
    assert {
        "time_s",
        "voltage_mV",
        "current_pA",
        "charge_pC",
        "K_current_pA",
        "newton_iterations",
    } <= set(rows[0])
    np.testing.assert_allclose([float(r["charge_pC"]) for r in rows], charge, rtol=1e-12)
    if COMM.rank == 0:
        printed = capsys.readouterr().out
        assert printed.count("  step ") == (n - 1) // 10
        assert "relative difference" in printed


def test_slab_reports_current_densities(shared_tmp):
    case = slab_step("output.fields=false", "output.plots=false")
    out = shared_tmp / "slab_step"
    results = run_transient_case(case, out, COMM)
    block = results["transient"]
    assert block["current_pA"] is None
    assert len(block["current_density_A_per_m2"]) == len(block["times_s"])
    assert set(block["species_current_densities_A_per_m2"]) == {"K", "Cl"}
    assert "displacement_current_density_A_per_m2" in block
    assert "steady_current_density_A_per_m2" in results["steady_check"]
    assert not (out / "transient.png").exists() and not (out / "fields.bp").exists()
    header = (out / "transient.csv").read_text().splitlines()[0].split(",")
    assert header[:3] == ["time_s", "voltage_mV", "current_density_A_per_m2"]
    assert "Cl_current_density_A_per_m2" in header
    assert "charge_C_per_m2" in header and "charge_pC" not in header
    assert len(block["charge_C_per_m2"]) == len(block["times_s"])
    assert [s["voltage_mV"] for s in block["segments"]] == [0.0, 100.0]
    assert "charge_C_per_m2" in block["segments"][0]


def test_backward_euler_and_bdf2_agree_on_the_trace(shared_tmp):
    """Both schemes at a tight tolerance give the same current trace within the tolerance."""
    traces = {}
    for scheme in ("backward-euler", "bdf2"):
        case = slab_step(
            f"transient.scheme={scheme}",
            "transient.rtol=1e-4",
            "output.fields=false",
            "output.plots=false",
        )
        block = run_transient_case(case, shared_tmp / scheme, COMM)["transient"]
        traces[scheme] = (np.array(block["times_s"]), np.array(block["current_density_A_per_m2"]))
    (t_be, i_be), (t_bdf, i_bdf) = traces["backward-euler"], traces["bdf2"]
    assert len(t_bdf) < len(t_be)  # the second-order scheme needs fewer steps
    late = t_bdf > 3e-9  # after the charging: smooth enough to interpolate
    interpolated = np.interp(t_bdf[late], t_be, i_be)
    assert np.max(np.abs(interpolated - i_bdf[late])) < 2e-3 * np.max(np.abs(i_bdf[late]))


def test_time_stepping_failure_is_typed_and_keeps_the_trace(shared_tmp, monkeypatch, capsys):
    """A Newton failure at the minimum step is written to results.json with the trace so far;
    `pnp run` exits with code 3."""
    original = TransientProblem.solve
    calls = {"count": 0}

    def failing(self) -> SolveReport:
        calls["count"] += 1
        if calls["count"] > 20:
            return SolveReport(False, "DIVERGED_LINE_SEARCH (-6)", 3, 1.0)
        return original(self)

    monkeypatch.setattr(TransientProblem, "solve", failing)
    out = shared_tmp / "failed"
    case = slab_step("output.fields=false", "output.plots=false")
    with pytest.raises(ConvergenceError) as info:
        run_transient_case(case, out, COMM)
    assert info.value.stage == "time stepping"
    results = json.loads((out / "results.json").read_text())
    assert results["error"]["stage"] == "time stepping"
    assert not results["all_converged"]
    assert len(results["transient"]["times_s"]) == 21  # t = 0 and 20 accepted steps

    calls["count"] = 0
    code = main(
        [
            "run",
            str(CASES / "transient_step.toml"),
            "--out",
            str(shared_tmp / "failed_cli"),
            "--set",
            "output.fields=false",
        ]
    )
    assert code == 3
    if COMM.rank == 0:
        assert "time stepping" in capsys.readouterr().err


def test_steady_case_is_refused():
    case = load_case(CASES / "default.toml")
    with pytest.raises(ValueError, match="no \\[transient\\]"):
        run_transient_case(case, Path("unused"), COMM)
