"""`pnp run CASE [--out DIR] [--set key=value ...] [--petsc name=value ...]`."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from pnp.case.schema import FIGURE_FORMATS

QUIET_LOGGERS = ("matplotlib", "PIL", "fontTools", "h5py", "asyncio", "urllib3")


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "run",
        help="solve a case file over its voltages (or in time) and write results",
        description="Solve a TOML case over its voltages; write results.json, iv.csv, axis "
        "profiles, ParaView fields and plots into --out. A case with a [transient] table is "
        "stepped in time instead: results.json, transient.csv, fields and transient.png. "
        "A run replaces an earlier run's outputs in --out and refuses a folder another run is "
        "writing into. Ctrl-C (or SIGTERM) stops before the next Newton solve, keeping what is "
        "done; a second aborts. Exit code 0 if every voltage converged, 3 after a solver "
        "failure, 2 for bad input or an output that cannot be written, 130 if interrupted.",
    )
    parser.add_argument("case", type=Path, help="TOML case file (see cases/)")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default out/NAME)")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a case value, e.g. --set geometry.refine=1 --set species.K.inside_mM=10",
    )
    parser.add_argument(
        "--refine",
        type=int,
        default=None,
        metavar="N",
        help="halve every mesh size N times (same as --set geometry.refine=N)",
    )
    parser.add_argument(
        "--petsc",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="PETSc option for the PNP solve (prefix pnp_ added), e.g. --petsc snes_monitor=",
    )
    parser.add_argument(
        "--figure-format",
        choices=FIGURE_FORMATS,
        default=None,
        help="format of the plots (same as --set output.figure_format=FORMAT; default png)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging on stderr")
    parser.set_defaults(func=run_command)


def configure_logging(verbose: bool, rank: int) -> None:
    level = logging.DEBUG if verbose else logging.WARNING
    logging.basicConfig(
        level=level if rank == 0 else logging.ERROR,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for name in QUIET_LOGGERS:  # their debug lines (font searches, image plugins) are noise
        logging.getLogger(name).setLevel(logging.WARNING)


def case_overrides(args: argparse.Namespace) -> list[str]:
    """--set values, plus --refine and --figure-format (`pnp run` only) as the overrides
    they abbreviate."""
    refine = [] if args.refine is None else [f"geometry.refine={args.refine}"]
    figure_format = getattr(args, "figure_format", None)
    figure = [] if figure_format is None else [f"output.figure_format={figure_format}"]
    return [*args.overrides, *refine, *figure]


def run_command(args: argparse.Namespace) -> int:
    from mpi4py import MPI

    from pnp import logs
    from pnp.case import CaseError, load_case

    comm = MPI.COMM_WORLD
    configure_logging(args.verbose, comm.rank)
    logs.setup(args.verbose, comm.rank)
    try:
        case = load_case(args.case, case_overrides(args), comm=comm)
    except (CaseError, OSError) as err:
        if comm.rank == 0:
            print(f"pnp run: {err}", file=sys.stderr)
        return 2

    import pnp.run  # noqa: F401  (imports PETSc, whose signal handlers StopOnSignal replaces)
    from pnp.errors import ConvergenceError, InputError, SolverConfigurationError
    from pnp.folders import OutputError
    from pnp.interrupt import Interrupted, StopOnSignal, stderr_notice
    from pnp.simulation import Simulation
    from pnp.solver.options import parse_cli_option

    def error(message: object, code: int = 2) -> int:
        if comm.rank == 0:
            print(f"pnp run: {message}", file=sys.stderr)
        return code

    try:
        petsc = dict(parse_cli_option(text) for text in args.petsc)
    except ValueError as err:
        return error(err)
    out = args.out if args.out is not None else Path("out") / case.name
    with StopOnSignal(comm, notice=stderr_notice("pnp run", comm)):
        try:
            # the run of the Python API: `Simulation.run` (`Simulation.solve` + `Result.save`
            # solve the same way, in memory)
            with Simulation(
                case, comm=comm, petsc_options=petsc, progress=logs.printer("pnp.progress")
            ) as sim:
                result = sim.run(out)
        except ConvergenceError as err:
            return error(f"{err}\npnp run: partial results in {out / 'results.json'}", 3)
        except TimeoutError as err:  # FFCx waited for another process's compile (see pnp.jit)
            return error(f"{err} (or set PNP_JIT_CACHE_DIR / PNP_JIT_TIMEOUT)")
        except (SolverConfigurationError, InputError, CaseError, OutputError, OSError) as err:
            return error(err)
        except Interrupted as err:
            done = (out / "results.json").exists()
            return error(
                f"{err}; "
                + (
                    f"results so far in {out / 'results.json'}"
                    if done
                    else "nothing was solved yet"
                ),
                130,
            )
    return 0 if result.results["all_converged"] else 3
