"""Maps of the GHK-failure atlas: where constant-field theory and each cheap model hold.

    .venv/bin/python scripts/atlas_maps.py out/atlas                    # maps into out/atlas
    .venv/bin/python scripts/atlas_maps.py out/atlas --images docs/img  # and copies them

Reads the atlas sweeps run by scripts/atlas (OUT/<sweep>/summary.csv and each case's
results.json), writes OUT/atlas.csv (one row per case: its dimensionless groups, and for
GHK and every cheap model the largest fold error, the sign disagreements and the
reversal-potential error) and two maps per sweep over the pair of groups it spans:
OUT/atlas_<sweep>_fold.png (the GHK fold error, with each cheap model's region of
<= 5 % current error drawn) and OUT/atlas_<sweep>_reversal.png (the GHK reversal-potential
error, with each cheap model's region of <= 1 mV drawn). Prints a Markdown table of the
share of each sweep's cases inside those regions.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import shutil
from pathlib import Path

import numpy as np

from pnp.sweep import read_summary
from pnp.theory.ghk_validity import LABELS, MODELS

# sweep -> (x group, y group) of its maps
SWEEPS = {
    "atlas_debye_donnan": ("debye_over_length", "donnan_ratio"),
    "atlas_debye_bath": ("debye_over_length", "bath_concentration_ratio"),
    "atlas_debye_permittivity": ("debye_over_length", "permittivity_contrast"),
    "atlas_voltage_donnan": ("max_voltage_over_thermal", "donnan_ratio"),
    "atlas_access_debye": ("access_ratio", "debye_over_length"),
}
COLOURS = {
    "donnan_ghk": "tab:blue",
    "access_ghk": "tab:green",
    "electroneutral_np": "tab:red",
    "fitted_ghk": "tab:purple",
}
GROUP_LABELS = {
    "debye_over_length": r"$\lambda_D / L$",
    "donnan_ratio": r"Donnan ratio $|X| / I$",
    "bath_concentration_ratio": r"bath ratio $I_{out} / I_{in}$",
    "permittivity_contrast": r"$\varepsilon_{pore} / \varepsilon_{bath}$",
    "max_voltage_over_thermal": r"max $|V| / V_T$",
    "access_ratio": r"access ratio $\pi R / (2L)$",
    "radius_over_debye": r"$R / \lambda_D$",
}
CURRENT_LIMIT = math.log(1.05)  # fold error of a 5 % current error
REVERSAL_LIMIT_MV = 1.0
INFINITE_FOLD = math.log(1e3)  # drawn for opposite signs (no factor relates the currents)


def model_entries(comparison: dict) -> dict[str, dict | None]:
    """GHK and each cheap model: fold error (inf where the signs disagree), reversal error."""
    entries = {"ghk": comparison}
    entries.update(comparison.get("cheap_models") or {})
    out: dict[str, dict | None] = {}
    for name in MODELS:
        e = entries.get(name)
        if not e or "fold_errors" not in e:
            out[name] = None
            continue
        fold = e.get("max_fold_error")
        if e.get("sign_disagreements"):
            fold = math.inf
        out[name] = {
            "max_fold_error": fold,
            "sign_disagreements": e.get("sign_disagreements"),
            "reversal_potential_error_mV": e.get("reversal_potential_error_mV"),
        }
    return out


def atlas_rows(out: Path) -> list[dict]:
    rows = []
    for sweep in SWEEPS:
        summary = out / sweep / "summary.csv"
        if not summary.exists():
            continue
        for row in read_summary(summary):
            if row["status"] != "ok":
                continue
            results = json.loads((out / sweep / row["folder"] / "results.json").read_text())
            record = {"sweep": sweep, "case_id": row["case_id"], "seconds": row["seconds"]}
            record.update({k: v for k, v in row.items() if k.startswith("group_")})
            for name, entry in model_entries(results["ghk_comparison"]).items():
                for key in ("max_fold_error", "sign_disagreements", "reversal_potential_error_mV"):
                    record[f"{name}_{key}"] = None if entry is None else entry[key]
            rows.append(record)
    return rows


def shipped_records(rows: list[dict]) -> list[dict]:
    """The atlas as `pnp.theory.ghk_validity` reads it (fold errors capped at ln 1000 where
    the signs disagree, rounded to 4 significant digits)."""

    def short(value: float | None, cap: float = math.inf) -> float | None:
        return None if value is None else float(f"{min(value, cap):.4g}")

    return [
        {
            "sweep": r["sweep"],
            "groups": {
                k.removeprefix("group_"): short(v) for k, v in r.items() if k.startswith("group_")
            },
            "fold_errors": {m: short(r[f"{m}_max_fold_error"], INFINITE_FOLD) for m in MODELS},
            "reversal_errors_mV": {m: short(r[f"{m}_reversal_potential_error_mV"]) for m in MODELS},
        }
        for r in rows
    ]


def write_csv(path: Path, rows: list[dict]) -> None:
    columns = list(rows[0]) if rows else []
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if v is None else v for k, v in row.items()})


def _clipped_fold(value: float | None) -> float:
    if value is None:
        return math.nan
    return min(value, INFINITE_FOLD)


def draw(out: Path, sweep: str, rows: list[dict], kind: str) -> Path | None:
    """The GHK fold (kind "fold") or reversal ("reversal") map of one sweep, each cheap
    model's region of agreement outlined."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm
    from matplotlib.lines import Line2D
    from matplotlib.ticker import FuncFormatter
    from matplotlib.tri import Triangulation

    gx, gy = SWEEPS[sweep]
    rows = [r for r in rows if r[f"group_{gx}"] and r[f"group_{gy}"]]
    if len(rows) < 4:
        return None
    x = np.log10([r[f"group_{gx}"] for r in rows])
    y = np.log10([r[f"group_{gy}"] for r in rows])
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return None
    tri = Triangulation(x, y)

    def values(model: str) -> np.ndarray:
        if kind == "fold":
            return np.array([_clipped_fold(r[f"{model}_max_fold_error"]) for r in rows])
        return np.array(
            [
                math.nan
                if r[f"{model}_reversal_potential_error_mV"] is None
                else abs(r[f"{model}_reversal_potential_error_mV"])
                for r in rows
            ]
        )

    fig, ax = plt.subplots(figsize=(6.4, 4.8), constrained_layout=True)
    base = values("ghk")
    if kind == "fold":
        shown = np.exp(base)
        label, title = "GHK fold factor exp(max |ln I_GHK / I_PNP|)", "current"
        low = 1.0 + 1e-3
    else:
        shown = np.maximum(base, 1e-3)
        label, title = "|GHK - PNP reversal potential| (mV)", "reversal potential"
        low = 1e-2
    finite = shown[np.isfinite(shown) & (base < INFINITE_FOLD)]
    norm = LogNorm(low, max(float(np.max(finite)) if finite.size else 10.0, 10.0 * low))
    image = ax.tripcolor(tri, np.clip(shown, low, norm.vmax), norm=norm, cmap="magma_r")
    bar = fig.colorbar(image, ax=ax, label=label)
    plain = FuncFormatter(lambda value, _: f"{value:g}")  # 6, not 6 x 10^0
    bar.ax.yaxis.set_major_formatter(plain)
    bar.ax.yaxis.set_minor_formatter(plain)
    ax.scatter(x, y, s=6, c="k", marker=".")
    opposite = np.zeros(base.shape, dtype=bool)
    if kind == "fold":  # opposite signs at some voltage: no factor relates the currents
        opposite = base >= INFINITE_FOLD
        ax.scatter(x[opposite], y[opposite], s=40, c="w", edgecolors="k", marker="X")
    threshold = CURRENT_LIMIT if kind == "fold" else REVERSAL_LIMIT_MV
    legend, undrawn = [], []
    for model in ("ghk", *COLOURS):
        v = base if model == "ghk" else values(model)
        if np.all(np.isnan(v)):
            continue  # the model does not apply to this sweep
        v = np.where(np.isnan(v), 1e9, v)  # not evaluated: outside the region
        colour, style = ("k", "--") if model == "ghk" else (COLOURS[model], "-")
        inside = int(np.sum(v <= threshold))
        if v.min() <= threshold < v.max():  # a boundary to draw: in the legend
            ax.tricontour(tri, v, levels=[threshold], colors=[colour], linestyles=style)
            entry = f"{LABELS[model]}: {inside}/{v.size}"
            legend.append(Line2D([], [], color=colour, ls=style, lw=2, label=entry))
        else:  # everywhere or nowhere within the limit: said below the map, not drawn
            undrawn.append(f"{LABELS[model]} {'everywhere' if inside else 'nowhere'}")
    what = "<= 5 % current" if kind == "fold" else "<= 1 mV"
    if legend:
        ax.legend(handles=legend, title=f"region {what}", fontsize=7, title_fontsize=8, loc="best")
    ax.set_xlabel(f"log10 {GROUP_LABELS[gx]}")
    ax.set_ylabel(f"log10 {GROUP_LABELS[gy]}")
    note = " (X: GHK has the wrong sign)" if opposite.any() else ""
    heading = f"GHK {title} error{note}"
    if undrawn:  # the models without a boundary on this map
        heading += f"\n{what}: " + "; ".join(undrawn)
    ax.set_title(heading, fontsize=9)
    path = out / f"{sweep}_{kind}.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def table(rows: list[dict]) -> str:
    lines = [
        "| sweep | cases | " + " | ".join(f"{LABELS[m]} <=5 % / <=1 mV" for m in MODELS) + " |",
        "|---|---|" + "---|" * len(MODELS),
    ]
    for sweep in SWEEPS:
        mine = [r for r in rows if r["sweep"] == sweep]
        if not mine:
            continue
        cells = []
        for m in MODELS:
            folds = [r[f"{m}_max_fold_error"] for r in mine]
            revs = [r[f"{m}_reversal_potential_error_mV"] for r in mine]
            if all(f is None for f in folds):
                cells.append("-")
                continue
            good = sum(1 for f in folds if f is not None and f <= CURRENT_LIMIT)
            close = sum(1 for v in revs if v is not None and abs(v) <= REVERSAL_LIMIT_MV)
            cells.append(f"{good} / {close}")
        lines.append(f"| {sweep} | {len(mine)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="the atlas folder written by scripts/atlas")
    parser.add_argument("--images", type=Path, default=None, help="copy the maps here")
    parser.add_argument(
        "--ship", type=Path, default=None, help="write the atlas JSON of pnp.theory.ghk_validity"
    )
    args = parser.parse_args()
    rows = atlas_rows(args.out)
    if not rows:
        parser.error(f"{args.out}: no finished atlas case (run scripts/atlas first)")
    write_csv(args.out / "atlas.csv", rows)
    for sweep in SWEEPS:
        mine = [r for r in rows if r["sweep"] == sweep]
        for kind in ("fold", "reversal"):
            path = draw(args.out, sweep, mine, kind)
            if path is not None and args.images is not None:
                args.images.mkdir(parents=True, exist_ok=True)
                shutil.copy(path, args.images / path.name)
    if args.ship is not None:
        lines = ",\n".join(json.dumps(r, separators=(",", ":")) for r in shipped_records(rows))
        args.ship.write_text('{"cases": [\n' + lines + "\n]}\n")
    seconds = sum(r["seconds"] or 0.0 for r in rows)
    print(f"{len(rows)} cases, {seconds:.0f} s of case time; {args.out / 'atlas.csv'}\n")
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
