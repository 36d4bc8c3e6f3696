"""How the constant-field (GHK) description compares with the PNP solution of a case.

The `ghk_comparison` block of results.json. The per-voltage lists follow `voltages_mV`;
a voltage takes part in the current comparison only where the PNP point converged and
|I_pnp| >= NEAR_ZERO x max|I_pnp| (near the reversal potential a current ratio measures
the shift of the reversal potential, reported on its own); elsewhere the entries are null.

- fold_errors: |ln(I_ghk / I_pnp)| per voltage (current densities), the same for GHK too
  large or too small by a given factor (ln 2 for a factor 2 either way); null where GHK
  has the opposite sign (or is zero): no factor relates the two currents there.
- current_signs_disagree: per voltage, whether GHK has the opposite sign (or is zero).
- sign_disagreements: the number of voltages where it has.
- max_fold_error: the largest fold error over the voltages; max_fold_factor =
  exp(max_fold_error) >= 1, the largest factor by which GHK misses the PNP current. Where
  the signs disagree at some voltage (sign_disagreements > 0) the fold error is infinite
  and both are null, as they are when no voltage is compared; the failure maps draw such
  cases as their own cells. max_fold_voltage_mV: the voltage of the largest fold error
  (the first one of opposite sign, if any).
- relative_current_errors, max_relative_current_error: |I_ghk - I_pnp| / |I_pnp| per
  voltage and its largest value (kept for older readers). It is |r - 1| with r = I_ghk /
  I_pnp: it tends to 100 % as GHK tends to zero (GHK = PNP / 100 and PNP / 1000 give
  99 % and 99.9 %), and exceeds 100 % only if GHK is more than twice PNP or has the
  opposite sign. Prefer the fold error.
- reversal_potential_error_mV: GHK reversal potential minus the PNP zero-current potential.
- apparent_permeability_ratios: for each species j, the ratio P_j / P_ref that makes the
  GHK voltage equation reproduce the PNP reversal potential, the other ratios held at
  their a-priori values (P_i = D_i * diffusion_factor / L), beside those a-priori ratios.
- field_nonuniformity: per voltage, the RMS over the pore axis of (E_z - V/L), relative
  to the constant field |V/L| (0 for a perfectly constant field); its maximum over the
  voltages and its value at the largest |V| (where a built-in field from fixed charge
  or concentration gradients matters least) are summarised.
- peak_space_charge: the largest |F sum z_i c_i + rho_fixed| on the pore axis (C/m^3 and
  M of elementary charges) over the voltages.
- fitted: permeabilities fitted to the PNP species currents (least squares, each species'
  GHK current is linear in its permeability), with the fit's relative RMS residual on the
  total current and the fitted GHK reversal potential.
- dimensionless_groups: the groups of the case that govern where GHK fails
  (`pnp.post.groups`).
- cheap_models: models a little richer than GHK, each with the same fold-error, sign and
  reversal entries as the block itself (fold errors per voltage against the PNP currents,
  `max_fold_error`, `max_fold_factor`, `sign_disagreements`, `reversal_potential_mV`,
  `reversal_potential_error_mV` = model minus PNP) and its `current_densities_A_per_m2`:
  `donnan_ghk` (Donnan partitioning at both mouths, constant field inside; the fixed charge
  is the length-weighted mean over the pore, wall charge as its volume equivalent),
  `access_ghk` (GHK in series with the access resistance 1 / (4 sigma_bath R) of each
  mouth; null unless the pore is a cylinder of radius R with baths, kinds axisymmetric
  and 3d), `electroneutral_np` (the electroneutral Nernst–Planck pore of
  `pnp.theory.electroneutral`; null at a voltage without an electroneutral solution, such
  as beyond the limiting current, listed in `failed_voltages`) and `fitted_ghk` (the
  fitted permeabilities above). A model that cannot be evaluated for the case has a
  `reason` instead.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from pnp.case import Case
from pnp.case.materials import segment_ends_nm, series_permeabilities
from pnp.constants import FARADAY
from pnp.post.groups import WALLED_KINDS, dimensionless_groups, pore_charges_mM
from pnp.theory import (
    ElectroneutralPore,
    PoreSection,
    access_limited_current_density,
    access_resistance,
    bulk_conductivity,
    donnan_ghk_current_density,
    donnan_ghk_voltage,
    fit_ghk_permeabilities,
    ghk_total_current_density,
    ghk_voltage,
)

NEAR_ZERO = 0.1


def species_densities(record: Mapping) -> dict[str, float]:
    """Per-species current densities (A/m^2) of a results.json point."""
    return dict(record["species_current_densities_A_per_m2"])


def compared_currents(
    pnp_points: Sequence[Mapping], ghk_points: Sequence[Mapping]
) -> list[tuple[float, float] | None]:
    """(I_ghk, I_pnp) per PNP point, or None where the point takes no part in the current
    comparison (not converged, no model value, or |I_pnp| below NEAR_ZERO of the largest;
    module doc)."""
    ghk = {p["voltage_mV"]: p["current_density_A_per_m2"] for p in ghk_points}
    converged = [p for p in pnp_points if p["converged"]]
    scale = max((abs(p["current_density_A_per_m2"]) for p in converged), default=0.0)
    pairs: list[tuple[float, float] | None] = []
    for p in pnp_points:
        i_pnp = p["current_density_A_per_m2"] if p["converged"] else None
        i_ghk = ghk.get(p["voltage_mV"])
        if i_pnp is None or i_ghk is None or abs(i_pnp) <= NEAR_ZERO * scale or scale == 0.0:
            pairs.append(None)
        else:
            pairs.append((i_ghk, i_pnp))
    return pairs


def relative_current_errors(
    pnp_points: Sequence[Mapping], ghk_points: Sequence[Mapping]
) -> list[float | None]:
    return [
        None if pair is None else abs(pair[0] - pair[1]) / abs(pair[1])
        for pair in compared_currents(pnp_points, ghk_points)
    ]


def signs_disagree(
    pnp_points: Sequence[Mapping], ghk_points: Sequence[Mapping]
) -> list[bool | None]:
    """Per voltage: GHK has the opposite sign to PNP, or is zero (None: not compared)."""
    return [
        None if pair is None else bool(np.sign(pair[0]) != np.sign(pair[1]))
        for pair in compared_currents(pnp_points, ghk_points)
    ]


def fold_errors(pnp_points: Sequence[Mapping], ghk_points: Sequence[Mapping]) -> list[float | None]:
    """|ln(I_ghk / I_pnp)| per voltage; None where not compared or the signs disagree."""
    return [
        None if pair is None or pair[0] / pair[1] <= 0.0 else abs(math.log(pair[0] / pair[1]))
        for pair in compared_currents(pnp_points, ghk_points)
    ]


def current_agreement(pnp_points: Sequence[Mapping], ghk_points: Sequence[Mapping]) -> dict:
    """The fold-error and sign entries of the `ghk_comparison` block (module doc)."""
    folds = fold_errors(pnp_points, ghk_points)
    signs = signs_disagree(pnp_points, ghk_points)
    opposite = [k for k, disagree in enumerate(signs) if disagree]
    compared = [k for k, fold in enumerate(folds) if fold is not None]
    worst = opposite[0] if opposite else max(compared, key=lambda k: folds[k], default=None)
    largest = None if opposite or worst is None else folds[worst]  # infinite if opposite
    return {
        "fold_errors": folds,
        "current_signs_disagree": signs,
        "sign_disagreements": len(opposite),
        "max_fold_error": largest,
        "max_fold_factor": None if largest is None else math.exp(largest),
        "max_fold_voltage_mV": None if worst is None else pnp_points[worst]["voltage_mV"],
    }


def _ghk_reversal(case: Case, perms: Mapping[str, float]) -> float | None:
    try:
        v = ghk_voltage(
            perms,
            {s.name: s.inside_mM for s in case.species},
            {s.name: s.outside_mM for s in case.species},
            {s.name: s.charge for s in case.species},
            case.conditions.temperature_K,
        )
    except ValueError:
        return None
    return 1e3 * v if math.isfinite(v) else None


def apparent_permeability_ratios(
    case: Case, perms: Mapping[str, float], reversal_mV: float | None
) -> dict:
    """Ratios to the first species inferred from the PNP reversal potential (see module doc)."""
    names = list(case.species_names)
    ref = names[0]
    a_priori = {n: perms[n] / perms[ref] for n in names[1:]}
    apparent: dict[str, float | None] = {}
    for name in names[1:]:
        apparent[name] = None
        if reversal_mV is None:
            continue

        def mismatch(log_ratio: float, name: str = name) -> float:
            trial = dict(perms)
            trial[name] = perms[ref] * math.exp(log_ratio)
            v = _ghk_reversal(case, trial)
            return (v if v is not None else math.nan) - reversal_mV

        grid = np.linspace(-14.0, 14.0, 57)  # ratios from 1e-6 to 1e6
        values = np.array([mismatch(g) for g in grid])
        sign_change = np.flatnonzero(np.diff(np.sign(values)) != 0)
        if sign_change.size and np.all(np.isfinite(values[sign_change[0] : sign_change[0] + 2])):
            from scipy.optimize import brentq

            k = sign_change[0]
            apparent[name] = math.exp(brentq(mismatch, grid[k], grid[k + 1], xtol=1e-12))
    return {"reference": ref, "a_priori": a_priori, "apparent": apparent}


def field_nonuniformity(
    profile: Mapping[str, np.ndarray], voltage_mV: float, pore_extent_nm: tuple[float, float]
) -> float | None:
    """RMS over the axis inside the pore (extent from the mesh's pore cells) of E_z - V/L,
    relative to |V/L|, L the length of that extent."""
    if voltage_mV == 0.0:
        return None
    lo, hi = pore_extent_nm
    z = np.asarray(profile["z_nm"])
    inside = (z > lo) & (z < hi)
    constant = voltage_mV * 1e-3 / ((hi - lo) * 1e-9)
    deviation = np.asarray(profile["E_z_V_per_m"])[inside] - constant
    return float(np.sqrt(np.mean(deviation**2)) / abs(constant))


def axial_space_charge_M(
    case: Case,
    profile: Mapping[str, np.ndarray],
    pore_extent_nm: tuple[float, float],
    filter_extent_nm: tuple[float, float] | None,
) -> np.ndarray:
    """Net charge density on the axis inside the pore (M of elementary charges)."""
    z = np.asarray(profile["z_nm"])
    mobile = sum(s.charge * np.asarray(profile[f"c_{s.name}_mM"]) for s in case.species) * 1e-3
    if case.segments:
        ends = segment_ends_nm(case)
        index = np.clip(np.searchsorted(ends, z) - 1, 0, len(case.segments) - 1)
        fixed = np.array([case.segments[k].fixed_charge_M for k in index])
    else:
        in_filter = np.zeros(z.shape, dtype=bool)
        if filter_extent_nm is not None:
            in_filter = (z > filter_extent_nm[0]) & (z < filter_extent_nm[1])
        fixed = np.where(
            in_filter, case.regions["filter"].fixed_charge_M, case.regions["pore"].fixed_charge_M
        )
    inside = (z > pore_extent_nm[0]) & (z < pore_extent_nm[1])
    return (mobile + fixed)[inside]


def fitted_ghk(case: Case, pnp_points: Sequence[Mapping]) -> dict:
    """Least-squares permeabilities from the PNP species currents (`pnp.theory.ghk_fit`)."""
    converged = [p for p in pnp_points if p["converged"]]
    fit = fit_ghk_permeabilities(
        [p["voltage_mV"] * 1e-3 for p in converged],
        {s.name: [species_densities(p)[s.name] for p in converged] for s in case.species},
        *_species_maps(case),
        case.conditions.temperature_K,
        NEAR_ZERO,
    )
    perms = fit.permeabilities_m_per_s
    return {
        "permeabilities_m_per_s": perms,
        "relative_rms_residual": fit.relative_rms_residual,
        "reversal_potential_mV": _ghk_reversal(case, perms) if any(perms.values()) else None,
        "current_densities_A_per_m2": fit.current_densities_A_per_m2,
        "voltages_mV": [p["voltage_mV"] for p in converged],
    }


def model_agreement(
    pnp_points: Sequence[Mapping],
    reversal_mV: float | None,
    densities: Sequence[float],
    model_reversal_mV: float | None,
) -> dict:
    """The fold-error, sign and reversal entries of one cheap model (module doc), from its
    current densities at the PNP points' voltages and its zero-current potential."""
    model_points = [
        {"voltage_mV": p["voltage_mV"], "current_density_A_per_m2": j}
        for p, j in zip(pnp_points, densities, strict=True)
    ]
    return {
        "current_densities_A_per_m2": list(densities),
        **current_agreement(pnp_points, model_points),
        "reversal_potential_mV": model_reversal_mV,
        "reversal_potential_error_mV": (
            model_reversal_mV - reversal_mV
            if model_reversal_mV is not None and reversal_mV is not None
            else None
        ),
    }


def _species_maps(case: Case) -> tuple[dict, dict, dict]:
    return (
        {s.name: s.inside_mM for s in case.species},
        {s.name: s.outside_mM for s in case.species},
        {s.name: s.charge for s in case.species},
    )


def _finite_mV(volts: float) -> float | None:
    return 1e3 * volts if math.isfinite(volts) else None


def donnan_ghk_model(case: Case, pnp_points: Sequence[Mapping], reversal_mV: float | None) -> dict:
    """GHK with Donnan partitioning at both mouths (module doc)."""
    parts = pore_charges_mM(case)
    fixed_mM = sum(length * x for length, x in parts) / sum(length for length, _ in parts)
    perms = series_permeabilities(case)
    c_in, c_out, charges = _species_maps(case)
    t = case.conditions.temperature_K
    try:
        densities = [
            donnan_ghk_current_density(
                perms, c_in, c_out, charges, fixed_mM, p["voltage_mV"] * 1e-3, t
            )
            for p in pnp_points
        ]
    except ValueError as err:  # e.g. no mobile counter-ion for the fixed charge
        return {"fixed_charge_mM": fixed_mM, "reason": str(err)}
    try:
        model_rev = _finite_mV(donnan_ghk_voltage(perms, c_in, c_out, charges, fixed_mM, t))
    except ValueError:
        model_rev = None
    return {
        "fixed_charge_mM": fixed_mM,
        **model_agreement(pnp_points, reversal_mV, densities, model_rev),
    }


def access_ghk_model(
    case: Case,
    pnp_points: Sequence[Mapping],
    ghk_reversal_mV: float | None,
    reversal_mV: float | None,
) -> dict | None:
    """GHK in series with the access resistance of both mouths (module doc); None where the
    PNP model has no mouths of a given radius."""
    radius_nm = case.geometry.pore_radius_nm
    if case.geometry.kind not in WALLED_KINDS or radius_nm is None or case.segments:
        return None
    radius = radius_nm * 1e-9
    c_in, c_out, charges = _species_maps(case)
    diffusion = {s.name: s.diffusion_m2_per_s for s in case.species}
    t = case.conditions.temperature_K
    resistance = sum(
        access_resistance(bulk_conductivity(bath, charges, diffusion, t), radius)
        for bath in (c_in, c_out)
    )
    perms = series_permeabilities(case)
    area = math.pi * radius**2  # the area of the reported current density
    densities = [
        access_limited_current_density(
            perms, c_in, c_out, charges, p["voltage_mV"] * 1e-3, area, resistance, t
        )
        for p in pnp_points
    ]
    return {
        "access_resistance_ohm": resistance,
        **model_agreement(pnp_points, reversal_mV, densities, ghk_reversal_mV),
    }


def pore_sections(case: Case) -> tuple[list[PoreSection], float] | None:
    """The sections of the electroneutral model (from the inside bath) and the area (m^2)
    of the reported current density; None for a shaped wall or a mesh file."""
    g = case.geometry
    if g.kind not in ("slab", "channel_1d", *WALLED_KINDS) or g.shape != "cylindrical":
        return None
    one_d = g.kind in ("slab", "channel_1d")

    def area(radius_nm: float | None) -> float:
        return 1.0 if radius_nm is None or g.kind == "slab" else math.pi * (radius_nm * 1e-9) ** 2

    def diffusion(region: str) -> dict[str, float]:
        factor = case.regions[region].diffusion_factor or 0.0
        return {s.name: s.diffusion_m2_per_s * factor for s in case.species}

    charges = pore_charges_mM(case)
    if case.segments:
        sections = [
            PoreSection(seg.length_nm * 1e-9, area(seg.radius_nm), x, dict(seg.diffusion_m2_per_s))
            for seg, (_, x) in zip(case.segments, charges, strict=True)
        ]
    else:
        (pore_nm, pore_mM), *filt = charges
        pore = PoreSection(
            0.5 * pore_nm * 1e-9 if filt else pore_nm * 1e-9,
            area(g.pore_radius_nm),
            pore_mM,
            diffusion("pore"),
        )
        sections = [pore]
        if filt:
            middle = PoreSection(
                filt[0][0] * 1e-9, area(g.filter_radius_nm), filt[0][1], diffusion("filter")
            )
            sections = [pore, middle, pore]
    if one_d and g.bath_length_nm > 0.0:
        bath = PoreSection(g.bath_length_nm * 1e-9, area(g.bath_radius_nm), 0.0, diffusion("bath"))
        sections = [bath, *sections, bath]
    return sections, area(g.pore_radius_nm)


def electroneutral_model(
    case: Case, pnp_points: Sequence[Mapping], reversal_mV: float | None
) -> dict | None:
    """Electroneutral Nernst–Planck through the pore's sections (module doc)."""
    found = pore_sections(case)
    if found is None:
        return None
    sections, reference_area = found
    c_in, c_out, charges = _species_maps(case)
    try:
        pore = ElectroneutralPore(sections, c_in, c_out, charges, case.conditions.temperature_K)
    except ValueError as err:  # e.g. a section whose charge no counter-ion can neutralise
        return {"reason": str(err)}
    densities: list[float | None] = []
    failures = []
    for p in pnp_points:
        try:
            densities.append(pore.current(p["voltage_mV"] * 1e-3) / reference_area)
        except ValueError as err:  # beyond the limiting current: this voltage only
            densities.append(None)
            failures.append(str(err))
    if len(failures) == len(pnp_points):
        return {"reason": failures[0]}
    volts = [p["voltage_mV"] * 1e-3 for p in pnp_points]
    bracket = next(
        (
            (volts[k], volts[k + 1])
            for k in range(len(volts) - 1)
            if densities[k] is not None
            and densities[k + 1] is not None
            and densities[k] * densities[k + 1] <= 0
        ),
        None,
    )
    try:
        model_rev = _finite_mV(pore.reversal_potential(bracket))
    except ValueError:
        model_rev = None
    agreement = model_agreement(pnp_points, reversal_mV, densities, model_rev)
    if failures:
        agreement["failed_voltages"] = failures
    return agreement


def fitted_ghk_model(
    case: Case, pnp_points: Sequence[Mapping], fitted: Mapping, reversal_mV: float | None
) -> dict:
    """GHK with the fitted permeabilities, at every voltage (module doc)."""
    perms = fitted["permeabilities_m_per_s"]
    if not any(perms.values()):
        return {"reason": "no PNP point converged with a current to fit"}
    c_in, c_out, charges = _species_maps(case)
    t = case.conditions.temperature_K
    densities = [
        float(ghk_total_current_density(perms, c_in, c_out, charges, p["voltage_mV"] * 1e-3, t))
        for p in pnp_points
    ]
    return {
        "permeabilities_m_per_s": dict(perms),
        **model_agreement(pnp_points, reversal_mV, densities, fitted["reversal_potential_mV"]),
    }


def cheap_models(
    case: Case,
    pnp_points: Sequence[Mapping],
    ghk_reversal_mV: float | None,
    reversal_mV: float | None,
    fitted: Mapping,
) -> dict:
    """The `cheap_models` entry of the `ghk_comparison` block (module doc)."""
    return {
        "donnan_ghk": donnan_ghk_model(case, pnp_points, reversal_mV),
        "access_ghk": access_ghk_model(case, pnp_points, ghk_reversal_mV, reversal_mV),
        "electroneutral_np": electroneutral_model(case, pnp_points, reversal_mV),
        "fitted_ghk": fitted_ghk_model(case, pnp_points, fitted, reversal_mV),
    }


def ghk_comparison(
    case: Case,
    pnp_points: Sequence[Mapping],
    ghk: Mapping,
    reversal_mV: float | None,
    profiles: Mapping[float, Mapping[str, np.ndarray]],
    pore_extent_nm: tuple[float, float],
    filter_extent_nm: tuple[float, float] | None = None,
) -> dict:
    """The `ghk_comparison` block of results.json (see the module docstring); the extents
    (z_lo, z_hi) of the pore and filter are those of the mesh's cells."""
    errors = relative_current_errors(pnp_points, ghk["points"])
    finite = [e for e in errors if e is not None]
    ghk_rev = ghk["reversal_potential_mV"]
    nonuniformity = {
        v: field_nonuniformity(prof, v, pore_extent_nm) for v, prof in profiles.items()
    }
    finite_nonuniformity = [x for x in nonuniformity.values() if x is not None]
    charges = [
        np.max(np.abs(axial_space_charge_M(case, prof, pore_extent_nm, filter_extent_nm)))
        for prof in profiles.values()
    ]
    peak_M = float(max(charges)) if charges else None
    fitted = fitted_ghk(case, pnp_points)
    return {
        "voltages_mV": [p["voltage_mV"] for p in pnp_points],
        **current_agreement(pnp_points, ghk["points"]),
        "relative_current_errors": errors,
        "max_relative_current_error": max(finite) if finite else None,
        "reversal_potential_error_mV": (
            ghk_rev - reversal_mV if ghk_rev is not None and reversal_mV is not None else None
        ),
        "apparent_permeability_ratios": apparent_permeability_ratios(
            case, ghk["permeabilities_m_per_s"], reversal_mV
        ),
        "field_nonuniformity": {f"{v:g}": x for v, x in nonuniformity.items()},
        "field_nonuniformity_max": max(finite_nonuniformity) if finite_nonuniformity else None,
        "field_nonuniformity_at_max_voltage": (
            nonuniformity[max(nonuniformity, key=abs)] if nonuniformity else None
        ),
        "peak_space_charge_M": peak_M,
        "peak_space_charge_C_per_m3": None if peak_M is None else peak_M * 1e3 * FARADAY,
        "fitted": fitted,
        "dimensionless_groups": dimensionless_groups(case),
        "cheap_models": cheap_models(case, pnp_points, ghk_rev, reversal_mV, fitted),
    }
