"""PNG of a transient run: the voltage protocol, the currents, the charge passed and the
approach of the current to its end value."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np


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
) -> None:
    """Four panels: V(t); the total, ionic and displacement currents; the charge passed
    (the time integral of the total current); and, for each segment of the protocol (from
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

    fig, axes = plt.subplots(4, 1, figsize=(6.0, 11.0), layout="constrained")
    axes[0].sharex(axes[1])
    axes[2].sharex(axes[1])
    axes[0].plot(t_ns, block["voltage_mV"], color="k")
    axes[0].set_ylabel("V (mV)")
    axes[1].plot(t_ns, total, color="C0", label="total (ionic + displacement)")
    axes[1].plot(t_ns, ionic, "--", color="C1", label="ionic, outside electrode")
    axes[1].plot(t_ns, displacement, ":", color="C2", label="displacement")
    shown = np.concatenate([total[~spikes], ionic, displacement[~spikes]])
    low, high = float(shown.min()), float(shown.max())
    pad = 0.05 * max(high - low, 1e-30)
    axes[1].set_ylim(low - pad, high + pad)
    axes[1].axhline(0.0, color="k", lw=0.5)
    axes[1].set_ylabel(f"outward current ({label})")
    axes[1].legend(fontsize=8)
    axes[2].plot(t_ns, charge, color="C0")
    axes[2].axhline(0.0, color="k", lw=0.5)
    axes[2].set_ylabel(f"charge passed ({charge_label})")
    axes[2].set_xlabel("time (ns)")

    ends = [*step_times_s, np.inf]
    for k, (start, end) in enumerate(zip(starts, ends, strict=True)):
        inside = np.flatnonzero((times > start) & (times <= end))
        if inside.size < 2:
            continue
        departure = np.abs(total[inside] - total[inside[-1]])
        keep = departure > 0.0
        since = (times[inside] - start) * 1e9
        axes[3].loglog(
            since[keep], departure[keep], ".-", ms=3, color=f"C{k}", label=f"after t = {start:g} s"
        )
    axes[3].set_xlabel("time since the voltage step (ns)")
    axes[3].set_ylabel(f"|I(t) - I(segment end)| ({label})")
    if len(starts) > 1:
        axes[3].legend(fontsize=8)
    axes[0].set_title(title)
    fig.savefig(path, dpi=130)
    plt.close(fig)
