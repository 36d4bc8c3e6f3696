"""GHK with fitted permeabilities: exact recovery from GHK currents, and the residual of a fit
to currents that are not GHK."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pnp.constants import thermal_voltage
from pnp.theory import PoreSection, electroneutral_solution, fit_ghk_permeabilities
from pnp.theory import ghk_current_density as ghk

Z = {"K": 1, "Na": 1, "Cl": -1}
C_IN = {"K": 140.0, "Na": 10.0, "Cl": 150.0}
C_OUT = {"K": 5.0, "Na": 145.0, "Cl": 150.0}
TRUE = {"K": 4e-3, "Na": 1.6e-4, "Cl": 9e-4}
VOLTS = np.linspace(-0.12, 0.08, 11)


def synthetic(perms):
    return {n: [float(ghk(Z[n], perms[n], C_IN[n], C_OUT[n], v)) for v in VOLTS] for n in Z}


def test_fit_recovers_the_permeabilities_of_ghk_currents():
    fit = fit_ghk_permeabilities(VOLTS, synthetic(TRUE), C_IN, C_OUT, Z)
    for n, p in TRUE.items():
        assert fit.permeabilities_m_per_s[n] == pytest.approx(p, rel=1e-12)
    assert fit.relative_rms_residual < 1e-13
    assert fit.max_fold_error < 1e-12
    # the voltages near the reversal potential take no part in the fold error
    total = np.sum([synthetic(TRUE)[n] for n in Z], axis=0)
    small = np.abs(total) <= 0.1 * np.max(np.abs(total))
    assert [f is None for f in fit.fold_errors] == small.tolist()


def test_absent_species_and_negative_slopes_give_zero_permeability():
    data = synthetic({**TRUE, "Na": 0.0})
    data["Na"] = [-x for x in synthetic(TRUE)["Na"]]  # a current against its driving force
    fit = fit_ghk_permeabilities(VOLTS, data, C_IN, C_OUT, Z)
    assert fit.permeabilities_m_per_s["Na"] == 0.0
    assert fit.permeabilities_m_per_s["K"] == pytest.approx(TRUE["K"], rel=1e-12)


def test_fit_to_an_electroneutral_pore_leaves_a_residual_and_ohmic_limit_is_exact():
    """Symmetric baths: the electroneutral charged pore is ohmic, GHK with symmetric baths
    is ohmic too, so the fit is exact; with a gradient it is not."""
    d = {"K": 2e-9, "Cl": 1e-9}
    z = {"K": 1, "Cl": -1}
    sections = [PoreSection(50e-9, 1e-18, -40.0, d)]
    bath = {"K": 100.0, "Cl": 100.0}
    volts = [-0.1, -0.05, 0.05, 0.1]

    def curves(c_out):
        sols = [electroneutral_solution(sections, bath, c_out, z, v) for v in volts]
        return {n: [s.species_currents_A[n] / 1e-18 for s in sols] for n in z}

    ohmic = fit_ghk_permeabilities(volts, curves(bath), bath, bath, z)
    assert ohmic.max_fold_error < 1e-7
    # GHK with symmetric baths: I = P F c V / V_T per species
    vt = thermal_voltage()
    k_current = curves(bath)["K"][-1]
    assert ohmic.permeabilities_m_per_s["K"] == pytest.approx(
        k_current * vt / (96485.33212 * 100.0 * 0.1), rel=1e-7
    )
    c_out = {"K": 10.0, "Cl": 10.0}
    graded = fit_ghk_permeabilities(volts, curves(c_out), bath, c_out, z)
    assert graded.max_fold_error > 0.05
    assert math.isfinite(graded.relative_rms_residual)


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match="species_current_densities"):
        fit_ghk_permeabilities([0.0, 0.1], {"K": [1.0]}, {"K": 1.0}, {"K": 1.0}, {"K": 1})
