"""The Python entry point: a case, its overrides, an in-memory solve and its results.

    from mpi4py import MPI
    import pnp

    sim = pnp.Simulation("cases/default.toml", {"geometry.pore_radius_nm": 0.8})
    sim.set("regions.pore.fixed_charge_M", -0.5)
    result = sim.solve(comm=MPI.COMM_SELF)   # MPI.COMM_WORLD under mpiexec
    result.voltages_mV, result.current_pA, result.reversal_potential_mV
    result.iv_frame(), result.profile(50)    # pandas tables (the ``api`` extra)
    result.save("out/wide")                  # the files of `pnp run`
    sim.run("out/wide2")                     # `pnp run` itself: solve and write as it goes

`pnp run` is `Simulation.run`, and `solve` goes through the same function
(`pnp.run.solve_and_write`) without writing; `Result.save` writes what `pnp run` writes.
A `Simulation` validates exactly as `pnp run` does (`CaseError` naming the key, at
construction and at every `set`). `solve` writes no output folder: the numbers are
those `pnp run` writes into results.json, as arrays named with their units (see
`Result`). Consecutive solves reuse the mesh, forms and solver when only values
changed (`pnp.problem_cache`), as sweeps do. The communicator is always given by
the caller (`comm=` here or in `solve`); every call is collective over it.

A transient case (a ``[transient]`` table) is stepped in time into a private
scratch folder (the time march writes its fields as it goes); `TransientResult`
holds its arrays and `save` copies its files.
"""

from __future__ import annotations

import shutil
import tempfile
import time
import weakref
from collections.abc import Callable, Mapping
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from pnp.case import Case, CaseError, apply_override, case_from_dict, load_case
from pnp.case.dump import toml_value
from pnp.errors import InputError, PnpError

if TYPE_CHECKING:
    import pandas
    from mpi4py import MPI

    from pnp.run import SteadyRun

CaseSource = str | PathLike[str] | Case | Mapping[str, Any]

# Key suffixes of the current, its conductance and the species currents by geometry
# (`pnp.post.units`): pores in pA, planar 2D sections per nm of depth, 1D slabs as densities.
_NAMES = {
    "pA": ("current_pA", "conductance_pS", "species_currents_pA"),
    "per_depth_pA_per_nm": (
        "current_per_depth_pA_per_nm",
        "conductance_per_depth_pS_per_nm",
        "species_currents_per_depth_pA_per_nm",
    ),
    None: (
        "current_density_A_per_m2",
        "conductance_density_S_per_m2",
        "species_current_densities_A_per_m2",
    ),
}


class StaleResultError(PnpError):
    """The problem a `Result` was solved on now holds another case (a later solve) or was
    freed: its fields and files can no longer be produced."""


class Simulation:
    """One case (from a TOML file, a `Case` or a case table) with dotted-key overrides.

    `overrides` and the keyword arguments map dotted keys to values
    (``{"geometry.pore_radius_nm": 0.8}``; keyword form ``**{"species.K.inside_mM": 10}``);
    numpy scalars and arrays are accepted. `comm` is the communicator of every solve
    unless `solve` is given one. `petsc_options` are the command line's ``--petsc``
    options (without the ``pnp_`` prefix); `progress` receives the progress lines
    of `pnp run` (rank 0 only), e.g. ``progress=print``.
    """

    def __init__(
        self,
        source: CaseSource,
        overrides: Mapping[str, Any] | None = None,
        *,
        comm: MPI.Comm | None = None,
        petsc_options: Mapping[str, object] | None = None,
        progress: Callable[[str], None] | None = None,
        **dotted: Any,
    ) -> None:
        if overrides is not None and not isinstance(overrides, Mapping):
            raise CaseError(
                "", f"overrides must map dotted keys to values, got {type(overrides).__name__}"
            )
        self._build = _case_builder(source)
        self._overrides: dict[str, Any] = {}
        self.case: Case = self._build({})
        self.update({**(overrides or {}), **dotted})
        self.comm = _checked_comm(comm, "comm")
        self.petsc_options = _checked_petsc_options(petsc_options)
        if progress is not None and not callable(progress):
            raise InputError(
                "progress", f"must be a function of one string (e.g. print), got {progress!r}"
            )
        self.progress = progress
        self._cache: Any = None  # pnp.problem_cache.ProblemCache, made at the first solve
        self._scratch: _Scratch | None = None
        self._solves = 0

    # -- the case ---------------------------------------------------------------------
    def set(self, key: str, value: Any) -> Simulation:
        """Override one dotted key (validated at once; the previous value of `case` is kept
        if it fails). Returns the simulation, so calls can be chained."""
        return self.update({key: value})

    def update(self, overrides: Mapping[str, Any]) -> Simulation:
        """Override several dotted keys at once (validated together)."""
        for key in overrides:
            if not isinstance(key, str):
                raise CaseError(str(key), "an override key must be a dotted string")
        merged = {**self._overrides, **{k: _plain(v) for k, v in overrides.items()}}
        self.case = self._build(merged)
        self._overrides = merged
        return self

    @property
    def overrides(self) -> dict[str, Any]:
        """The dotted-key overrides applied to the base case, in order."""
        return dict(self._overrides)

    @property
    def problems_reused(self) -> int:
        """How many solves reused the problem of the solve before."""
        return 0 if self._cache is None else self._cache.reused

    # -- solving ----------------------------------------------------------------------
    def solve(self, *, comm: MPI.Comm | None = None) -> Result | TransientResult:
        """Solve the case in memory (collective over `comm`, or the constructor's `comm`).

        Returns a `Result` (a `TransientResult` for a transient case). Raises
        `ConvergenceError` when the fixed-charge ramp fails (a failed voltage point is
        recorded in the result instead), `InputError` for a mesh or set-up that cannot
        be used, `SolverConfigurationError` for solver settings that cannot work.
        """
        return self._solve(None, comm)

    def run(
        self, folder: str | PathLike[str], *, comm: MPI.Comm | None = None
    ) -> Result | TransientResult:
        """Solve the case as `pnp run` does: the folder is claimed (locked against other
        runs, the outputs of an earlier run cleared), results.json is written after every
        voltage point (a failed or interrupted run keeps what is done) and every output at
        the end. Returns the result, as `solve`; raises as `solve`, and `OutputError` for
        a folder that cannot be used."""
        return self._solve(Path(folder), comm)

    def _solve(self, out: Path | None, comm: MPI.Comm | None) -> Result | TransientResult:
        comm = self._communicator(comm)
        case = self.case
        from pnp.parallel import on_root

        folder = out
        if folder is None:
            self._solves += 1
            folder = self._scratch.path / f"solve_{self._solves}"
            on_root(comm, lambda: folder.mkdir(parents=True, exist_ok=True))
        if case.is_transient:
            from pnp.transient import run_transient_case

            results = run_transient_case(
                case, folder, comm, cli_petsc_options=self.petsc_options, progress=self.progress
            )
            return TransientResult(case, results, folder, comm, self._scratch)

        from pnp.run import prepared_run, solve_and_write

        if out is not None:
            with prepared_run(case, out, comm, self.petsc_options, self.progress, self._cache) as (
                problem,
                say,
                t_start,
            ):
                steady = solve_and_write(problem, out, say, t_start)
            return Result(case, steady, out / "mesh.msh", self._cache, self._scratch, out)
        t_start = time.perf_counter()
        say = self.progress if (self.progress is not None and comm.rank == 0) else _quiet
        msh_path = folder / "mesh.msh"
        problem = self._cache.problem_for(case, comm, msh_path, self.petsc_options)
        try:
            steady = solve_and_write(problem, None, say, t_start)
        except BaseException:
            self._cache.clear()  # a failed solve may leave the problem unusable
            raise
        return Result(case, steady, msh_path, self._cache, self._scratch)

    def close(self) -> None:
        """Free the problem held for the next solve (collective). The simulation can still
        solve again (it builds a new problem)."""
        if self._cache is not None:
            self._cache.clear()

    def __enter__(self) -> Simulation:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _communicator(self, comm: MPI.Comm | None) -> MPI.Comm:
        comm = _checked_comm(comm, "comm") if comm is not None else self.comm
        if comm is None:
            raise InputError(
                "comm",
                "no MPI communicator: pass comm=MPI.COMM_WORLD (under mpiexec) or "
                "comm=MPI.COMM_SELF (one process, e.g. a notebook) to Simulation(...) or "
                "solve(...)",
            )
        if self._scratch is None or self._scratch.comm != comm:
            from pnp.problem_cache import ProblemCache

            self.close()
            self._cache = ProblemCache()
            self._scratch = _Scratch(comm)
        return comm

    def __repr__(self) -> str:
        return f"Simulation({self.case.name!r}, overrides={self._overrides!r})"


class Result:
    """The solution of a steady case at its voltages, in memory.

    Arrays follow ``case.conditions.voltages_mV`` (NaN where a point did not converge):

    - `voltages_mV`, `converged`, `newton_iterations`;
    - the current in the geometry's unit (`pnp.post.units`): `current_pA` for pores,
      `current_per_depth_pA_per_nm` for planar 2D sections; every geometry also has
      `current_density_A_per_m2` (a 1D slab has only that); `current_name` says which;
    - per species, the same names with ``species_currents_`` (``species_currents_pA``,
      ``species_current_densities_A_per_m2``): dicts of arrays;
    - the chord conductance I / (V - E_rev) at each voltage, E_rev being the PNP
      reversal potential (0 mV when the voltages do not bracket one; see
      `conductance_reference_mV`), NaN at V = E_rev: `conductance_pS` for pores,
      `conductance_per_depth_pS_per_nm` (planar 2D), `conductance_density_S_per_m2`
      (every geometry);
    - the GHK counterpart's current under the same names with ``ghk_``
      (``ghk_current_pA``, ``ghk_current_density_A_per_m2``).

    `reversal_potential_mV`, `ghk` and `ghk_comparison` are the results.json blocks,
    `results` all of results.json, `profiles` the axis profiles by voltage (dicts of
    arrays: ``z_nm``, ``phi_mV``, ``c_K_mM``, ..., ``E_z_V_per_m``). With pandas (the
    ``api`` extra), `iv_frame()` is the I–V table and `profile(voltage_mV)` one profile
    as a DataFrame, their columns named with their units. `fields(voltage_mV)` gives the
    DOLFINx functions and `save(folder)` writes the files of `pnp run`, as long as no
    later solve of the same `Simulation` has reused the problem (else `StaleResultError`).
    `folder` is the folder written by `Simulation.run` (None after `solve`).
    """

    def __init__(
        self,
        case: Case,
        steady: SteadyRun,
        msh_path: Path,
        cache: Any,
        scratch: _Scratch,
        folder: Path | None = None,
    ) -> None:
        self.case = case
        self.folder = folder
        self.results: dict = steady.results
        self._steady = steady
        self._msh_path = msh_path
        self._cache = cache
        self._scratch = scratch  # keeps the mesh file while the result lives
        self.profiles: dict[float, dict[str, np.ndarray]] = dict(steady.profiles)
        points = self.results["points"]
        self.voltages_mV = np.array([p["voltage_mV"] for p in points], dtype=float)
        self.converged = np.array([p["converged"] for p in points], dtype=bool)
        self.newton_iterations = np.array([p["newton_iterations"] for p in points])
        self.reversal_potential_mV: float | None = self.results["reversal_potential_mV"]
        self.ghk: dict = self.results["ghk"]
        self.ghk_comparison: dict = self.results["ghk_comparison"]
        self.conductance_reference_mV = self.reversal_potential_mV or 0.0
        extensive = steady.units.extensive
        self.current_name = _NAMES[extensive][0]
        self.current_unit: str = steady.units.label
        self._arrays: dict[str, Any] = {}
        ghk_points = {p["voltage_mV"]: p for p in self.ghk["points"]}
        for kind in {extensive, None}:
            current, conductance, species = _NAMES[kind]
            values = self._column(points, current)
            self._arrays[current] = values
            self._arrays[species] = {
                name: self._column([p.get(species) or {} for p in points], name)
                for name in case.species_names
            }
            self._arrays[f"ghk_{current}"] = self._column(
                [ghk_points[v] for v in self.voltages_mV.tolist()], current
            )
            self._arrays[conductance] = self._chord(values)

    def _column(self, records: list, key: str) -> np.ndarray:
        return np.array([np.nan if r.get(key) is None else r[key] for r in records], dtype=float)

    def _chord(self, current: np.ndarray) -> np.ndarray:
        # pA / mV = 1e3 pS, and (A/m^2) / mV = 1e3 S/m^2
        drive = self.voltages_mV - self.conductance_reference_mV
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(drive == 0.0, np.nan, 1e3 * current / drive)

    def __getattr__(self, name: str) -> Any:
        arrays = self.__dict__.get("_arrays", {})
        if name in arrays:
            return arrays[name]
        raise AttributeError(
            f"Result has no {name!r}; this {self.results['geometry']['mode']} case reports "
            f"{', '.join(sorted(arrays))}"
        )

    def __dir__(self) -> list[str]:
        return [*super().__dir__(), *self._arrays]

    @property
    def all_converged(self) -> bool:
        return bool(self.results["all_converged"])

    @property
    def problem(self):
        """The `PnpProblem` this result was solved on (while it is not stale)."""
        self._check_current()
        return self._steady.solution.problem

    def iv_frame(self) -> pandas.DataFrame:
        """The I–V curve as a DataFrame, one row per voltage in the case's order: voltage_mV,
        converged, newton_iterations, the current and its density, per species
        (``K_current_pA``, ``K_current_density_A_per_m2``, ...), the chord conductance and
        the GHK counterpart (``ghk_current_pA``, ...); NaN where a point did not converge."""
        pd = _pandas("Result.iv_frame")
        columns: dict[str, Any] = {
            "voltage_mV": self.voltages_mV,
            "converged": self.converged,
            "newton_iterations": self.newton_iterations,
        }
        kinds = dict.fromkeys([self._steady.units.extensive, None])  # the geometry's first
        for kind in kinds:
            current, _, _ = _NAMES[kind]
            columns[current] = self._arrays[current]
        for kind in kinds:
            current, _, species = _NAMES[kind]
            for name, values in self._arrays[species].items():
                columns[f"{name}_{current}"] = values
        for kind in kinds:
            columns[_NAMES[kind][1]] = self._arrays[_NAMES[kind][1]]
        for kind in kinds:
            columns[f"ghk_{_NAMES[kind][0]}"] = self._arrays[f"ghk_{_NAMES[kind][0]}"]
        return pd.DataFrame(columns)

    def profile(self, voltage_mV: float) -> pandas.DataFrame:
        """The axis profile at a converged voltage as a DataFrame (the columns of
        profile_<V>mV.csv: ``z_nm``, ``phi_mV``, ``c_K_mM``, ..., ``E_z_V_per_m``)."""
        pd = _pandas("Result.profile")
        return pd.DataFrame(self.profiles[self._solved(voltage_mV)])

    def _solved(self, voltage_mV: float) -> float:
        """`voltage_mV` as a key of `profiles` (the converged voltages), or InputError."""
        try:
            voltage = float(voltage_mV)
        except (TypeError, ValueError):
            voltage = None
        if voltage not in self.profiles:
            solved = ", ".join(f"{v:g}" for v in self.profiles)
            raise InputError(
                "voltage_mV", f"no converged state at {voltage_mV!r} mV; solved: {solved}"
            )
        return voltage

    def fields(self, voltage_mV: float) -> dict[str, Any]:
        """phi (mV) and every concentration (mM; 0 inside the membrane) at a solved voltage,
        as DOLFINx functions named ``phi_mV``, ``c_K_mM``, ... on the problem's mesh
        (collective). The functions are new copies, but they live on the mesh of the
        in-memory problem: they stay valid while this result is current, i.e. until the
        next `solve` of the same `Simulation` reuses the problem (then `StaleResultError`
        for later calls; copy the arrays out first if needed). Puts that voltage's state
        into the problem."""
        problem = self.problem
        states = self._steady.solution.states
        voltage_mV = self._solved(voltage_mV)
        from pnp.fem import dolfinx

        problem.restore_state(states[voltage_mV])
        scales, scalar = problem.scales, problem.scalar_space
        phi = dolfinx.fem.Function(scalar, name="phi_mV")
        phi.x.array[:] = problem.component(0) * scales.thermal_voltage * 1e3
        out = {"phi_mV": phi}
        concentrations = problem.concentrations()
        for i, s in enumerate(self.case.species):
            c = dolfinx.fem.Function(scalar, name=f"c_{s.name}_mM")
            values = concentrations[:, i] * scales.concentration_mM
            c.x.array[:] = np.where(problem.ion_free, 0.0, values)
            out[c.name] = c
        return out

    def save(self, folder: str | PathLike[str]) -> Path:
        """Write results.json, iv.csv, profiles, plots, fields and mesh.msh into `folder`,
        exactly as `pnp run` does (collective; the folder is claimed as a run's)."""
        self._check_current()
        from pnp.parallel import on_root
        from pnp.run import claimed_folder, write_outputs

        folder = Path(folder)
        if self.folder is not None and folder.resolve() == self.folder.resolve():
            return folder  # written by Simulation.run
        comm = self._steady.solution.problem.domain.mesh.comm
        with claimed_folder(folder, comm):
            on_root(comm, lambda: _copy(self._msh_path, folder / "mesh.msh"))
            write_outputs(self._steady, folder)
        return folder

    def _check_current(self) -> None:
        problem = self._steady.solution.problem
        if self._cache.problem is not problem or problem.case != self.case:
            raise StaleResultError(
                f"the problem of this result ({self.case.name}) was reused by a later solve "
                "or freed; call save() or fields() before the next solve() (or solve again)"
            )

    def __repr__(self) -> str:
        return (
            f"Result({self.case.name!r}, voltages_mV={self.voltages_mV.tolist()}, "
            f"{self.current_name}={np.round(self._arrays[self.current_name], 6).tolist()})"
        )


class TransientResult:
    """A transient run: the arrays of the results.json ``transient`` block as attributes
    (`times_s`, `voltage_mV`, `current_pA` or ``current_density_A_per_m2``, ...),
    `steady_check` and `results` (all of results.json). `save(folder)` copies the
    files of `pnp run` (results.json, transient.csv, fields, plot, mesh)."""

    def __init__(
        self, case: Case, results: dict, folder: Path, comm: MPI.Comm, scratch: _Scratch
    ) -> None:
        self.case = case
        self.results = results
        self.steady_check: dict = results["steady_check"]
        self._folder, self._comm, self._scratch = folder, comm, scratch
        self._arrays = {
            k: (np.asarray(v, dtype=float) if isinstance(v, list) and _numeric(v) else v)
            for k, v in results["transient"].items()
        }

    def __getattr__(self, name: str) -> Any:
        arrays = self.__dict__.get("_arrays", {})
        if name in arrays:
            return arrays[name]
        raise AttributeError(f"TransientResult has no {name!r}; it has {', '.join(arrays)}")

    def __dir__(self) -> list[str]:
        return [*super().__dir__(), *self._arrays]

    def save(self, folder: str | PathLike[str]) -> Path:
        """Copy the run's files into `folder` (collective; claimed as a run's folder)."""
        from pnp.parallel import on_root
        from pnp.post.output import RUN_OUTPUTS
        from pnp.run import claimed_folder

        folder = Path(folder)
        if folder.resolve() == self._folder.resolve():
            return folder  # written there by Simulation.run

        def copy_all() -> None:
            for pattern in RUN_OUTPUTS:
                for path in sorted(self._folder.glob(pattern)):
                    _copy(path, folder / path.name)

        with claimed_folder(folder, self._comm):
            on_root(self._comm, copy_all)
        return folder


class _Scratch:
    """A private folder on rank 0 for the meshes (and transient runs) of a simulation,
    removed when nothing refers to it any more."""

    def __init__(self, comm: MPI.Comm) -> None:
        self.comm = comm
        path = tempfile.mkdtemp(prefix="pnp-simulation-") if comm.rank == 0 else None
        self.path = Path(comm.bcast(path, root=0))
        if comm.rank == 0:
            weakref.finalize(self, shutil.rmtree, self.path, ignore_errors=True)


def _case_builder(source: CaseSource) -> Callable[[Mapping[str, Any]], Case]:
    """How the case of `source` is made with overrides: a file and a table as `pnp run`
    does (the overrides applied to the table as written, then validated); a `Case` by
    `Case.with_overrides`."""
    if isinstance(source, Case):
        return lambda overrides: source.with_overrides(overrides) if overrides else source
    if isinstance(source, Mapping):

        def from_table(overrides: Mapping[str, Any]) -> Case:
            data: Mapping[str, Any] = source
            for key, value in overrides.items():
                data = apply_override(data, key, value)
            return case_from_dict(data)

        return from_table
    if isinstance(source, str | PathLike):
        path = Path(source)
        return lambda overrides: load_case(
            path, [f"{key}={_toml(key, value)}" for key, value in overrides.items()]
        )
    raise CaseError(
        "",
        f"a Simulation takes a case file path, a Case or a case table (dict), "
        f"got {type(source).__name__}",
    )


def _toml(key: str, value: Any) -> str:
    try:
        return toml_value(value)
    except TypeError:
        raise CaseError(
            key, f"cannot be set to a {type(value).__name__}; give a number, string, list or table"
        ) from None


def _plain(value: Any) -> Any:
    """numpy values as the Python values a case table holds."""
    if isinstance(value, np.ndarray | np.generic):
        return value.tolist()
    if isinstance(value, PathLike):
        return str(value)
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _checked_comm(comm: Any, key: str) -> MPI.Comm | None:
    if comm is None:
        return None
    from mpi4py import MPI

    if not isinstance(comm, MPI.Comm):
        raise InputError(
            key, f"must be an MPI communicator (MPI.COMM_WORLD or MPI.COMM_SELF), got {comm!r}"
        )
    return comm


def _checked_petsc_options(options: Any) -> dict[str, object]:
    """The ``--petsc`` options as a dict of names (without the ``pnp_`` prefix) to values."""
    if options is None:
        return {}
    if not isinstance(options, Mapping):
        raise InputError(
            "petsc_options",
            f"must map option names to values, e.g. {{'ksp_type': 'gmres'}}, got {options!r}",
        )
    for name, value in options.items():
        if not isinstance(name, str) or not name.lstrip("-"):
            raise InputError("petsc_options", f"option names are strings, got {name!r}")
        if value is not None and not isinstance(value, str | int | float | bool):
            raise InputError(
                f"petsc_options.{name}", f"give a string or number value, got {value!r}"
            )
    return {name.lstrip("-"): value for name, value in options.items()}


def _pandas(what: str) -> Any:
    try:
        import pandas
    except ImportError:
        raise ImportError(
            f"{what} needs pandas: pip install 'pnp-channels[api]' (or pip install pandas)"
        ) from None
    return pandas


def _numeric(values: list) -> bool:
    return all(v is None or isinstance(v, int | float) for v in values)


def _copy(source: Path, target: Path) -> None:
    from pnp.folders import OutputError

    try:
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            shutil.copyfile(source, target)
    except OSError as err:
        raise OutputError(f"cannot write {target} ({err.strerror or err})") from None


def _quiet(_message: str) -> None:
    pass
