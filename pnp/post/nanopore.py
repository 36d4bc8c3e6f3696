"""Nanopore quantities of an I-V curve: conductance, rectification, transference numbers.

Pure functions of the voltages (mV) and currents of the converged points, in the
current unit the run reports (`pnp.post.units`: pA for pores, pA/nm for planar 2D
meshes, A/m^2 in 1D):

- chord conductance G(V) = I(V) / V at every V != 0 (nS from pA and mV);
- slope conductance at 0 mV, dI/dV there: the secant through the nearest voltage
  below and the nearest above 0 (a centred difference when they are symmetric),
  or through 0 and its one neighbour when 0 ends the voltage list;
- rectification ratio |I(+V) / I(-V)| for every V > 0 whose -V was also solved
  (1 for an ohmic or mirror-symmetric pore);
- transference numbers t_i = I_i / sum_j I_j of every species at every voltage (the
  cation's is the selectivity measure: 1 for a perfectly cation-selective pore, its
  share of the bulk conductivity for an uncharged one); undefined (None) where the
  total current vanishes (below `ZERO_CURRENT` times the largest current of the run).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

# a total current below this fraction of the largest is rounding noise (0 mV between
# equal baths): no transference numbers there
ZERO_CURRENT = 1e-9

# the current keys of a point in results.json, with the unit of current / voltage
CURRENT_KEYS = (
    ("current_pA", "species_currents_pA", "nS", 1.0),  # pA / mV = nS
    ("current_per_depth_pA_per_nm", "species_currents_per_depth_pA_per_nm", "nS_per_nm", 1.0),
    (
        "current_density_A_per_m2",
        "species_current_densities_A_per_m2",
        "S_per_m2",
        1e3,  # (A/m^2) / mV
    ),
)


def chord_conductance(voltages_mV: np.ndarray, currents: np.ndarray) -> np.ndarray:
    """I / V at every voltage; NaN at 0 mV."""
    v = np.asarray(voltages_mV, dtype=float)
    i = np.asarray(currents, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(v != 0.0, i / np.where(v != 0.0, v, 1.0), np.nan)


def slope_conductance_at_zero(voltages_mV: np.ndarray, currents: np.ndarray) -> float | None:
    """dI/dV at 0 mV by the secant through the nearest neighbours of 0 (see the module
    docstring); None unless 0 mV and at least one other voltage were solved."""
    v = np.asarray(voltages_mV, dtype=float)
    i = np.asarray(currents, dtype=float)
    if not np.any(v == 0.0) or v.size < 2:
        return None
    below, above = v < 0.0, v > 0.0
    lo = int(np.flatnonzero(below)[np.argmax(v[below])]) if below.any() else None
    hi = int(np.flatnonzero(above)[np.argmin(v[above])]) if above.any() else None
    zero = int(np.flatnonzero(v == 0.0)[0])
    a = zero if lo is None else lo
    b = zero if hi is None else hi
    return float((i[b] - i[a]) / (v[b] - v[a]))


def rectification_ratios(voltages_mV: np.ndarray, currents: np.ndarray) -> list[dict[str, Any]]:
    """|I(+V) / I(-V)| for every V > 0 with -V present, by increasing V (ratio None where
    I(-V) = 0)."""
    v, i = np.asarray(voltages_mV, float).tolist(), np.asarray(currents, float).tolist()
    by_v = dict(zip(v, i, strict=True))
    pairs = []
    for v in sorted(x for x in by_v if x > 0.0 and -x in by_v):
        minus = by_v[-v]
        pairs.append(
            {"voltage_mV": v, "ratio": None if minus == 0.0 else float(abs(by_v[v] / minus))}
        )
    return pairs


def transference_numbers(
    species_currents: Mapping[str, float], floor: float = 0.0
) -> dict[str, float | None]:
    """I_i / sum_j I_j of every species (None for all where |sum| <= `floor`)."""
    total = float(sum(species_currents.values()))
    return {
        name: None if abs(total) <= floor else float(current) / total
        for name, current in species_currents.items()
    }


def nanopore_block(points: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The nanopore quantities of the converged points of results.json."""
    done = [p for p in points if p.get("converged")]
    if not done:
        return {"points": [], "rectification": [], "slope_conductance_at_0mV": None}
    key, species_key, unit, per_mV = next(
        entry for entry in CURRENT_KEYS if done[0].get(entry[0]) is not None
    )
    v = np.array([p["voltage_mV"] for p in done], dtype=float)
    i = np.array([p[key] for p in done], dtype=float)
    chord = chord_conductance(v, i) * per_mV
    slope = slope_conductance_at_zero(v, i)
    floor = ZERO_CURRENT * float(np.max(np.abs(i)))
    return {
        "current_key": key,
        "conductance_unit": unit,
        "points": [
            {
                "voltage_mV": float(volt),
                "chord_conductance": None if np.isnan(g) else float(g),
                "transference_numbers": transference_numbers(p[species_key], floor),
            }
            for volt, g, p in zip(v, chord, done, strict=True)
        ],
        "slope_conductance_at_0mV": None if slope is None else slope * per_mV,
        "rectification": rectification_ratios(v, i),
    }
