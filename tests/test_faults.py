"""Failures and interrupts on one rank end every rank with one message and the exit code.

In-process tests inject the failure on one rank only (a folder replaced by a file
under rank 0, a signal to the last rank); the subprocess tests start
`mpiexec -n 2 pnp ...` themselves (so they run from a serial pytest) with a
timeout: a hang fails the test instead of hanging the suite.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from mpi4py import MPI

import pnp.run
import pnp.transient.run
from pnp.case import load_case
from pnp.cli import main
from pnp.folders import LOCK_NAME, FolderClaim, OutputError
from pnp.interrupt import FINISH, STOP, Interrupted, StopOnSignal
from pnp.run import run_case
from pnp.sweep import load_sweep, run_sweep

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "cases"
BIN = Path(sys.executable).parent
COMM = MPI.COMM_WORLD
LAST = COMM.size - 1
TIMEOUT_S = 90  # below the suite's --timeout, so that a hang is killed here
SLAB = [
    "geometry={kind = 'slab', pore_length_nm = 4.0, bath_length_nm = 0.0}",
    "surfaces.pore_wall.charge_C_per_m2=0",
]
SLAB_ARGS = [arg for value in SLAB for arg in ("--set", value)]
serial_only = pytest.mark.skipif(COMM.size > 1, reason="starts mpiexec itself")


def slab(*extra: str):
    """A 1D KCl slab at three voltages: a run takes well under a second."""
    return load_case(CASES / "default.toml", [*SLAB, "conditions.voltages_mV=[-40, 0, 40]", *extra])


def a_file(folder: Path) -> Path:
    path = folder / "not_a_folder"
    if COMM.rank == 0:
        path.write_text("a file where --out points\n")
    COMM.barrier()
    return path


def one_message(err: str, command: str) -> str:
    """The one error line of `pnp command` in `err` (besides notices of signals received)."""
    prefix = f"pnp {command}:"
    lines = [line for line in err.splitlines() if line.startswith(prefix)]
    lines = [line for line in lines if not line.startswith(f"{prefix} SIG")]
    assert len(lines) == 1, err
    assert "Traceback" not in err, err
    return lines[0]


def test_an_out_that_cannot_be_a_folder_is_one_line_and_code_2(shared_tmp, capsys):
    afile = a_file(shared_tmp)
    for out, expected in ((afile, "is a file"), (afile / "sub", "cannot create the folder")):
        code = main(["run", str(CASES / "default.toml"), "--out", str(out), *SLAB_ARGS])
        assert code == 2
        if COMM.rank == 0:
            line = one_message(capsys.readouterr().err, "run")
            assert str(out) in line and expected in line and "--out" in line


def test_a_sweep_into_a_file_is_one_line_and_code_2(shared_tmp, capsys):
    sweep = write_slab_sweep(shared_tmp)
    code = main(["sweep", str(sweep), "--out", str(a_file(shared_tmp))])
    assert code == 2
    if COMM.rank == 0:
        assert "is a file" in one_message(capsys.readouterr().err, "sweep")


def write_slab_sweep(folder: Path) -> Path:
    """Two slab cases (as a sweep file beside a copy of the base case)."""
    path = folder / "slab_sweep.toml"
    if COMM.rank == 0:
        base = load_case(CASES / "default.toml", SLAB)
        from pnp.case import case_to_toml

        (folder / "slab.toml").write_text(case_to_toml(base))
        path.write_text(
            'base = "slab.toml"\n[set]\n"conditions.voltages_mV" = [-40.0, 0.0, 40.0]\n'
            '"output.fields" = false\n"output.plots" = false\n'
            '[axes]\n"regions.pore.fixed_charge_M" = [0.0, -0.01, -0.02, -0.03]\n'
        )
    COMM.barrier()
    return path


def test_a_write_failing_mid_run_ends_every_rank_naming_the_file(shared_tmp):
    out, kept = shared_tmp / "out", shared_tmp / "kept"

    def sabotage(line: str) -> None:  # rank 0 only (progress lines are printed there)
        if "V =" in line and not kept.exists():
            out.rename(kept)  # the folder vanishes under the run, a file takes its place
            out.write_text("")

    with pytest.raises(OutputError, match=r"results\.json") as info:
        run_case(slab(), out, COMM, progress=sabotage)
    assert str(out) in str(info.value)
    done = json.loads((kept / "results.json").read_text())  # what was done is kept
    assert len(done["points"]) == 1 and done["points"][0]["converged"]
    if COMM.rank == 0:
        assert (kept / LOCK_NAME).read_text() == ""  # released


def test_a_signal_on_one_rank_stops_every_rank_with_130(shared_tmp, monkeypatch, capfd):
    write_json = pnp.run.write_json
    calls = []

    def then_signal(comm, path, data) -> None:  # a Ctrl-C reaching the last rank only
        write_json(comm, path, data)
        calls.append(path)
        if COMM.rank == LAST and len(calls) == 1:
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(pnp.run, "write_json", then_signal)
    out = shared_tmp / "out"
    args = ["run", str(CASES / "default.toml"), "--out", str(out), *SLAB_ARGS]
    assert main([*args, "--set", "conditions.voltages_mV=[-40, 0, 40]"]) == 130
    assert len(calls) == 1  # every rank stopped before the next voltage
    results = json.loads((out / "results.json").read_text())
    assert [p["voltage_mV"] for p in results["points"]] == [0.0]
    if COMM.rank == 0:
        line = one_message(capfd.readouterr().err, "run")
        assert "interrupted by SIGINT" in line and "results.json" in line
        FolderClaim(out).acquire()  # the run let go of its folder


def test_an_interrupted_transient_run_keeps_its_steps(shared_tmp, monkeypatch):
    write_json = pnp.transient.run.write_json
    calls = []

    def then_signal(comm, path, data) -> None:  # a batch system's SIGTERM, to the last rank
        write_json(comm, path, data)
        calls.append(len(data["transient"]["times_s"]))
        if COMM.rank == LAST and len(calls) == 1:
            os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(pnp.transient.run, "write_json", then_signal)
    out = shared_tmp / "out"
    step = ["transient.end_time_s=5e-8", "transient.max_step_s=2e-9", "output.plots=false"]
    args = [arg for value in [*SLAB, *step] for arg in ("--set", value)]
    assert main(["run", str(CASES / "transient_step.toml"), "--out", str(out), *args]) == 130
    assert len(calls) == 2  # the checkpoint, then the steps so far when every rank stopped
    block = json.loads((out / "results.json").read_text())["transient"]
    assert len(block["times_s"]) == calls[0] and block["times_s"][-1] < 5e-8
    rows = (out / "transient.csv").read_text().splitlines()
    assert len(rows) == 1 + len(block["times_s"])


def test_a_sweep_stopped_twice_leaves_the_running_case_for_the_resume(shared_tmp):
    spec = load_sweep(write_slab_sweep(shared_tmp))
    out = shared_tmp / "out"
    with StopOnSignal(COMM, (FINISH, STOP)) as stop:

        def twice(line: str) -> None:  # two Ctrl-C on rank 0 while its first case runs
            if COMM.rank == 0 and "V =" in line and stop.reached is None:
                stop.request()
                stop.request()

        report = run_sweep(spec, out, COMM, progress=twice, case_progress=True, stop=stop)
    assert report.interrupted and report.exit_code == 130
    unfinished = 4 if COMM.size == 1 else 1  # other groups (ranks) take the other cases
    assert (report.unfinished, report.ok) == (unfinished, 4 - unfinished)
    assert len(list(out.glob("cases/*/done.json"))) == 4 - unfinished
    resumed = run_sweep(spec, out, COMM)
    assert (resumed.ran, resumed.ok, resumed.exit_code) == (unfinished, 4, 0)


def test_interrupted_is_not_an_exception_a_failed_case_handler_would_record():
    assert not isinstance(Interrupted("SIGTERM"), Exception)
    assert str(Interrupted("SIGTERM")) == "interrupted by SIGTERM"


# --- subprocesses: mpiexec -n 2 -------------------------------------------------------


def start(*args: str, **kwargs) -> subprocess.Popen:
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    )
    return subprocess.Popen(
        [str(BIN / "mpiexec"), "-n", "2", str(BIN / "pnp"), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a process group of its own, as a terminal's job
        **kwargs,
    )


def finish(process: subprocess.Popen) -> tuple[int, str, str]:
    try:
        out, err = process.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate()
        pytest.fail(f"hung: stdout {out[-2000:]!r} stderr {err[-2000:]!r}")
    return process.returncode, out, err


@serial_only
def test_mpiexec_run_and_sweep_into_a_file_exit_2(shared_tmp):
    afile = a_file(shared_tmp)
    code, _, err = finish(
        start("run", str(CASES / "default.toml"), "--out", str(afile), *SLAB_ARGS)
    )
    assert code == 2 and "is a file" in one_message(err, "run")
    code, _, err = finish(start("sweep", str(write_slab_sweep(shared_tmp)), "--out", str(afile)))
    assert code == 2 and "is a file" in one_message(err, "sweep")


@serial_only
@pytest.mark.parametrize("delay_s", [0.0, 0.15, 0.4])
def test_ctrl_c_under_mpiexec_ends_both_ranks_with_130(shared_tmp, delay_s):
    out = shared_tmp / "out"
    voltages = ", ".join(str(v) for v in range(-100, 101, 2))  # far more than get done
    process = start(
        "run",
        str(CASES / "default.toml"),
        "--out",
        str(out),
        "--set",
        f"conditions.voltages_mV=[{voltages}]",
        "--set",
        "output.fields=false",
    )
    for line in process.stdout:
        if "V =" in line:  # solving: the first voltage point is done
            break
    time.sleep(delay_s)
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
    code, _, err = finish(process)
    assert code == 130, err
    assert "interrupted by SIGINT" in one_message(err, "run")
    results = json.loads((out / "results.json").read_text())
    assert 1 <= len(results["points"]) < 101
    assert (out / LOCK_NAME).read_text() == "" and not list(out.glob(".*.tmp"))


@serial_only
def test_a_second_signal_aborts_at_once():
    code = (
        "import os, signal, time\n"
        "from mpi4py import MPI\n"
        "from pnp.interrupt import StopOnSignal\n"
        "StopOnSignal(MPI.COMM_WORLD, notice=print)\n"
        "os.kill(os.getpid(), signal.SIGINT)\n"
        "time.sleep(0.2)\n"
        "os.kill(os.getpid(), signal.SIGINT)\n"
        "time.sleep(10)\n"
        "print('still running')\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 130, done.stderr
    assert "SIGINT again: aborting" in done.stdout and "still running" not in done.stdout
