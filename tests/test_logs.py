"""Progress lines and run.log: a line per phase, rank 0 only, whole lines under MPI."""

from __future__ import annotations

import io
import logging
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from mpi4py import MPI

from pnp import logs

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "cases"
BIN = Path(sys.executable).parent
COMM = MPI.COMM_WORLD
serial_only = pytest.mark.skipif(COMM.size > 1, reason="starts its own processes")
TIMEOUT_S = 120
QUICK = [
    "--set",
    "conditions.voltages_mV=[-50, 0, 50]",
    "--set",
    "geometry.mesh_size_nm=1.0",
    "--set",
    "solver.max_voltage_step_mV=30",
    "--set",
    "output.plots=false",
    "--set",
    "output.fields=false",
]
SECONDS = r"\d+\.\d\d s"
# Every line `pnp run` prints for the quick default case, in order (a line may repeat
# where marked with +).
PHASES = [
    r"meshing \.\.\.",
    rf"meshing: done in {SECONDS}",
    r"setting up the problem \.\.\.",
    rf"setting up the problem: done in {SECONDS}",
    r"default: axisymmetric mesh, .* unknowns on \d rank\(s\)",
    r"charge ramp at 0 mV \.\.\.",
    rf"\+  fixed-charge continuation: [\d.]+ x full charge, newton +\d+, {SECONDS}",
    rf"charge ramp at 0 mV: done in {SECONDS}",
    r"  V = +\+0\.00 mV  I = .*",
    rf"\+  voltage continuation: \d+ mV, newton \d+, {SECONDS}",
    r"  V = +\+50\.00 mV  I = .*",
    rf"\+  voltage continuation: -\d+ mV, newton \d+, {SECONDS}",
    r"  V = +-50\.00 mV  I = .*",
    r"reversal-potential search \.\.\.",
    rf"\+  voltage continuation: -[\d.]+ mV, newton \d+, {SECONDS}",
    rf"reversal-potential search: done in {SECONDS}",
    r"reversal potential: PNP -\d+\.\d\d mV, .*; results in .*",
]


def _env() -> dict[str, str]:
    path = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    return dict(os.environ, PYTHONPATH=path, MPIR_CVAR_CH4_PROGRESS_THROTTLE="1")


def _pnp(*args: str, ranks: int = 1) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "pnp", *args]
    if ranks > 1:
        command = [str(BIN / "mpiexec"), "-n", str(ranks), *command]
    done = subprocess.run(
        command, env=_env(), capture_output=True, text=True, timeout=TIMEOUT_S, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def _match_in_order(lines: list[str], patterns: list[str]) -> None:
    """Every line matches the next pattern; a pattern marked + may match several lines."""
    k = 0
    for line in lines:
        while True:
            assert k < len(patterns), f"unexpected line {line!r}"
            repeat = patterns[k].startswith(r"\+")
            pattern = patterns[k][2:] if repeat else patterns[k]
            if re.fullmatch(pattern, line):
                if not repeat:
                    k += 1
                break
            assert repeat, f"line {line!r} does not match {pattern!r}"
            k += 1  # a repeated line is over
    rest = [p for p in patterns[k:] if not p.startswith(r"\+")]
    assert not rest, f"missing lines {rest}"


@serial_only
@pytest.mark.parametrize("ranks", [1, 2])
def test_pnp_run_prints_every_phase_once_and_writes_run_log(tmp_path, ranks):
    """Serially without -v; on 2 ranks with -v (debug lines on stderr, once)."""
    out = tmp_path / "out"
    verbose = ["-v"] if ranks > 1 else []
    command = ["run", str(CASES / "default.toml"), "--out", str(out), *QUICK, *verbose]
    done = _pnp(*command, ranks=ranks)
    printed = done.stdout.splitlines()
    _match_in_order(printed, PHASES)  # once each, whole lines, rank 0 only
    assert f"on {ranks} rank(s)" in printed[4]
    logged = (out / "run.log").read_text().splitlines()
    stamp = re.compile(r"\d\d:\d\d:\d\d (INFO   |DEBUG  |WARNING) (.*)")
    assert all(stamp.fullmatch(line) for line in logged), logged
    assert [m[2] for m in map(stamp.fullmatch, logged) if m[1] == "INFO   "] == printed
    debug = [m[2] for m in map(stamp.fullmatch, logged) if m[1] == "DEBUG  "]
    if not verbose:
        assert done.stderr == "" and debug == []
        return
    ours = [line for line in done.stderr.splitlines() if line.startswith("DEBUG pnp.")]
    assert [line.split(": ", 1)[1] for line in ours] == debug  # printed by one rank
    searches = [line for line in debug if line.startswith("  reversal search: V = ")]
    assert len(searches) >= 2 and len(set(searches)) == len(searches)


def _slab_sweep(folder: Path) -> Path:
    path = folder / "sweep.toml"
    path.write_text(
        textwrap.dedent(
            f"""\
            name = "slab"
            base = "{(CASES / "default.toml").as_posix()}"
            [set]
            "geometry" = {{kind = "slab", pore_length_nm = 4.0, bath_length_nm = 0.0}}
            "surfaces.pore_wall.charge_C_per_m2" = 0.0
            "conditions.voltages_mV" = [0, 40]
            "output.fields" = false
            "output.plots" = false
            [[zip]]
            "species.K.outside_mM" = [10.0, 20.0, 50.0, 100.0, 150.0, 200.0]
            "species.Cl.outside_mM" = [10.0, 20.0, 50.0, 100.0, 150.0, 200.0]
            """
        )
    )
    return path


@serial_only
def test_sweep_lines_of_two_groups_are_whole_and_each_case_has_its_run_log(tmp_path):
    out = tmp_path / "sweep"
    done = _pnp("sweep", str(_slab_sweep(tmp_path)), "--out", str(out), ranks=2)
    lines = done.stdout.splitlines()
    header = r"sweep slab: 6 case\(s\); 0 already finished, 6 to run on 2 group\(s\) of 1 .*"
    case = r"case \S+ ok +\d+\.\d s  species\.K\.outside_mM=[\d.]+ .*"
    footer = r"sweep slab: 6 ok, 0 partial, 0 failed, 0 not run; .*"
    assert re.fullmatch(header, lines[0]) and re.fullmatch(footer, lines[-1]), lines
    assert len(lines) == 8 and all(re.fullmatch(case, line) for line in lines[1:-1]), lines
    assert len({line.split()[1] for line in lines[1:-1]}) == 6  # each case once
    logs_written = sorted(out.glob("cases/*/run.log"))
    assert len(logs_written) == 6
    texts = [path.read_text() for path in logs_written]
    assert all("charge ramp at 0 mV: done in" in text for text in texts)
    # a group meshes its first case; the next ones of the same set-up reuse its problem
    assert 2 <= sum("meshing: done in" in text for text in texts) <= 6


WRITER = """
import logging, sys
from pnp import logs
logs.setup(False, 0)
say = logs.printer("pnp.progress")
for k in range(2000):
    say(f"{sys.argv[1]} {k:05d} " + sys.argv[1] * 300)
"""


@serial_only
def test_lines_of_processes_sharing_a_pipe_never_merge():
    """Two processes print long lines into one pipe at once: every line arrives whole."""
    read, write = os.pipe()
    children = [
        subprocess.Popen([sys.executable, "-c", WRITER, tag], env=_env(), stdout=write)
        for tag in "ab"
    ]
    os.close(write)
    with os.fdopen(read) as pipe:
        lines = pipe.read().splitlines()
    assert all(child.wait(timeout=TIMEOUT_S) == 0 for child in children)
    assert len(lines) == 4000
    for line in lines:
        tag = line[0]
        assert re.fullmatch(rf"{tag} \d{{5}} {tag}{{300}}", line), line[:80]


def test_library_lines_are_shown_by_rank_0_of_their_communicator(monkeypatch):
    """`setup` on every rank; a phase logged on every rank of a communicator is printed
    once, by its rank 0 (in COMM_SELF every rank is rank 0 and prints its own)."""
    buffer = io.StringIO()
    monkeypatch.setattr(sys, "stdout", buffer)
    pnp_logger = logging.getLogger("pnp")
    saved = (pnp_logger.handlers[:], pnp_logger.propagate, pnp_logger.level)
    logs.setup(False, COMM.rank)
    log = logging.getLogger("pnp.test")
    try:
        with logs.phase(log, COMM, "world phase"):
            pass
        with logs.phase(log, MPI.COMM_SELF, "own phase"):
            pass
        log.info("no communicator")
    finally:
        pnp_logger.handlers[:], pnp_logger.propagate = saved[0], saved[1]
        pnp_logger.setLevel(saved[2])
    lines = buffer.getvalue().splitlines()
    own = ["own phase ...", lines[-1 if COMM.rank else -2]]
    assert re.fullmatch(r"own phase: done in \d+\.\d\d s", own[1])
    if COMM.rank == 0:
        assert lines[:2] == ["world phase ...", lines[1]] and "done in" in lines[1]
        assert lines[2:] == [*own, "no communicator"]
    else:
        assert lines == own  # neither the world's lines nor the rank-less one
