"""`pnp mesh CASE [--out FILE.msh]`: build a case's mesh, write it, print its size."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pnp.cli.run import case_overrides


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "mesh",
        help="mesh a case's geometry and write it as a gmsh .msh file",
        description="Build the case's mesh (tagged by region and boundary role) without solving.",
    )
    parser.add_argument("case", type=Path, help="TOML case file")
    parser.add_argument(
        "--out", type=Path, default=None, help="output .msh file (default out/NAME.msh)"
    )
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--refine", type=int, default=None, metavar="N")
    parser.set_defaults(func=mesh_command)


def output_problem(out: Path) -> str | None:
    """Why the mesh cannot be written to `out` (its folder is created), or None."""
    if out.is_dir():
        return f"--out {out}: is a folder; give a file name ending in .msh"
    if out.suffix.lower() != ".msh":
        return f"--out {out}: give a file name ending in .msh"
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        return f"--out {out}: cannot create its folder ({err.strerror or err})"
    return None


def mesh_command(args: argparse.Namespace) -> int:
    from mpi4py import MPI

    from pnp.case import CaseError, load_case

    comm = MPI.COMM_WORLD

    def error(message: object) -> int:
        if comm.rank == 0:
            print(f"pnp mesh: {message}", file=sys.stderr)
        return 2

    try:
        case = load_case(args.case, case_overrides(args), comm=comm)
    except (CaseError, OSError) as err:
        return error(err)
    from pnp.errors import InputError
    from pnp.run import make_domain

    out = args.out if args.out is not None else Path("out") / f"{case.name}.msh"
    problem = comm.bcast(output_problem(out) if comm.rank == 0 else None, root=0)
    if problem is not None:
        return error(problem)
    try:
        domain = make_domain(case, comm, msh_path=out)
    except InputError as err:
        return error(err)
    cells = domain.mesh.topology.index_map(domain.dim).size_global
    vertices = domain.mesh.topology.index_map(0).size_global
    if comm.rank == 0:
        print(
            f"{out}: {domain.kind}, {cells} cells, {vertices} vertices, "
            f"smallest cell {domain.min_cell_size_nm:.3g} nm; "
            f"regions {sorted(domain.regions)}, boundaries {sorted(domain.boundaries)}"
        )
    return 0
