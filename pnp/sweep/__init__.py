"""Parameter sweeps: many cases from one base case, run in parallel and summarised.

    from pnp.sweep import load_sweep, run_sweep
    spec = load_sweep("cases/sweeps/fixed_charge_vs_ionic_strength.toml")
    report = run_sweep(spec, Path("out/sweeps/charge"), MPI.COMM_WORLD, ranks_per_case=1)

A sweep file names a base case, fixed overrides and the axes to vary
(`pnp.sweep.spec`); the product of the axes is expanded and every case is
validated before anything runs (`pnp.sweep.expand`). `run_sweep` runs the cases
in groups of MPI ranks, writes one folder per case and a `summary.csv`, and
resumes an interrupted sweep (`pnp.sweep.runner`, `pnp.sweep.store`).
`pnp.sweep.grid` arranges the summary on two axes for the failure maps of
`pnp map`.
"""

from pnp.sweep.errors import SweepError
from pnp.sweep.expand import SweepPoint, build_case, build_cases, case_id, expand, position_of
from pnp.sweep.runner import SweepReport, parse_shard, run_sweep
from pnp.sweep.spec import Axis, SweepSpec, load_sweep, sweep_from_dict
from pnp.sweep.store import read_record
from pnp.sweep.summary import read_summary

__all__ = [
    "Axis",
    "SweepError",
    "SweepPoint",
    "SweepReport",
    "SweepSpec",
    "build_case",
    "build_cases",
    "case_id",
    "expand",
    "load_sweep",
    "parse_shard",
    "position_of",
    "read_record",
    "read_summary",
    "run_sweep",
    "sweep_from_dict",
]
