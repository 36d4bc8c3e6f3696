"""Overlays of finished runs: their I–V curves, or one axial profile at one voltage.

A run folder holds results.json (or at least iv.csv) and profile_<V>mV.csv files
(`pnp.run`). `read_run` reads what a folder has; a folder that is not a run raises
RunFolderError naming it. Each run is labelled by its folder and, where the runs differ, its
conditions (`pnp.post.labels.conditions_text`); conditions they share go in the subtitle.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pnp.case.schema import FIGURE_FORMATS
from pnp.errors import PnpError
from pnp.post.axial_field import smooth_axial_field
from pnp.post.labels import conditions_parts, label

CURRENT_KEYS = ("current_pA", "current_density_A_per_m2")
PROFILE_GLOB = "profile_*mV.csv"


class RunFolderError(PnpError, ValueError):
    """A folder that is not a finished run, or lacks what a plot needs (exit code 2)."""


@dataclass
class Run:
    folder: Path
    name: str
    conditions: list[str]
    iv: dict[str, np.ndarray] = field(default_factory=dict)  # voltage_mV and currents

    @property
    def current_key(self) -> str | None:
        for key in CURRENT_KEYS:
            values = self.iv.get(key)
            if values is not None and np.isfinite(values).any():
                return key
        return None

    def profile_voltages(self) -> list[float]:
        return sorted(_profile_voltage(p) for p in self.folder.glob(PROFILE_GLOB))

    def profile(self, voltage_mV: float) -> dict[str, np.ndarray]:
        for path in self.folder.glob(PROFILE_GLOB):
            if math.isclose(_profile_voltage(path), voltage_mV, abs_tol=0.05):
                columns = _read_csv(path)
                columns["E_z_MV_per_m"] = smooth_axial_field(columns["z_nm"], columns["phi_mV"])
                return columns
        found = ", ".join(f"{v:g}" for v in self.profile_voltages()) or "none"
        raise RunFolderError(
            f"{self.folder}: no axial profile at {voltage_mV:g} mV (profiles at: {found} mV)"
        )


def read_run(folder: Path) -> Run:
    """The I–V points (converged ones) and conditions of a run folder."""
    folder = Path(folder)
    if not folder.is_dir():
        raise RunFolderError(f"{folder}: not a folder")
    results_path, iv_path = folder / "results.json", folder / "iv.csv"
    case: dict = {}
    iv: dict[str, np.ndarray] = {}
    if results_path.exists():
        try:
            results = json.loads(results_path.read_text(encoding="utf-8"))
            case = results.get("case", {})
            points = [p for p in results.get("points", []) if p.get("converged", True)]
        except (OSError, ValueError, AttributeError) as err:
            raise RunFolderError(f"{results_path}: not a results file of pnp run ({err})") from None
        iv["voltage_mV"] = np.array([float(p["voltage_mV"]) for p in points])
        for key in CURRENT_KEYS:
            iv[key] = np.array([_number(p.get(key)) for p in points])
    elif iv_path.exists():
        table = _read_csv(iv_path)
        converged = table.get("converged", np.ones(len(table.get("voltage_mV", []))))
        iv = {k: v[converged > 0] for k, v in table.items() if k in ("voltage_mV", *CURRENT_KEYS)}
    elif not any(folder.glob(PROFILE_GLOB)):
        raise RunFolderError(f"{folder}: not a run folder (no results.json, iv.csv or profiles)")
    return Run(folder, str(case.get("name", folder.name)), conditions_parts(case), iv)


def iv_key(runs: Sequence[Run]) -> str:
    """The current column all the runs have: current_pA, or the density of a slab."""
    for run in runs:
        if run.current_key is None:
            raise RunFolderError(f"{run.folder}: no I–V points (no converged voltage)")
    keys = {run.current_key for run in runs}
    if len(keys) > 1:
        raise RunFolderError("cannot overlay currents (pA) and current densities (A/m²)")
    return keys.pop()


def plot_iv_overlay(path: Path, runs: Sequence[Run]) -> None:
    """The I–V curves of the runs on one set of axes."""
    import matplotlib.pyplot as plt

    from pnp.post.plots import save_figure, set_titles

    key = iv_key(runs)
    fig, ax = plt.subplots(figsize=(6.0, 4.4), layout="constrained")
    for run, text in zip(runs, _run_labels(runs), strict=True):
        order = np.argsort(run.iv["voltage_mV"])
        ax.plot(run.iv["voltage_mV"][order], run.iv[key][order], "o-", ms=4, label=text)
    ax.axhline(0.0, color="k", lw=0.5)
    ax.set_xlabel(label("voltage_mV"))
    ax.set_ylabel("outward " + label(key))
    ax.legend(fontsize=8)
    set_titles(fig, f"I–V of {len(runs)} runs", _shared_conditions(runs))
    save_figure(fig, path)


def profile_key(quantity: str, columns: Sequence[str]) -> str:
    """The profile column of a quantity: ``phi``, ``E_z``, ``c_K`` (or a column name)."""
    aliases = {"phi": "phi_mV", "E_z": "E_z_MV_per_m", "E_z_cellwise": "E_z_V_per_m"}
    key = aliases.get(quantity, quantity)
    if key not in columns and f"{key}_mM" in columns:
        key = f"{key}_mM"
    if key not in columns:
        known = ["phi", "E_z", *(c[:-3] for c in columns if c.startswith("c_"))]
        raise RunFolderError(f"unknown profile quantity {quantity!r}; one of {', '.join(known)}")
    return key


def plot_profile_overlay(path: Path, runs: Sequence[Run], voltage_mV: float, quantity: str) -> None:
    """One axial profile (at `voltage_mV`) of each run on one set of axes."""
    import matplotlib.pyplot as plt

    from pnp.post.plots import save_figure, set_titles

    profiles = [run.profile(voltage_mV) for run in runs]
    key = profile_key(quantity, list(profiles[0]))
    for prof in profiles:
        profile_key(quantity, list(prof))  # every run has the quantity
    fig, ax = plt.subplots(figsize=(6.4, 4.2), layout="constrained")
    for prof, text in zip(profiles, _run_labels(runs), strict=True):
        ax.plot(prof["z_nm"], prof[key], label=text)
    if key.startswith("c_") and all(np.nanmin(p[key]) > 0 for p in profiles):
        ax.set_yscale("log")
    ax.set_xlabel(label("z_nm"))
    ax.set_ylabel(label(key))
    ax.legend(fontsize=8)
    set_titles(fig, f"{label(key)} at {voltage_mV:g} mV", _shared_conditions(runs))
    save_figure(fig, path)


def check_figure_path(path: Path) -> None:
    """An output file whose suffix is a figure format."""
    suffix = Path(path).suffix.lstrip(".")
    if suffix not in FIGURE_FORMATS:
        raise RunFolderError(
            f"--out {path}: the file name must end in .{', .'.join(FIGURE_FORMATS)}"
        )


def _run_labels(runs: Sequence[Run]) -> list[str]:
    """Each run's folder name, and the conditions it does not share with all the others."""
    names = [run.folder.name or str(run.folder) for run in runs]
    if len(set(names)) < len(names):
        names = [str(run.folder) for run in runs]
    shared = _shared_parts(runs)
    own = [", ".join(p for p in run.conditions if p not in shared) for run in runs]
    return [f"{n}: {o}" if o else n for n, o in zip(names, own, strict=True)]


def _shared_parts(runs: Sequence[Run]) -> list[str]:
    return [p for p in runs[0].conditions if all(p in run.conditions for run in runs[1:])]


def _shared_conditions(runs: Sequence[Run]) -> str:
    return ", ".join(_shared_parts(runs))


def _profile_voltage(path: Path) -> float:
    return float(path.name[len("profile_") : -len("mV.csv")])


def _number(value) -> float:
    return math.nan if value is None else float(value)


def _read_csv(path: Path) -> dict[str, np.ndarray]:
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
        header, body = rows[0], rows[1:]
        columns = {
            name: np.array([_cell(row[k]) for row in body], dtype=float)
            for k, name in enumerate(header)
        }
    except (OSError, IndexError, ValueError) as err:
        raise RunFolderError(f"{path}: not a table written by pnp run ({err})") from None
    return columns


def _cell(text: str) -> float:
    if text in ("", "None"):
        return math.nan
    if text in ("True", "False"):
        return float(text == "True")
    return float(text)
