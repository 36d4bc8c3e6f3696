"""`pnp map SWEEP_DIR [--x KEY] [--y KEY] [--metric NAME] [--where KEY=VALUE ...]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pnp.case.schema import FIGURE_FORMATS


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "map",
        help="failure map of a sweep: a GHK error over two sweep axes (PNG and CSV)",
        description=(
            "Draw a summary column of a finished (or running) sweep over two of its axes: by "
            "default the largest factor between the GHK and PNP currents, on a log colour scale "
            "with contours at factors 1.05, 1.2, 2 and 10 (1 / 5 mV for the reversal-potential "
            "error), cells where GHK has the opposite sign at some voltages cross-hatched and "
            "labelled with their number, the Debye length = pore length line, the exact-limit lines"
            " and the failed cases. Writes SWEEP_DIR/map_<metric>_<x>_vs_<y>.png (or --figure-"
            "format) and .csv. Other axes give one panel per value unless fixed with --where. Per-"
            "voltage quantities of the I-V curves are metrics QUANTITY@VmV (current_pA@100mV, "
            "conductance_nS@-50mV, rectification@100mV, transference_K@100mV, "
            "ghk_current_pA@100mV); with --x voltage_mV (or --y) the voltages of every case's I-V "
            "curve form an axis and the metric is the quantity alone (--metric rectification)."
        ),
    )
    parser.add_argument("sweep_dir", type=Path, help="folder written by pnp sweep")
    parser.add_argument(
        "--x",
        default=None,
        metavar="KEY",
        help="x axis: a sweep key, a summary column following one axis, or voltage_mV "
        "(default: first axis)",
    )
    parser.add_argument("--y", default=None, metavar="KEY", help="y axis (default: next axis)")
    parser.add_argument(
        "--metric",
        default=None,
        metavar="NAME",
        help="summary column to map: max_fold_factor (default), sign_disagreements, "
        "reversal_potential_error_mV, max_relative_current_error, field_nonuniformity_max, "
        "current_pA@100mV, rectification@100mV, ... (over voltage_mV: current_pA, "
        "rectification, conductance_nS, transference_K, ...; default the current)",
    )
    parser.add_argument(
        "--where",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="fix another axis at one of its values (repeatable)",
    )
    for axis in ("x", "y"):
        scale = parser.add_mutually_exclusive_group()
        scale.add_argument(
            f"--log-{axis}",
            dest=f"{axis}_scale",
            action="store_const",
            const="log",
            default="linear",
            help=f"logarithmic {axis} axis",
        )
        scale.add_argument(
            f"--even-{axis}",
            dest=f"{axis}_scale",
            action="store_const",
            const="even",
            help=f"equal {axis} cells labelled with the values (for uneven values like "
            "0, -0.01, -0.1, -1)",
        )
    parser.add_argument(
        "--figure-format",
        choices=FIGURE_FORMATS,
        default="png",
        help="format of the map (default png)",
    )
    parser.set_defaults(func=map_command)


def map_command(args: argparse.Namespace) -> int:
    from mpi4py import MPI

    from pnp.case import CaseError, parse_override
    from pnp.sweep.grid import map_data
    from pnp.sweep.maps import Scale, map_stem, plot_map, write_map_csv

    root = MPI.COMM_WORLD.rank == 0  # under mpiexec every rank reads, rank 0 writes
    try:
        where = dict(parse_override(text) for text in args.where)
        data = map_data(args.sweep_dir, x=args.x, y=args.y, metric=args.metric, where=where)
        Scale(args.x_scale, data.x.values)  # a log axis needs positive values
        if data.y is not None:
            Scale(args.y_scale, data.y.values)
        stem = args.sweep_dir / map_stem(data, where)
        png = stem.with_name(f"{stem.name}.{args.figure_format}")
        table = stem.with_name(stem.name + ".csv")
        if root:
            write_map_csv(table, data)
            plot_map(png, data, x_scale=args.x_scale, y_scale=args.y_scale)
    except (CaseError, ValueError, OSError) as err:
        if root:
            print(f"pnp map: {err}", file=sys.stderr)
        return 2
    if root:
        print(f"{png}\n{table}")
    return 0
