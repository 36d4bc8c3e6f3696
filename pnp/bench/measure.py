"""One case with one preset: Newton iterations, assembly/solve time and memory per voltage point.

The run is the package's own pipeline without output files: mesh and problem
set-up (`pnp.run.prepare`), the fixed-charge ramp at 0 mV, then the case's
voltages by continuation (`pnp.solver.iv.solve_iv`, currents included). Only
the voltage points are timed in detail: the ramp and the set-up (meshing, JIT)
are reported as totals.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from mpi4py import MPI

from pnp.bench.events import newton_times, peak_memory_MB, start_logging
from pnp.case import Case, load_case
from pnp.errors import ConvergenceError
from pnp.fem import PETSc
from pnp.run import prepare
from pnp.solver.continuation import ramp_fixed_charge
from pnp.solver.current import CurrentMeter, pore_sections
from pnp.solver.iv import solve_iv
from pnp.solver.problem import PnpProblem

NO_OUTPUT = {"output.fields": False, "output.plots": False, "output.profiles": False}


def bench_case(spec: Mapping) -> Case:
    """The case of a spec: a case file, dotted-key overrides and the preset."""
    overrides = {**NO_OUTPUT, **spec.get("overrides", {}), "solver.preset": spec["preset"]}
    return load_case(Path(spec["case"])).with_overrides(overrides)


class LinearIterations:
    """Counts Krylov iterations per Newton step through a SNES monitor."""

    def __init__(self, snes: PETSc.SNES) -> None:
        self.ksp = snes.getKSP()
        self.steps = self.total = 0
        snes.setMonitor(self._monitor)

    def _monitor(self, _snes: PETSc.SNES, iteration: int, _norm: float) -> None:
        if iteration > 0:
            self.steps += 1
            self.total += self.ksp.getIterationNumber()

    def reset(self) -> None:
        self.steps = self.total = 0

    @property
    def mean(self) -> float | None:
        return self.total / self.steps if self.steps else None


def mesh_size(problem: PnpProblem) -> dict[str, int]:
    d = problem.domain
    topology = d.mesh.topology
    return {
        "dofs": problem.V.dofmap.index_map.size_global * problem.V.dofmap.index_map_bs,
        "vertices": topology.index_map(0).size_global,
        "cells": topology.index_map(d.dim).size_global,
    }


def measure_case(spec: Mapping, comm: MPI.Comm) -> dict:
    """Record of one case/preset run (identical on all ranks)."""
    case = bench_case(spec)
    start_logging()
    t0 = time.perf_counter()
    problem = prepare(case, comm)
    record: dict = {
        "name": spec["name"],
        "preset": spec["preset"],
        "ranks": comm.size,
        "geometry": case.geometry.kind,
        **mesh_size(problem),
        "setup_seconds": time.perf_counter() - t0,
    }
    try:
        record.update(_solve(problem, comm))
        record.update(assembly_profile(problem, comm))
        if spec.get("mumps_estimate"):
            record["mumps_estimate"] = mumps_estimate(problem.newton.problem.A)
    finally:
        problem.destroy()
    record["peak_memory_MB"] = peak_memory_MB(comm)
    return record


def _solve(problem: PnpProblem, comm: MPI.Comm) -> dict:
    case = problem.case
    krylov = LinearIterations(problem.newton.snes)
    t0 = time.perf_counter()
    try:
        ramp = ramp_fixed_charge(problem)
    except ConvergenceError as err:
        return {"converged": False, "error": str(err)}
    ramp_seconds = time.perf_counter() - t0
    meter = CurrentMeter(problem)
    sections = pore_sections(problem.domain.pore_extent_nm, case.output.sections)
    krylov.reset()
    before, t0 = newton_times(comm), time.perf_counter()
    points, _ = solve_iv(problem, case.conditions.voltages_mV, meter, sections)
    wall = time.perf_counter() - t0
    spent = newton_times(comm) - before
    moved = [p for p in points if p.voltage_mV != 0.0]  # 0 mV is the ramp's end state
    count = max(len(moved), 1)
    solve_seconds = sum(p.seconds for p in moved)
    return {
        "voltages_mV": [p.voltage_mV for p in points],
        "converged": all(p.converged for p in points),
        "newton_iterations": [p.newton_iterations for p in points],
        "newton_iterations_mean": float(np.mean([p.newton_iterations for p in moved]))
        if moved
        else 0.0,
        "linear_iterations_mean": krylov.mean,
        "assembly_seconds": spent.assembly / count,
        "solve_seconds": spent.solve / count,
        "seconds_per_point": solve_seconds / count,
        # currents through the electrode and the pore sections after each point
        "postprocess_seconds_per_point": (wall - solve_seconds) / count,
        "ramp_newton_iterations": ramp.newton_iterations,
        "ramp_seconds": ramp_seconds,
        "currents_pA": [p.current * 1e12 if p.converged else None for p in points],
    }


def assembly_profile(problem: PnpProblem, comm: MPI.Comm, repeats: int = 3) -> dict:
    """Seconds of one residual and one Jacobian evaluation (SNES callbacks: assembly,
    boundary conditions and, for a separate preconditioner matrix, its copy) at the
    final state; median of `repeats`, slowest rank."""
    newton = problem.newton
    snes, x = newton.snes, newton.problem.x
    A = newton.problem.A
    P = newton.pmat if newton.pmat is not None else A
    b = x.duplicate()
    calls = {
        "residual": lambda: snes.computeFunction(x, b),
        "jacobian": lambda: snes.computeJacobian(x, A, P),
    }
    out = {}
    try:
        for name, call in calls.items():
            times = []
            for _ in range(repeats):
                comm.barrier()
                t0 = time.perf_counter()
                call()
                times.append(comm.allreduce(time.perf_counter() - t0, op=MPI.MAX))
            out[f"{name}_evaluation_seconds"] = statistics.median(times)
    finally:
        b.destroy()
    return out


def mumps_estimate(A: PETSc.Mat) -> dict:
    """MUMPS's own forecast for an LU of `A` with the direct preset's settings.

    Runs the analysis (ordering and symbolic factorisation) only: a 1 MB
    working-memory cap (ICNTL(23)) stops MUMPS right after it, with the
    estimates of memory (INFOG(17), MB over all ranks, in-core) and
    elimination flops (RINFOG(1)) in place.
    """
    ksp = PETSc.KSP().create(A.getComm())
    try:
        ksp.setOperators(A)
        ksp.setType("preonly")
        pc = ksp.getPC()
        pc.setType("lu")
        pc.setFactorSolverType("mumps")
        pc.setFactorSetUpSolverType()
        factor = pc.getFactorMatrix()
        factor.setMumpsIcntl(14, 80)  # as the direct preset
        factor.setMumpsIcntl(24, 1)
        factor.setMumpsIcntl(23, 1)
        t0 = time.perf_counter()
        ksp.setUp()
        return {
            "analysis_seconds": time.perf_counter() - t0,
            "memory_MB": float(factor.getMumpsInfog(17)),
            "factor_entries": float(factor.getMumpsInfog(3)),
            "flops": float(factor.getMumpsRinfog(1)),
        }
    finally:
        ksp.destroy()
