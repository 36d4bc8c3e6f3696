"""Figure of a transient run: the voltage protocol, the currents, the charge passed and the
approach of the current to its end value, on a logarithmic time axis."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from pnp.post.labels import label as quantity_label
from pnp.post.plots import save_figure, set_titles


def plot_transient(
    path: Path,
    block: Mapping,
    *,
    unit: str,
    labels: tuple[str, str],
    charge_key: str,
    step_times_s: Sequence[float] = (),
    instantaneous: bool = True,
    title: str = "",
    subtitle: str = "",
) -> None:
    """Four panels: V(t); the total, ionic and displacement currents; the charge passed
    (the time integral of the total current), these three on a logarithmic time axis
    (t > 0; the voltage steps dotted); and, for each segment of the protocol (from
    one voltage step to the next), |I(t) - I(segment end)| against the time since the step
    on log-log axes, where charging and relaxation separate.

    After an instantaneous step (`instantaneous`) the first point carries the displacement
    spike of the step (a delta function, resolved only by the step length); it is drawn
    but left out of the current axis limits.
    """
    times = np.asarray(block["times_s"], dtype=float)
    t_ns = times * 1e9
    total = np.asarray(block[f"current_{unit}"], dtype=float)
    ionic = np.asarray(block[f"ionic_current_{unit}"], dtype=float)
    displacement = np.asarray(block[f"displacement_current_{unit}"], dtype=float)
    label, charge_label = (text.replace("^2", "$^2$") for text in labels)
    charge = np.asarray(block[charge_key], dtype=float)
    starts = [0.0, *step_times_s]

    spikes = np.zeros(times.size, dtype=bool)
    if instantaneous:
        for start in step_times_s:
            after = np.flatnonzero(times > start)
            if after.size:
                spikes[after[0]] = True

    later = times > 0.0  # a log time axis: t = 0 is left out
    fig, axes = plt.subplots(4, 1, figsize=(6.4, 11.5), layout="constrained")
    axes[0].sharex(axes[1])
    axes[2].sharex(axes[1])
    axes[0].plot(t_ns[later], np.asarray(block["voltage_mV"], dtype=float)[later], color="k")
    axes[0].set_ylabel(quantity_label("voltage_mV"))
    axes[1].plot(t_ns[later], total[later], color="C0", label="total (ionic + displacement)")
    axes[1].plot(t_ns[later], ionic[later], "--", color="C1", label="ionic, outside electrode")
    axes[1].plot(t_ns[later], displacement[later], ":", color="C2", label="displacement")
    keep = later & ~spikes
    shown = np.concatenate([total[keep], ionic[later], displacement[keep]])
    if shown.size:
        low, high = float(shown.min()), float(shown.max())
        pad = 0.05 * max(high - low, 1e-30)
        axes[1].set_ylim(low - pad, high + pad)
    axes[1].axhline(0.0, color="k", lw=0.5)
    axes[1].set_ylabel(f"outward current ({label})")
    axes[1].legend(fontsize=8)
    axes[2].plot(t_ns[later], charge[later], color="C0")
    axes[2].axhline(0.0, color="k", lw=0.5)
    axes[2].set_ylabel(f"charge passed ({charge_label})")
    axes[2].set_xlabel(quantity_label("time_ns"))
    for ax in axes[:3]:
        ax.set_xscale("log")
        for start in step_times_s:
            if start > 0.0:
                ax.axvline(start * 1e9, color="0.5", lw=0.7, ls=":")

    ends = [*step_times_s, np.inf]
    for k, (start, end) in enumerate(zip(starts, ends, strict=True)):
        inside = np.flatnonzero((times > start) & (times <= end))
        if inside.size < 2:
            continue
        departure = np.abs(total[inside] - total[inside[-1]])
        keep = departure > 0.0
        since = (times[inside] - start) * 1e9
        axes[3].loglog(
            since[keep],
            departure[keep],
            ".-",
            ms=3,
            color=f"C{k}",
            label=f"after the step at t = {start * 1e9:g} ns" if k else "from t = 0",
        )
    axes[3].set_xlabel("time since the voltage step (ns)")
    axes[3].set_ylabel(f"|I(t) - I(segment end)| ({label})")
    if len(starts) > 1:
        axes[3].legend(fontsize=8)
    set_titles(fig, title, subtitle)
    save_figure(fig, path)
