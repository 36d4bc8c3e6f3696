"""The material of every region a case's mesh can hold, stated once for the solver.

The fixed regions (bath, pore, filter, membrane) take their values from
[regions], with the region's diffusion factor applied to every species; the axial
segments carry their own. The 1D channel model also gives each region a radius
(its cross-section pi r^2): the baths are wide segments of `bath_radius_nm`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pnp.case.schema import Case


@dataclass(frozen=True)
class Material:
    """Relative permittivity, fixed charge (M), diffusion coefficient of each species
    (m^2/s, in the case's species order; 0 where no ions go) and radius (nm, or None)."""

    permittivity: float
    fixed_charge_M: float
    diffusion_m2_per_s: tuple[float, ...]
    radius_nm: float | None = None


def region_materials(case: Case) -> dict[str, Material]:
    """Material by region or segment name (and, with a structure, of the protein and its
    ion-exclusion layer; the atoms' partial charges are added by the solver)."""
    free = [s.diffusion_m2_per_s for s in case.species]
    channel = case.geometry.kind == "channel_1d"
    materials = {}
    for name, region in case.regions.items():
        factor = region.diffusion_factor or 0.0
        materials[name] = Material(
            permittivity=region.permittivity,
            fixed_charge_M=region.fixed_charge_M,
            diffusion_m2_per_s=tuple(factor * d for d in free),
            radius_nm=case.geometry.bath_radius_nm if channel and name == "bath" else None,
        )
    if case.structure is not None:
        no_ions = tuple(0.0 for _ in free)
        materials["protein"] = Material(case.structure.protein_permittivity, 0.0, no_ions)
        # the ion-exclusion layer is solvent that ion centres cannot reach
        solvent = case.regions["bath"].permittivity
        materials["ion_exclusion"] = Material(solvent, 0.0, no_ions)
    for seg in case.segments:
        materials[seg.name] = Material(
            permittivity=seg.permittivity,
            fixed_charge_M=seg.fixed_charge_M,
            diffusion_m2_per_s=tuple(seg.diffusion_m2_per_s[s.name] for s in case.species),
            radius_nm=seg.radius_nm,
        )
    return materials


def smooth_axial_values(
    z: np.ndarray, layers: list[tuple[float, float, str]], values: dict[str, float], width: float
) -> np.ndarray:
    """sum_k v_k chi_k(z), chi_k = logistic steps of `width` at both ends of layer k (the
    first and last layers reach to infinity), so the weights sum to 1 everywhere."""

    def step(at: float) -> np.ndarray:
        return 0.5 * (1.0 + np.tanh((z - at) / width))

    result = np.zeros_like(z, dtype=float)
    for k, (z0, z1, name) in enumerate(layers):
        lower = step(z0) if k > 0 else 1.0
        upper = step(z1) if k < len(layers) - 1 else 0.0
        result += values[name] * (lower - upper)
    return result


def segment_ends_nm(case: Case) -> np.ndarray:
    """Axial positions of the segment ends (the pore is centred on z = 0)."""
    lengths = [s.length_nm for s in case.segments]
    return -0.5 * sum(lengths) + np.concatenate(([0.0], np.cumsum(lengths)))


def series_permeabilities(case: Case) -> dict[str, float]:
    """Permeability (m/s) of each species through the pore as resistances in series:
    P_i = 1 / sum_k L_k / (D_ik A_k / A_ref), A_ref the narrowest section (uniform areas
    without radii). It is D_i / L for a uniform pore with the pore's diffusion factor."""
    if not case.segments:
        factor = case.regions["pore"].diffusion_factor or 1.0
        length_m = case.geometry.pore_length_nm * 1e-9
        return {s.name: s.diffusion_m2_per_s * factor / length_m for s in case.species}
    radii = [seg.radius_nm for seg in case.segments]
    reference = min(radii) if None not in radii else None
    result = {}
    for s in case.species:
        resistance = 0.0
        for seg in case.segments:
            area_ratio = 1.0 if reference is None else (seg.radius_nm / reference) ** 2
            resistance += seg.length_nm * 1e-9 / (seg.diffusion_m2_per_s[s.name] * area_ratio)
        result[s.name] = 1.0 / resistance
    return result
