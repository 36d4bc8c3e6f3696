"""Human names and units of every plotted quantity, case key and sweep metric.

`label` turns a key into an axis label: a listed quantity by its name
(``current_pA`` -> ``current (pA)``), a case key by its parts
(``species.K.inside_mM`` -> ``K⁺ inside (mM)``,
``regions.pore.fixed_charge_M`` -> ``fixed charge in the pore (M)``), anything else
by its words and the unit of its suffix (``..._nm`` -> ``(nm)``), so no figure shows a
raw key. `conditions_text` is the one-line subtitle of a case
(``KCl 100 | 10 mM (in | out), pore R = 0.6 nm, 25 °C``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

UNITS = {  # unit suffixes of keys, longest first
    "m2_per_s": "m²/s",
    "C_per_m2": "C/m²",
    "A_per_m2": "A/m²",
    "MV_per_m": "MV/m",
    "V_per_m": "V/m",
    "mM": "mM",
    "mV": "mV",
    "nm": "nm",
    "pA": "pA",
    "nS": "nS",
    "pS": "pS",
    "ns": "ns",
    "us": "µs",
    "pC": "pC",
    "fC": "fC",
    "M": "M",
    "K": "K",
    "C": "C",
    "s": "s",
    "e": "e",
}

# name and unit of the quantities the figures draw and of the summary columns of a sweep
QUANTITIES: dict[str, tuple[str, str]] = {
    "voltage_mV": ("voltage", "mV"),
    "current_pA": ("current", "pA"),
    "current_density_A_per_m2": ("current density", "A/m²"),
    "reversal_potential_mV": ("PNP reversal potential", "mV"),
    "ghk_reversal_potential_mV": ("GHK reversal potential", "mV"),
    "reversal_potential_error_mV": ("GHK minus PNP reversal potential", "mV"),
    "z_nm": ("z along the axis", "nm"),
    "phi_mV": ("potential φ", "mV"),
    "E_z_V_per_m": ("axial field E_z", "V/m"),
    "E_z_MV_per_m": ("axial field E_z", "MV/m"),
    "time_s": ("time", "s"),
    "time_ns": ("time", "ns"),
    "max_fold_factor": ("largest factor between GHK and PNP currents", ""),
    "max_fold_error": ("fold error, largest |ln(I_GHK / I_PNP)|", ""),
    "fold_error": ("fold error |ln(I_GHK / I_PNP)|", ""),
    "fold_factor": ("factor between GHK and PNP currents", ""),
    "sign_disagreements": ("voltages where the GHK current has the opposite sign", ""),
    "max_relative_current_error": ("largest |I_GHK − I_PNP| / |I_PNP|", "%"),
    "relative_current_error": ("|I_GHK − I_PNP| / |I_PNP|", "%"),
    "field_nonuniformity_max": ("largest RMS of E_z − V/L on the axis, relative to V/L", ""),
    "peak_space_charge_M": ("peak space charge on the pore axis", "M"),
    "ionic_strength_mM": ("ionic strength", "mM"),
    "debye_length_nm": ("Debye length", "nm"),
    "debye_over_length": ("Debye length / pore length", ""),
    "failed_points": ("failed voltage points", ""),
    "seconds": ("wall time", "s"),
    "group_debye_over_length": ("Debye length / pore length", ""),
    "group_donnan_ratio": ("fixed charge / bath ionic strength", ""),
    "group_permittivity_contrast": ("pore / bath permittivity", ""),
    "group_radius_over_debye": ("pore radius / Debye length", ""),
    "group_access_ratio": ("access / pore resistance", ""),
    "group_bath_concentration_ratio": ("outside / inside ionic strength", ""),
    "group_max_voltage_over_thermal": ("largest |V| / V_T", ""),
    "conductance_nS": ("conductance", "nS"),
    "selectivity": ("selectivity", ""),
}

# names of the last part of a case key, after its group
CASE_WORDS = {
    "pore_radius_nm": "pore radius",
    "pore_length_nm": "pore length",
    "bath_radius_nm": "bath radius",
    "bath_length_nm": "bath length",
    "filter_radius_nm": "filter radius",
    "filter_length_nm": "filter length",
    "entrance_radius_nm": "entrance rounding radius",
    "tip_radius_nm": "tip radius",
    "base_radius_nm": "base radius",
    "mesh_size_nm": "mesh size",
    "wall_size_nm": "mesh size at the wall",
    "refine": "mesh refinements",
    "temperature_K": "temperature",
    "diffusion_m2_per_s": "diffusion coefficient",
    "size_nm": "ion size",
}
ION_CHARGES = {
    **dict.fromkeys(("H", "Li", "Na", "K", "Rb", "Cs", "NH4", "TEA"), 1),
    **dict.fromkeys(("Mg", "Ca", "Sr", "Ba", "Zn"), 2),
    **dict.fromkeys(("F", "Cl", "Br", "I", "NO3", "HCO3", "OH"), -1),
    **dict.fromkeys(("SO4", "HPO4", "CO3"), -2),
}
_SUPERSCRIPT = str.maketrans("0123456789+-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻")
_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def split_unit(key: str) -> tuple[str, str]:
    """(stem, unit) of a key by its unit suffix: ``inside_mM`` -> (``inside``, ``mM``)."""
    for suffix, unit in UNITS.items():
        if key.endswith("_" + suffix) and len(key) > len(suffix) + 1:
            return key[: -len(suffix) - 1], unit
    return key, ""


def ion(name: str, charge: int | None = None) -> str:
    """``K`` -> ``K⁺``, ``Ca`` -> ``Ca²⁺``; the charge from `charge` or the usual one."""
    z = ION_CHARGES.get(name) if charge is None else int(charge)
    if not z:
        return name
    sign = "+" if z > 0 else "-"
    return name + (f"{abs(z)}{sign}" if abs(z) > 1 else sign).translate(_SUPERSCRIPT)


def with_unit(name: str, unit: str) -> str:
    return f"{name} ({unit})" if unit else name


def name_and_unit(key: str) -> tuple[str, str]:
    """Name and unit of any key (see the module docstring)."""
    if key in QUANTITIES:
        return QUANTITIES[key]
    parts = key.split(".")
    group, last = parts[0], parts[-1]
    if len(parts) == 3 and group == "species":
        stem, unit = split_unit(last)
        what = CASE_WORDS.get(last, stem.replace("_", " "))
        return f"{ion(parts[1])} {what}", unit
    if len(parts) == 3 and group in ("regions", "surfaces", "segments"):
        stem, unit = split_unit(last)
        place = parts[1].replace("_", " ")
        what = {
            "fixed_charge": "fixed charge",
            "charge": "surface charge",
            "permittivity": "permittivity ε_r",
            "diffusion_factor": "diffusion factor",
        }.get(stem, stem.replace("_", " "))
        where = f"on the {place}" if group == "surfaces" else f"in the {place}"
        return f"{what} {where}", unit
    if len(parts) == 2 and group in ("geometry", "conditions", "output", "permittivity_profile"):
        stem, unit = split_unit(last)
        return CASE_WORDS.get(last, stem.replace("_", " ")), unit
    if len(parts) == 1 and key.startswith("c_") and key.endswith("_mM"):
        return f"[{ion(key[2:-3])}]", "mM"
    stem, unit = split_unit(last)
    words = [p.replace("_", " ") for p in parts[:-1]] + [
        CASE_WORDS.get(last, stem.replace("_", " "))
    ]
    return " ".join(words), unit


def label(key: str) -> str:
    """Axis label of a key: its name and unit."""
    return with_unit(*name_and_unit(key))


def conditions_text(case: Mapping[str, Any]) -> str:
    """One line of the conditions of a case (its `case_to_dict` form, as in results.json)."""
    return ", ".join(conditions_parts(case))


def conditions_parts(case: Mapping[str, Any]) -> list[str]:
    """The conditions of a case: the electrolyte inside | outside, the narrowest pore
    radius, the fixed charges of the pore, filter or segments, the temperature."""
    parts = [_electrolyte(case.get("species", []))]
    radius, where = _narrowest(case)
    if radius is not None:
        parts.append(f"{where} R = {radius:g} nm")
    charges = [
        (name, float(r.get("fixed_charge_M", 0.0)))
        for name, r in case.get("regions", {}).items()
        if name in ("pore", "filter")
    ] + [(s["name"], float(s.get("fixed_charge_M", 0.0))) for s in case.get("segments", [])]
    for name, charge in charges:
        if charge != 0.0:
            parts.append(f"{name.replace('_', ' ')} charge {charge:+.3g} M".replace("-", "−"))
    temperature = case.get("conditions", {}).get("temperature_K")
    if temperature is not None:
        parts.append(f"{float(temperature) - 273.15:.4g} °C")
    return [p for p in parts if p]


def _electrolyte(species: list[Mapping[str, Any]]) -> str:
    if not species:
        return ""
    cations = [s for s in species if s["charge"] > 0]
    anions = [s for s in species if s["charge"] < 0]
    if len(cations) == 1 and len(anions) == 1:
        cat, an = cations[0], anions[0]
        n_an = cat["charge"] / -an["charge"]
        salt = math.isclose(cat["inside_mM"] * n_an, an["inside_mM"]) and math.isclose(
            cat["outside_mM"] * n_an, an["outside_mM"]
        )
        if salt and float(n_an).is_integer():
            count = str(int(n_an)).translate(_SUBSCRIPT) if n_an > 1 else ""
            if n_an == 1 or len(an["name"]) <= 2:
                formula = f"{cat['name']}{an['name']}{count}"
            else:
                formula = f"{cat['name']}({an['name']}){count}"
            return f"{formula} {cat['inside_mM']:g} | {cat['outside_mM']:g} mM (in | out)"
    each = [
        f"{ion(s['name'], s['charge'])} {s['inside_mM']:g} | {s['outside_mM']:g}" for s in species
    ]
    return ", ".join(each) + " mM (in | out)"


def _narrowest(case: Mapping[str, Any]) -> tuple[float | None, str]:
    g = case.get("geometry", {})
    radii = [float(s["radius_nm"]) for s in case.get("segments", []) if "radius_nm" in s]
    if radii:
        return min(radii), "narrowest"
    if g.get("filter_radius_nm") is not None and g.get("filter_length_nm", 0.0) > 0.0:
        return min(float(g["filter_radius_nm"]), float(g.get("pore_radius_nm", math.inf))), (
            "filter"
        )
    if g.get("pore_radius_nm") is not None:
        return float(g["pore_radius_nm"]), "pore"
    if g.get("tip_radius_nm") is not None:
        return float(g["tip_radius_nm"]), "tip"
    return None, ""
