"""`pnp plot iv RUN... [--out FILE]` and `pnp plot profile RUN... --voltage V [--quantity Q]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "plot",
        help="overlay the I–V curves or axial profiles of several run folders",
        description="Overlay finished runs (folders written by pnp run): their I–V curves "
        "(from results.json, or iv.csv) or one axial profile at one voltage (phi, E_z, or a "
        "concentration c_NAME) from profile_<V>mV.csv. The figure format follows the "
        "suffix of --out (png, pdf or svg). Exit code 2 for a folder that is not a run.",
    )
    kinds = parser.add_subparsers(dest="kind", metavar="KIND", required=True)
    iv = kinds.add_parser("iv", help="I–V curves of the runs")
    profile = kinds.add_parser("profile", help="one axial profile of the runs")
    for sub, default in ((iv, "iv_comparison.png"), (profile, "profile_comparison.png")):
        sub.add_argument("runs", type=Path, nargs="+", metavar="RUN", help="run folder")
        sub.add_argument(
            "--out", type=Path, default=Path(default), help=f"figure file (default {default})"
        )
    profile.add_argument(
        "--voltage", type=float, required=True, metavar="MV", help="voltage of the profile (mV)"
    )
    profile.add_argument(
        "--quantity", default="phi", help="phi (default), E_z or c_NAME (e.g. c_K)"
    )
    parser.set_defaults(func=plot_command)


def plot_command(args: argparse.Namespace) -> int:
    from mpi4py import MPI

    from pnp.folders import OutputError
    from pnp.post.overlay import (
        RunFolderError,
        check_figure_path,
        iv_key,
        plot_iv_overlay,
        plot_profile_overlay,
        profile_key,
        read_run,
    )

    comm = MPI.COMM_WORLD
    root = comm.rank == 0  # under mpiexec every rank reads, rank 0 draws

    def error(message: str) -> int:
        if root:
            print(f"pnp plot: {message}", file=sys.stderr)
        return 2

    try:
        check_figure_path(args.out)
        runs = [read_run(folder) for folder in args.runs]
        if args.kind == "iv":
            iv_key(runs)
        else:
            for run in runs:
                profile_key(args.quantity, list(run.profile(args.voltage)))
    except RunFolderError as err:
        return error(str(err))
    problem = None
    if root:
        try:
            if args.kind == "iv":
                plot_iv_overlay(args.out, runs)
            else:
                plot_profile_overlay(args.out, runs, args.voltage, args.quantity)
        except (RunFolderError, OutputError) as err:
            problem = str(err)
        except OSError as err:
            problem = f"cannot write {args.out} ({err.strerror or err})"
    problem = comm.bcast(problem, root=0)  # every rank ends with the same code
    if problem is not None:
        return error(problem)
    if root:
        print(args.out)
    return 0
