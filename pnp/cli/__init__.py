"""Command-line entry point: `pnp <command> ...` (also `python -m pnp`).

Each sub-command lives in its own module exposing `add_parser(subparsers)`,
which registers the parser and sets `func` (callable taking the parsed args and
returning an exit code). Ctrl-C outside the handling of `pnp run` and
`pnp sweep` (`pnp.interrupt`) exits with 130 and one line.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from pnp import __version__

COMMAND_MODULES = (
    "pnp.cli.run",
    "pnp.cli.mesh",
    "pnp.cli.theory",
    "pnp.cli.sweep",
    "pnp.cli.map",
    "pnp.cli.plot",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pnp",
        description="Poisson–Nernst–Planck solver for ion channels and nanopores.",
    )
    parser.add_argument("--version", action="version", version=f"pnp {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:  # Ctrl-C before `pnp run`/`pnp sweep` handle it, or elsewhere
        print(f"pnp {args.command}: interrupted", file=sys.stderr)
        return 130
