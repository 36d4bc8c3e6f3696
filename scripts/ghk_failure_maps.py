"""Regenerate the maps and the numbers of docs/ghk_failure.md from the shipped sweeps.

    .venv/bin/python scripts/ghk_failure_maps.py --images docs/img     # the document's run
    .venv/bin/python scripts/ghk_failure_maps.py --out /tmp/try         # maps stay in --out
    .venv/bin/python scripts/ghk_failure_maps.py --no-run --out DIR     # tables of a done run

Runs the three sweeps of cases/sweeps/ (`mpiexec -n RANKS pnp sweep SWEEP --out
OUT/NAME`; an existing OUT/NAME is refused unless --resume, since a resumed sweep keeps
the cases it finished with an older pnp; extra `--set KEY=VALUE` options, e.g. a coarser
mesh, go to every sweep), draws the six maps the document shows
with `pnp map` (copied to --images under the document's file names), refines the
worst case of the gate sweep once (`pnp run --refine 1`), and prints, as Markdown, the
tables whose labels (C1, G2, S3, ...) the numbers of the document cite.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from pnp.cli import main as pnp_main
from pnp.post.comparison import compared_currents
from pnp.sweep import read_summary
from pnp.sweep.grid import MapData, map_data

ROOT = Path(__file__).resolve().parents[1]
CHARGE = "fixed_charge_vs_ionic_strength"
GATE = "gate_permittivity_vs_radius"
SELECTIVITY = "selectivity_vs_concentration_ratio"
SWEEPS = (CHARGE, GATE, SELECTIVITY)
# sweep -> (x, y, scale options) of its maps
AXES = {
    CHARGE: ("species.K.inside_mM", "regions.pore.fixed_charge_M", ["--log-x", "--even-y"]),
    GATE: ("geometry.pore_radius_nm", "regions.filter.permittivity", ["--log-x", "--log-y"]),
    SELECTIVITY: ("species.K.outside_mM", "regions.pore.fixed_charge_M", ["--log-x", "--even-y"]),
}
# image of the document -> (sweep, metric)
IMAGES = {
    "charge_current_error.png": (CHARGE, "max_fold_factor"),
    "charge_reversal_error.png": (CHARGE, "reversal_potential_error_mV"),
    "gate_current_error.png": (GATE, "max_fold_factor"),
    "gate_field_nonuniformity.png": (GATE, "field_nonuniformity_max"),
    "selectivity_reversal_error.png": (SELECTIVITY, "reversal_potential_error_mV"),
    "selectivity_current_error.png": (SELECTIVITY, "max_fold_factor"),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "ghk_failure")
    parser.add_argument("--images", type=Path, default=None, help="copy the maps here")
    parser.add_argument("--ranks", type=int, default=2, help="MPI ranks (default 2)")
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    parser.add_argument("--no-run", action="store_true", help="only draw and print")
    parser.add_argument("--resume", action="store_true", help="finish sweeps begun in --out")
    args = parser.parse_args()
    started = [name for name in SWEEPS if (args.out / name).exists()]
    if started and not (args.resume or args.no_run):
        parser.error(f"{args.out / started[0]} exists: choose a new --out, or pass --resume")
    seconds = {} if args.no_run else run_sweeps(args.out, args.ranks, args.overrides)
    draw_maps(args.out, args.images)
    print_tables(args.out, seconds)
    if not args.no_run:
        refine_worst_gate_case(args.out, args.ranks)
    print_refinement(args.out)
    return 0


def mpiexec(ranks: int) -> list[str]:
    beside = Path(sys.executable).parent / "mpiexec"
    command = str(beside) if beside.exists() else shutil.which("mpiexec")
    if command is None:
        raise SystemExit("ghk_failure_maps: no mpiexec beside the Python or on PATH")
    return [command, "-n", str(ranks), sys.executable, "-m", "pnp"]


def run_sweeps(out: Path, ranks: int, overrides: list[str]) -> dict[str, float]:
    seconds = {}
    for name in SWEEPS:
        command = [*mpiexec(ranks), "sweep", str(ROOT / "cases" / "sweeps" / f"{name}.toml")]
        command += ["--out", str(out / name), *(f"--set={o}" for o in overrides)]
        print("$", " ".join(command), file=sys.stderr, flush=True)
        start = time.perf_counter()
        code = subprocess.call(command, stdout=subprocess.DEVNULL)
        seconds[name] = time.perf_counter() - start
        if code not in (0, 3):  # 3: some cases failed, the maps show them
            raise SystemExit(f"ghk_failure_maps: pnp sweep {name} exited with {code}")
    return seconds


def draw_maps(out: Path, images: Path | None) -> None:
    for image, (name, metric) in IMAGES.items():
        x, y, scales = AXES[name]
        argv = ["map", str(out / name), "--x", x, "--y", y, *scales, "--metric", metric]
        with contextlib.redirect_stdout(sys.stderr):  # the file names, not for the tables
            code = pnp_main(argv)
        if code != 0:
            raise SystemExit(f"ghk_failure_maps: pnp {' '.join(argv)} failed")
        if images is not None:
            images.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(out / name / f"map_{metric}_{x}_vs_{y}.png", images / image)


def grid(out: Path, name: str, metric: str) -> MapData:
    x, y, _ = AXES[name]
    return map_data(out / name, x=x, y=y, metric=metric)


def table(label: str, title: str, data: MapData, cell) -> None:
    """A Markdown table of one map: rows the y values (as in the map, top first)."""
    (panel,) = data.panels
    print(f"\n{label}. {title}\n")
    print(f"| {data.y.key} \\ {data.x.key} | " + " | ".join(f"{v:g}" for v in data.x.raw) + " |")
    print("|---" * (len(data.x.raw) + 1) + "|")
    for j in reversed(range(len(data.y.raw))):
        cells = [cell(panel, j, i) for i in range(len(data.x.raw))]
        print(f"| {data.y.raw[j]:g} | " + " | ".join(cells) + " |")


def number(fmt: str, scale: float = 1.0):
    def cell(panel, j: int, i: int) -> str:
        if panel.status[j, i] == "failed":
            return "failed"
        value = panel.value[j, i]
        return "—" if not math.isfinite(value) else format(value * scale, fmt)

    return cell


def factor_cell(panel, j: int, i: int) -> str:
    """The fold factor, and ±n where GHK has the opposite sign at n voltages."""
    if panel.status[j, i] == "failed":
        return "failed"
    value, signs = panel.value[j, i], panel.sign_disagreements[j, i]
    if signs > 0:
        return f"±{int(signs)}"
    return "—" if not math.isfinite(value) else f"{value:.4f}" if value < 1.01 else f"{value:.3g}"


def signed_ratios(out: Path, name: str, label: str) -> None:
    """I_ghk / I_pnp per voltage of every case where some voltage has the opposite sign."""
    rows = [r for r in read_summary(out / name / "summary.csv") if r.get("sign_disagreements")]
    print(f"\n{label}. {name}: I_ghk / I_pnp per voltage of the cases where GHK has the")
    print("opposite sign somewhere (n/c: |I_pnp| below 10 % of the largest, not compared)\n")
    if not rows:
        print("(no such case)")
        return
    x, y, _ = AXES[name]
    results = json.loads((out / name / rows[0]["folder"] / "results.json").read_text())
    voltages = [p["voltage_mV"] for p in results["points"]]
    header = [y, x, *(f"{v:g} mV" for v in voltages), "largest factor where the signs agree"]
    print("| " + " | ".join(header) + " |\n" + "|---" * len(header) + "|")
    for row in rows:
        results = json.loads((out / name / row["folder"] / "results.json").read_text())
        pairs = compared_currents(results["points"], results["ghk"]["points"])
        cells = ["n/c" if p is None else f"{p[0] / p[1]:.3g}" for p in pairs]
        folds = [f for f in results["ghk_comparison"]["fold_errors"] if f is not None]
        cells.append(f"{math.exp(max(folds)):.3g}" if folds else "—")
        print(f"| {row[y]:g} | {row[x]:g} | " + " | ".join(cells) + " |")


def apparent_ratios(out: Path, label: str) -> None:
    data = grid(out, SELECTIVITY, "reversal_potential_mV")
    rows = {r["case_id"]: r for r in read_summary(out / SELECTIVITY / "summary.csv")}
    (panel,) = data.panels
    ratio = np.full(panel.value.shape, np.nan)
    for (j, i), case_id in np.ndenumerate(panel.case_id):
        if case_id and panel.status[j, i] != "failed":
            path = out / SELECTIVITY / rows[case_id]["folder"] / "results.json"
            block = json.loads(path.read_text())["ghk_comparison"]["apparent_permeability_ratios"]
            a_priori = block["a_priori"]["Cl"]
            ratio[j, i] = block["apparent"]["Cl"] if block["apparent"]["Cl"] else np.nan
    panel.value = ratio
    title = f"apparent P_Cl / P_K from the PNP reversal potential (a priori {a_priori:.3g})"
    table(label, title, data, number(".3g"))


def print_tables(out: Path, seconds: dict[str, float]) -> None:
    print("R. runs\n")
    print("| sweep | cases | ok | partial | failed | wall time (s) |\n|---|---|---|---|---|---|")
    for name in SWEEPS:
        rows = read_summary(out / name / "summary.csv")
        counts = [sum(r["status"] == s for r in rows) for s in ("ok", "partial", "failed")]
        wall = f"{seconds[name]:.0f}" if name in seconds else "—"
        print(f"| {name} | {len(rows)} | " + " | ".join(map(str, counts)) + f" | {wall} |")
    fold, old = "max_fold_factor", "max_relative_current_error"
    factor = "largest factor between GHK and PNP currents (±n: opposite sign at n voltages)"
    table("C1", f"{CHARGE}: {factor}", grid(out, CHARGE, fold), factor_cell)
    table("C2", f"{CHARGE}: {old} (%)", grid(out, CHARGE, old), number(".3g", 100.0))
    reversal = "reversal_potential_error_mV (GHK minus PNP)"
    table(
        "C3",
        f"{CHARGE}: {reversal}",
        grid(out, CHARGE, "reversal_potential_error_mV"),
        number("+.3g"),
    )
    signed_ratios(out, CHARGE, "C4")
    pnp_reversal = "PNP reversal_potential_mV"
    table(
        "C5",
        f"{CHARGE}: {pnp_reversal}",
        grid(out, CHARGE, "reversal_potential_mV"),
        number("+.3g"),
    )
    table("G1", f"{GATE}: {factor}", grid(out, GATE, fold), factor_cell)
    table(
        "G2", f"{GATE}: {reversal}", grid(out, GATE, "reversal_potential_error_mV"), number("+.2g")
    )
    table(
        "G3",
        f"{GATE}: field_nonuniformity_max",
        grid(out, GATE, "field_nonuniformity_max"),
        number(".2f"),
    )
    table(
        "S1",
        f"{SELECTIVITY}: {reversal}",
        grid(out, SELECTIVITY, "reversal_potential_error_mV"),
        number("+.3g"),
    )
    table(
        "S2",
        f"{SELECTIVITY}: PNP reversal_potential_mV",
        grid(out, SELECTIVITY, "reversal_potential_mV"),
        number("+.3g"),
    )
    table("S3", f"{SELECTIVITY}: {factor}", grid(out, SELECTIVITY, fold), factor_cell)
    apparent_ratios(out, "S4")
    signed_ratios(out, SELECTIVITY, "S5")


def worst_gate_case(out: Path) -> dict:
    rows = [r for r in read_summary(out / GATE / "summary.csv") if r.get("max_fold_factor")]
    return max(rows, key=lambda r: r["max_fold_factor"])


def refine_worst_gate_case(out: Path, ranks: int) -> None:
    """The worst gate case again on a once-refined mesh: how far the map is from converged."""
    case = out / GATE / worst_gate_case(out)["folder"] / "case.toml"
    command = [*mpiexec(ranks), "run", str(case), "--refine", "1", "--out", str(out / "refined")]
    print("$", " ".join(command), file=sys.stderr, flush=True)
    if subprocess.call(command, stdout=subprocess.DEVNULL) != 0:
        raise SystemExit("ghk_failure_maps: the refined run failed")


def print_refinement(out: Path) -> None:
    path = out / "refined" / "results.json"
    if not path.exists():
        return
    worst = worst_gate_case(out)
    refined = json.loads(path.read_text())["ghk_comparison"]
    x, y, _ = AXES[GATE]
    print(f"\nG4. worst case of {GATE} ({y} = {worst[y]:g}, {x} = {worst[x]:g}) refined once\n")
    print("| mesh | max_fold_factor | max_relative_current_error (%) |\n|---|---|---|")
    for mesh, block in (("sweep", worst), ("refined once", refined)):
        error = block["max_relative_current_error"]
        print(f"| {mesh} | {block['max_fold_factor']:.4g} | {100 * error:.3g} |")


if __name__ == "__main__":
    sys.exit(main())
