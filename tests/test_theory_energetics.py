"""Driving forces, ohmic currents, transport free energies and the proton-motive force."""

import math

import numpy as np
import pytest

from pnp.constants import FARADAY, GAS_CONSTANT
from pnp.theory import (
    driving_force,
    nernst_potential,
    ohmic_current_density,
    proton_free_energy,
    proton_motive_force,
    protons_per_atp,
    transport_free_energy,
)

MV = 1e-3


def test_seed001_driving_force_and_leak_current():
    # seed 001: E_K = -90.9 mV, V_m = -70 mV -> driving force +20.9 mV; with g_K = 5.0 S/m^2
    # a net outward potassium current density of about 104 mA/m^2
    df = driving_force(-70 * MV, -90.9 * MV)
    assert df / MV == pytest.approx(20.9, abs=1e-12)
    j = ohmic_current_density(5.0, -70 * MV, -90.9 * MV)
    assert j > 0.0  # outward
    assert j * 1e3 == pytest.approx(104.5, abs=1e-9)  # mA/m^2, "about 104"


def test_seed002_potassium_driving_force_24_mV():
    # seed 002: V_m = -65 mV, E_K = -89 mV (140/5 mM) -> +24 mV, K+ pushed out
    e_k = nernst_potential(1, 140.0, 5.0, temperature=310.0)
    assert round(driving_force(-65 * MV, e_k) / MV) == 24


def test_seed003_cation_driving_force_minus_126_5_mV():
    # seed 003: X+ 150 out / 15 in, E_X = +61.5 mV, V_m = -65 mV -> -126.5 mV (influx)
    e_x = nernst_potential(1, 15.0, 150.0, temperature=310.0)
    assert round(driving_force(-65 * MV, e_x) / MV, 1) == -126.5
    # seed 003: sodium at rest, -70 mV - (+60 mV) = -130 mV
    assert driving_force(-70 * MV, 60 * MV) / MV == pytest.approx(-130.0)


def test_seed003_sodium_loading_reduces_inward_drive():
    # seed 003: [Na+]in rising from 15 to 45 mM makes E_Na less positive and reduces the
    # inward driving force at constant V_m (outside concentration not given; 145 mM used)
    e15 = nernst_potential(1, 15.0, 145.0, temperature=310.0)
    e45 = nernst_potential(1, 45.0, 145.0, temperature=310.0)
    assert e45 < e15
    assert abs(driving_force(-70 * MV, e45)) < abs(driving_force(-70 * MV, e15))


def test_driving_force_vectorised():
    v = np.array([-0.1, -0.0909, 0.0])
    df = driving_force(v, -0.0909)
    assert df.shape == (3,) and df[1] == 0.0


def test_seed004_work_to_concentrate_potassium():
    # seed 004: K+ from 5.0 mM outside to 140.0 mM inside at 37 °C, no field -> 8.59e3 J/mol
    g = transport_free_energy(1, 5.0, 140.0, 0.0, 0.0, temperature=310.15)
    assert round(g, -1) == 8590.0


def test_seed004_energy_stored_in_potassium_gradient():
    # seed 004: [K+]in = 145 mM, [K+]out = 4.0 mM at 310 K: |z F E_K| = RT |ln| ~ 9.25e3 J/mol
    t = 310.0
    e_k = nernst_potential(1, 145.0, 4.0, temperature=t)
    stored = abs(FARADAY * e_k)
    assert stored == pytest.approx(GAS_CONSTANT * t * abs(math.log(4.0 / 145.0)), rel=1e-14)
    assert round(stored, -1) == 9250.0
    assert abs(transport_free_energy(1, 4.0, 145.0, 0.0, 0.0, t)) == pytest.approx(stored)


def test_free_energy_zero_at_nernst_equilibrium():
    # seed 000: Delta mu~ = RT ln(c_o/c_i) - z F V_m vanishes at V_m = E
    for z, cin, cout in [(1, 140.0, 5.0), (-1, 7.0, 120.0), (2, 1e-4, 1.5)]:
        e = nernst_potential(z, cin, cout, 310.0)
        out = transport_free_energy(z, cin, cout, e, 0.0, 310.0)  # inside (at E) -> outside (0)
        assert abs(out) < 1e-9
        inward = transport_free_energy(z, cout, cin, 0.0, e, 310.0)
        assert abs(inward) < 1e-9


def test_free_energy_sign_for_sodium_entry():
    # seed 000: V_m = -70 mV, E_Na ~ +65 mV: Na+ entry is downhill (negative), K+ exit too
    g_na_in = transport_free_energy(1, 145.0, 12.0, 0.0, -70 * MV, 310.0)
    g_k_out = transport_free_energy(1, 140.0, 4.0, -70 * MV, 0.0, 310.0)
    assert g_na_in < 0.0 and g_k_out < 0.0
    assert abs(g_na_in) > abs(g_k_out)  # "a strong force on Na+, a weaker force on K+"


def test_neutral_solute_free_energy_ignores_voltage():
    assert transport_free_energy(0, 1.0, 10.0, 0.0, 5.0) == pytest.approx(
        GAS_CONSTANT * 298.15 * math.log(10.0)
    )


def test_seed001_chloroplast_protons_per_atp():
    # seed 001: thylakoid Delta pH ~ 3.5, Delta psi ~ -15 mV, ATP costs 57 kJ/mol:
    # about 2.7 protons per ATP, i.e. at least 3 whole protons (value reproduced at 298.15 K)
    p = proton_motive_force(3.5, -15 * MV, temperature=298.15)
    n = protons_per_atp(57e3, p)
    assert round(n, 1) == 2.7
    assert math.ceil(n) == 3
    # chemical part dominates in chloroplasts
    assert abs(math.log(10) * GAS_CONSTANT * 298.15 * 3.5) > abs(FARADAY * -15 * MV)


def test_seed001_mitochondrion_electrical_part_dominates():
    # seed 001: Delta psi ~ -170 mV (matrix negative), Delta pH ~ 0.8
    t = 310.0
    p = proton_motive_force(0.8, -170 * MV, t)
    chemical = p - (-170 * MV)
    assert p < 0.0  # protons are driven into the matrix
    assert abs(-170 * MV) > abs(chemical)


def test_pmf_matches_seed_free_energy_formula():
    # seed 001: Delta G = -2.303 RT Delta pH + z F Delta psi (final minus initial), z = +1,
    # i.e. F Delta p; also RT ln([H+]_final / [H+]_initial) + F (psi_final - psi_initial)
    t = 303.0
    for dph, dpsi in [(0.8, -0.17), (3.5, -0.015), (-0.5, 0.05)]:
        g = proton_free_energy(dph, dpsi, t)
        assert g == pytest.approx(
            -math.log(10) * GAS_CONSTANT * t * dph + FARADAY * dpsi, rel=1e-14
        )
        ph_out = 7.0
        ph_in = ph_out + dph
        h_ratio = 10 ** (-ph_in) / 10 ** (-ph_out)
        g2 = transport_free_energy(1, 1.0, h_ratio, 0.0, dpsi, t)
        assert g == pytest.approx(g2, rel=1e-12)
