"""The numbers of docs/rectification.md: current rectification by the charged conical pore
of cases/conical_pore.toml in four descriptions.

    .venv/bin/python scripts/rectification.py [--out DIR] [--flow-volts 100]

At 10 and 100 mM KCl it solves (a) the axisymmetric PNP pore with the tip inside and
outside, (b) the same with electro-osmotic flow ([flow], tip inside, at 0, +-10 mV and
+-``--flow-volts``), (c) the 1D channel model of the cone with N segments
(N = 5, 10, 20; tip inside) and (d) reads the GHK counterpart and the electroneutral
Nernst–Planck model of the 1D sections. The tip-outside values of (b)-(d) are the
mirror images of the tip-inside ones. It prints the Markdown tables of the page and
draws docs/img/rectification.png (or DIR/rectification.png with --out). About ten
minutes on one core.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import tomllib
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from mpi4py import MPI

import pnp
from pnp.constants import FARADAY, GAS_CONSTANT
from pnp.post.labels import label
from pnp.theory.debye import debye_length

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT / "cases" / "conical_pore.toml"
VOLTS = [-250.0, -100.0, -10.0, 0.0, 10.0, 100.0, 250.0]
SALTS_mM = (10.0, 100.0)
TIPS = ("inside", "outside")
SEGMENT_COUNTS = (5, 10, 20)
COMM = MPI.COMM_SELF


def salt(c_mM: float) -> dict[str, float]:
    return {f"species.{s}.{side}_mM": c_mM for s in ("K", "Cl") for side in ("inside", "outside")}


def metrics(result: pnp.Result) -> dict[str, float | None]:
    """Rectification |I(+V)/I(-V)| at 100 and 250 mV and the conductance at 0 mV (nS) from
    the results.json `nanopore` block (the secant through +-10 mV)."""
    block = result.results["nanopore"]
    ratios = {r["voltage_mV"]: r["ratio"] for r in block["rectification"]}
    return {
        "r100": ratios.get(100.0),
        "r250": ratios.get(250.0),
        "g0": block["slope_conductance_at_0mV"],
    }


def cone_table(tip: str, n: int, transition_nm: float) -> tuple[dict, list[dict]]:
    """The geometry table and N [[segments]] of the 1D channel model of the cone: each
    segment a cylinder of the geometric mean of its end radii (so that sum L_k / r_k^2
    is the cone's integral dz / r^2 exactly) carrying the wall charge as the volume
    charge X = 2 sigma / (F r_k)."""
    base = tomllib.loads(CASE.read_text())
    g = base["geometry"]
    sigma = base["surfaces"]["pore_wall"]["charge_C_per_m2"]
    length, r_tip, r_base = g["pore_length_nm"], g["tip_radius_nm"], g["base_radius_nm"]
    s = np.linspace(0.0, 1.0, n + 1)  # from the inside mouth
    frac = s if tip == "inside" else 1.0 - s
    ends = r_tip + (r_base - r_tip) * frac
    segments = []
    for k in range(n):
        r_k = math.sqrt(ends[k] * ends[k + 1])
        x_molar = 2.0 * sigma / (FARADAY * r_k * 1e-9) * 1e-3  # mol/m^3 -> M
        segments.append(
            {"name": f"s{k}", "length_nm": length / n, "radius_nm": r_k, "fixed_charge_M": x_molar}
        )
    geometry = {
        "kind": "channel_1d",
        "bath_radius_nm": g["bath_radius_nm"],
        "bath_length_nm": g["bath_length_nm"],
        "transition_nm": transition_nm,
    }
    return geometry, segments


def channel_case(tip: str, n: int, c_mM: float, transition_nm: float) -> dict:
    base = tomllib.loads(CASE.read_text())
    geometry, segments = cone_table(tip, n, transition_nm)
    for sp in base["species"]:
        sp["inside_mM"] = sp["outside_mM"] = c_mM
    return {
        "name": f"cone_1d_{n}",
        "geometry": geometry,
        "segments": segments,
        "species": base["species"],
        "conditions": {"voltages_mV": VOLTS},
        "output": {"fields": False, "plots": False},
    }


def electroneutral(result: pnp.Result) -> dict[str, float | None]:
    """The electroneutral NP model of the 1D sections (results.json cheap_models); None for
    a quantity that needs a voltage without an electroneutral solution."""
    model = result.ghk_comparison["cheap_models"]["electroneutral_np"]
    if model is None or "current_densities_A_per_m2" not in model:
        return {"r100": None, "r250": None, "g0": None, "reason": (model or {}).get("reason")}
    area = result.results["geometry"]["reference_area_m2"]
    current = {
        v: None if j is None else j * area
        for v, j in zip(VOLTS, model["current_densities_A_per_m2"], strict=True)
    }

    def ratio(v: float) -> float | None:
        if current[v] is None or current[-v] is None:
            return None
        return abs(current[v] / current[-v])

    g0 = None
    if current[10.0] is not None and current[-10.0] is not None:
        g0 = (current[10.0] - current[-10.0]) / 20e-3 * 1e9
    return {"r100": ratio(100.0), "r250": ratio(250.0), "g0": g0}


def ghk(result: pnp.Result) -> dict[str, float]:
    """The constant-field GHK counterpart of the axisymmetric run (permeability through
    integral dz / A(z))."""
    current = dict(zip(VOLTS, result.ghk_current_pA, strict=True))
    return {
        "r100": abs(current[100.0] / current[-100.0]),
        "r250": abs(current[250.0] / current[-250.0]),
        "g0": (current[10.0] - current[-10.0]) / 20.0,  # pA/mV = nS
    }


def fmt(x: float | None, digits: int = 3) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="folder of the figure")
    parser.add_argument(
        "--flow-volts",
        type=float,
        nargs="*",
        default=[100.0, 250.0],
        help="voltages (mV) of the runs with flow besides +-10 mV (each also at -V)",
    )
    args = parser.parse_args()
    figure = (args.out or ROOT / "docs" / "img") / "rectification.png"
    rows: dict[tuple[str, float, str], dict] = {}
    curves: dict[tuple[str, float], tuple[np.ndarray, np.ndarray]] = {}
    seconds: dict[str, float] = {}
    timing = time.perf_counter

    def note(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    axi = pnp.Simulation(CASE, {"conditions.voltages_mV": VOLTS}, comm=COMM)
    for c in SALTS_mM:
        for tip in TIPS:
            t0 = timing()
            res = axi.update({**salt(c), "geometry.tip": tip}).solve()
            seconds["axisymmetric"] = seconds.get("axisymmetric", 0.0) + timing() - t0
            rows["PNP axisymmetric", c, tip] = metrics(res)
            note(f"axisymmetric {c:g} mM tip {tip}: {rows['PNP axisymmetric', c, tip]}")
            rows["GHK (constant field)", c, tip] = ghk(res)
            curves["axi", c, tip] = (res.voltages_mV, res.current_pA)

    flow_volts = sorted({0.0, 10.0, -10.0, *args.flow_volts, *(-v for v in args.flow_volts)})
    flow = pnp.Simulation(
        CASE,
        {
            "conditions.voltages_mV": flow_volts,
            "flow.viscosity_Pa_s": 0.89e-3,
            "flow.pressure_difference_Pa": 0.0,
        },
        comm=COMM,
    )
    flow_share: dict[tuple[float, str], float] = {}
    for c in SALTS_mM:
        for tip in TIPS[:1]:
            t0 = timing()
            res = flow.update({**salt(c), "geometry.tip": tip}).solve()
            seconds["flow"] = seconds.get("flow", 0.0) + timing() - t0
            rows["PNP axisymmetric + flow", c, tip] = metrics(res)
            note(f"flow {c:g} mM tip {tip}: {rows['PNP axisymmetric + flow', c, tip]}")
            top = max(args.flow_volts)
            point = next(p for p in res.results["points"] if p["voltage_mV"] == top)
            flow_share[c, tip] = point.get("convective_current_share")

    convergence: dict[tuple[float, int], dict] = {}
    for c in SALTS_mM:
        for tip in TIPS[:1]:
            for n in SEGMENT_COUNTS:
                transition = 0.25 * 20.0 / n
                t0 = timing()
                res = pnp.Simulation(channel_case(tip, n, c, transition), comm=COMM).solve()
                seconds["1D"] = seconds.get("1D", 0.0) + timing() - t0
                m = metrics(res)
                note(f"1D N={n} {c:g} mM tip {tip}: {m}")
                if tip == "inside":
                    convergence[c, n] = m
                if n == SEGMENT_COUNTS[-1]:
                    rows[f"1D channel, N = {n}", c, tip] = m
                    rows["electroneutral NP (1D sections)", c, tip] = electroneutral(res)
                    reason = rows["electroneutral NP (1D sections)", c, tip].get("reason")
                    if reason:
                        note(f"electroneutral NP at {c:g} mM: {reason}")
                    curves["1d", c, tip] = (res.voltages_mV, res.current_pA)

    models = list(dict.fromkeys(m for m, _, _ in rows))
    # Between equal baths the pore turned end for end is the mirror image: I(+V) of one
    # orientation is -I(-V) of the other (checked by the axisymmetric runs above).
    for model in models:
        for c in SALTS_mM:
            if (model, c, "outside") not in rows:
                m = rows[model, c, "inside"]
                rows[model, c, "outside"] = {
                    "r100": None if m["r100"] is None else 1.0 / m["r100"],
                    "r250": None if m["r250"] is None else 1.0 / m["r250"],
                    "g0": m["g0"],
                    "mirrored": True,
                }
    print("## Rectification |I(+V)/I(-V)| and conductance at 0 mV\n")
    head = " | ".join(f"{c:g} mM, tip {tip}" for c in SALTS_mM for tip in TIPS)
    print(f"| model | quantity | {head} |")
    print("|---|---|" + "---|" * (len(SALTS_mM) * len(TIPS)))
    for model in models:
        for key, name in (
            ("r100", "ratio at 100 mV"),
            ("r250", "ratio at 250 mV"),
            ("g0", "G(0) (nS)"),
        ):
            cells = " | ".join(
                fmt(rows[model, c, tip][key]) + ("*" if rows[model, c, tip].get("mirrored") else "")
                for c in SALTS_mM
                for tip in TIPS
            )
            print(f"| {model} | {name} | {cells} |")

    print("\n(*: by mirror symmetry from the tip-inside run, 1 / ratio and the same G(0))")
    print("\n## 1D channel model: convergence in N (tip inside)\n")
    print("| N | transition (nm) | 10 mM: ratio 100 / 250 mV, G(0) nS | 100 mM: same |")
    print("|---|---|---|---|")
    for n in SEGMENT_COUNTS:
        cells = " | ".join(
            f"{fmt(convergence[c, n]['r100'])} / {fmt(convergence[c, n]['r250'])}, "
            f"{fmt(convergence[c, n]['g0'])}"
            for c in SALTS_mM
        )
        print(f"| {n} | {0.25 * 20.0 / n:.3g} | {cells} |")

    base = tomllib.loads(CASE.read_text())
    g = base["geometry"]
    sigma = base["surfaces"]["pore_wall"]["charge_C_per_m2"]
    print("\n## Scales\n")
    for c in SALTS_mM:
        lam = debye_length(c) * 1e9
        x_tip = 2.0 * abs(sigma) / (FARADAY * g["tip_radius_nm"] * 1e-9)  # mol/m^3
        x_base = 2.0 * abs(sigma) / (FARADAY * g["base_radius_nm"] * 1e-9)
        dukhin_tip = x_tip / (2.0 * c)
        dukhin_base = x_base / (2.0 * c)
        print(
            f"- {c:g} mM: Debye length {lam:.2f} nm (tip radius / lambda = "
            f"{g['tip_radius_nm'] / lam:.2f}, base {g['base_radius_nm'] / lam:.2f}); "
            f"Dukhin number |X| / 2c = {dukhin_tip:.1f} at the tip, {dukhin_base:.1f} at the "
            f"base; convective share of the current with flow at {max(args.flow_volts):g} mV: "
            + fmt(flow_share[c, "inside"])
        )
    print("\n## Access resistance (tip inside, 0 mV)\n")
    n_last = SEGMENT_COUNTS[-1]
    for c in SALTS_mM:
        kappa = (
            FARADAY**2
            / (GAS_CONSTANT * 298.15)
            * sum(sp["diffusion_m2_per_s"] for sp in base["species"])
            * c
        )  # bulk conductivity, S/m
        hall = sum(1.0 / (4.0 * kappa * g[k] * 1e-9) for k in ("tip_radius_nm", "base_radius_nm"))
        baths = (
            2.0 * g["bath_length_nm"] * 1e-9 / (kappa * math.pi * (g["bath_radius_nm"] * 1e-9) ** 2)
        )
        gap = (
            1.0 / rows["PNP axisymmetric", c, "inside"]["g0"]
            - 1.0 / rows[f"1D channel, N = {n_last}", c, "inside"]["g0"]
        )  # 1/nS = GOhm
        print(
            f"- {c:g} mM: 1/G_axi - 1/G_1D = {gap:.3f} GOhm; Hall access of both mouths in the "
            f"bulk, 1/(4 kappa r_tip) + 1/(4 kappa r_base) = {hall * 1e-9:.3f} GOhm, less the "
            f"1D model's bath cylinders {baths * 1e-9:.3f} GOhm: {(hall - baths) * 1e-9:.3f} GOhm"
        )
    print("\nwall time (s): " + ", ".join(f"{k} {v:.0f}" for k, v in seconds.items()))

    fig, axes = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    for ax, c in zip(axes, SALTS_mM, strict=True):
        for tip, style in zip(TIPS, ("-", "--"), strict=True):
            v, i = curves["axi", c, tip]
            ax.plot(v, i, "o" + style, color="C0", label=f"PNP axisymmetric, tip {tip}")
            if ("1d", c, tip) in curves:
                v, i = curves["1d", c, tip]
                ax.plot(v, i, "s" + style, color="C1", mfc="none", label=f"1D channel, tip {tip}")
        ax.axhline(0.0, color="0.7", lw=0.5)
        ax.axvline(0.0, color="0.7", lw=0.5)
        ax.set_xlabel(label("voltage_mV"))
        ax.set_ylabel(label("current_pA"))
        ax.set_title(f"KCl {c:g} mM, tip 1 nm, base 5 nm, σ = {sigma:g} C/m²", fontsize=11)
    axes[0].legend(fontsize=8)
    figure.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(figure, dpi=120)
    print(f"\nfigure: {figure}")


if __name__ == "__main__":
    main()
