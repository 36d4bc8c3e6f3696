"""`pnp sweep` end to end on tiny 1D cases: summary, failures, resume, ranks, shards, changes."""

from __future__ import annotations

import json
import math
import os
import socket
from pathlib import Path

import pytest
from mpi4py import MPI

from pnp.case import load_case
from pnp.cli import main
from pnp.sweep import SweepError, load_sweep, read_summary, run_sweep
from pnp.sweep.expand import SweepPoint
from pnp.sweep.summary import RESULT_COLUMNS, case_row, summary_columns, write_summary

COMM = MPI.COMM_WORLD

BASE = """
name = "tiny"
[geometry]
kind = "slab"
pore_length_nm = 4.0
bath_length_nm = 0.0
mesh_size_nm = 0.2
wall_size_nm = 0.05
[[species]]
name = "K"
charge = 1
diffusion_m2_per_s = 1.957e-9
inside_mM = 10.0
outside_mM = 2.0
[[species]]
name = "Cl"
charge = -1
diffusion_m2_per_s = 2.032e-9
inside_mM = 10.0
outside_mM = 2.0
[conditions]
voltages_mV = [-40.0, 0.0, 40.0]
[output]
fields = false
plots = false
profiles = false
"""

SWEEP = """
base = "tiny.toml"
[axes]
"regions.pore.fixed_charge_M" = {charges}
[[zip]]
"species.K.outside_mM" = [2.0, 5.0]
"species.Cl.outside_mM" = [2.0, 5.0]
"""


def write_sweep(folder: Path, name: str = "sweep", charges: str = "[0.0, -0.01]") -> Path:
    """A 2 x 2 sweep of the tiny slab (written by rank 0, seen by all)."""
    path = folder / f"{name}.toml"
    if COMM.rank == 0:
        (folder / "tiny.toml").write_text(BASE)
        path.write_text(SWEEP.format(charges=charges))
    COMM.barrier()
    return path


def comparable(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in row.items() if k != "seconds"} for row in rows]


def assert_same_rows(a: list[dict], b: list[dict], rel: float = 0.0) -> None:
    assert [r["case_id"] for r in a] == [r["case_id"] for r in b]
    for ra, rb in zip(comparable(a), comparable(b), strict=True):
        assert ra.keys() == rb.keys()
        for key, va in ra.items():
            vb = rb[key]
            if isinstance(va, float) and isinstance(vb, float):
                assert math.isclose(va, vb, rel_tol=rel, abs_tol=1e-12 if rel else 0.0), key
            else:
                assert va == vb, key


def test_sweep_writes_a_summary_and_records_a_failed_case(shared_tmp, capsys):
    path = write_sweep(shared_tmp)
    if COMM.rank == 0:  # the second charge value comes with an impossible Newton budget
        text = path.read_text().replace(
            '"regions.pore.fixed_charge_M" = [0.0, -0.01]',
            '"regions.pore.fixed_charge_M" = [0.0, -0.01]\n"solver.max_iterations" = [25, 1]',
        )
        path.write_text(text)
    COMM.barrier()
    out = shared_tmp / "out"
    code = main(["sweep", str(path), "--out", str(out)])
    assert code == 3
    rows = read_summary(out / "summary.csv")
    assert [r["case_id"] for r in rows] == [f"{i:04d}" for i in range(8)]
    assert list(rows[0])[:5] == [
        "case_id",
        "regions.pore.fixed_charge_M",
        "solver.max_iterations",
        "species.K.outside_mM",
        "species.Cl.outside_mM",
    ]
    for row in rows:
        failed = row["solver.max_iterations"] == 1
        assert row["status"] == ("failed" if failed else "ok")
        folder = out / row["folder"]
        assert (folder / "case.toml").exists() and (folder / "done.json").exists()
        assert (folder / "results.json").exists()
        if failed:
            assert "Newton diverged" in row["error"]
            assert row["max_relative_current_error"] is None
        else:
            assert row["error"] is None and row["failed_points"] == 0
            results = json.loads((folder / "results.json").read_text())
            comparison = results["ghk_comparison"]
            assert row["max_relative_current_error"] == comparison["max_relative_current_error"]
            assert row["reversal_potential_error_mV"] == comparison["reversal_potential_error_mV"]
            assert row["reversal_potential_mV"] == results["reversal_potential_mV"]
    uncharged = rows[0]  # 10 | 2 mM across 4 nm: Debye length 3 nm, close to GHK
    assert 0.0 < uncharged["max_relative_current_error"] < 0.05
    assert uncharged["debye_length_nm"] == pytest.approx(3.04, abs=0.01)
    lines = capsys.readouterr().out.splitlines()
    printed = [line for line in lines if line.startswith("case ")]
    assert COMM.allreduce(len(printed)) == 8  # one line per case, from the rank that ran it
    assert not list(out.glob(".queue-*"))


def test_interrupted_sweep_resumes_without_recomputing(shared_tmp):
    spec = load_sweep(write_sweep(shared_tmp))
    whole = run_sweep(spec, shared_tmp / "whole", COMM)
    assert (whole.ran, whole.ok, whole.exit_code) == (4, 4, 0)

    out = shared_tmp / "resumed"
    first = run_sweep(spec, out, COMM, max_cases=2)
    assert (first.ran, first.unfinished) == (2, 2)
    done = sorted(out.glob("cases/*/done.json"))
    assert len(done) == 2
    stamps = {p: p.stat().st_mtime_ns for p in done}
    assert len(read_summary(out / "summary.csv")) == 2

    second = run_sweep(spec, out, COMM)
    assert (second.ran, second.finished_before, second.ok) == (2, 2, 4)
    assert {p: p.stat().st_mtime_ns for p in done} == stamps
    assert_same_rows(read_summary(out / "summary.csv"), read_summary(whole.summary_path))

    third = run_sweep(spec, out, COMM)  # nothing left to do
    assert (third.ran, third.finished_before) == (0, 4)


def test_a_stop_request_ends_the_sweep_after_the_running_cases(shared_tmp):
    spec = load_sweep(write_sweep(shared_tmp))
    out = shared_tmp / "out"
    checks = []

    def stop() -> bool:  # asked before each case: stop once this rank's group ran one
        checks.append(1)
        return len(checks) > 1

    report = run_sweep(spec, out, COMM, stop=stop)
    groups = COMM.size
    assert report.interrupted and report.exit_code == 130
    assert (report.ran, report.unfinished) == (groups, 4 - groups)
    assert not list(out.glob(".queue-*"))
    resumed = run_sweep(spec, out, COMM)
    assert (resumed.ran, resumed.ok, resumed.interrupted) == (4 - groups, 4, False)


def test_a_live_run_on_the_same_cases_is_refused(shared_tmp):
    spec = load_sweep(write_sweep(shared_tmp))
    out = shared_tmp / "out"
    run_sweep(spec, out, COMM, max_cases=1)
    queue = out / ".queue-other.json"
    if COMM.rank == 0:  # another process of this host is still running case 0003
        state = {"cases": [3], "next": 1, "limit": None, "shard": [1, 2]}
        state.update(host=socket.gethostname(), pid=os.getppid())
        queue.write_text(json.dumps(state))
    COMM.barrier()
    with pytest.raises(SweepError, match="another pnp sweep"):
        run_sweep(spec, out, COMM)
    other_cases = run_sweep(spec, out, COMM, shard=(0, 2))  # 0000 (done) and 0002
    assert (other_cases.ran, other_cases.finished_before) == (1, 1)
    assert queue.exists()


def test_a_lost_summary_row_is_restored_from_the_case_folder(shared_tmp):
    spec = load_sweep(write_sweep(shared_tmp))
    out = shared_tmp / "out"
    run_sweep(spec, out, COMM)
    summary = out / "summary.csv"
    before = read_summary(summary)
    COMM.barrier()
    if COMM.rank == 0:  # as if interrupted between a case's done.json and its summary row
        lines = summary.read_text().splitlines(keepends=True)
        summary.write_text("".join(lines[:-1]))
    COMM.barrier()
    report = run_sweep(spec, out, COMM)
    assert report.ran == 0
    assert_same_rows(read_summary(summary), before)


@pytest.mark.skipif(COMM.size == 1, reason="compares one group of all ranks with 1-rank groups")
def test_sweep_numbers_do_not_depend_on_the_rank_split(shared_tmp):
    spec = load_sweep(write_sweep(shared_tmp))
    together = run_sweep(spec, shared_tmp / "together", COMM, ranks_per_case=COMM.size)
    apart = run_sweep(spec, shared_tmp / "apart", COMM, ranks_per_case=1)
    assert together.ok == apart.ok == 4
    rows_together = read_summary(together.summary_path)
    rows_apart = read_summary(apart.summary_path)
    assert_same_rows(rows_together, rows_apart, rel=1e-8)
    results = json.loads((apart.out_dir / "cases/0000/results.json").read_text())
    assert results["provenance"]["mpi_ranks"] == 1


def test_shards_share_one_folder(shared_tmp):
    spec = load_sweep(write_sweep(shared_tmp))
    out = shared_tmp / "out"
    first = run_sweep(spec, out, COMM, shard=(1, 2))
    assert (first.cases, first.ran) == (2, 2)
    ids = [r["case_id"] for r in read_summary(out / "summary.csv")]
    assert ids == ["0001", "0003"]
    second = run_sweep(spec, out, COMM, shard=(0, 2))
    assert (second.cases, second.ran, second.finished_before) == (2, 2, 0)
    ids = [r["case_id"] for r in read_summary(out / "summary.csv")]
    assert ids == ["0000", "0001", "0002", "0003"]


def test_a_changed_sweep_is_refused(shared_tmp, capsys):
    path = write_sweep(shared_tmp)
    out = shared_tmp / "out"
    run_sweep(load_sweep(path), out, COMM, max_cases=1)
    changed = write_sweep(shared_tmp, "changed", charges="[0.0, -0.02]")
    with pytest.raises(SweepError, match="holds a different sweep") as info:
        run_sweep(load_sweep(changed), out, COMM)
    assert info.value.key == "--out"
    assert "-0.02" in str(info.value)
    code = main(["sweep", str(path), "--out", str(out), "--set", "geometry.refine=1"])
    assert code == 2
    if COMM.rank == 0:
        err = capsys.readouterr().err
        assert "new --out" in err and "Traceback" not in err


def test_bad_sweep_input_exits_with_2_and_a_message(shared_tmp, capsys):
    path = write_sweep(shared_tmp)
    bad = shared_tmp / "bad.toml"
    if COMM.rank == 0:
        bad.write_text(path.read_text().replace("[2.0, 5.0]", "5.0", 1))
    COMM.barrier()
    assert main(["sweep", str(bad), "--out", str(shared_tmp / "bad")]) == 2
    assert main(["sweep", str(path), "--ranks-per-case", str(COMM.size + 1)]) == 2
    assert main(["sweep", str(path), "--shard", "2/2"]) == 2
    if COMM.rank == 0:
        err = capsys.readouterr().err
        assert "zip[1].species.K.outside_mM" in err and "must be a list" in err
        assert "--ranks-per-case" in err and "--shard" in err and "Traceback" not in err
    assert not (shared_tmp / "bad").exists()
    assert main(["sweep", str(path), "--list"]) == 0
    if COMM.rank == 0:
        listing = capsys.readouterr().out
        assert "0003  regions.pore.fixed_charge_M=-0.01 species.K.outside_mM=5.0" in listing


def test_summary_rows_carry_the_fold_factor_and_the_sign_count(shared_tmp):
    """The fold columns sit beside the older relative error, are copied from the case's
    ghk_comparison, and an infinite fold (opposite signs) reads back as an empty cell."""
    fold = RESULT_COLUMNS.index("max_fold_factor")
    assert RESULT_COLUMNS[fold : fold + 4] == (
        "max_fold_factor",
        "max_fold_error",
        "sign_disagreements",
        "max_relative_current_error",
    )
    write_sweep(shared_tmp)
    case = load_case(shared_tmp / "tiny.toml")
    points = [{"voltage_mV": v, "converged": True} for v in (-40.0, 0.0, 40.0)]
    rows = []
    for k, (factor, signs) in enumerate([(2.5, 0), (None, 1)]):
        comparison = {
            "max_fold_factor": factor,
            "max_fold_error": None if factor is None else math.log(factor),
            "sign_disagreements": signs,
            "max_relative_current_error": 1.5,
        }
        results = {"points": points, "ghk_comparison": comparison}
        point = SweepPoint(k, f"{k:04d}", (k,), {"regions.pore.fixed_charge_M": -0.1 * k})
        rows.append(case_row(point, case, results, error=None, seconds=1.0, folder="x"))
    path = shared_tmp / "summary.csv"
    if COMM.rank == 0:
        write_summary(path, summary_columns(["regions.pore.fixed_charge_M"]), rows)
    COMM.barrier()
    first, second = read_summary(path)
    assert first["max_fold_factor"] == 2.5 and first["sign_disagreements"] == 0
    assert first["max_fold_error"] == pytest.approx(math.log(2.5))
    assert second["max_fold_factor"] is None and second["max_fold_error"] is None
    assert second["sign_disagreements"] == 1 and second["max_relative_current_error"] == 1.5
