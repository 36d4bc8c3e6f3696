"""The benchmark plan, its worker processes and the summary document.

This module imports neither DOLFINx nor MPI: every measurement runs in a worker
process (`pnp.bench.worker`), serially or under ``mpiexec -n 2``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pnp.bench import summary

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "cases"
PRESETS = ("direct", "iterative")
# 3D points: 25 mV apart from 0 mV (one continuation step each); one charge step
# (the ramp is not part of the per-point figures, and halves by itself if needed)
PORE_3D = {"solver.charge_steps": 1, "conditions.voltages_mV": [-50, -25, 0, 25, 50]}
PORE_3D_LARGE = {"solver.charge_steps": 1, "conditions.voltages_mV": [0, 25]}
DIRECT_MEMORY_SHARE = 0.75  # of the machine's memory, for MUMPS's own forecast
DIRECT_MAX_SECONDS_PER_POINT = 600.0


@dataclass(frozen=True)
class Plan:
    axisymmetric: tuple[tuple[str, dict], ...]  # default.toml variants, smallest first
    pore_3d: tuple[tuple[str, dict], ...]  # pore_3d.toml variants, smallest first
    double_layer: tuple[int, ...]  # cells (pnp) = segments (matscipy)
    fipy_pore: tuple[int, ...]  # radial cells of the pore-only grids (pnp and FiPy)
    timeout_s: float


def _sizes(mesh: float, wall: float, base: dict) -> dict:
    return {"geometry.mesh_size_nm": mesh, "geometry.wall_size_nm": wall, **base}


FULL = Plan(
    axisymmetric=tuple((f"default_refine{k}", {"geometry.refine": k}) for k in (1, 2, 3)),
    pore_3d=(
        ("pore_3d_100k", _sizes(0.35, 0.12, PORE_3D)),
        ("pore_3d_1M", _sizes(0.105, 0.07, PORE_3D_LARGE)),
    ),
    double_layer=(200, 400),
    fipy_pore=(4, 8, 16, 32, 64),
    timeout_s=3600.0,
)
QUICK = Plan(
    axisymmetric=tuple((f"default_refine{k}", {"geometry.refine": k}) for k in (0, 1, 2)),
    pore_3d=(
        ("pore_3d_7k", _sizes(1.2, 0.4, PORE_3D_LARGE)),
        ("pore_3d_18k", _sizes(1.0, 0.25, PORE_3D_LARGE)),
    ),
    double_layer=(100,),
    fipy_pore=(4, 8, 16),
    timeout_s=600.0,
)


def mpiexec() -> str:
    local = Path(sys.executable).parent / "mpiexec"
    found = str(local) if local.exists() else shutil.which("mpiexec")
    if found is None:
        raise FileNotFoundError("mpiexec not found next to the Python executable or on PATH")
    return found


def run_worker(spec: dict, timeout_s: float, ranks: int = 1) -> dict:
    """Run one measurement in a fresh process; its record, or {"failed": reason}."""
    command = [sys.executable, "-m", "pnp.bench.worker", json.dumps(spec)]
    if ranks > 1:
        command = [mpiexec(), "-n", str(ranks), *command]
    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
        start_new_session=True,  # a timeout ends mpiexec and its ranks together
    )
    try:
        out, err = process.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        return {"failed": f"timed out after {timeout_s:.0f} s"}
    for line in reversed(out.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    tail = " | ".join(err.strip().splitlines()[-3:])
    return {"failed": f"exit code {process.returncode}: {tail}"}


def machine_memory_MB() -> float:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**20


class Bench:
    def __init__(self, plan: Plan, say: Callable[[str], None]) -> None:
        self.plan = plan
        self.say = say

    def case(
        self,
        case_file: str,
        name: str,
        overrides: dict,
        preset: str,
        *,
        ranks: int = 1,
        mumps_estimate: bool = False,
    ) -> dict:
        spec = {
            "kind": "case",
            "case": str(CASES / case_file),
            "name": name,
            "overrides": overrides,
            "preset": preset,
            "mumps_estimate": mumps_estimate,
        }
        record = summary.case_record(
            name, preset, ranks, run_worker(spec, self.plan.timeout_s, ranks)
        )
        self.say(summary.case_line(record))
        return record

    def pore_3d(self, name: str, overrides: dict, previous_direct: dict | None) -> list[dict]:
        iterative = self.case("pore_3d.toml", name, overrides, "iterative", mumps_estimate=True)
        reason = direct_infeasible(iterative.get("mumps_estimate"), previous_direct)
        if reason is None:
            direct = self.case("pore_3d.toml", name, overrides, "direct", mumps_estimate=True)
        else:
            direct = summary.skipped(name, "direct", iterative.get("dofs"), reason)
            self.say(summary.case_line(direct))
        return [direct, iterative]

    def run(self) -> dict:
        plan = self.plan
        cases: list[dict] = []
        for name, overrides in plan.axisymmetric:
            cases += [self.case("default.toml", name, overrides, p) for p in PRESETS]
        direct_3d = None
        for name, overrides in plan.pore_3d:
            pair = self.pore_3d(name, overrides, direct_3d)
            cases += pair
            direct_3d = pair[0] if not pair[0].get("skipped") else direct_3d
        largest, overrides = plan.axisymmetric[-1]
        two_ranks = [self.case("default.toml", largest, overrides, p, ranks=2) for p in PRESETS]
        dofs = next(c["dofs"] for c in cases if c["name"] == largest and c["dofs"])
        poisson = [self.poisson(largest, overrides, p, dofs) for p in PRESETS]
        # 3D: the iterative preset's Krylov/GAMG settings on the smaller pore's own mesh
        name_3d, overrides_3d = plan.pore_3d[0]
        poisson_3d = [
            self.poisson(name_3d, overrides_3d, "iterative", None, case_file="pore_3d.toml")
        ]
        layer = run_worker(
            {"kind": "double_layer", "resolutions": list(plan.double_layer)}, plan.timeout_s
        )
        self.say(summary.double_layer_line(layer))
        pore = run_worker({"kind": "fipy", "resolutions": list(plan.fipy_pore)}, plan.timeout_s)
        self.say(summary.fipy_line(pore))
        return summary.document(
            cases=cases,
            two_ranks=two_ranks,
            poisson=poisson,
            poisson_3d=poisson_3d,
            double_layer=layer,
            fipy_pore=pore,
            axisymmetric=[n for n, _ in plan.axisymmetric],
            pore_3d=[n for n, _ in plan.pore_3d],
            machine={"cpus": os.cpu_count(), "memory_MB": round(machine_memory_MB())},
        )

    def poisson(
        self,
        name: str,
        overrides: dict,
        preset: str,
        dofs: int | None,
        case_file: str = "default.toml",
    ) -> dict:
        """A scalar Poisson solve with `dofs` unknowns, or on the case's mesh if None."""
        spec = {
            "dofs": dofs,
            "same_mesh": dofs is None,
            "kind": "poisson",
            "case": str(CASES / case_file),
            "name": name,
            "overrides": overrides,
            "preset": preset,
        }
        record = run_worker(spec, self.plan.timeout_s)
        self.say(summary.poisson_line(name, preset, record))
        return {"name": name, "preset": preset, **record}


def direct_infeasible(estimate: dict | None, previous: dict | None) -> str | None:
    """Why LU is not attempted (MUMPS's own forecast), or None to run it."""
    if not estimate:
        return None
    memory = estimate["memory_MB"]
    available = machine_memory_MB()
    projected = None
    if previous and previous.get("mumps_estimate") and previous.get("seconds_per_point"):
        ratio = estimate["flops"] / previous["mumps_estimate"]["flops"]
        projected = previous["seconds_per_point"] * ratio
    too_big = memory > DIRECT_MEMORY_SHARE * available
    too_slow = projected is not None and projected > DIRECT_MAX_SECONDS_PER_POINT
    if not (too_big or too_slow):
        return None
    reason = (
        f"MUMPS analysis of this Jacobian forecasts {memory / 1024:.1f} GB for the LU "
        f"(INFOG(17); machine: {available / 1024:.1f} GB) and "
        f"{estimate['flops'] / 1e12:.1f} Tflop per factorisation (RINFOG(1))"
    )
    if projected is not None:
        reason += (
            f", about {projected:.0f} s per voltage point scaled by flops from "
            f"{previous['name']} ({previous['seconds_per_point']:.1f} s per point)"
        )
    return reason


def run_bench(quick: bool, say: Callable[[str], None]) -> dict:
    return Bench(QUICK if quick else FULL, say).run()
