"""The constant-field (GHK) counterpart of a PNP case: P_i = D_i * diffusion_factor / L
(segments in series for a segmented pore, see `pnp.case.materials.series_permeabilities`)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pnp.case import Case
from pnp.case.materials import series_permeabilities
from pnp.post.units import ReportUnits
from pnp.theory import ghk_current_density, ghk_voltage


def ghk_permeabilities(case: Case) -> dict[str, float]:
    """A-priori permeabilities (m/s) from the pore's diffusion coefficients and length."""
    return series_permeabilities(case)


def ghk_block(case: Case, voltages_mV: Sequence[float], units: ReportUnits | None = None) -> dict:
    """GHK currents at each voltage and the GHK reversal potential, in the results.json shape
    (the current beside the density in the run's `units`; none without them)."""
    perms = ghk_permeabilities(case)
    temperature = case.conditions.temperature_K
    points = []
    for v in voltages_mV:
        densities = {
            s.name: float(
                ghk_current_density(
                    s.charge, perms[s.name], s.inside_mM, s.outside_mM, v * 1e-3, temperature
                )
            )
            for s in case.species
        }
        total = sum(densities.values())
        point = {"voltage_mV": v, "current_density_A_per_m2": total, "current_pA": None}
        if units is not None and units.extensive is not None:
            point[f"current_{units.extensive}"] = units.from_density(total)
        point["species_current_densities_A_per_m2"] = densities
        points.append(point)
    try:
        reversal = 1e3 * ghk_voltage(
            perms,
            {s.name: s.inside_mM for s in case.species},
            {s.name: s.outside_mM for s in case.species},
            {s.name: s.charge for s in case.species},
            temperature,
        )
    except ValueError:  # e.g. a single species: no finite zero-current potential
        reversal = None
    if reversal is not None and not np.isfinite(reversal):
        reversal = None
    return {
        "permeabilities_m_per_s": perms,
        "reversal_potential_mV": reversal,
        "points": points,
    }
