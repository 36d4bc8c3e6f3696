"""The numbers of docs/channel_models.md: the 1D channel model against the axisymmetric
geometry of the same channel, and point ions against finite-size ions.

    .venv/bin/python scripts/channel_models.py [--out DIR]

Runs the shipped cases (kcsa_1d, charged_filter_1d, charged_filter_1d_finite_size) and
the KcsA segments as an axisymmetric pore through a membrane, and prints the tables
of the page as Markdown. Takes about a minute on one core.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
from mpi4py import MPI

from pnp.case import load_case
from pnp.post.profiles import evaluate
from pnp.run import prepare, run_case, solve

CASES = Path(__file__).resolve().parents[1] / "cases"
QUIET = ["output.fields=false", "output.plots=false"]


def results(name: str, out: Path, overrides: list[str] = ()) -> dict:
    case = load_case(CASES / f"{name}.toml", [*QUIET, *overrides])
    return run_case(case, out / case.name, MPI.COMM_WORLD, progress=lambda line: None)


def axisymmetric_kcsa(overrides: list[str]) -> list[str]:
    """The KcsA segments as a pore through a 3.5 nm membrane of permittivity 2 between
    cylindrical baths of the 1D model's radius and depth."""
    return [
        "geometry.kind=axisymmetric",
        "geometry.refine=0",
        "geometry.wall_size_nm=0.025",
        "geometry.mesh_size_nm=0.5",
        "regions.membrane.permittivity=2.0",
        *overrides,
    ]


def radial_spread(name: str, overrides: list[str], z_nm: float) -> dict:
    """Relative radial variation of c_K and phi across the pore at z (axisymmetric)."""
    case = load_case(CASES / f"{name}.toml", [*QUIET, *overrides])
    problem = prepare(case, MPI.COMM_WORLD)
    try:
        solve(problem)
        radius = min(s.radius_nm for s in case.segments)
        points = np.zeros((41, 3))
        points[:, 0] = np.linspace(0.0, 0.999 * radius, 41)
        points[:, 1] = z_nm
        fields = []
        from pnp.fem import dolfinx

        for k in range(len(case.species) + 1):
            f = dolfinx.fem.Function(problem.scalar_space)
            f.x.array[:] = problem.component(k)
            fields.append(f)
        raw = evaluate(fields, points)
        c_k = problem.concentrations(raw[:, 1:])[:, 0] * problem.scales.concentration_mM
        phi = raw[:, 0] * problem.scales.thermal_voltage * 1e3
    finally:
        problem.destroy()
    return {
        "c_K_axis_mM": float(c_k[0]),
        "c_K_wall_mM": float(c_k[-1]),
        "c_K_relative_spread": float((c_k.max() - c_k.min()) / c_k.mean()),
        "phi_spread_mV": float(phi.max() - phi.min()),
    }


def point(res: dict, voltage: float) -> dict:
    return next(p for p in res["points"] if p["voltage_mV"] == voltage)


def ghk_summary(res: dict) -> str:
    cmp_ = res["ghk_comparison"]
    factor = cmp_.get("max_fold_factor")
    rev = cmp_.get("reversal_potential_error_mV")
    parts = [f"x{factor:.2f}" if factor is not None else fold_text(cmp_)]
    if rev is not None:
        parts.append(f"{rev:+.1f} mV")
    return ", ".join(parts)


def fold_text(comparison: dict) -> str:
    factor = comparison.get("max_fold_factor")
    if factor is not None:
        return f"{factor:.2f}"
    return f"wrong sign at {comparison.get('sign_disagreements')} V"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="keep the runs here")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="channel_models_"))
    volts = "conditions.voltages_mV=[-100, -50, 0, 50, 100]"

    print("## 1D channel model and axisymmetric pore (KcsA segments, 150 mM KCl)\n")
    one_d = results("kcsa_1d", out / "1d", [volts])
    axi_over = axisymmetric_kcsa([volts])
    axi = results("kcsa_1d", out / "axi", axi_over)
    print("| V (mV) | 1D channel (pA) | axisymmetric (pA) | ratio |")
    print("|---|---|---|---|")
    for v in (-100.0, -50.0, 50.0, 100.0):
        a, b = point(one_d, v)["current_pA"], point(axi, v)["current_pA"]
        print(f"| {v:+.0f} | {a:.3f} | {b:.3f} | {b / a:.3f} |")
    g1 = point(one_d, 50.0)["current_pA"] / 50.0 * 1e3
    g2 = point(axi, 50.0)["current_pA"] / 50.0 * 1e3
    print(f"\nchord conductance at +50 mV: 1D {g1:.1f} pS, axisymmetric {g2:.1f} pS")
    cavity_mid = -1.75 + 0.2 + 0.55
    filter_mid = -1.75 + 0.2 + 1.1 + 0.5
    for label, z in (("cavity", cavity_mid), ("inner filter", filter_mid)):
        spread = radial_spread("kcsa_1d", [*axi_over, "conditions.voltages_mV=[0]"], z)
        print(
            f"radial non-uniformity at the {label} centre (z = {z:+.2f} nm, 0 mV): c_K "
            f"{spread['c_K_axis_mM']:.0f} mM on the axis, {spread['c_K_wall_mM']:.0f} mM at "
            f"the wall ({100 * spread['c_K_relative_spread']:.0f} % of the mean), phi varies "
            f"by {spread['phi_spread_mV']:.2f} mV"
        )
    # the access resistance of both mouths (Hall), with the bulk conductivity
    sigma = (1.5e-9 + 1.5e-9) * 96485.33212**2 * 150.0 / (8.314462618 * 298.15)
    access = 2.0 / (4.0 * sigma * 0.5e-9)
    channel = 50e-3 / (point(one_d, 50.0)["current_pA"] * 1e-12)
    print(
        f"Hall's access resistance of the two mouths, 2 / (4 sigma R): {access / 1e9:.2f} "
        f"GOhm; the 1D channel at +50 mV: {channel / 1e9:.2f} GOhm"
    )
    print(f"GHK counterpart (fold factor, reversal error): 1D {ghk_summary(one_d)}")

    uncharged = [
        f"segments.{s.name}.fixed_charge_e=0" for s in load_case(CASES / "kcsa_1d.toml").segments
    ]
    quick = "conditions.voltages_mV=[50]"
    flat_1d = point(results("kcsa_1d", out / "flat1d", [quick, *uncharged]), 50.0)["current_pA"]
    flat_axi = point(
        results("kcsa_1d", out / "flataxi", axisymmetric_kcsa([quick, *uncharged])), 50.0
    )["current_pA"]
    r_1d, r_axi = (50e-3 / (i * 1e-12) for i in (flat_1d, flat_axi))
    print(
        f"uncharged segments at +50 mV: 1D {flat_1d:.3f} pA ({r_1d / 1e9:.2f} GOhm), "
        f"axisymmetric {flat_axi:.3f} pA ({r_axi / 1e9:.2f} GOhm): the axisymmetric pore adds "
        f"{(r_axi - r_1d) / 1e9:.2f} GOhm"
    )

    print("\n## Finite ion size\n")
    print(
        "| case | a (nm) | peak K (M) | I(+100) (pA) | I(-100) (pA) | reversal (mV) | "
        "GHK reversal (mV) | GHK fold factor |"
    )
    print("|---|---|---|---|---|---|---|---|")
    rows = [
        ("charged_filter_1d", [], "point"),
        ("charged_filter_1d_finite_size", [], "0.6"),
        ("kcsa_1d", [volts], "point"),
        ("kcsa_1d", [volts, "species.K.size_nm=0.3", "species.Cl.size_nm=0.3"], "0.3"),
        ("kcsa_1d", [volts, "species.K.size_nm=0.5", "species.Cl.size_nm=0.5"], "0.5"),
    ]
    for k, (name, overrides, size) in enumerate(rows):
        res = results(name, out / f"size{k}", overrides)
        peak = max(p["peak_concentrations_mM"]["K"] for p in res["points"] if p["converged"])
        rev = res["reversal_potential_mV"]
        ghk_rev = res["ghk"]["reversal_potential_mV"]
        fold = fold_text(res["ghk_comparison"])
        print(
            f"| {name} | {size} | {peak / 1e3:.2f} | {point(res, 100.0)['current_pA']:.2f} | "
            f"{point(res, -100.0)['current_pA']:.2f} | "
            f"{'none' if rev is None else f'{rev:+.2f}'} | "
            f"{'none' if ghk_rev is None else f'{ghk_rev:+.2f}'} | "
            f"{fold} |"
        )
        if res.get("warnings"):
            print(f"|  | warning: {res['warnings'][0].split(';')[0]} | | | | | | |")
    print(f"\nruns in {out}")


if __name__ == "__main__":
    main()
