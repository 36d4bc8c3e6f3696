"""GHK with permeabilities fitted to a measured (or PNP) current–voltage curve.

Each species' GHK current is linear in its permeability, I_i(V) = P_i g_i(V) with g_i the GHK
current of unit permeability, so the least-squares fit to the species currents I_i(V_k) is
closed-form: P_i = max(sum_k g_i I_i / sum_k g_i^2, 0). On currents that are exactly GHK
the fit returns their permeabilities to rounding. The fit's quality is reported as the
relative RMS residual of the total current and its fold error |ln(I_fit / I)| per voltage.

SI inside (V, m/s, A/m^2), concentrations in mM; V = phi_in - phi_out, outward positive.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from pnp.constants import DEFAULT_TEMPERATURE
from pnp.theory import _validation as check
from pnp.theory.ghk import ghk_current_density


@dataclass(frozen=True)
class GHKFit:
    """Fitted permeabilities (m/s), the fitted total current density at each voltage
    (A/m^2), its relative RMS residual (None without current) and its fold errors (None
    where the fitted and given currents differ in sign or the given one is below
    `near_zero` of the largest)."""

    permeabilities_m_per_s: dict[str, float]
    current_densities_A_per_m2: list[float]
    relative_rms_residual: float | None
    fold_errors: list[float | None]

    @property
    def max_fold_error(self) -> float | None:
        finite = [f for f in self.fold_errors if f is not None]
        return max(finite) if finite else None


def fit_ghk_permeabilities(
    voltages: Sequence[float],
    species_current_densities: Mapping[str, Sequence[float]],
    c_in: Mapping[str, float],
    c_out: Mapping[str, float],
    charges: Mapping[str, float],
    temperature: float = DEFAULT_TEMPERATURE,
    near_zero: float = 0.1,
) -> GHKFit:
    """Least-squares GHK permeabilities from species current densities (A/m^2) at
    `voltages` (V); see the module doc."""
    names = check.same_keys(
        {
            "species_current_densities": species_current_densities,
            "c_in": c_in,
            "c_out": c_out,
            "charges": charges,
        }
    )
    v = check.finite("voltages", np.asarray(voltages, dtype=float))
    perms: dict[str, float] = {}
    fitted = np.zeros(v.shape)
    measured = np.zeros(v.shape)
    for n in names:
        data = check.finite(f"species_current_densities[{n!r}]", species_current_densities[n])
        if data.shape != v.shape:
            raise ValueError(
                f"species_current_densities[{n!r}]: need one value per voltage ({v.size}), "
                f"got {data.size}"
            )
        unit = np.atleast_1d(
            ghk_current_density(charges[n], 1.0, c_in[n], c_out[n], v, temperature)
        )
        denominator = float(unit @ unit)
        perms[n] = max(float(unit @ data) / denominator, 0.0) if denominator > 0 else 0.0
        fitted += perms[n] * unit
        measured += data
    scale = float(np.max(np.abs(measured))) if measured.size else 0.0
    residual = float(np.sqrt(np.mean((fitted - measured) ** 2)) / scale) if scale > 0 else None
    folds: list[float | None] = []
    for f, m in zip(fitted, measured, strict=True):
        compared = scale > 0 and abs(m) > near_zero * scale and f / m > 0.0
        folds.append(abs(math.log(f / m)) if compared else None)
    return GHKFit(perms, fitted.tolist(), residual, folds)
