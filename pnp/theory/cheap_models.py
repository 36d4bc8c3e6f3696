"""Cheap corrections to constant-field (GHK) theory: Donnan partitioning and access resistance.

Two one-line models beside plain GHK, each with the exact limit it reduces to:

- Donnan-GHK (a charged membrane): each face is in Donnan equilibrium with its bath (fixed
  charge X, mM of elementary charges, signed), the field inside is constant. With
  Delta_in, Delta_out the Donnan potentials (membrane minus bath) at the two faces, the
  interior sees ``V_m = V + Delta_in - Delta_out`` and the membrane-side concentrations
  ``c_i exp(-z_i Delta / V_T)``; each species carries the GHK current of those. X = 0 is
  plain GHK; for ``|X| >> c`` the co-ions are excluded and the zero-current potential tends
  to the counter-ion's Nernst potential, as the Teorell-Meyer-Sievers potential does.
- Access-limited GHK: the pore's GHK current in series with the access resistance of its
  two mouths (Hall 1975: ``1 / (4 sigma_bulk R)`` per mouth, sigma_bulk the bath's
  conductivity, R the pore radius). The applied V splits into the pore's share V_p and the
  ohmic drop ``R_access A J(V_p)``; V_p is found by root finding (the GHK current rises
  with V, so the root is unique). R_access = 0 is plain GHK; near V = 0 the conductance is
  ``1 / (1 / G_GHK + R_access)``. The zero-current potential is the GHK one.

SI inside (V, m, ohm, A/m^2), concentrations in mM; V = phi_in - phi_out, outward current
positive (PHYSICS.md). Species are mappings name -> value as in :func:`ghk_voltage`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from pnp.constants import DEFAULT_TEMPERATURE, FARADAY, GAS_CONSTANT, thermal_voltage
from pnp.theory import _validation as check
from pnp.theory.donnan import donnan_equilibrium
from pnp.theory.ghk import ghk_total_current_density, ghk_voltage


@dataclass(frozen=True)
class DonnanFaces:
    """Donnan potentials (V, membrane minus bath) and membrane-side concentrations (mM)
    at the inside and outside faces of a charged membrane."""

    inside_potential: float
    outside_potential: float
    inside_mM: dict[str, float]
    outside_mM: dict[str, float]


def _face(
    fixed_charge_mM: float, bath: Mapping[str, float], charges: Mapping[str, float], t: float
) -> tuple[float, dict[str, float]]:
    present = {n: (charges[n], c) for n, c in bath.items() if c > 0.0}
    eq = donnan_equilibrium(fixed_charge_mM, present, t)
    return eq.potential, {n: eq.concentrations.get(n, 0.0) for n in bath}


def donnan_faces(
    c_in: Mapping[str, float],
    c_out: Mapping[str, float],
    charges: Mapping[str, float],
    fixed_charge_mM: float,
    temperature: float = DEFAULT_TEMPERATURE,
) -> DonnanFaces:
    """Donnan equilibrium of the membrane's fixed charge with each bath (species absent from
    a bath stay absent at that face)."""
    t = check.temperature(temperature)
    x = check.finite_float("fixed_charge_mM", fixed_charge_mM)
    psi_in, m_in = _face(x, c_in, charges, t)
    psi_out, m_out = _face(x, c_out, charges, t)
    return DonnanFaces(psi_in, psi_out, m_in, m_out)


def donnan_ghk_current_density(
    permeabilities: Mapping[str, float],
    c_in: Mapping[str, float],
    c_out: Mapping[str, float],
    charges: Mapping[str, float],
    fixed_charge_mM: float,
    voltage: float,
    temperature: float = DEFAULT_TEMPERATURE,
) -> float:
    """Total current density (A/m^2) of the Donnan-GHK model at `voltage` (V); see the module
    doc. `permeabilities` are those of the uncharged membrane (D_i / L)."""
    faces = donnan_faces(c_in, c_out, charges, fixed_charge_mM, temperature)
    interior = check.finite_float("voltage", voltage) + faces.inside_potential
    interior -= faces.outside_potential
    return float(
        ghk_total_current_density(
            permeabilities, faces.inside_mM, faces.outside_mM, charges, interior, temperature
        )
    )


def donnan_ghk_voltage(
    permeabilities: Mapping[str, float],
    c_in: Mapping[str, float],
    c_out: Mapping[str, float],
    charges: Mapping[str, float],
    fixed_charge_mM: float,
    temperature: float = DEFAULT_TEMPERATURE,
) -> float:
    """Zero-current potential (V) of the Donnan-GHK model: the GHK voltage of the
    membrane-side concentrations, shifted by the two Donnan potentials."""
    faces = donnan_faces(c_in, c_out, charges, fixed_charge_mM, temperature)
    interior = ghk_voltage(
        permeabilities, faces.inside_mM, faces.outside_mM, charges, temperature, method="root"
    )
    return interior - faces.inside_potential + faces.outside_potential


def bulk_conductivity(
    concentrations_mM: Mapping[str, float],
    charges: Mapping[str, float],
    diffusion_m2_per_s: Mapping[str, float],
    temperature: float = DEFAULT_TEMPERATURE,
) -> float:
    """Conductivity (S/m) of a bulk electrolyte: F^2 / (R T) sum_i z_i^2 D_i c_i."""
    names = check.same_keys(
        {
            "concentrations_mM": concentrations_mM,
            "charges": charges,
            "diffusion": diffusion_m2_per_s,
        }
    )
    t = check.temperature(temperature)
    total = sum(
        charges[n] ** 2
        * float(check.non_negative(f"diffusion[{n!r}]", diffusion_m2_per_s[n], "m^2/s"))
        * float(check.non_negative(f"concentrations_mM[{n!r}]", concentrations_mM[n], "mM"))
        for n in names
    )
    return FARADAY**2 * total / (GAS_CONSTANT * t)


def access_resistance(conductivity_S_per_m: float, radius_m: float) -> float:
    """Access resistance (ohm) of one mouth of a pore of radius R (Hall 1975): 1 / (4 sigma R)."""
    sigma = float(check.positive("conductivity_S_per_m", conductivity_S_per_m, "S/m"))
    radius = float(check.positive("radius_m", radius_m, "m"))
    return 1.0 / (4.0 * sigma * radius)


def access_limited_current_density(
    permeabilities: Mapping[str, float],
    c_in: Mapping[str, float],
    c_out: Mapping[str, float],
    charges: Mapping[str, float],
    voltage: float,
    area_m2: float,
    access_resistance_ohm: float,
    temperature: float = DEFAULT_TEMPERATURE,
) -> float:
    """Current density (A/m^2 over `area_m2`) of GHK in series with `access_resistance_ohm`
    (both mouths together): the root V_p of ``V_p + R_access A J_GHK(V_p) = V``."""
    v = check.finite_float("voltage", voltage)
    area = float(check.positive("area_m2", area_m2, "m^2"))
    resistance = float(check.non_negative("access_resistance_ohm", access_resistance_ohm, "ohm"))

    def current(v_pore: float) -> float:
        return float(
            ghk_total_current_density(permeabilities, c_in, c_out, charges, v_pore, temperature)
        )

    if resistance == 0.0:
        return current(v)

    def mismatch(v_pore: float) -> float:
        return v_pore + resistance * area * current(v_pore) - v

    # mismatch rises with V_p; V_p lies between V and the GHK zero-current potential
    # (or, without one, within a few V_T of V on the side the current drops).
    vt = thermal_voltage(check.temperature(temperature))
    step = max(abs(v), vt)
    lo, hi = v - step, v + step
    for _ in range(200):
        if mismatch(lo) <= 0.0:
            break
        lo -= step
        step *= 2.0
    step = max(abs(v), vt)
    for _ in range(200):
        if mismatch(hi) >= 0.0:
            break
        hi += step
        step *= 2.0
    if not (mismatch(lo) <= 0.0 <= mismatch(hi)):
        raise ValueError("could not bracket the pore's share of the voltage")
    from scipy.optimize import brentq

    v_pore = brentq(mismatch, lo, hi, xtol=1e-15, rtol=4 * np.finfo(float).eps, maxiter=500)
    return current(v_pore)


def series_conductance(pore_conductance_S: float, access_resistance_ohm: float) -> float:
    """Conductance (S) of a pore of conductance G in series with R_access: 1/(1/G + R)."""
    g = float(check.positive("pore_conductance_S", pore_conductance_S, "S"))
    return 1.0 / (1.0 / g + float(access_resistance_ohm))
