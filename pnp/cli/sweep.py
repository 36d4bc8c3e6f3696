"""`pnp sweep SWEEP.toml [--out DIR] [--ranks-per-case K] [--shard I/N] [--set key=value ...]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pnp.cli.run import configure_logging


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "sweep",
        help="run a case over the product of parameter axes (resumable, MPI-parallel)",
        description="Run every case of a sweep file (a base case and axes of values), several "
        "at once under mpiexec, into DIR/cases/<id>/ with one row per case in "
        "DIR/summary.csv. Re-running the same command resumes: finished cases are skipped. "
        "Ctrl-C (or SIGTERM) stops after the running cases, a second one stops them (they run "
        "again on resume), a third aborts. Exit code 0 if every case "
        "converged, 3 if some failed, 2 for bad input, 130 if interrupted.",
    )
    parser.add_argument("sweep", type=Path, help="TOML sweep file (see cases/sweeps/)")
    parser.add_argument(
        "--out", type=Path, default=None, help="sweep folder (default out/sweeps/NAME)"
    )
    parser.add_argument(
        "--ranks-per-case",
        type=int,
        default=1,
        metavar="K",
        help="MPI ranks solving each case; the ranks form size/K groups running cases at once "
        "(default 1)",
    )
    parser.add_argument(
        "--shard",
        default="0/1",
        metavar="I/N",
        help="run only the cases k with k %% N == I (job arrays; shards may share --out)",
    )
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="fixed override for every case, after the sweep file's [set] table",
    )
    parser.add_argument(
        "--petsc",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="PETSc option for every solve (prefix pnp_ added), as for pnp run",
    )
    parser.add_argument(
        "--retry-failed", action="store_true", help="run failed cases again on resume"
    )
    parser.add_argument(
        "--list", action="store_true", help="validate and list the cases, run nothing"
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="per-voltage lines of every case, debug log"
    )
    parser.set_defaults(func=sweep_command)


def sweep_command(args: argparse.Namespace) -> int:
    from mpi4py import MPI

    from pnp import logs
    from pnp.case import CaseError
    from pnp.errors import PnpError
    from pnp.solver.options import check_type_names, parse_cli_option
    from pnp.sweep import build_cases, expand, load_sweep, parse_shard, run_sweep

    comm = MPI.COMM_WORLD
    configure_logging(args.verbose, comm.rank)
    logs.setup(args.verbose, comm.rank, info_from=("pnp.sweep",))  # case lines: run.log

    def error(message: object) -> int:
        if comm.rank == 0:
            print(f"pnp sweep: {message}", file=sys.stderr)
        return 2

    try:
        spec = load_sweep(args.sweep, args.overrides)
        shard = parse_shard(args.shard)
        petsc = dict(parse_cli_option(text) for text in args.petsc)
        check_type_names(petsc, "--petsc")
        if args.list:
            points = expand(spec)
            build_cases(spec, points)
            if comm.rank == 0:
                print(f"sweep {spec.name}: {len(points)} case(s), base {spec.base}")
                for point in points:
                    if point.index % shard[1] == shard[0]:
                        print(f"  {point.case_id}  {point.label()}")
            return 0
        out = args.out if args.out is not None else Path("out") / "sweeps" / spec.name
        import pnp.fem  # noqa: F401  (PETSc sets its signal handlers first, then ours)
        from pnp.interrupt import FINISH, STOP, StopOnSignal, stderr_notice

        with StopOnSignal(comm, (FINISH, STOP), stderr_notice("pnp sweep", comm)) as stop:
            report = run_sweep(
                spec,
                out,
                comm,
                ranks_per_case=args.ranks_per_case,
                shard=shard,
                retry_failed=args.retry_failed,
                petsc_options=petsc,
                progress=logs.printer("pnp.sweep"),
                case_progress=args.verbose,
                stop=stop,
            )
    except (CaseError, ValueError, OSError, PnpError) as err:
        return error(err)
    return report.exit_code
