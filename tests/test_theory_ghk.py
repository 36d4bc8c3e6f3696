"""GHK current and voltage equations: seed numbers and exact identities."""

import math
import warnings

import numpy as np
import pytest
from scipy.optimize import brentq

from pnp.constants import FARADAY, GAS_CONSTANT, thermal_voltage
from pnp.theory import (
    ghk_current_density,
    ghk_total_current_density,
    ghk_voltage,
    nernst_potential,
)

# Textbook mammalian set (K+ from the seed's E_K; Na+ and Cl- values assumed, see below).
NEURON_IN = {"K": 140.0, "Na": 15.0, "Cl": 10.0}
NEURON_OUT = {"K": 5.0, "Na": 145.0, "Cl": 110.0}
MONO_Z = {"K": 1, "Na": 1, "Cl": -1}


def naive_ghk(z, p, cin, cout, v, t):
    """Textbook form, fine away from V = 0."""
    u = z * v / thermal_voltage(t)
    return p * z * FARADAY * u * (cin - cout * math.exp(-u)) / (1.0 - math.exp(-u))


# --- seed numbers ---------------------------------------------------------------


def test_seed004_ghk_resting_potential_and_error_of_nernst_estimate():
    # seed 004: P_K : P_Na : P_Cl = 1 : 0.04 : 0.45 at 37 °C; Nernst for K alone ~ -89.1 mV,
    # GHK ~ -67.3 mV, an error of more than 21 mV.  The seed gives the permeability
    # ratios but not the concentrations: K+ 140/5 mM reproduces its E_K = -89.1 mV,
    # Na+ 15/145 mM and Cl- 10/110 mM are the textbook values assumed here.
    t = 310.15
    perm = {"K": 1.0, "Na": 0.04, "Cl": 0.45}
    e_k = 1e3 * nernst_potential(1, NEURON_IN["K"], NEURON_OUT["K"], t)
    v = 1e3 * ghk_voltage(perm, NEURON_IN, NEURON_OUT, MONO_Z, t)
    assert round(e_k, 1) == -89.1
    assert round(v, 1) == -67.3
    assert v - e_k > 21.0


def test_seed001_ghk_lies_between_ek_and_ena_and_pulled_off_ek():
    # seed 001: with P_K : P_Na : P_Cl = 1 : 0.045 : 0.40 the resting potential sits
    # well above E_K but far below E_Na (concentrations are not given in the seed)
    t = 310.0
    perm = {"K": 1.0, "Na": 0.045, "Cl": 0.40}
    v = ghk_voltage(perm, NEURON_IN, NEURON_OUT, MONO_Z, t)
    e_k = nernst_potential(1, NEURON_IN["K"], NEURON_OUT["K"], t)
    e_na = nernst_potential(1, NEURON_IN["Na"], NEURON_OUT["Na"], t)
    assert e_k + 0.015 < v < e_na
    # raising P_Na moves V toward E_Na (seed 001, rising phase of the action potential)
    v_prev = v
    for p_na in (0.5, 5.0, 50.0, 5000.0):
        v_na = ghk_voltage(dict(perm, Na=p_na), NEURON_IN, NEURON_OUT, MONO_Z, t)
        assert v_prev < v_na < e_na
        v_prev = v_na
    assert abs(v_prev - e_na) < 1e-3


# --- current identities -----------------------------------------------------------


def test_ghk_current_exact_limit_at_zero_voltage():
    for z, cin, cout in [(1, 150.0, 5.0), (-1, 10.0, 110.0), (2, 1e-4, 2.0), (-3, 4.0, 1.0)]:
        p = 1e-8
        expected = p * z * FARADAY * (cin - cout)
        assert ghk_current_density(z, p, cin, cout, 0.0) == pytest.approx(expected, rel=1e-15)


def _series_factor(u):
    """u / (1 - exp(-u)) from its Bernoulli series, accurate to ~u^8 for small u."""
    return 1.0 + u / 2.0 + u**2 / 12.0 - u**4 / 720.0 + u**6 / 30240.0


def test_ghk_current_continuous_across_zero_voltage():
    t = 298.15
    z, p, cin, cout = 2, 3e-9, 0.1, 2.0
    i0 = ghk_current_density(z, p, cin, cout, 0.0, t)
    for v in (1e-12, 1e-10, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4):
        for s in (1.0, -1.0):
            u = z * s * v / thermal_voltage(t)
            expected = p * z * FARADAY * (cin * _series_factor(u) - cout * _series_factor(-u))
            got = ghk_current_density(z, p, cin, cout, s * v, t)
            assert got == pytest.approx(expected, rel=1e-13)
            assert abs(got - i0) < 1e-3 * abs(i0) * v / 1e-5  # Lipschitz: no jump at V = 0


def test_ghk_current_matches_textbook_form_away_from_zero():
    t = 310.0
    for z, cin, cout in [(1, 150.0, 5.0), (-1, 10.0, 110.0), (2, 1e-4, 2.0)]:
        for v in (-0.12, -0.05, -0.003, 0.002, 0.04, 0.1):
            expected = naive_ghk(z, 2e-8, cin, cout, v, t)
            got = ghk_current_density(z, 2e-8, cin, cout, v, temperature=t)
            assert got == pytest.approx(expected, rel=1e-11)


def test_ghk_current_zero_at_nernst_potential():
    for z, cin, cout in [(1, 150.0, 5.0), (-1, 10.0, 110.0), (2, 1e-4, 1.5)]:
        e = nernst_potential(z, cin, cout)
        scale = 1e-8 * abs(z) * FARADAY * (cin + cout)
        assert abs(ghk_current_density(z, 1e-8, cin, cout, e)) < 1e-12 * scale


def test_ghk_symmetric_baths_is_ohmic():
    # PHYSICS.md limit 2: symmetric baths -> I = F^2 c z^2 (D/L) V / (R T) exactly
    t, c, d, length = 298.15, 100.0, 1.33e-9, 5e-9
    p = d / length
    v = np.linspace(-0.2, 0.2, 41)
    for z in (1, -1, 2):
        expected = FARADAY**2 * c * z**2 * p * v / (GAS_CONSTANT * t)
        got = ghk_current_density(z, p, c, c, v, t)
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12 * np.abs(expected).max())


def test_ghk_outward_positive_and_vectorised():
    v = np.array([-0.1, 0.0, 0.1])
    i = ghk_current_density(1, 1e-8, 150.0, 5.0, v)
    assert isinstance(i, np.ndarray) and i.shape == (3,)
    assert i[1] > 0.0  # K+ efflux down its gradient at V = 0 is an outward (positive) current
    assert np.all(np.diff(i) > 0.0)  # monotone increasing I-V
    assert isinstance(ghk_current_density(1, 1e-8, 150.0, 5.0, -0.1), float)


def test_ghk_current_extreme_voltages_finite_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        i = ghk_current_density(2, 1e-8, 1e-4, 2.0, np.array([-50.0, -2.0, 2.0, 50.0]))
    assert np.all(np.isfinite(i))
    assert i[0] < 0.0 < i[-1]


# --- voltage identities -------------------------------------------------------------


def test_ghk_voltage_is_zero_of_summed_currents_monovalent():
    perm = {"K": 1.0, "Na": 0.05, "Cl": 0.3}
    v = ghk_voltage(perm, NEURON_IN, NEURON_OUT, MONO_Z)
    # root of the summed currents, found independently here
    total = lambda x: ghk_total_current_density(perm, NEURON_IN, NEURON_OUT, MONO_Z, x)  # noqa: E731
    v_root = brentq(total, -0.2, 0.2, xtol=1e-15)
    assert v == pytest.approx(v_root, abs=1e-12)
    assert ghk_voltage(perm, NEURON_IN, NEURON_OUT, MONO_Z, method="root") == pytest.approx(
        v, abs=1e-12
    )


def test_ghk_voltage_closed_form_expression():
    # PHYSICS.md: V = V_T ln((sum P_K c_out + sum P_A c_in) / (sum P_K c_in + sum P_A c_out))
    t = 305.0
    perm = {"K": 2e-8, "Na": 1e-9, "Cl": 4e-9}
    num = 2e-8 * 5.0 + 1e-9 * 145.0 + 4e-9 * 10.0
    den = 2e-8 * 140.0 + 1e-9 * 15.0 + 4e-9 * 110.0
    expected = GAS_CONSTANT * t / FARADAY * math.log(num / den)
    assert ghk_voltage(perm, NEURON_IN, NEURON_OUT, MONO_Z, t) == pytest.approx(expected, rel=1e-14)


def test_ghk_voltage_with_calcium_is_zero_of_summed_currents():
    perm = {"K": 1e-8, "Na": 5e-10, "Cl": 2e-9, "Ca": 3e-9}
    cin = dict(NEURON_IN, Ca=1e-4)
    cout = dict(NEURON_OUT, Ca=2.0)
    z = dict(MONO_Z, Ca=2)
    v = ghk_voltage(perm, cin, cout, z)
    per_species = sum(ghk_current_density(z[s], perm[s], cin[s], cout[s], v) for s in perm)
    scale = FARADAY * sum(perm[s] * abs(z[s]) * (cin[s] + cout[s]) for s in perm)
    assert abs(per_species) < 1e-12 * scale
    # the total current changes sign across V: a genuine zero crossing
    assert ghk_total_current_density(perm, cin, cout, z, v - 1e-6) < 0.0
    assert ghk_total_current_density(perm, cin, cout, z, v + 1e-6) > 0.0
    # Ca2+ permeability pulls V above the monovalent value, toward E_Ca
    v_mono = ghk_voltage({k: perm[k] for k in MONO_Z}, NEURON_IN, NEURON_OUT, MONO_Z)
    assert v > v_mono


def test_ghk_voltage_single_species_is_nernst():
    for z, cin, cout in [(1, 140.0, 5.0), (-1, 10.0, 110.0), (2, 1e-4, 1.5), (-2, 3.0, 0.2)]:
        v = ghk_voltage({"X": 1e-8}, {"X": cin}, {"X": cout}, {"X": z}, 310.0)
        assert v == pytest.approx(nernst_potential(z, cin, cout, 310.0), abs=1e-12)


def test_ghk_voltage_bi_ionic_with_absent_species():
    # K+ only inside, Na+ only outside: V = V_T ln(P_Na [Na]o / (P_K [K]i)) (bi-ionic)
    perm = {"K": 1.0, "Na": 0.1}
    v = ghk_voltage(perm, {"K": 150.0, "Na": 0.0}, {"K": 0.0, "Na": 150.0}, {"K": 1, "Na": 1})
    assert v == pytest.approx(thermal_voltage() * math.log(0.1), rel=1e-13)
    # the same with a divalent ion goes through the root finder and stays finite
    v2 = ghk_voltage(
        {"K": 1.0, "Ca": 0.5}, {"K": 150.0, "Ca": 0.0}, {"K": 0.0, "Ca": 10.0}, {"K": 1, "Ca": 2}
    )
    assert math.isfinite(v2)
    i_k = ghk_current_density(1, 1.0, 150.0, 0.0, v2)
    i_ca = ghk_current_density(2, 0.5, 0.0, 10.0, v2)
    assert i_k > 0.0 > i_ca
    assert abs(i_k + i_ca) < 1e-13 * abs(i_k)


def test_ghk_voltage_only_ratios_matter():
    perm = {"K": 1.0, "Na": 0.04, "Cl": 0.45}
    scaled = {k: 3.7e-9 * p for k, p in perm.items()}
    assert ghk_voltage(perm, NEURON_IN, NEURON_OUT, MONO_Z) == pytest.approx(
        ghk_voltage(scaled, NEURON_IN, NEURON_OUT, MONO_Z), abs=1e-14
    )
