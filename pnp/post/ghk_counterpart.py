"""The constant-field (GHK) counterpart of a PNP case: P_i = D_i * diffusion_factor / L
(segments in series for a segmented pore, see `pnp.case.materials.series_permeabilities`).

A shaped pore (conical, double-conical, bullet, profile) follows its radius profile: the
pore is a series of thin discs, so its diffusive resistance is integral dz / (D A(z)),
and per unit of the narrowest section A_min (the area the reported current is
referred to, `pnp.post.units`) the permeability is

    P_i = D_i * diffusion_factor / L_eff,    L_eff = A_min * integral dz / A(z).

The wall is straight between its vertices (`pnp.geometry.params.wall_outline`), where
the integral is exact: integral dz / (pi r^2) = dz / (pi r_0 r_1) for r linear from r_0
to r_1 (L / (pi r_tip r_base) for a cone)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pnp.case import Case, CaseError
from pnp.case.materials import series_permeabilities
from pnp.geometry.params import wall_outline
from pnp.post.units import ReportUnits
from pnp.theory import ghk_current_density, ghk_voltage


def ghk_permeabilities(case: Case) -> dict[str, float]:
    """A-priori permeabilities (m/s) from the pore's diffusion coefficients and length
    (and radius profile, for a shaped pore)."""
    if not case.segments and case.geometry.pore_length_nm == 0.0:  # a structure, no membrane
        raise CaseError(
            "geometry.pore_length_nm",
            "0 puts the structure in free solution: the current passes around it, so there "
            "is no channel I-V and no GHK counterpart; give the membrane thickness in nm "
            "(pnp.run.prepare still solves the equilibrium potential without one)",
        )
    length_nm = effective_length_nm(case)
    if length_nm is None:
        return series_permeabilities(case)
    factor = case.regions["pore"].diffusion_factor or 1.0
    return {s.name: s.diffusion_m2_per_s * factor / (length_nm * 1e-9) for s in case.species}


def effective_length_nm(case: Case) -> float | None:
    """L_eff = A_min * integral dz / A(z) of a shaped pore wall (nm); None for a cylinder,
    a segment stack or an imported mesh."""
    g = case.geometry
    if case.segments or g.kind not in ("axisymmetric", "3d") or g.shape == "cylindrical":
        return None
    wall = wall_outline(
        g.shape,
        pore_length_nm=g.pore_length_nm,
        tip_radius_nm=g.tip_radius_nm,
        base_radius_nm=g.base_radius_nm,
        tip=g.tip,
        bullet_exponent=g.bullet_exponent,
        profile_nm=g.profile_nm,
    )
    return g.pore_radius_nm**2 * wall_resistance_per_pi(wall)


def wall_resistance_per_pi(wall: Sequence[Sequence[float]]) -> float:
    """integral dz / r(z)^2 (1/nm) along the straight edges between the (z, r) vertices."""
    z, r = np.asarray(wall, dtype=float).T
    return float(np.sum(np.diff(z) / (r[:-1] * r[1:])))


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
