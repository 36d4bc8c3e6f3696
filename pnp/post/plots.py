"""PNG plots of a run: the I–V curve beside its GHK counterpart, and axial profiles."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np


def plot_iv(path: Path, results: Mapping, *, title: str = "") -> None:
    """PNP points and line, GHK dashed; pA for pores, A/m^2 for a slab."""
    key, unit = (
        ("current_pA", "current (pA)")
        if results["points"] and results["points"][0].get("current_pA") is not None
        else ("current_density_A_per_m2", "current density (A/m$^2$)")
    )
    pnp_pts = [(p["voltage_mV"], p[key]) for p in results["points"] if p["converged"]]
    ghk_pts = [(p["voltage_mV"], p[key]) for p in results["ghk"]["points"]]
    fig, ax = plt.subplots(figsize=(5.5, 4.0), layout="constrained")
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
        if value is not None:
            ax.axvline(value, color=style, lw=0.8, ls=":", label=f"{name} reversal {value:.1f} mV")
    ax.axhline(0.0, color="k", lw=0.5)
    ax.set_xlabel("V = $\\phi_{in} - \\phi_{out}$ (mV)")
    ax.set_ylabel(f"outward {unit}")
    ax.set_title(title)
    ax.legend(fontsize=8)
    fig.savefig(path, dpi=130)
    plt.close(fig)


def plot_profiles(
    path: Path,
    profiles: Sequence[tuple[float, Mapping[str, np.ndarray]]],
    pore: tuple[float, float],
) -> None:
    """phi, concentrations and E_z along the axis for each voltage."""
    if not profiles:
        return
    species = [k for k in profiles[0][1] if k.startswith("c_")]
    fig, axes = plt.subplots(
        2 + len(species),
        1,
        figsize=(6.0, 2.0 * (2 + len(species))),
        sharex=True,
        layout="constrained",
    )
    cmap = plt.get_cmap("coolwarm")
    voltages = [v for v, _ in profiles]
    span = max(max(voltages) - min(voltages), 1e-12)
    for v, prof in profiles:
        color = cmap((v - min(voltages)) / span)
        z = prof["z_nm"]
        axes[0].plot(z, prof["phi_mV"], color=color, label=f"{v:g} mV")
        for ax, key in zip(axes[1:-1], species, strict=True):
            ax.plot(z, prof[key], color=color)
        axes[-1].plot(z, prof["E_z_V_per_m"] * 1e-6, color=color)
    axes[0].set_ylabel("$\\phi$ (mV)")
    for ax, key in zip(axes[1:-1], species, strict=True):
        ax.set_ylabel(f"{key[2:-3]} (mM)")
        ax.set_yscale("log")
    axes[-1].set_ylabel("$E_z$ (MV/m)")
    axes[-1].set_xlabel("z along the axis (nm); shaded: pore")
    for ax in axes:
        ax.axvspan(*pore, color="0.92", zorder=0)
    axes[0].legend(fontsize=7, ncol=2)
    fig.savefig(path, dpi=130)
    plt.close(fig)
