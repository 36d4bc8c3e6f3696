"""Plots of a run: the I–V curve beside its GHK counterpart, and axial profiles.

Every figure is named by `pnp.post.labels`, carries the conditions of its case as a
subtitle and is written in the format of its file name's suffix (png, pdf or svg).
`overlapping_texts` lists texts of a figure that cover one another (none should).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Patch

from pnp.post.axial_field import smooth_axial_field
from pnp.post.labels import conditions_text, ion, label

DPI = 130
MAX_LEGEND_VOLTAGES = 8


def save_figure(fig, path: Path) -> None:
    """Write `fig` in the format of the suffix of `path` and close it."""
    fig.savefig(path, dpi=DPI, format=Path(path).suffix.lstrip(".") or "png")
    plt.close(fig)


def set_titles(fig, title: str, subtitle: str = "") -> None:
    """The figure title over a smaller line of conditions."""
    text = title + (f"\n{subtitle}" if subtitle else "")
    if text:
        fig.suptitle(text, fontsize=10)


def overlapping_texts(fig, *, pad_px: float = 0.0) -> list[tuple[str, str]]:
    """Pairs of visible, non-empty texts in the axes of `fig` whose drawn boxes overlap
    (by more than `pad_px` pixels each way)."""
    renderer = fig.canvas.get_renderer()
    fig.draw_without_rendering()
    boxes = []
    for ax in fig.axes:
        for text in ax.texts:
            if text.get_visible() and text.get_text().strip():
                box = text.get_window_extent(renderer)
                patch = text.get_bbox_patch()
                if patch is not None:
                    box = patch.get_window_extent(renderer)
                boxes.append((text.get_text(), box))
    pairs = []
    for i, (a, box_a) in enumerate(boxes):
        for b, box_b in boxes[i + 1 :]:
            dx = min(box_a.x1, box_b.x1) - max(box_a.x0, box_b.x0)
            dy = min(box_a.y1, box_b.y1) - max(box_a.y0, box_b.y0)
            if dx > pad_px and dy > pad_px:
                pairs.append((a, b))
    return pairs


def drop_overlapping_texts(ax, texts_in_priority: Sequence, moves: Mapping | None = None) -> list:
    """Keep the texts of `texts_in_priority` in turn where they cover no kept one: a text
    that would is moved by each of its `moves[text]` (callables changing its place) until it
    fits, else removed. Returns the removed texts."""
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    fig.draw_without_rendering()
    moves = moves or {}

    def box(text):
        extent = text.get_window_extent(renderer)  # places a moved annotation
        patch = text.get_bbox_patch()
        if patch is None:
            return extent
        text.update_bbox_position_size(renderer)
        return patch.get_window_extent(renderer)

    kept, removed = [], []
    for text in texts_in_priority:
        for move in [None, *moves.get(text, ())]:
            if move is not None:
                move(text)
            here = box(text)
            if not any(here.overlaps(other) for other in kept):
                kept.append(here)
                break
        else:
            text.remove()
            removed.append(text)
    return removed


def plot_iv(path: Path, results: Mapping, *, title: str = "") -> None:
    """PNP points and line, GHK dashed; pA for pores, A/m^2 for a slab."""
    key = (
        "current_pA"
        if results["points"] and results["points"][0].get("current_pA") is not None
        else "current_density_A_per_m2"
    )
    pnp_pts = [(p["voltage_mV"], p[key]) for p in results["points"] if p["converged"]]
    ghk_pts = [(p["voltage_mV"], p[key]) for p in results["ghk"]["points"]]
    fig, ax = plt.subplots(figsize=(5.8, 4.4), layout="constrained")
    if ghk_pts:
        v, i = np.array(sorted(ghk_pts)).T
        ax.plot(v, i, "--", color="0.4", label="GHK (constant field)")
    if pnp_pts:
        v, i = np.array(sorted(pnp_pts)).T
        ax.plot(v, i, "o-", color="C0", label="PNP")
    for name, value, style in (
        ("PNP", results.get("reversal_potential_mV"), "C0"),
        ("GHK", results["ghk"].get("reversal_potential_mV"), "0.4"),
    ):
        if value is not None and (pnp_pts if name == "PNP" else ghk_pts):
            ax.axvline(value, color=style, lw=0.8, ls=":", label=f"{name} reversal {value:.1f} mV")
    ax.axhline(0.0, color="k", lw=0.5)
    ax.set_xlabel(label("voltage_mV").replace("voltage", "voltage φ_in − φ_out"))
    ax.set_ylabel("outward " + label(key))
    set_titles(fig, title, conditions_text(results.get("case", {})))
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)
    save_figure(fig, path)


def plot_profiles(
    path: Path,
    profiles: Sequence[tuple[float, Mapping[str, np.ndarray]]],
    pore: tuple[float, float],
    *,
    title: str = "",
    subtitle: str = "",
) -> None:
    """phi, concentrations and E_z along the axis for each voltage; E_z is the smooth
    reconstruction of -dphi/dz (`pnp.post.axial_field`), not the cellwise staircase."""
    if not profiles:
        return
    species = [k for k in profiles[0][1] if k.startswith("c_")]
    rows = 2 + len(species)
    fig, axes = plt.subplots(
        rows, 1, figsize=(6.4, 1.9 * rows + 0.8), sharex=True, layout="constrained"
    )
    cmap = plt.get_cmap("coolwarm")
    voltages = [v for v, _ in profiles]
    low, span = min(voltages), max(max(voltages) - min(voltages), 1e-12)
    for v, prof in profiles:
        color = cmap((v - low) / span)
        z = np.asarray(prof["z_nm"], dtype=float)
        phi = np.asarray(prof["phi_mV"], dtype=float)
        axes[0].plot(z, phi, color=color, label=f"{v:g} mV")
        for ax, key in zip(axes[1:-1], species, strict=True):
            ax.plot(z, prof[key], color=color)
        axes[-1].plot(z, smooth_axial_field(z, phi), color=color)  # mV/nm = MV/m
    axes[0].set_ylabel(label("phi_mV"))
    for ax, key in zip(axes[1:-1], species, strict=True):
        ax.set_ylabel(f"[{ion(key[2:-3])}] (mM)")
        ax.set_yscale("log")
    axes[-1].set_ylabel(label("E_z_MV_per_m"))
    axes[-1].set_xlabel(label("z_nm"))
    for ax in axes:
        ax.axvspan(*pore, color="0.92", zorder=0)
    pore_patch = Patch(color="0.92", label="pore")
    if len(profiles) <= MAX_LEGEND_VOLTAGES:
        handles, _ = axes[0].get_legend_handles_labels()
        axes[0].legend(handles=[*handles, pore_patch], fontsize=7, ncol=3)
    else:
        mappable = plt.cm.ScalarMappable(plt.Normalize(low, low + span), cmap)
        fig.colorbar(mappable, ax=list(axes), label=label("voltage_mV"), shrink=0.5)
        axes[0].legend(handles=[pore_patch], fontsize=7)
    set_titles(fig, title, subtitle)
    save_figure(fig, path)
