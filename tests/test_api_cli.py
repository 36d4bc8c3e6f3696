"""`pnp run` and the Python API solve a case the same way: results.json of the command line
and of `Simulation(...).solve().save()` agree exactly (on one rank; to rounding in
parallel) apart from the wall times and the finishing timestamp; the pandas tables of a
`Result` are the CSV files of the run, with the current in pA and its density in A/m^2
consistent over the pore area."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest
from mpi4py import MPI

import pnp
from pnp.cli import main
from pnp.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "cases" / "default.toml"
COMM = MPI.COMM_WORLD
COARSE = {
    "geometry.mesh_size_nm": 1.0,
    "geometry.wall_size_nm": 0.2,
    "conditions.voltages_mV": [-50, 0, 50],
}
TIMED = {("provenance", "wall_time_s"), ("provenance", "finished")}


def untimed(results: dict) -> dict:
    """results.json without what differs between two runs of one case: wall times."""
    out = json.loads(json.dumps(results))
    for block, key in TIMED:
        out[block].pop(key)
    for point in out["points"]:
        point.pop("seconds")
    return out


def agree(a, b) -> bool:
    """Equal JSON values; in parallel numbers to 1e-9 relative or 1e-12 absolute (the
    reductions of two parallel solves of one case may differ in the last digit)."""
    if COMM.size == 1:
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(agree(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(agree(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float):
        return bool(np.isclose(a, b, rtol=1e-9, atol=1e-12))
    return a == b


def same_csv(a: Path, b: Path) -> bool:
    text_a, text_b = a.read_text(), b.read_text()
    if COMM.size == 1:
        return text_a == text_b
    cells = [[line.split(",") for line in t.splitlines()] for t in (text_a, text_b)]
    return agree(*[[[_number(c) for c in row] for row in rows] for rows in cells])


def _number(cell: str) -> float | str:
    try:
        return float(cell)
    except ValueError:
        return cell


def test_pnp_run_and_simulation_save_write_the_same_results(shared_tmp, monkeypatch):
    cli = shared_tmp / "cli"
    sets = [a for k, v in COARSE.items() for a in ("--set", f"{k}={json.dumps(v)}")]
    assert main(["run", str(DEFAULT), "--out", str(cli), *sets]) == 0

    with pnp.Simulation(DEFAULT, COARSE, comm=COMM) as sim:
        result = sim.solve()
        api = result.save(shared_tmp / "api")
        ran = sim.run(shared_tmp / "ran")  # the command line's path, from Python
        assert ran.folder == shared_tmp / "ran" and ran.save(ran.folder) == ran.folder
        COMM.barrier()
        expected = json.loads((cli / "results.json").read_text())
        for folder in (api, shared_tmp / "ran"):
            written = json.loads((folder / "results.json").read_text())
            assert agree(untimed(written), untimed(expected)), folder.name
            assert written["provenance"]["mpi_ranks"] == COMM.size
            # the same files, but the log of a run (a solve in memory has none)
            names = {p.name for p in folder.iterdir()}
            assert names - {"run.log"} == {p.name for p in cli.iterdir()} - {"run.log"}
            assert ("run.log" in names) == (folder.name == "ran")
            for name in ("iv.csv", "profile_-50.0mV.csv", "profile_+50.0mV.csv"):
                assert same_csv(folder / name, cli / name), name
        assert agree(untimed(result.results), untimed(expected))

        # the tables of the API are the files it saves
        iv = result.iv_frame()
        on_disk = np.genfromtxt(api / "iv.csv", delimiter=",", names=True, dtype=None)
        for column in ("voltage_mV", "current_pA", "current_density_A_per_m2", "ghk_current_pA"):
            np.testing.assert_allclose(iv[column], on_disk[column], rtol=1e-15, err_msg=column)
        profile = result.profile(50)
        table = np.genfromtxt(api / "profile_+50.0mV.csv", delimiter=",", names=True)
        assert list(profile.columns) == list(table.dtype.names)
        for column in profile.columns:
            np.testing.assert_allclose(profile[column], table[column], rtol=1e-15, atol=0)
        with pytest.raises(InputError, match=r"no converged state at 25 mV; solved: -50, 0, 50"):
            result.profile(25)

        # units: pA and A/m^2 over the pore's pi R^2; the species currents add up
        area_m2 = math.pi * (result.case.geometry.pore_radius_nm * 1e-9) ** 2
        assert result.results["geometry"]["reference_area_m2"] == pytest.approx(area_m2)
        np.testing.assert_allclose(
            iv["current_pA"], iv["current_density_A_per_m2"] * area_m2 * 1e12, rtol=1e-12
        )
        total = iv["K_current_pA"] + iv["Cl_current_pA"]
        np.testing.assert_allclose(total, iv["current_pA"], rtol=1e-12)
        drive_mV = iv["voltage_mV"] - result.reversal_potential_mV
        np.testing.assert_allclose(iv["conductance_pS"], iv["current_pA"] / drive_mV * 1e3)

        with monkeypatch.context() as without:
            without.setitem(sys.modules, "pandas", None)  # as if pandas were not installed
            with pytest.raises(ImportError, match=r"^Result.profile needs pandas: .*\[api\]"):
                result.profile(50)

        fields = result.fields(50.0)
        assert {f.name for f in fields.values()} == {"phi_mV", "c_K_mM", "c_Cl_mM"}
        # phi is V on the Dirichlet boundary at +50 mV and 0 on the other: its range
        phi = fields["phi_mV"].x.array
        lo = COMM.allreduce(float(phi.min()), op=MPI.MIN)
        hi = COMM.allreduce(float(phi.max()), op=MPI.MAX)
        assert lo <= 1e-9 and hi >= 50.0 - 1e-9


def test_pnp_run_exit_codes_and_partial_results_through_the_api(shared_tmp, capsys):
    out = shared_tmp / "bad"
    # one Newton iteration cannot converge: exit code 3, the error recorded in results.json
    code = main(
        [
            "run",
            str(DEFAULT),
            "--out",
            str(out),
            *("--set", "geometry.mesh_size_nm=1.0", "--set", "geometry.wall_size_nm=0.2"),
            *("--set", "conditions.voltages_mV=[0, 50]", "--set", "solver.max_iterations=1"),
        ]
    )
    assert code == 3
    COMM.barrier()
    results = json.loads((out / "results.json").read_text())
    assert results["error"]["error"] == "ConvergenceError" and results["points"] == []
    assert main(["run", str(DEFAULT), "--out", str(out), "--set", "geometry.kind=3"]) == 2
    if COMM.rank == 0:  # the message is printed once
        assert "geometry.kind" in capsys.readouterr().err


def test_a_transient_run_from_python_writes_the_files_of_pnp_run(shared_tmp):
    fast = {
        "geometry.mesh_size_nm": 1.2,
        "geometry.wall_size_nm": 0.3,
        "transient.end_time_s": 2e-9,
        "transient.max_step_s": 1e-9,
        "output.plots": False,
        "output.fields": False,
    }
    sim = pnp.Simulation(ROOT / "cases" / "transient_step.toml", fast, comm=COMM)
    run = sim.run(shared_tmp / "step")
    assert run.save(shared_tmp / "step") == shared_tmp / "step"  # already there, kept
    copy = run.save(shared_tmp / "copy")
    COMM.barrier()
    written = json.loads((shared_tmp / "step" / "results.json").read_text())
    assert json.loads((copy / "results.json").read_text()) == written
    in_memory = {k: v for k, v in run.results.items() if k != "provenance"}
    assert in_memory == {k: v for k, v in written.items() if k != "provenance"}
    assert sorted(p.name for p in copy.iterdir()) == sorted(
        p.name for p in (shared_tmp / "step").iterdir()
    )
    np.testing.assert_array_equal(run.times_s, written["transient"]["times_s"])
