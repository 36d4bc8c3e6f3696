"""Run one case: mesh, solve the I–V curve, write results. Collective over `comm`."""

from __future__ import annotations

import datetime
import logging
import platform
import shutil
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from mpi4py import MPI

from pnp import __version__
from pnp.case import Case, case_to_dict
from pnp.case.screening import bath_screening
from pnp.errors import ConvergenceError
from pnp.fem import DOLFINX_VERSION, PETSc, dolfinx
from pnp.folders import FolderClaim
from pnp.geometry.build import build_domain
from pnp.geometry.domain import Domain
from pnp.geometry.params import mesh_segments
from pnp.logs import phase, run_log
from pnp.parallel import on_root
from pnp.post.comparison import ghk_comparison
from pnp.post.flow import FlowMeter, flow_point_record
from pnp.post.ghk_counterpart import ghk_block
from pnp.post.nanopore import nanopore_block
from pnp.post.output import (
    GENERATED_PQR,
    FieldWriter,
    clear_outputs,
    write_columns,
    write_csv,
    write_json,
    write_plot,
)
from pnp.post.profiles import AxisProfiler
from pnp.post.units import PLANAR, ReportUnits, report_units
from pnp.solver.continuation import StepResult, ramp_fixed_charge
from pnp.solver.crowding import crowding_warning, peak_concentrations_mM
from pnp.solver.current import CurrentMeter, pore_sections, relative_spread
from pnp.solver.iv import VoltagePoint, find_reversal, solve_iv
from pnp.solver.problem import PnpProblem
from pnp.solver.resolution import ResolutionCheck

if TYPE_CHECKING:
    from pnp.problem_cache import ProblemCache

log = logging.getLogger(__name__)


def domain_inputs(case: Case) -> dict:
    """Everything the mesh of `case` depends on (the arguments of `build_domain`)."""
    g = case.geometry
    return dict(
        kind=g.kind,
        pore_length_nm=g.pore_length_nm,
        pore_radius_nm=g.pore_radius_nm,
        bath_radius_nm=g.bath_radius_nm,
        bath_length_nm=g.bath_length_nm,
        membrane_offset_nm=g.membrane_offset_nm,
        entrance=g.entrance,
        entrance_radius_nm=g.entrance_radius_nm,
        filter_length_nm=g.filter_length_nm,
        filter_radius_nm=g.filter_radius_nm,
        segments=mesh_segments(g.kind, case.segments),
        shape=g.shape,
        tip_radius_nm=g.tip_radius_nm,
        base_radius_nm=g.base_radius_nm,
        tip=g.tip,
        bullet_exponent=g.bullet_exponent,
        profile_nm=g.profile_nm,
        mesh_file=g.mesh_file,
        groups=dict(g.groups),
        axisymmetric=g.axisymmetric,
        **structure_inputs(case),
        debye_length_nm=bath_screening(case)[1],
        mesh_size_nm=g.mesh_size_nm,
        wall_size_nm=g.wall_size_nm,
        refine=g.refine,
    )


def structure_inputs(case: Case) -> dict:
    """The part of a [structure] that shapes the mesh (none without one)."""
    s = case.structure
    if s is None:
        return {}
    return dict(
        structure_file=s.pqr_file,
        structure_axis=s.axis,
        structure_net_charge_e=s.net_charge_e,
        ion_radius_nm=s.ion_radius_nm,
    )


def make_domain(case: Case, comm: MPI.Comm, msh_path: Path | None = None):
    return build_domain(comm, **domain_inputs(case), msh_path=msh_path)


def prepare(
    case: Case,
    comm: MPI.Comm,
    *,
    msh_path: Path | None = None,
    cli_petsc_options: Mapping[str, object] | None = None,
) -> PnpProblem:
    """Mesh the case's geometry and set up its PNP problem (forms, BCs, SNES)."""
    with phase(log, comm, "meshing"):
        domain = make_domain(case, comm, msh_path=msh_path)
    with phase(log, comm, "setting up the problem"):
        degree = case.solver.degree
        return PnpProblem(domain, case, cli_petsc_options=cli_petsc_options, degree=degree)


@dataclass
class Solution:
    problem: PnpProblem
    meter: CurrentMeter
    points: list[VoltagePoint]
    states: dict[float, np.ndarray]  # converged states by voltage (mV)
    reversal_potential_mV: float | None
    charge_ramp: StepResult


def solve(
    problem: PnpProblem,
    on_point: Callable[[VoltagePoint, PnpProblem], None] | None = None,
) -> Solution:
    """Charge ramp at 0 mV, every voltage of the case, then the zero-current potential.

    Raises ConvergenceError only when the charge ramp fails; a failed voltage
    point is recorded in its `VoltagePoint`.
    """
    case = problem.case
    ramp = ramp_fixed_charge(problem)
    meter = CurrentMeter(problem)
    sections = pore_sections(problem.domain.pore_extent_nm, case.output.sections)
    points, states = solve_iv(
        problem, case.conditions.voltages_mV, meter, sections, on_point, ResolutionCheck(problem)
    )
    reversal = find_reversal(problem, meter, points, states)
    return Solution(problem, meter, points, states, reversal, ramp)


def point_record(point: VoltagePoint, units: ReportUnits, names: Sequence[str]) -> dict:
    """One voltage point in the results.json shape: densities (A/m^2) always, and the
    current in the geometry's own unit beside them (`pnp.post.units`)."""
    record: dict = {
        "voltage_mV": point.voltage_mV,
        "converged": point.converged,
        "newton_iterations": point.newton_iterations,
        "seconds": point.seconds,
    }
    if not point.converged:
        record.update(current_pA=None, current_density_A_per_m2=None, error=point.error)
        return record
    currents, sections = point.species_currents, point.section_currents
    record["current_pA"] = None
    if units.extensive is not None:
        record[f"current_{units.extensive}"] = units.extensive_value(float(currents.sum()))
    record["current_density_A_per_m2"] = units.density(float(currents.sum()))
    if units.extensive is not None:
        record[f"species_currents_{units.extensive}"] = dict(
            zip(names, (currents * units.scale).tolist(), strict=True)
        )
        record[f"section_currents_{units.extensive}"] = (sections * units.scale).tolist()
    record["species_current_densities_A_per_m2"] = dict(
        zip(names, [units.density(float(c)) for c in currents], strict=True)
    )
    if units.extensive is None:
        record["section_current_densities_A_per_m2"] = sections.tolist()
    record["section_spread"] = relative_spread(sections)
    if point.resolution is not None:
        record["resolved"] = point.resolution.resolved
        record["resolution"] = point.resolution.as_dict()
    record.update(point.extras)
    return record


# The distributions a run depends on, recorded with their versions in every results.json.
RUNTIME_DISTRIBUTIONS = (
    "dolfinx-solver-real",
    "fenics-dolfinx",
    "petsc4py",
    "mpich",
    "mpi4py",
    "numpy",
    "scipy",
    "gmsh",
    "meshio",
    "matplotlib",
    "fenics-basix",
    "fenics-ffcx",
    "fenics-ufl",
)
SETUP_STAMP = ".pnp-setup"  # written into the environment by scripts/setup


def installed_versions() -> dict[str, str | None]:
    """pnp, DOLFINx, PETSc and every `RUNTIME_DISTRIBUTIONS` entry (None: not installed)."""
    versions = {"pnp": __version__, "dolfinx": dolfinx.__version__}
    versions["petsc"] = ".".join(map(str, PETSc.Sys.getVersion()))
    for dist in RUNTIME_DISTRIBUTIONS:
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
    if versions["petsc4py"] is None:  # bundled in the dolfinx-solver-real wheel
        versions["petsc4py"] = getattr(sys.modules.get("petsc4py"), "__version__", None)
    return versions


def install_record() -> dict:
    """How this environment was installed, from scripts/setup's stamp: its mode (``wheel``
    or ``system``) and whether the versions were pinned by constraints.txt (None: not
    installed by scripts/setup, or by one that did not say)."""
    try:
        lines = (Path(sys.prefix) / SETUP_STAMP).read_text(encoding="utf-8").splitlines()
    except OSError:
        return {"scripts_setup": False, "mode": None, "constraints": None}
    fields = dict(line.split("=", 1) for line in lines if "=" in line)
    pinned = fields.get("constraints")
    return {
        "scripts_setup": True,
        "mode": fields.get("mode"),
        "constraints": None if pinned is None else pinned == "yes",
    }


def provenance(domain, problem: PnpProblem, comm: MPI.Comm, seconds: float) -> dict:
    versions = installed_versions()
    imap = domain.mesh.topology.index_map(domain.dim)
    vmap = domain.mesh.topology.index_map(0)
    return {
        "versions": versions,
        "install": install_record(),
        "python": platform.python_version(),
        "mpi_ranks": comm.size,
        "mesh": {
            "cells": imap.size_global,
            "vertices": vmap.size_global,
            "dofs": problem.V.dofmap.index_map.size_global * problem.V.dofmap.index_map_bs,
            "min_cell_size_nm": domain.min_cell_size_nm,
        },
        "petsc_options": {k: str(v) for k, v in problem.petsc_options.items()},
        "wall_time_s": seconds,
        "finished": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "dolfinx_api": ".".join(map(str, DOLFINX_VERSION)),
        **structure_provenance(problem.case),
    }


def structure_provenance(case: Case) -> dict:
    """How the atoms of a PDB structure got their charges and radii (none otherwise)."""
    s = case.structure
    if s is None or s.pdb2pqr is None:
        return {}
    return {"structure": {**s.pdb2pqr, "pqr_file": GENERATED_PQR}}


def keep_generated_pqr(case: Case, out_dir: Path, comm: MPI.Comm) -> None:
    """Copy the PQR made from a PDB structure into the run's folder (collective)."""
    s = case.structure
    if s is not None and s.pdb_file is not None:
        on_root(comm, lambda: shutil.copyfile(s.pqr_file, out_dir / GENERATED_PQR))


def run_case(
    case: Case,
    out_dir: Path,
    comm: MPI.Comm,
    *,
    cli_petsc_options: Mapping[str, object] | None = None,
    progress: Callable[[str], None] | None = None,
    cache: ProblemCache | None = None,
) -> dict:
    """Solve `case` at all its voltages and write every output into `out_dir`.

    Returns the results dict (identical on all ranks). A voltage point whose
    Newton solve fails is recorded with its error; a failure before any voltage
    (the charge ramp) is written to results.json and re-raised. With a `cache`
    (a sweep), the problem of the previous case is reused when the set-up allows.
    Raises OutputError for a folder that cannot be used or a file that cannot be
    written, and `pnp.interrupt.Interrupted` after a signal (on every rank).
    """
    with prepared_run(case, out_dir, comm, cli_petsc_options, progress, cache) as (
        problem,
        say,
        t0,
    ):
        return solve_and_write(problem, Path(out_dir), say, t0).results


@contextmanager
def prepared_run(
    case: Case,
    out_dir: Path,
    comm: MPI.Comm,
    cli_petsc_options: Mapping[str, object] | None,
    progress: Callable[[str], None] | None,
    cache: ProblemCache | None = None,
) -> Iterator[tuple[PnpProblem, Callable[[str], None], float]]:
    """Collectively claim `out_dir` (create it, lock it against other runs, clear the
    outputs of an earlier run), mesh and set up the problem (or take it from `cache`);
    yield it with a rank-0 progress printer and the start time. Afterwards free its
    PETSc objects unless the cache keeps them, and release the folder."""
    t_start = time.perf_counter()
    out_dir = Path(out_dir)
    with claimed_folder(out_dir, comm), run_log(out_dir, comm):
        say = progress if (progress is not None and comm.rank == 0) else (lambda _msg: None)
        msh_path = out_dir / "mesh.msh"
        keep_generated_pqr(case, out_dir, comm)
        if cache is not None:
            problem = cache.problem_for(case, comm, msh_path, cli_petsc_options)
        else:
            problem = prepare(case, comm, msh_path=msh_path, cli_petsc_options=cli_petsc_options)
        try:
            yield problem, say, t_start
        except BaseException:
            if cache is not None:
                cache.clear()  # a failed run may leave the problem unusable: rebuild next time
            raise
        finally:
            if cache is None:
                problem.destroy()


@contextmanager
def claimed_folder(out_dir: Path, comm: MPI.Comm) -> Iterator[None]:
    """Collectively claim `out_dir` for a run's outputs (create it, lock it against other
    runs, clear the outputs of an earlier run); release it afterwards."""
    claim = FolderClaim(Path(out_dir))

    def claim_folder() -> None:
        claim.acquire()
        clear_outputs(Path(out_dir))

    try:
        on_root(comm, claim_folder)
        yield
    finally:
        claim.release()


def solve_and_write(
    problem: PnpProblem, out_dir: Path | None, say: Callable[[str], None], t_start: float
) -> SteadyRun:
    """Solve the case of `problem`, write its outputs into `out_dir` (results.json after
    every voltage point, so a failed or interrupted run keeps what is done) and report the
    closing lines. `out_dir=None` solves in memory only (`pnp.Simulation.solve`); the
    results are the same either way: this is the one solve of `pnp run`, sweeps and the
    Python API."""
    comm = problem.domain.mesh.comm

    def checkpoint(results: dict) -> None:
        if out_dir is not None:
            write_json(comm, out_dir / "results.json", results)

    steady = solve_case(problem, say, t_start, checkpoint=checkpoint)
    if out_dir is not None:
        write_outputs(steady, out_dir, t_start=t_start)
    report_closing(steady, say, out_dir)
    return steady


@dataclass
class SteadyRun:
    """A solved steady case: `results` (the results.json content), the axis profiles of
    every converged voltage in voltage order, and what writing the outputs needs."""

    results: dict
    solution: Solution
    profiles: list[tuple[float, dict[str, np.ndarray]]]
    units: ReportUnits
    unresolved: list[VoltagePoint]
    crowded: str | None


def solve_case(
    problem: PnpProblem,
    say: Callable[[str], None],
    t_start: float,
    checkpoint: Callable[[dict], None] | None = None,
) -> SteadyRun:
    """Solve the case of `problem` and assemble its results in memory. `checkpoint(results)`
    is called after every voltage point and, before a ConvergenceError is re-raised, with
    the error recorded (a run keeps what is done on disk)."""
    case, domain = problem.case, problem.domain
    comm = domain.mesh.comm
    units = report_units(case, domain)
    ghk = ghk_block(case, case.conditions.voltages_mV, units)
    results: dict = {"case": case_to_dict(case), "points": [], "ghk": ghk}
    results["geometry"] = geometry_record(domain, units)
    dofs = problem.V.dofmap.index_map.size_global * problem.V.dofmap.index_map_bs
    say(
        f"{case.name}: {domain.kind} mesh, {domain.mode}, currents in {units.label}, "
        f"{dofs} unknowns on {comm.size} rank(s)"
    )
    for line in geometry_warnings(case, domain):
        say(f"  warning: {line}")
    names = case.species_names

    ghk_by_v = {p["voltage_mV"]: p for p in ghk["points"]}
    peaks: dict[str, float] = {}
    flow_meter = FlowMeter(problem) if problem.flow is not None else None

    def on_point(point: VoltagePoint, prob: PnpProblem) -> None:
        if point.converged and flow_meter is not None:
            total = float(point.species_currents.sum())
            point.extras.update(flow_point_record(flow_meter, total))
        if point.converged:
            peak = dict(zip(names, peak_concentrations_mM(prob).tolist(), strict=True))
            point.extras["peak_concentrations_mM"] = peak
            for name, value in peak.items():
                peaks[name] = max(peaks.get(name, 0.0), value)
        record = point_record(point, units, names)
        results["points"].append(record)
        if checkpoint is not None:
            checkpoint(results)
        say(progress_line(record, ghk_by_v[point.voltage_mV], units))

    try:
        solution = solve(problem, on_point)
    except ConvergenceError as err:
        results["error"] = err.as_dict()
        results["provenance"] = provenance(domain, problem, comm, time.perf_counter() - t_start)
        if checkpoint is not None:
            checkpoint(results)
        raise
    profiles = sample_profiles(solution)
    points = solution.points
    results["charge_ramp_newton_iterations"] = solution.charge_ramp.newton_iterations
    results["points"] = [point_record(p, units, names) for p in points]
    results["reversal_potential_mV"] = solution.reversal_potential_mV
    results["ghk_comparison"] = ghk_comparison(
        case,
        results["points"],
        ghk,
        solution.reversal_potential_mV,
        dict(profiles),
        domain.pore_extent_nm,
        domain.filter_extent_nm,
    )
    results["nanopore"] = nanopore_block(results["points"])
    results["all_converged"] = all(p.converged for p in points)
    unresolved = [p for p in points if p.resolution is not None and not p.resolution.resolved]
    results["all_resolved"] = not unresolved
    crowded = crowding_warning(case, peaks)
    results["warnings"] = [] if crowded is None else [crowded]
    results["provenance"] = provenance(domain, problem, comm, time.perf_counter() - t_start)
    return SteadyRun(results, solution, profiles, units, unresolved, crowded)


def write_outputs(steady: SteadyRun, out_dir: Path, *, t_start: float | None = None) -> None:
    """Write the outputs of a solved case into `out_dir` (profiles, fields, results.json,
    iv.csv, plots). The problem must still hold the solution's case. With `t_start`, the
    recorded wall time includes the writing of the fields."""
    solution, results, units = steady.solution, steady.results, steady.units
    problem = solution.problem
    case, domain = problem.case, problem.domain
    comm = domain.mesh.comm
    write_fields_and_profiles(solution, out_dir, steady.profiles)
    if t_start is not None:
        results["provenance"]["wall_time_s"] = time.perf_counter() - t_start
    write_json(comm, out_dir / "results.json", results)
    write_iv_csv(comm, out_dir / "iv.csv", results, units)
    if case.output.plots:
        from pnp.post.labels import conditions_text
        from pnp.post.plots import plot_iv, plot_profiles  # matplotlib: 1 s to import

        fmt, subtitle = case.output.figure_format, conditions_text(results["case"])
        write_plot(
            comm, out_dir / f"iv.{fmt}", lambda path: plot_iv(path, results, title=case.name)
        )
        ordered = sorted(steady.profiles, key=lambda vp: vp[0])
        write_plot(
            comm,
            out_dir / f"profiles.{fmt}",
            lambda path: plot_profiles(
                path, ordered, domain.pore_extent_nm, title=case.name, subtitle=subtitle
            ),
        )


def report_closing(steady: SteadyRun, say: Callable[[str], None], out_dir: Path | None) -> None:
    """The warnings and the closing line of a run."""
    results, ghk = steady.results, steady.results["ghk"]
    for point in steady.unresolved:
        say(f"  warning: V = {point.voltage_mV:g} mV {point.resolution.message}")
    if steady.crowded is not None:
        say(f"  warning: {steady.crowded}")
    rev = results["reversal_potential_mV"]
    where = "" if out_dir is None else f"; results in {out_dir}"
    say(
        f"reversal potential: PNP {_mv(rev)}, GHK {_mv(ghk['reversal_potential_mV'])}; "
        f"{ghk_miss(results['ghk_comparison'])}; "
        f"wall time {results['provenance']['wall_time_s']:.1f} s{where}"
    )


def geometry_record(domain: Domain, units: ReportUnits) -> dict:
    """The `geometry` block of results.json: how the mesh was read and what was measured."""
    record: dict = {
        "mode": domain.mode,
        "current_unit": units.label,
        "pore_extent_nm": list(domain.pore_extent_nm),
        "filter_extent_nm": None
        if domain.filter_extent_nm is None
        else list(domain.filter_extent_nm),
    }
    if units.reference is not None:
        key = "reference_width_m" if units.extensive == PLANAR else "reference_area_m2"
        record[key] = units.reference
    return record


def geometry_warnings(case: Case, domain: Domain) -> list[str]:
    """Where the mesh and the case disagree on what the GHK counterpart assumes."""
    nominal, meshed = case.geometry.pore_length_nm, domain.mesh_pore_length_nm
    if abs(meshed - nominal) > 1e-6 * max(nominal, 1.0):
        return [
            f"the pore cells span {meshed:g} nm along the axis but geometry.pore_length_nm = "
            f"{nominal:g} nm; the GHK counterpart uses {nominal:g} nm, sections and profiles "
            "the meshed pore"
        ]
    return []


def sample_profiles(solution: Solution) -> list[tuple[float, dict[str, np.ndarray]]]:
    """Axis profiles of every converged voltage, in voltage order (collective)."""
    problem = solution.problem
    profiler = AxisProfiler(problem)  # profiles also feed the GHK comparison
    profiles = []
    for point in sorted(solution.points, key=lambda p: p.voltage_mV):
        if point.converged:
            problem.restore_state(solution.states[point.voltage_mV])
            profiles.append((point.voltage_mV, profiler.sample()))
    return profiles


def write_fields_and_profiles(
    solution: Solution, out_dir: Path, profiles: Sequence[tuple[float, dict]]
) -> None:
    """Axis profiles (CSV) and ParaView fields of every converged voltage, in voltage order."""
    problem = solution.problem
    out = problem.case.output
    comm = problem.domain.mesh.comm
    if out.profiles:
        for voltage_mV, prof in profiles:
            write_columns(comm, out_dir / f"profile_{voltage_mV:+.1f}mV.csv", prof)
    if not out.fields:
        return
    fields = FieldWriter(problem, out_dir)
    try:
        for voltage_mV, _ in profiles:
            problem.restore_state(solution.states[voltage_mV])
            fields.write(voltage_mV)
    finally:
        fields.close()  # collective, also when a write failed on every rank


def write_iv_csv(comm: MPI.Comm, path: Path, results: dict, units: ReportUnits) -> None:
    ghk = {p["voltage_mV"]: p for p in results["ghk"]["points"]}
    current = [] if units.extensive is None else [f"current_{units.extensive}"]
    header = [
        "voltage_mV",
        *current,
        "current_density_A_per_m2",
        *(f"ghk_{key}" for key in current),
        "ghk_current_density_A_per_m2",
        "newton_iterations",
        "converged",
    ]
    rows = []
    for p in sorted(results["points"], key=lambda p: p["voltage_mV"]):
        g = ghk[p["voltage_mV"]]
        rows.append(
            [
                p["voltage_mV"],
                *(p.get(key) for key in current),
                p["current_density_A_per_m2"],
                *(g.get(key) for key in current),
                g["current_density_A_per_m2"],
                p["newton_iterations"],
                p["converged"],
            ]
        )
    write_csv(comm, path, header, rows)


def progress_line(record: dict, ghk_point: dict, units: ReportUnits) -> str:
    v = record["voltage_mV"]
    if not record["converged"]:
        return f"  V = {v:+8.2f} mV  FAILED: {record['error']['reason']}"
    if units.extensive is None:
        current = f"J = {record['current_density_A_per_m2']:+.4e} A/m^2"
        ghk = f"(GHK {ghk_point['current_density_A_per_m2']:+.4e})"
    else:
        key = f"current_{units.extensive}"
        current = f"I = {record[key]:+10.4f} {units.label}"
        ghk = f"(GHK {ghk_point[key]:+10.4f})"
    flag = "" if record.get("resolved", True) else "  UNRESOLVED (see the warning below)"
    return (
        f"  V = {v:+8.2f} mV  {current} {ghk}  newton {record['newton_iterations']:3d}"
        f"  {record['seconds']:6.2f} s{flag}"
    )


def ghk_miss(comparison: Mapping) -> str:
    """How far the GHK currents are from PNP, for a progress line."""
    signs = comparison["sign_disagreements"]
    if signs:
        return f"GHK has the wrong sign at {signs} voltage(s)"
    factor = comparison["max_fold_factor"]
    return "GHK current: n/a" if factor is None else f"GHK current off by up to x{factor:.3f}"


def _mv(value: float | None) -> str:
    return "none in the voltage range" if value is None else f"{value:+.2f} mV"
