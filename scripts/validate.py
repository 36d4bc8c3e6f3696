"""Print the measured errors of every exact limit and the manufactured-solution rates.

    .venv/bin/python scripts/validate.py            # serial
    .venv/bin/mpiexec -n 2 .venv/bin/python scripts/validate.py
    .venv/bin/python scripts/validate.py --markdown # also rewrite docs/validation_table.md

The test suite asserts bounds on the same measurements (tests/test_limits.py,
tests/test_mms.py); this prints the numbers themselves, as Markdown and JSON.
`--markdown [FILE]` writes the Markdown tables to FILE (default
docs/validation_table.md, the table of the documentation's validation page).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from mpi4py import MPI

from pnp.validation import limits
from pnp.validation.mms import convergence_rates

COMM = MPI.COMM_WORLD
TABLE = Path(__file__).resolve().parents[1] / "docs" / "validation_table.md"


def markdown(rows: list[tuple[str, ...]], mms: dict, ranks: int) -> str:
    """The exact-limit table and the manufactured-solution rates as Markdown."""

    def row(cells) -> str:
        return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"

    lines = ["<!-- written by scripts/validate.py --markdown; do not edit -->", ""]
    lines += [f"Exact limits ({ranks} MPI rank(s))", ""]
    lines += ["| limit | measured | value | bound |", "|---|---|---|---|"]
    lines += [row(r) for r in rows]
    lines += ["", "Manufactured solutions: L2 convergence rates per mesh refinement", ""]
    lines += ["| problem | mesh (n) | psi | c_1 | c_2 | c_3 |", "|---|---|---|---|---|---|"]
    for name, entry in mms.items():
        sizes = entry["sizes"]
        for k, rates in enumerate(entry["rates"]):
            step = f"{sizes[k]} -> {sizes[k + 1]}"
            lines.append(row([name if k == 0 else "", step, *(f"{r:.3f}" for r in rates)]))
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--markdown",
        type=Path,
        nargs="?",
        const=TABLE,
        default=None,
        metavar="FILE",
        help="also write the tables as Markdown to FILE (default docs/validation_table.md)",
    )
    args = parser.parse_args()
    rows, report = [], {}

    def measure(name, func, *args):
        t0 = time.perf_counter()
        report[name] = func(COMM, *args)
        report[name]["seconds"] = time.perf_counter() - t0

    measure("dilute_ghk", limits.dilute_ghk)
    measure("symmetric_ohmic", limits.symmetric_ohmic)
    measure("planck_electroneutral", limits.planck_electroneutral)
    for x in (-0.01, -0.05, -0.5):
        measure(f"tms_{x:+g}", limits.tms_electroneutral, x)
    measure("donnan", limits.donnan)
    for sigma in (-0.1, -0.02, 0.05):
        measure(f"gouy_chapman_{sigma:+g}", limits.gouy_chapman, sigma)
    for sigma in (-0.3, -1.0):
        measure(f"steric_{sigma:+g}", limits.steric_double_layer, sigma, 0.7)
    m = report["dilute_ghk"]
    rows.append(
        (
            "1 dilute GHK (K/Na/Cl, L = 4 nm)",
            "max rel. species-current error",
            f"{m['max_relative_species_current_error']:.2e}",
            "< 5e-3",
        )
    )
    rows.append(
        ("", "reversal potential error (mV)", f"{m['reversal_potential_error_mV']:+.2e}", "")
    )
    m = report["symmetric_ohmic"]
    rows.append(
        (
            "2 symmetric-bath ohmic (1D)",
            "max rel. current error",
            f"{m['max_relative_current_error']:.2e}",
            "solver tol.",
        )
    )
    m = report["planck_electroneutral"]
    rows.append(
        (
            "3 Planck electroneutral (100|10 mM)",
            "V_rev - Planck (mV)",
            f"{m['error_mV']:+.4f}",
            "< 0.5 mV",
        )
    )
    for x in (-0.01, -0.05, -0.5):
        m = report[f"tms_{x:+g}"]
        rows.append(
            (
                f"3b TMS charged layer X = {x:+g} M (100|10 mM)",
                "V_rev - TMS (mV)",
                f"{m['error_mV']:+.4f}",
                "< 0.5 mV",
            )
        )
    m = report["donnan"]
    rows.append(
        (
            "4 Donnan (X = -0.05 M, 10 mM)",
            "potential error (mV)",
            f"{m['potential_error_mV']:+.2e}",
            "",
        )
    )
    rows.append(("", "counter-ion rel. error", f"{m['counterion_relative_error']:+.2e}", ""))
    for sigma in (-0.1, -0.02, 0.05):
        m = report[f"gouy_chapman_{sigma:+g}"]
        rows.append(
            (
                f"5 Gouy-Chapman/Grahame, sigma = {sigma:+g} C/m^2",
                "wall potential rel. error / profile max error (mV)",
                f"{m['wall_potential_relative_error']:+.2e} / {m['profile_max_error_mV']:.2e}",
                "",
            )
        )
    for sigma in (-0.3, -1.0):
        m = report[f"steric_{sigma:+g}"]
        rows.append(
            (
                f"5b steric (Kilic-Bazant-Ajdari), a = 0.7 nm, sigma = {sigma:+g} C/m^2",
                "wall potential rel. error / counter-ion / close packing",
                f"{m['wall_potential_relative_error']:+.2e} / "
                f"{m['counterion_wall_mM'] / m['close_packing_mM']:.4f}",
                "< 1e-3",
            )
        )

    mms = {}
    for kind, sizes, degree in (
        ("1d", (16, 32, 64, 128), 1),
        ("2d-axisymmetric", (6, 12, 24, 48), 1),
        ("3d", (3, 6, 12), 1),
        ("1d", (8, 16, 32, 64), 2),
        ("2d-axisymmetric", (4, 8, 16, 32), 2),
        ("1d-channel steric", (16, 32, 64, 128), 1),
    ):
        steric = kind.endswith(" steric")
        errors, rates = convergence_rates(
            COMM, kind.removesuffix(" steric"), sizes, degree, steric=steric
        )
        mms[f"{kind} P{degree}"] = {
            "sizes": sizes,
            "finest_errors": errors[-1].tolist(),
            "rates": np.round(rates, 3).tolist(),
        }
    report["mms"] = mms

    if COMM.rank == 0:
        text = markdown(rows, mms, COMM.size)
        print(text)
        print(json.dumps(report, default=float))
        if args.markdown is not None:
            args.markdown.write_text(text)
            print(f"wrote {args.markdown}")


if __name__ == "__main__":
    main()
