"""`pnp theory ...`: closed-form electrophysiology from the command line.

Inputs are in user units (mM, mV, nm, C/m^2, K, m^2/s, m/s); every result is
printed with its unit, or as JSON with unit-suffixed keys with ``--json``.
Conventions: ``V = phi_in - phi_out``, outward current positive.

The sub-commands live in one module per group (`potentials`, `electrolyte`,
`surfaces`, `energetics`); `common` holds the argument types, the shared
options and the text/JSON output.
"""

from __future__ import annotations

import argparse
import sys

from pnp.cli.theory import electrolyte, energetics, potentials, surfaces
from pnp.cli.theory.common import EPILOG, OneLineErrorParser

# The sub-commands, in the order `pnp theory --help` lists them.
_SUBCOMMANDS = (
    potentials.add_nernst,
    potentials.add_ghk_current,
    potentials.add_ghk_voltage,
    electrolyte.add_debye,
    electrolyte.add_activity,
    electrolyte.add_donnan,
    surfaces.add_grahame,
    surfaces.add_gouy_chapman,
    potentials.add_planck,
    potentials.add_tms,
    potentials.add_ghk_validity,
    energetics.add_driving_force,
    energetics.add_energy,
    energetics.add_pmf,
)


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``pnp theory`` and its sub-commands on `subparsers`."""
    theory = subparsers.add_parser(
        "theory",
        help="closed-form electrophysiology (Nernst, GHK, Donnan, Debye, ...)",
        description=(
            "Closed-form electrophysiology: Nernst and GHK potentials, GHK currents, "
            "activity coefficients, Debye length, Donnan equilibrium, Grahame/Gouy-Chapman, "
            "Planck and TMS diffusion potentials, driving forces and free energies."
        ),
        epilog=EPILOG,
    )

    def _theory_help(args: argparse.Namespace) -> int:
        theory.print_help(sys.stderr)
        return 2

    theory.set_defaults(func=_theory_help)
    sub = theory.add_subparsers(
        dest="theory_command", metavar="SUBCOMMAND", parser_class=OneLineErrorParser
    )

    for add in _SUBCOMMANDS:
        add(sub)
    return theory
