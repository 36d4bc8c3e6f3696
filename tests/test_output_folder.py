"""The output folder of a run: one run at a time, no stale files, no half-written results."""

from __future__ import annotations

import fnmatch
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from mpi4py import MPI

from pnp.case import load_case
from pnp.errors import ConvergenceError
from pnp.folders import LOCK_NAME, FolderClaim, OutputError
from pnp.post.output import RUN_OUTPUTS, write_json
from pnp.run import run_case
from pnp.transient import run_transient_case

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "cases"
COMM = MPI.COMM_WORLD
SLAB = [
    "geometry={kind = 'slab', pore_length_nm = 4.0, bath_length_nm = 0.0}",
    "surfaces.pore_wall.charge_C_per_m2=0",
]


def slab(voltages: str = "[-40, 0, 40]", *extra: str):
    return load_case(CASES / "default.toml", [*SLAB, f"conditions.voltages_mV={voltages}", *extra])


def claim_on_root(out: Path) -> FolderClaim:
    """The folder's lock, taken on rank 0 as another run would hold it."""
    claim = FolderClaim(out)
    if COMM.rank == 0:
        claim.acquire()
    COMM.barrier()
    return claim


def test_a_second_run_into_a_busy_folder_is_refused(shared_tmp):
    out = shared_tmp / "out"
    other = claim_on_root(out)
    with pytest.raises(OutputError, match="another run") as info:
        run_case(slab(), out, COMM)
    message = str(info.value)  # the same on every rank: it names the holder on rank 0
    assert f"pid {COMM.bcast(os.getpid(), root=0)} on" in message
    assert "--out" in message and str(out / LOCK_NAME) in message
    assert not (out / "results.json").exists()
    other.release()
    assert run_case(slab(), out, COMM)["all_converged"]


def test_a_killed_run_leaves_no_lock_behind(shared_tmp):
    out = shared_tmp / "out"
    if COMM.rank == 0:  # a process takes the folder and is killed with it held
        code = (
            "import os, signal, sys\n"
            "from pnp.folders import FolderClaim\n"
            "FolderClaim(sys.argv[1]).acquire()\n"
            "os.kill(os.getpid(), signal.SIGKILL)\n"
        )
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        done = subprocess.run([sys.executable, "-c", code, str(out)], env=env, timeout=60)
        assert done.returncode == -9
        assert json.loads((out / LOCK_NAME).read_text())["pid"] > 0  # its record stays ...
    COMM.barrier()
    assert run_case(slab(), out, COMM)["all_converged"]  # ... but not its lock


def test_the_folder_is_released_when_the_run_fails(shared_tmp):
    out = shared_tmp / "out"
    with pytest.raises(ConvergenceError):
        run_case(slab("[0]", "solver.max_iterations=1"), out, COMM)
    assert run_case(slab(), out, COMM)["all_converged"]


def test_a_new_run_replaces_the_outputs_of_an_earlier_one(shared_tmp):
    out = shared_tmp / "out"
    run_case(slab("[-40, 0, 40]"), out, COMM)
    assert (out / "profile_-40.0mV.csv").exists()
    if COMM.rank == 0:
        (out / "notes.txt").write_text("the user's own file\n")
    COMM.barrier()
    results = run_case(slab("[0, 20]"), out, COMM)
    assert [p["voltage_mV"] for p in results["points"]] == [0.0, 20.0]
    profiles = sorted(p.name for p in out.glob("profile_*mV.csv"))
    assert profiles == ["profile_+0.0mV.csv", "profile_+20.0mV.csv"]
    assert (out / "notes.txt").exists()


def test_every_file_a_run_writes_is_a_known_output(shared_tmp):
    """RUN_OUTPUTS (what a new run clears) lists everything steady and transient runs write."""
    steady, transient = shared_tmp / "steady", shared_tmp / "transient"
    run_case(slab("[0, 40]", "output.plots=true", "output.fields=true"), steady, COMM)
    step = load_case(
        CASES / "transient_step.toml",
        [*SLAB, "transient.end_time_s=2e-8", "transient.max_step_s=2e-9", "output.fields=true"],
    )
    run_transient_case(step, transient, COMM)
    for folder in (steady, transient):
        names = [p.name for p in folder.iterdir() if p.name != LOCK_NAME]
        unknown = [n for n in names if not any(fnmatch.fnmatch(n, p) for p in RUN_OUTPUTS)]
        assert names and not unknown, unknown


def test_concurrent_writers_never_share_a_temporary_file(tmp_path):
    path = tmp_path / "results.json"
    errors: list[BaseException] = []

    def writer(k: int) -> None:
        try:
            for i in range(100):
                write_json(MPI.COMM_SELF, path, {"writer": k, "i": i, "pad": "x" * 2000})
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[0]
    assert json.loads(path.read_text())["i"] == 99
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]
