"""Nernst potentials: worked numbers of the textbook seeds and exact identities.

Seed files live in the shared seeds directory (`seeds/` beside PHYSICS.md):
000_b7de681f7e145b3e.txt, 001_fda9e9eaaa4087e7.txt, 002_0108654a58a544bb.txt,
003_c1d6a9fe552316e8.txt, 004_ba38d2a88dc762dc.txt.
"""

import math

import numpy as np
import pytest

from pnp.constants import FARADAY, GAS_CONSTANT, thermal_voltage
from pnp.theory import nernst_potential


def mv(volts: float) -> float:
    return 1e3 * volts


# --- seed numbers -----------------------------------------------------------


def test_seed001_potassium_150_5_mM_310K():
    # seed 001: [K+]in = 150 mM, [K+]out = 5.0 mM, 310 K -> E_K ~ -91 mV ("-90.9 mV")
    e_k = mv(nernst_potential(1, 150.0, 5.0, temperature=310.0))
    assert round(e_k, 1) == -90.9
    assert round(e_k) == -91


def test_seed002_chloride_120_7_mM_310K():
    # seed 002: [Cl-]out = 120 mM, [Cl-]in = 7 mM, z = -1, 310 K -> E_Cl ~ -76 mV
    e_cl = mv(nernst_potential(-1, 7.0, 120.0, temperature=310.0))
    assert round(e_cl) == -76
    # seed 002 quotes the prefactor RT/(zF) = -26.7 mV
    assert round(mv(thermal_voltage(310.0)) / -1, 1) == -26.7


def test_seed002_calcium_divalent_310K():
    # seed 002: [Ca2+]out = 1.5 mM, [Ca2+]in = 1e-4 mM, z = +2, 310 K -> E_Ca ~ +128 mV
    e_ca = mv(nernst_potential(2, 1e-4, 1.5, temperature=310.0))
    assert round(e_ca) == 128
    # the prefactor is halved relative to a monovalent ion
    assert e_ca == pytest.approx(0.5 * mv(nernst_potential(1, 1e-4, 1.5, temperature=310.0)))


def test_seed002_potassium_140_5_mM():
    # seed 002: [K+]in = 140 mM, [K+]out = 5 mM -> E_K ~ -89 mV (body temperature)
    assert round(mv(nernst_potential(1, 140.0, 5.0, temperature=310.0))) == -89


def test_seed002_activity_corrected_potassium():
    # seed 002: K+ 140 mM in / 4 mM out: -95.0 mV from concentrations,
    # -100.2 mV with gamma_in = 0.85, gamma_out = 0.70 (body temperature, 310 K)
    e_conc = mv(nernst_potential(1, 140.0, 4.0, temperature=310.0))
    e_act = mv(nernst_potential(1, 140.0, 4.0, temperature=310.0, gamma_in=0.85, gamma_out=0.70))
    assert round(e_conc, 1) == -95.0
    assert round(e_act, 1) == -100.2
    assert e_conc - e_act > 5.0  # "the difference of over 5 mV"


def test_seed004_activity_correction_6_60_mV():
    # seed 004: gamma_in = 0.75, gamma_out = 0.96 makes E about 6.60 mV more positive (37 °C)
    kwargs = {"temperature": 310.15}
    shift = mv(
        nernst_potential(1, 140.0, 5.0, gamma_in=0.75, gamma_out=0.96, **kwargs)
        - nernst_potential(1, 140.0, 5.0, **kwargs)
    )
    assert round(shift, 2) == 6.60


def test_seed003_monovalent_cation_150_15_mM():
    # seed 003: [X+]out = 150 mM, [X+]in = 15 mM at body temperature -> E_X ~ +61.5 mV
    assert round(mv(nernst_potential(1, 15.0, 150.0, temperature=310.0)), 1) == 61.5


def test_seed004_extremophile_ratio_60():
    # seed 004: [Z+]in = 7.5 mM, [Z+]out = 450 mM at 37 °C -> E ~ +109 mV
    assert round(mv(nernst_potential(1, 7.5, 450.0, temperature=310.15))) == 109


def test_seed004_thermal_voltage_26_71_mV_implies_R_8_31():
    # seed 004: RT/F = 26.71 mV at 310.15 K "implicitly uses R of approximately 8.31"
    r_implied = 26.71e-3 * FARADAY / 310.15
    assert round(r_implied, 2) == 8.31
    # with the exact CODATA R the thermal voltage is 26.73 mV
    assert round(mv(thermal_voltage(310.15)), 2) == 26.73


def test_seed004_equal_concentrations_give_zero():
    # seed 004: [ion]out = [ion]in -> E = 0 mV exactly
    for z in (1, -1, 2, -3):
        assert nernst_potential(z, 42.0, 42.0) == 0.0


def test_seed004_anion_is_minus_cation_for_same_ratio():
    # seed 004: identical concentration ratio for K+ and Cl- -> E_Cl = -E_K
    e_k = nernst_potential(1, 140.0, 5.0)
    e_cl = nernst_potential(-1, 140.0, 5.0)
    assert e_cl == pytest.approx(-e_k, rel=1e-15)


def test_seed004_swapping_inside_and_outside_flips_sign():
    # seed 004: redefining which compartment is "inside" gives E2 = -E1
    assert nernst_potential(1, 3.0, 70.0) == pytest.approx(-nernst_potential(1, 70.0, 3.0))


# --- identities ---------------------------------------------------------------


def test_nernst_equals_zero_electrochemical_potential_difference():
    # mu~_in = mu~_out at V = E: RT ln(a_in) + zF E = RT ln(a_out)
    for z, cin, cout, gin, gout in [
        (1, 140, 5, 0.8, 0.75),
        (-1, 10, 110, 0.7, 0.9),
        (2, 1e-4, 2, 0.3, 0.4),
    ]:
        t = 300.0
        e = nernst_potential(z, cin, cout, t, gin, gout)
        lhs = GAS_CONSTANT * t * math.log(gin * cin) + z * FARADAY * e
        rhs = GAS_CONSTANT * t * math.log(gout * cout)
        assert lhs == pytest.approx(rhs, rel=1e-13)


def test_nernst_scales_with_temperature_and_decade_slope():
    # 10-fold gradient: (RT/F) ln 10 per decade, 59.16 mV at 298.15 K (independent formula)
    e = nernst_potential(1, 1.0, 10.0)
    assert e == pytest.approx(GAS_CONSTANT * 298.15 / FARADAY * math.log(10.0), rel=1e-14)
    assert round(mv(e), 2) == 59.16
    assert nernst_potential(1, 1.0, 10.0, temperature=596.3) == pytest.approx(2 * e)


def test_nernst_vectorised():
    c_out = np.array([1.0, 5.0, 150.0])
    e = nernst_potential(1, 150.0, c_out)
    assert isinstance(e, np.ndarray) and e.shape == (3,)
    assert e[-1] == 0.0 and np.all(np.diff(e) > 0)
