"""Failure maps of a sweep: where the constant-field (GHK) description breaks down.

`plot_map` draws a `pnp.sweep.grid.MapData` as colour cells over two sweep axes
(one panel per combination of the other axes), with the threshold contours of
the metric (`pnp.sweep.map_style`: factors 1.05, 1.2, 2 and 10 for the fold factor, 5 % and
20 % for the relative current error, 1 and 5 mV for the reversal-potential
error), the line where the Debye length equals the pore length, the exact-limit
lines, failed cases hatched grey with an x, and cells where the GHK current has the
opposite sign at some voltages cross-hatched white and labelled ±n with their
number (on the fold-factor maps these cells have no value, the factor being
infinite, and are dark). A one-axis sweep gives a line plot (open diamonds for
those cases). `write_map_csv` writes the tidy table.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib import colors, ticker
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from pnp.post.plots import drop_overlapping_texts, save_figure
from pnp.sweep.expand import format_value
from pnp.sweep.grid import SIGN_COLUMN, MapData, Panel
from pnp.sweep.map_style import FOLD_FACTORS, Style, key_label, style_of

SCALES = ("linear", "log", "even")
MAX_CELL_LABELS = 100
MAX_TICKS = 10
LIMIT_COLOR, DEBYE_COLOR, SIGN_COLOR = "C1", "C3", "C6"
NICE_FACTORS = (1.0, 1.01, 1.02, 1.05, 1.1, 1.2, 1.5, 2.0, 3.0, 5.0)  # x 10^k


@dataclass(frozen=True)
class Scale:
    """How an axis is drawn: ``linear``, ``log``, or ``even`` (equal cells whose ticks are
    labelled with the values, for unevenly spaced values such as 0, -0.01, -0.1, -1).

    Interpolation (contours, lines between grid values) happens in the uniform
    coordinate: the value, its log10, or its fractional index."""

    kind: str
    values: np.ndarray  # sorted cell centres

    def __post_init__(self) -> None:
        if self.kind not in SCALES:
            raise ValueError(f"unknown axis scale {self.kind!r}; valid: {', '.join(SCALES)}")
        if self.kind == "log" and np.any(self.values <= 0):
            raise ValueError("a log axis needs positive values; use the linear or even scale")

    def uniform(self, v) -> np.ndarray:
        v = np.asarray(v, dtype=float)
        if self.kind == "log":
            return np.log10(v)
        if self.kind == "even":
            return np.interp(v, self.values, np.arange(self.values.size, dtype=float))
        return v

    def plot(self, u) -> np.ndarray:
        """Plot coordinates of uniform coordinates."""
        u = np.asarray(u, dtype=float)
        return 10.0**u if self.kind == "log" else u

    def at(self, value: float) -> float:
        """Plot coordinate of an axis value."""
        return float(self.plot(self.uniform(value)))

    def centres(self) -> np.ndarray:
        return self.plot(self.uniform(self.values))

    def edges(self) -> np.ndarray:
        c = self.uniform(self.values)
        if c.size == 1:
            half = 0.5 if self.kind != "linear" else max(0.5 * abs(c[0]), 0.5)
            return self.plot(np.array([c[0] - half, c[0] + half]))
        mid = 0.5 * (c[1:] + c[:-1])
        return self.plot(np.concatenate([[2 * c[0] - mid[0]], mid, [2 * c[-1] - mid[-1]]]))

    def apply(self, ax, which: str) -> None:
        """Set the axis scale; a few values (or an even axis) get one tick each."""
        axis = ax.xaxis if which == "x" else ax.yaxis
        (ax.set_xscale if which == "x" else ax.set_yscale)(
            "log" if self.kind == "log" else "linear"
        )
        if self.kind == "even" or self.values.size <= MAX_TICKS:
            axis.set_major_locator(ticker.FixedLocator(self.centres()))
            axis.set_major_formatter(ticker.FixedFormatter([f"{v:.4g}" for v in self.values]))
            axis.set_minor_locator(ticker.NullLocator())


def map_stem(data: MapData, where: dict | None = None) -> str:
    """``map_<metric>_<x>_vs_<y>`` (plus the values fixed by --where), safe as a file name."""
    stem = f"map_{data.metric}_{data.x.key}" + (f"_vs_{data.y.key}" if data.y else "")
    for key, value in (where or {}).items():
        stem += f"_{key}={format_value(value)}"
    return re.sub(r"[^A-Za-z0-9_.=+-]", "_", stem)


def write_map_csv(path: Path, data: MapData) -> None:
    header, rows = data.table()
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if v is None else format_value(v) for v in row])


def plot_map(
    path: Path, data: MapData, *, x_scale: str = "linear", y_scale: str = "linear"
) -> None:
    """Write the map (one panel per combination of the other axes) in the format of the
    suffix of `path`. Cell values keep their place; a contour or line label that would
    cover one (or another label) is left out."""
    sx = Scale(x_scale, data.x.values)
    sy = Scale(y_scale, data.y.values) if data.y is not None else None
    style = style_of(data.metric)
    n = len(data.panels)
    cols = min(n, 3)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(
        rows, cols, figsize=(5.4 * cols, 4.4 * rows + 0.7), squeeze=False, layout="constrained"
    )
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    drawn: set[str] = set()  # what the legend lists
    labels: dict = {}  # axes -> its texts, values first
    moves: dict = {}  # text -> other places to try
    if sy is None:
        for ax, panel in zip(axes.flat, data.panels, strict=False):
            labels[ax] = _line_panel(ax, data, panel, style, sx, drawn)
            ax.set_ylabel(style.label)
    else:
        norm, cmap = _color_scale(data, style)
        mesh = None
        for ax, panel in zip(axes.flat, data.panels, strict=False):
            mesh, labels[ax] = _grid_panel(ax, data, panel, style, norm, cmap, sx, sy, drawn)
            moves.update(_limit_moves(labels[ax]))
            moves.update(_path_moves(labels[ax]))
        bar = fig.colorbar(mesh, ax=list(axes.flat[:n]), label=style.label, shrink=0.9)
        if style.kind == "factor":
            ticks = _factor_ticks(norm.vmax)
            bar.set_ticks(ticks, labels=[f"{t:g}" for t in ticks])
            bar.ax.minorticks_off()
    fig.suptitle(f"{data.name.replace('_', ' ')}\n{style.title}", fontsize=11)
    handles = _legend(data, style, drawn)
    if handles:
        fig.legend(handles=handles, loc="outside lower center", ncols=2, fontsize=8)
    for ax, texts in labels.items():
        drop_overlapping_texts(ax, texts, moves)
    save_figure(fig, path)


def _grid_panel(
    ax, data: MapData, panel: Panel, style: Style, norm, cmap, sx: Scale, sy: Scale, drawn: set
):
    xe, ye = sx.edges(), sy.edges()
    xc, yc = sx.centres(), sy.centres()
    shown = panel.value * style.factor
    mesh = ax.pcolormesh(xe, ye, np.ma.masked_invalid(shown), norm=norm, cmap=cmap)
    largest = np.nanmax(np.abs(shown)) if np.isfinite(shown).any() else 0.0
    values = []
    for j in range(yc.size):
        for i in range(xc.size):
            status = panel.status[j, i]
            box = (xe[i], ye[j]), xe[i + 1] - xe[i], ye[j + 1] - ye[j]
            signs = panel.sign_disagreements[j, i]
            opposite = data.metric != SIGN_COLUMN and status != "failed" and signs > 0
            if status == "failed":
                ax.add_patch(Rectangle(*box, facecolor="0.75", hatch="///", edgecolor="0.45"))
                ax.plot(xc[i], yc[j], "kx", ms=9, mew=1.8)
            elif status == "":
                ax.add_patch(Rectangle(*box, facecolor="white", hatch="..", edgecolor="0.8"))
            elif status == "partial":
                ax.plot(xc[i], yc[j], "k+", ms=11, mew=1.2)
            if status in ("failed", "", "partial"):
                drawn.add(status or "not run")
            if opposite:
                drawn.add("opposite")
            if opposite:
                face = "none" if np.isfinite(shown[j, i]) else "0.3"
                ax.add_patch(
                    Rectangle(*box, facecolor=face, hatch="xx", edgecolor="w", lw=0, alpha=0.8)
                )
            texts = []
            if np.isfinite(shown[j, i]):
                texts.append(_cell_text(shown[j, i], largest, style))
            if opposite:
                texts.append(f"±{int(signs)}")
            if texts and shown.size <= MAX_CELL_LABELS:
                text = ax.text(
                    xc[i],
                    yc[j],
                    "\n".join(texts),
                    ha="center",
                    va="center",
                    fontsize=7,
                    bbox={"boxstyle": "round,pad=0.1", "fc": "w", "alpha": 0.7, "lw": 0},
                )
                values.append(text)
    others = _contours(ax, panel, style, sx, sy, drawn)
    for name, at, text in panel.lines:
        others.insert(0, _limit_line(ax, name, (sx if name == "x" else sy).at(at), text))
        drawn.add("limit")
    sx.apply(ax, "x")
    sy.apply(ax, "y")
    ax.set_xlim(xe[0], xe[-1])
    ax.set_ylim(ye[0], ye[-1])
    ax.set_xlabel(key_label(data.x.key))
    ax.set_ylabel(key_label(data.y.key) if data.y else "")
    ax.set_title(_fixed_text(panel), fontsize=9)
    return mesh, [*values, *others]


def _line_panel(ax, data: MapData, panel: Panel, style: Style, sx: Scale, drawn: set) -> list:
    xc = sx.centres()
    value = panel.value[0] * style.factor
    ax.plot(xc, value, "o-", color="C0")
    bottom = np.nanmin(value) if np.isfinite(value).any() else 0.0
    failed = panel.status[0] == "failed"
    if failed.any():
        ax.plot(xc[failed], np.full(failed.sum(), bottom), "kx", ms=9, mew=1.8)
        drawn.add("failed")
    texts = []
    signs = panel.sign_disagreements[0]
    opposite = ~failed & (np.nan_to_num(signs) > 0) & (data.metric != SIGN_COLUMN)
    fold = style.kind in ("factor", "log_factor")
    top = np.nanmax(value) if np.isfinite(value).any() else style.factor
    if opposite.any():  # at the top of a fold-factor plot: infinite there
        at = np.where(np.isfinite(value), value, top if fold else bottom)
        ax.plot(xc[opposite], at[opposite], "D", ms=9, mfc="none", mec=SIGN_COLOR, mew=1.6)
        drawn.add("opposite")
        for x, y, n in zip(xc[opposite], at[opposite], signs[opposite], strict=True):
            texts.append(
                ax.annotate(f"±{int(n)}", (x, y), (6, 4), textcoords="offset points", fontsize=8)
            )
    levels = list(zip(style.levels, style.labels, strict=True))
    if fold:  # the factors up to the first one above the data
        levels = [(v, t) for k, (v, t) in enumerate(levels) if k == 0 or levels[k - 1][0] < top]
    for level, text in levels:
        ax.axhline(level, color="k", lw=0.8, ls="--")
        texts.append(
            ax.annotate(text, (0.01, level), xycoords=("axes fraction", "data"), fontsize=8)
        )
        drawn.update(("contours", f"level {text}"))
    if style.kind == "factor":
        ax.set_yscale("log")
        ticks = _factor_ticks(max(top, levels[-1][0]))
        ax.yaxis.set_major_locator(ticker.FixedLocator(ticks))
        ax.yaxis.set_major_formatter(ticker.FixedFormatter([f"{t:g}" for t in ticks]))
        ax.yaxis.set_minor_locator(ticker.NullLocator())
    for name, at, text in panel.lines:
        if name == "x":
            texts.append(_limit_line(ax, "x", sx.at(at), text))
            drawn.add("limit")
    crossing = _crossing(sx.uniform(data.x.values), np.log10(panel.debye_over_length[0]))
    if crossing is not None:
        at = float(sx.plot(crossing))
        ax.axvline(at, color=DEBYE_COLOR, lw=1.2, ls="-.")
        drawn.add("debye")
        texts.append(
            ax.annotate(
                "$\\lambda_D = L$",
                (at, 0.95),
                xycoords=("data", "axes fraction"),
                color=DEBYE_COLOR,
                fontsize=8,
                rotation=90,
                va="top",
            )
        )
    sx.apply(ax, "x")
    ax.set_xlabel(key_label(data.x.key))
    ax.set_title(_fixed_text(panel), fontsize=9)
    return texts


def _contours(ax, panel: Panel, style: Style, sx: Scale, sy: Scale, drawn: set) -> list:
    """Threshold contours of the metric and the Debye length = pore length line, drawn on a
    fine grid interpolated bilinearly in the uniform coordinates of both axes (and in the
    log of a positive error or factor). Returns the contour labels."""
    texts = []
    shown = panel.value * style.factor
    finite = shown[np.isfinite(shown)]
    if style.levels and finite.size >= 3:
        inside = [
            (v, t)
            for v, t in zip(style.levels, style.labels, strict=True)
            if finite.min() < v < finite.max()
        ]
        logarithmic = style.kind in ("plain", "factor") and finite.min() > 0
        field = np.log10(shown) if logarithmic else shown
        at = [float(np.log10(v)) if logarithmic else v for v, _ in inside]
        cs = _fine_contour(ax, field, at, sx, sy, colors="k", linewidths=1.4)
        if cs is not None:
            drawn.add("contours")
            drawn.update(
                f"level {t}"
                for (_, t), path in zip(inside, cs.get_paths(), strict=False)
                if len(path.vertices)
            )
            fmt = dict(zip(at, [t for _, t in inside], strict=True))
            texts += _contour_labels(ax, cs, fmt)
    ratio = np.log10(panel.debye_over_length)
    finite = ratio[np.isfinite(ratio)]
    if finite.size >= 3 and finite.min() < 0.0 < finite.max():
        cs = _fine_contour(
            ax, ratio, [0.0], sx, sy, colors=DEBYE_COLOR, linewidths=1.2, linestyles="dashdot"
        )
        if cs is not None:
            drawn.add("debye")
            texts += _contour_labels(ax, cs, {0.0: "$\\lambda_D = L$"}, colors=DEBYE_COLOR)
    return texts


def _contour_labels(ax, cs, fmt: dict, **style) -> list:
    """Labels of the contours in `cs`, each knowing its line (`along`: other places)."""
    texts = ax.clabel(cs, fmt=fmt, fontsize=8, inline=False, **style)
    paths = dict(zip(cs.levels, cs.get_paths(), strict=False))
    level_of = {label: level for level, label in fmt.items()}
    for text in texts:
        level = level_of.get(text.get_text())
        text.set_bbox({"boxstyle": "round,pad=0.1", "fc": "w", "alpha": 0.8, "lw": 0})
        vertices = paths[level].vertices if level in paths else np.empty((0, 2))
        text.along = vertices[np.all(np.isfinite(vertices), axis=1)]
    return list(texts)


def _path_moves(texts) -> dict:
    """Other places for a contour label: evenly along its contour, upright."""
    moves = {}
    for text in texts:
        along = getattr(text, "along", None)
        if along is None or len(along) == 0:
            continue
        picks = along[np.linspace(0, len(along) - 1, 15).round().astype(int)]
        moves[text] = [_to(x, y) for x, y in picks]
    return moves


def _to(x: float, y: float):
    def move(text) -> None:
        text.set_position((x, y))
        text.set_rotation(0.0)

    return move


def _fine_contour(ax, field: np.ndarray, levels, sx: Scale, sy: Scale, **style):
    if not levels or min(field.shape) < 2:
        return None
    from scipy.interpolate import RegularGridInterpolator

    ux, uy = sx.uniform(sx.values), sy.uniform(sy.values)
    interpolate = RegularGridInterpolator((uy, ux), field, method="linear")
    fy, fx = np.meshgrid(
        np.linspace(uy[0], uy[-1], 160), np.linspace(ux[0], ux[-1], 160), indexing="ij"
    )
    fine = interpolate(np.column_stack([fy.ravel(), fx.ravel()])).reshape(fx.shape)
    return ax.contour(sx.plot(fx), sy.plot(fy), np.ma.masked_invalid(fine), levels=levels, **style)


def _cell_text(value: float, largest: float, style: Style) -> str:
    if style.kind == "factor" and value < 1.01:  # near 1 three digits say nothing
        return f"{value:.4f}"
    return "0" if abs(value) <= 1e-9 * largest else f"{value:.3g}"


def _factor_ticks(high: float) -> list[float]:
    """Round factors from 1 to `high`, at least an eighth of the log range apart."""
    candidates = [
        f * 10.0**k for k in range(int(math.log10(max(high, 1.0))) + 1) for f in NICE_FACTORS
    ]
    span = math.log10(max(high, 1.05))
    ticks = [1.0]
    for c in candidates:
        if c <= high * (1 + 1e-9) and math.log10(c) - math.log10(ticks[-1]) >= span / 8:
            ticks.append(c)
    return ticks


def _limit_moves(texts) -> dict:
    """Other places along its line for the label of an exact-limit line."""
    moves = {}
    for text in texts:
        along = getattr(text, "limit_line", None)
        if along is None:
            continue
        options = []
        for fraction in (0.97, 0.35, 0.65, 0.03):
            for side in (1, -1):
                options.append(_limit_place(along, fraction, side))
        moves[text] = options
    return moves


def _limit_place(name: str, fraction: float, side: int):
    def move(text) -> None:
        end = "right" if fraction > 0.5 else "left"
        if name == "x":  # beside the line, up it
            text.xy = (text.xy[0], fraction)
            text.set(ha="right" if side > 0 else "left", va="top" if fraction > 0.5 else "bottom")
            text.xyann = (-12 * side, 0)  # clear of the values centred on the line
        else:  # above or below the line, along it
            text.xy = (fraction, text.xy[1])
            text.set(ha=end, va="bottom" if side > 0 else "top")
            text.xyann = (0, 7 * side)

    return move


def _limit_line(ax, name: str, at: float, text: str):
    draw = ax.axvline if name == "x" else ax.axhline
    draw(at, color="w", lw=2.4)
    draw(at, color=LIMIT_COLOR, lw=1.4, ls="--")
    box = {"boxstyle": "round,pad=0.15", "fc": "w", "alpha": 0.75, "lw": 0}
    style = {"fontsize": 8, "color": LIMIT_COLOR, "bbox": box, "textcoords": "offset points"}
    if name == "x":  # beside the line, from the bottom of the panel
        xy, coords = (at, 0.03), ("data", "axes fraction")
        label = ax.annotate(
            text, xy, (-3, 0), coords, rotation=90, ha="right", va="bottom", **style
        )
    else:  # above the line, from the left of the panel
        xy, coords = (0.03, at), ("axes fraction", "data")
        label = ax.annotate(text, xy, (0, 3), coords, ha="left", va="bottom", **style)
    label.limit_line = name  # other places: `_limit_moves`
    return label


def _color_scale(data: MapData, style: Style):
    values = np.concatenate([p.value.ravel() for p in data.panels]) * style.factor
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return colors.Normalize(0.0, 1.0), "viridis"
    low, high = float(finite.min()), float(finite.max())
    if style.kind == "signed":
        bound = max(float(np.max(np.abs(finite))), 1e-9)
        return colors.Normalize(-bound, bound), "RdBu_r"
    if style.kind == "factor":  # 1 = GHK exact at the bottom of every map
        return colors.LogNorm(1.0, max(high, FOLD_FACTORS[0])), "viridis"
    if style.kind == "log_factor":
        return colors.Normalize(0.0, max(high, style.levels[0])), "viridis"
    if low > 0 and high / low > 30:  # four decades at most: smaller values share one colour
        return colors.LogNorm(max(low, 1e-4 * high), high), "viridis"
    return colors.Normalize(low, high if high > low else low + 1.0), "viridis"


def _crossing(u: np.ndarray, r: np.ndarray) -> float | None:
    """Uniform coordinate where log10(debye_over_length) `r` changes sign along a line."""
    for i in range(len(u) - 1):
        if np.isfinite(r[i]) and np.isfinite(r[i + 1]) and r[i] * r[i + 1] < 0:
            return float(u[i] + r[i] / (r[i] - r[i + 1]) * (u[i + 1] - u[i]))
    return None


def _fixed_text(panel: Panel) -> str:
    return ", ".join(f"{k} = {format_value(v)}" for k, v in panel.fixed.items())


def _legend(data: MapData, style: Style, drawn: set) -> list:
    """Legend entries of what the panels show."""
    handles = []
    if "failed" in drawn:
        handles.append(
            Patch(facecolor="0.75", hatch="///", edgecolor="0.45", label="failed case (x)")
            if data.y is not None
            else Line2D([], [], color="k", marker="x", ls="", label="failed case")
        )
    if "partial" in drawn:
        handles.append(Line2D([], [], color="k", marker="+", ls="", label="some voltages failed"))
    if "not run" in drawn:
        handles.append(Patch(facecolor="white", hatch="..", edgecolor="0.8", label="not run yet"))
    if "debye" in drawn:
        handles.append(
            Line2D([], [], color=DEBYE_COLOR, ls="-.", label="Debye length = pore length")
        )
    if "limit" in drawn:
        handles.append(Line2D([], [], color=LIMIT_COLOR, ls="--", label="exact-limit line"))
    if "contours" in drawn:
        line = "-" if data.y is not None else "--"
        text = "contours at " if data.y is not None else "levels at "
        shown = [t for t in style.labels if f"level {t}" in drawn]
        handles.append(Line2D([], [], color="k", ls=line, label=text + ", ".join(shown)))
    if "opposite" in drawn:
        text = "±n: GHK of opposite sign at n voltages"
        if style.kind in ("factor", "log_factor"):
            text += " (factor ∞)"
        if data.y is None:
            handles.append(
                Line2D([], [], marker="D", mfc="none", mec=SIGN_COLOR, ls="", label=text)
            )
        else:
            handles.append(Patch(facecolor="0.3", hatch="xx", edgecolor="w", label=text))
    return handles
