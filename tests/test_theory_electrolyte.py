"""Ionic strength, Debye length and activity coefficients."""

import math

import numpy as np
import pytest

from pnp.constants import AVOGADRO, BOLTZMANN, ELEMENTARY_CHARGE, VACUUM_PERMITTIVITY
from pnp.theory import (
    ACTIVITY_MODELS,
    activity_coefficient,
    bjerrum_length,
    debye_huckel_a,
    debye_huckel_b,
    debye_length,
    ionic_strength,
    nernst_potential,
    water_relative_permittivity,
)

# --- Debye length -------------------------------------------------------------------


def test_debye_length_0_962_nm_at_100_mM():
    # PHYSICS.md limit 5: lambda_D = 0.962 nm at 0.1 M 1:1, eps_r = 78.5, 298.15 K
    assert round(debye_length(100.0) * 1e9, 3) == 0.962


def test_debye_length_matches_molecular_formula():
    # lambda = sqrt(eps kT / (2 e^2 n)), n = number density of each ion of a 1:1 salt
    for c, eps_r, t in [(1.0, 78.5, 298.15), (150.0, 74.0, 310.0), (1000.0, 40.0, 280.0)]:
        n = c * AVOGADRO
        expected = math.sqrt(
            VACUUM_PERMITTIVITY * eps_r * BOLTZMANN * t / (2 * ELEMENTARY_CHARGE**2 * n)
        )
        assert debye_length(c, eps_r, t) == pytest.approx(expected, rel=1e-12)


def test_debye_length_scaling_and_vectorised():
    lam = debye_length(np.array([1.0, 4.0, 100.0]))
    assert lam[0] / lam[1] == pytest.approx(2.0)
    assert lam[0] / lam[2] == pytest.approx(10.0)


def test_ionic_strength_mapping_and_sequence():
    # CaCl2 10 mM: I = 1/2 (4 * 10 + 1 * 20) = 30 mM
    assert ionic_strength({"Ca": 10.0, "Cl": 20.0}, {"Ca": 2, "Cl": -1}) == pytest.approx(30.0)
    assert ionic_strength([10.0, 20.0], [2, -1]) == pytest.approx(30.0)
    # 1:1 salt: I = c
    assert ionic_strength([150.0, 150.0], [1, -1]) == pytest.approx(150.0)


def test_bjerrum_length_water():
    # e^2 / (4 pi eps kT) ~ 0.714 nm in water at 25 °C
    assert round(bjerrum_length() * 1e9, 3) == 0.714


# --- activity coefficients ---------------------------------------------------------


def test_debye_huckel_constants_at_25C():
    # standard table values at 25 °C: A = 0.509 (L/mol)^1/2, B = 0.328 Å^-1 (L/mol)^1/2
    assert debye_huckel_a() == pytest.approx(0.509, abs=0.002)
    assert debye_huckel_b() * 1e-10 == pytest.approx(0.328, abs=0.001)


def test_debye_huckel_a_scales_as_eps_t_to_minus_three_halves():
    a1 = debye_huckel_a(298.15, 78.5)
    a2 = debye_huckel_a(310.15, 74.2)
    assert a2 / a1 == pytest.approx((310.15 * 74.2 / (298.15 * 78.5)) ** -1.5, rel=1e-12)


def test_limiting_law_from_debye_length():
    # ln gamma = -z^2 l_B / (2 lambda_D) is the Debye–Hückel limiting law
    for z, i_mm in [(1, 1.0), (2, 5.0), (-1, 0.1)]:
        expected = math.exp(-(z**2) * bjerrum_length() / (2 * debye_length(i_mm)))
        # (rel 1e-10: the CODATA F is N_A e rounded to 1e-11)
        assert activity_coefficient(z, i_mm, "debye-huckel") == pytest.approx(expected, rel=1e-10)


def test_models_agree_in_dilute_limit():
    i_mm = 1e-3
    ref = activity_coefficient(1, i_mm, "debye-huckel")
    for model in ACTIVITY_MODELS:
        assert activity_coefficient(1, i_mm, model) == pytest.approx(ref, rel=1e-5)


def test_valence_squared_scaling():
    for model in ACTIVITY_MODELS:
        g1 = activity_coefficient(1, 50.0, model)
        g2 = activity_coefficient(2, 50.0, model)
        assert math.log(g2) == pytest.approx(4 * math.log(g1), rel=1e-12)
        assert activity_coefficient(-1, 50.0, model) == g1


def test_extended_tends_to_limiting_law_for_point_ions():
    assert activity_coefficient(1, 100.0, "extended", ion_size_m=1e-16) == pytest.approx(
        activity_coefficient(1, 100.0, "debye-huckel"), rel=1e-6
    )


def test_davies_formula():
    i = 0.2
    a = debye_huckel_a()
    expected = 10 ** (-a * (math.sqrt(i) / (1 + math.sqrt(i)) - 0.3 * i))
    assert activity_coefficient(1, 200.0) == pytest.approx(expected, rel=1e-13)


def test_seed000_monovalent_gamma_about_0_75_at_0_15_M():
    # seed 000: ionic strength ~0.15 M, "gamma_i is approximately 0.75" for a monovalent ion
    for model in ("davies", "extended"):
        assert activity_coefficient(1, 150.0, model) == pytest.approx(0.75, abs=0.035)


def test_seed002_physiological_gamma_between_0_7_and_0_9():
    # seed 002: "In physiological saline, gamma for monovalent ions is typically 0.7-0.9"
    for model in ("davies", "extended"):
        assert 0.7 < activity_coefficient(1, 150.0, model, temperature=310.0) < 0.9


def test_activity_coefficients_feed_nernst():
    # equal ionic strength on both sides: activity coefficients cancel (seed 000)
    g = activity_coefficient(1, 150.0)
    assert nernst_potential(1, 140.0, 5.0, gamma_in=g, gamma_out=g) == pytest.approx(
        nernst_potential(1, 140.0, 5.0), rel=1e-14
    )


def test_unknown_activity_model():
    with pytest.raises(ValueError, match=r"^model must be one of .*davies.*got 'pitzer'"):
        activity_coefficient(1, 100.0, model="pitzer")


def test_water_permittivity_fit():
    # Malmberg & Maryott: 78.30 at 25 °C, decreasing with temperature
    assert water_relative_permittivity(298.15) == pytest.approx(78.30, abs=0.01)
    assert water_relative_permittivity(310.15) < water_relative_permittivity(298.15)
