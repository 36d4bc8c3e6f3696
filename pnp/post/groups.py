"""The dimensionless groups that decide whether constant-field (GHK) theory holds for a case.

The `dimensionless_groups` block of results.json (inside `ghk_comparison`) and the
`group_<name>` columns of a sweep summary. Pure functions of the Case:

- debye_over_length: lambda_D / L, lambda_D of the more concentrated bath (ionic strength,
  bath permittivity; `pnp.case.screening`), L the pore length. GHK needs >> 1.
- donnan_ratio: |X| / I_bath, the largest over the pore's regions (pore, filter) or
  segments of the fixed charge X (mM of elementary charges) over the ionic strength I_bath
  of the more concentrated bath. A charged wall of a cylindrical pore (kinds axisymmetric
  and 3d; a mesh file's pore may be planar) adds its equivalent volume charge
  2 sigma / (F R), R that region's or segment's radius. GHK needs << 1.
- permittivity_contrast: eps_pore / eps_bath, the smallest over the pore's regions or
  segments. GHK needs 1.
- radius_over_debye: R / lambda_D, R the narrowest pore radius (None in a 1D slab).
- access_ratio: pi R / (2 L), the access resistance of both mouths (Hall) over the pore's
  resistance, both from the same conductivity (None in a 1D slab). GHK ignores it.
- bath_concentration_ratio: I_out / I_in, the ionic strengths of the outside and inside
  baths (1 for symmetric baths).
- max_voltage_over_thermal: max |V| / V_T over the case's voltages (None without any).

Two cases with the same groups (and the same valences, diffusion-coefficient ratios and
concentration ratios between species) have the same fold errors: only the current scale
changes.
"""

from __future__ import annotations

import math

from pnp.case import Case
from pnp.case.screening import bath_screening
from pnp.constants import FARADAY, thermal_voltage

GROUP_NAMES = (
    "debye_over_length",
    "donnan_ratio",
    "permittivity_contrast",
    "radius_over_debye",
    "access_ratio",
    "bath_concentration_ratio",
    "max_voltage_over_thermal",
)
WALLED_KINDS = ("axisymmetric", "3d")  # cylindrical pores with walls (a mesh file may be planar)


def bath_ionic_strengths_mM(case: Case) -> tuple[float, float]:
    """Ionic strength (mM) of the inside and the outside bath."""
    return tuple(
        0.5 * sum(s.charge**2 * getattr(s, side) for s in case.species)
        for side in ("inside_mM", "outside_mM")
    )


def pore_length_nm(case: Case) -> float:
    if case.segments:
        return sum(seg.length_nm for seg in case.segments)
    return case.geometry.pore_length_nm


def narrowest_radius_nm(case: Case) -> float | None:
    """The narrowest radius of the pore (None where the pore has none, as in a 1D slab)."""
    if case.geometry.kind == "slab":
        return None
    radii = [seg.radius_nm for seg in case.segments if seg.radius_nm is not None]
    if not case.segments:
        radii = [case.geometry.pore_radius_nm]
        if case.geometry.has_filter:
            radii.append(case.geometry.filter_radius_nm)
    radii = [r for r in radii if r is not None]
    return min(radii) if radii else None


def pore_charges_mM(case: Case) -> list[tuple[float, float]]:
    """(length nm, fixed charge mM of elementary charges) of each part of the pore: the
    segments, or the pore and filter regions; a charged wall of a walled mesh counts as its
    equivalent volume charge 2 sigma / (F R)."""
    g = case.geometry
    if case.segments:  # their side walls are the pore wall
        parts = [
            (seg.fixed_charge_M, "pore_wall", seg.radius_nm, seg.length_nm) for seg in case.segments
        ]
    else:
        region = case.regions["pore"].fixed_charge_M
        parts = [(region, "pore_wall", g.pore_radius_nm, g.pore_length_nm - g.filter_length_nm)]
        if g.has_filter:
            filt = case.regions["filter"].fixed_charge_M
            parts.append((filt, "filter_wall", g.filter_radius_nm, g.filter_length_nm))
    charges = []
    for fixed_M, wall, radius, length in parts:
        x = 1e3 * fixed_M
        sigma = case.surfaces[wall].charge_C_per_m2
        if g.kind in WALLED_KINDS and radius is not None and sigma != 0.0:
            x += 2.0 * sigma / (FARADAY * radius * 1e-9)
        charges.append((length, x))
    return charges


def pore_permittivities(case: Case) -> list[float]:
    if case.segments:
        return [seg.permittivity for seg in case.segments]
    names = ["pore", "filter"] if case.geometry.has_filter else ["pore"]
    return [case.regions[n].permittivity for n in names]


def dimensionless_groups(case: Case) -> dict[str, float | None]:
    """The groups of `case` (module doc), by name in the order of `GROUP_NAMES`."""
    strength, debye_nm = bath_screening(case)
    length = pore_length_nm(case)
    radius = narrowest_radius_nm(case)
    inside, outside = bath_ionic_strengths_mM(case)
    vt = thermal_voltage(case.conditions.temperature_K)
    voltages = case.conditions.voltages_mV
    return {
        "debye_over_length": debye_nm / length,
        "donnan_ratio": max(abs(x) for _, x in pore_charges_mM(case)) / strength,
        "permittivity_contrast": min(pore_permittivities(case)) / case.regions["bath"].permittivity,
        "radius_over_debye": None if radius is None else radius / debye_nm,
        "access_ratio": None if radius is None else math.pi * radius / (2.0 * length),
        "bath_concentration_ratio": outside / inside if inside > 0 else None,
        "max_voltage_over_thermal": (
            max(abs(v) for v in voltages) * 1e-3 / vt if voltages else None
        ),
    }
