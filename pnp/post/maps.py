"""Failure maps of a sweep: where the constant-field (GHK) description breaks down.

`plot_map` draws a `pnp.sweep.grid.MapData` as colour cells over two sweep axes
(one panel per combination of the other axes), with the threshold contours of
the metric (5 % and 20 % for the relative current error, 1 and 5 mV for the
reversal-potential error), the line where the Debye length equals the pore
length, the exact-limit lines, and failed cases hatched grey with an x. A
one-axis sweep gives a line plot. `write_map_csv` writes the tidy table.
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

from pnp.sweep.expand import format_value
from pnp.sweep.grid import MapData, Panel

SCALES = ("linear", "log", "even")
# metric -> (factor for display, unit, contour levels in display units, their labels)
THRESHOLDS = {
    "max_relative_current_error": (100.0, "%", (5.0, 20.0), ("5 %", "20 %")),
    "reversal_potential_error_mV": (1.0, "mV", (-5.0, -1.0, 1.0, 5.0), ("-5", "-1", "+1", "+5")),
}
TITLES = {
    "max_relative_current_error": "largest relative GHK current error",
    "reversal_potential_error_mV": "GHK minus PNP reversal potential",
}
MAX_CELL_LABELS = 100
MAX_TICKS = 10
LIMIT_COLOR, DEBYE_COLOR = "C1", "C3"


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
            axis.set_major_formatter(ticker.FixedFormatter([f"{v:.3g}" for v in self.values]))
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
    """Write the map as a PNG (one panel per combination of the other axes)."""
    sx = Scale(x_scale, data.x.values)
    sy = Scale(y_scale, data.y.values) if data.y is not None else None
    factor, unit, _, _ = THRESHOLDS.get(data.metric, (1.0, "", (), ()))
    n = len(data.panels)
    cols = min(n, 3)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(
        rows, cols, figsize=(5.4 * cols, 4.4 * rows + 0.7), squeeze=False, layout="constrained"
    )
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    label = TITLES.get(data.metric, data.metric) + (f" ({unit})" if unit else "")
    if sy is None:
        for ax, panel in zip(axes.flat, data.panels, strict=False):
            _line_panel(ax, data, panel, factor, sx)
            ax.set_ylabel(label)
    else:
        norm, cmap = _color_scale(data, factor)
        mesh = None
        for ax, panel in zip(axes.flat, data.panels, strict=False):
            mesh = _grid_panel(ax, data, panel, factor, norm, cmap, sx, sy)
        fig.colorbar(mesh, ax=list(axes.flat[:n]), label=label, shrink=0.9)
    fig.suptitle(f"{data.name}\n{TITLES.get(data.metric, data.metric)}", fontsize=11)
    fig.legend(handles=_legend(data), loc="outside lower center", ncols=2, fontsize=8)
    fig.savefig(path, dpi=130)
    plt.close(fig)


def _grid_panel(ax, data: MapData, panel: Panel, factor, norm, cmap, sx: Scale, sy: Scale):
    xe, ye = sx.edges(), sy.edges()
    xc, yc = sx.centres(), sy.centres()
    shown = panel.value * factor
    mesh = ax.pcolormesh(xe, ye, np.ma.masked_invalid(shown), norm=norm, cmap=cmap)
    for j in range(yc.size):
        for i in range(xc.size):
            status = panel.status[j, i]
            box = (xe[i], ye[j]), xe[i + 1] - xe[i], ye[j + 1] - ye[j]
            if status == "failed":
                ax.add_patch(Rectangle(*box, facecolor="0.75", hatch="///", edgecolor="0.45"))
                ax.plot(xc[i], yc[j], "kx", ms=9, mew=1.8)
            elif status == "":
                ax.add_patch(Rectangle(*box, facecolor="white", hatch="..", edgecolor="0.8"))
            elif status == "partial":
                ax.plot(xc[i], yc[j], "k+", ms=11, mew=1.2)
            if np.isfinite(shown[j, i]) and shown.size <= MAX_CELL_LABELS:
                ax.text(
                    xc[i],
                    yc[j],
                    _cell_text(shown[j, i], np.nanmax(np.abs(shown))),
                    ha="center",
                    va="center",
                    fontsize=7,
                    bbox={"boxstyle": "round,pad=0.1", "fc": "w", "alpha": 0.6, "lw": 0},
                )
    _contours(ax, data, panel, factor, sx, sy)
    for name, at, text in panel.lines:
        _limit_line(ax, name, (sx if name == "x" else sy).at(at), text)
    sx.apply(ax, "x")
    sy.apply(ax, "y")
    ax.set_xlim(xe[0], xe[-1])
    ax.set_ylim(ye[0], ye[-1])
    ax.set_xlabel(data.x.key)
    ax.set_ylabel(data.y.key if data.y else "")
    ax.set_title(_fixed_text(panel), fontsize=9)
    return mesh


def _line_panel(ax, data: MapData, panel: Panel, factor, sx: Scale) -> None:
    xc = sx.centres()
    value = panel.value[0] * factor
    ax.plot(xc, value, "o-", color="C0")
    failed = panel.status[0] == "failed"
    if failed.any():
        bottom = np.nanmin(value) if np.isfinite(value).any() else 0.0
        ax.plot(xc[failed], np.full(failed.sum(), bottom), "kx", ms=9, mew=1.8)
    _, _, levels, labels = THRESHOLDS.get(data.metric, (1.0, "", (), ()))
    for level, text in zip(levels, labels, strict=True):
        ax.axhline(level, color="k", lw=0.8, ls="--")
        ax.annotate(text, (0.01, level), xycoords=("axes fraction", "data"), fontsize=8)
    for name, at, text in panel.lines:
        if name == "x":
            _limit_line(ax, "x", sx.at(at), text)
    crossing = _crossing(sx.uniform(data.x.values), np.log10(panel.debye_over_length[0]))
    if crossing is not None:
        at = float(sx.plot(crossing))
        ax.axvline(at, color=DEBYE_COLOR, lw=1.2, ls="-.")
        ax.annotate(
            "$\\lambda_D = L$",
            (at, 0.95),
            xycoords=("data", "axes fraction"),
            color=DEBYE_COLOR,
            fontsize=8,
            rotation=90,
            va="top",
        )
    sx.apply(ax, "x")
    ax.set_xlabel(data.x.key)
    ax.set_title(_fixed_text(panel), fontsize=9)


def _contours(ax, data: MapData, panel: Panel, factor, sx: Scale, sy: Scale) -> None:
    """Threshold contours of the metric and the Debye length = pore length line, drawn on a
    fine grid interpolated bilinearly in the uniform coordinates of both axes."""
    _, _, levels, labels = THRESHOLDS.get(data.metric, (1.0, "", (), ()))
    shown = panel.value * factor
    finite = shown[np.isfinite(shown)]
    if levels and finite.size >= 3:
        inside = [
            (v, t) for v, t in zip(levels, labels, strict=True) if finite.min() < v < finite.max()
        ]
        logarithmic = data.metric == "max_relative_current_error" and finite.min() > 0
        field = np.log10(shown) if logarithmic else shown
        at = [float(np.log10(v)) if logarithmic else v for v, _ in inside]
        cs = _fine_contour(ax, field, at, sx, sy, colors="k", linewidths=1.4)
        if cs is not None:
            fmt = dict(zip(at, [t for _, t in inside], strict=True))
            for text in ax.clabel(cs, fmt=fmt, fontsize=8, inline=False):
                text.set_bbox({"boxstyle": "round,pad=0.1", "fc": "w", "alpha": 0.8, "lw": 0})
    ratio = np.log10(panel.debye_over_length)
    finite = ratio[np.isfinite(ratio)]
    if finite.size >= 3 and finite.min() < 0.0 < finite.max():
        cs = _fine_contour(
            ax, ratio, [0.0], sx, sy, colors=DEBYE_COLOR, linewidths=1.2, linestyles="dashdot"
        )
        if cs is not None:
            ax.clabel(cs, fmt={0.0: "$\\lambda_D = L$"}, fontsize=8)


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


def _cell_text(value: float, largest: float) -> str:
    return "0" if abs(value) <= 1e-9 * largest else f"{value:.3g}"


def _limit_line(ax, name: str, at: float, text: str) -> None:
    draw = ax.axvline if name == "x" else ax.axhline
    draw(at, color="w", lw=2.4)
    draw(at, color=LIMIT_COLOR, lw=1.4, ls="--")
    box = {"boxstyle": "round,pad=0.15", "fc": "w", "alpha": 0.75, "lw": 0}
    style = {"fontsize": 8, "color": LIMIT_COLOR, "bbox": box, "textcoords": "offset points"}
    if name == "x":  # beside the line, from the bottom of the panel
        xy, coords = (at, 0.03), ("data", "axes fraction")
        ax.annotate(text, xy, (-3, 0), coords, rotation=90, ha="right", va="bottom", **style)
    else:  # above the line, from the left of the panel
        xy, coords = (0.03, at), ("axes fraction", "data")
        ax.annotate(text, xy, (0, 3), coords, ha="left", va="bottom", **style)


def _color_scale(data: MapData, factor: float):
    values = np.concatenate([p.value.ravel() for p in data.panels]) * factor
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return colors.Normalize(0.0, 1.0), "viridis"
    if data.metric == "reversal_potential_error_mV":
        bound = max(float(np.max(np.abs(finite))), 1e-9)
        return colors.Normalize(-bound, bound), "RdBu_r"
    low, high = float(finite.min()), float(finite.max())
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


def _legend(data: MapData) -> list:
    handles = [
        Patch(facecolor="0.75", hatch="///", edgecolor="0.45", label="failed case (x)"),
        Line2D([], [], color="k", marker="+", ls="", label="some voltages failed"),
        Line2D([], [], color=DEBYE_COLOR, ls="-.", label="Debye length = pore length"),
        Line2D([], [], color=LIMIT_COLOR, ls="--", label="exact-limit line"),
    ]
    if data.metric in THRESHOLDS:
        text = "5 % and 20 %" if THRESHOLDS[data.metric][1] == "%" else "±1 and ±5 mV"
        handles.append(Line2D([], [], color="k", label=f"contours at {text}"))
    return handles
