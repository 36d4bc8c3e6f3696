"""Cheap models beside GHK: each against its own exact limit."""

import itertools
import math

import pytest

from pnp.constants import FARADAY, GAS_CONSTANT, thermal_voltage
from pnp.theory import (
    access_limited_current_density,
    access_resistance,
    bulk_conductivity,
    donnan_faces,
    donnan_ghk_current_density,
    donnan_ghk_voltage,
    ghk_total_current_density,
    ghk_voltage,
    series_conductance,
    tms_potential,
)

Z = {"K": 1, "Cl": -1}
D = {"K": 1.96e-9, "Cl": 1.0e-9}
L = 5e-9
P = {n: d / L for n, d in D.items()}
C_IN = {"K": 100.0, "Cl": 100.0}
C_OUT = {"K": 10.0, "Cl": 10.0}


@pytest.mark.parametrize("voltage", [-0.1, 0.0, 0.03, 0.12])
def test_donnan_ghk_without_fixed_charge_is_ghk(voltage):
    plain = ghk_total_current_density(P, C_IN, C_OUT, Z, voltage)
    assert donnan_ghk_current_density(P, C_IN, C_OUT, Z, 0.0, voltage) == pytest.approx(
        plain, rel=1e-12, abs=1e-9
    )
    assert donnan_ghk_voltage(P, C_IN, C_OUT, Z, 0.0) == pytest.approx(
        ghk_voltage(P, C_IN, C_OUT, Z), abs=1e-12
    )


def test_donnan_ghk_zero_current_at_its_voltage_and_faces_neutral():
    x = -80.0
    v = donnan_ghk_voltage(P, C_IN, C_OUT, Z, x)
    scale = abs(donnan_ghk_current_density(P, C_IN, C_OUT, Z, x, 0.1))
    assert abs(donnan_ghk_current_density(P, C_IN, C_OUT, Z, x, v)) < 1e-10 * scale
    faces = donnan_faces(C_IN, C_OUT, Z, x)
    for side in (faces.inside_mM, faces.outside_mM):
        assert side["K"] - side["Cl"] + x == pytest.approx(0.0, abs=1e-9)
    assert faces.inside_mM["K"] * faces.inside_mM["Cl"] == pytest.approx(100.0**2)


@pytest.mark.parametrize("x", [-10.0, -100.0, 50.0, 1000.0])
def test_donnan_ghk_is_tms_for_equal_diffusion_coefficients(x):
    equal = {"K": 2e-9 / L, "Cl": 2e-9 / L}
    assert donnan_ghk_voltage(equal, C_IN, C_OUT, Z, x) == pytest.approx(
        tms_potential(100.0, 10.0, x, 2e-9, 2e-9), abs=1e-12
    )


def test_donnan_ghk_approaches_tms_as_the_fixed_charge_dominates():
    gaps = [
        abs(donnan_ghk_voltage(P, C_IN, C_OUT, Z, x) - tms_potential(100.0, 10.0, x, *D.values()))
        for x in (-10.0, -100.0, -1000.0, -10000.0)
    ]
    assert all(later < earlier for earlier, later in itertools.pairwise(gaps))
    assert gaps[0] > 1e-3  # a few mV apart at |X| = c_out
    assert gaps[-1] < 1e-9
    nernst = thermal_voltage() * math.log(10.0 / 100.0)
    assert donnan_ghk_voltage(P, C_IN, C_OUT, Z, -1e5) == pytest.approx(nernst, abs=1e-6)


def test_donnan_ghk_bi_ionic_absent_species_stay_absent():
    z = {"K": 1, "Na": 1, "Cl": -1}
    c_in = {"K": 100.0, "Na": 0.0, "Cl": 100.0}
    c_out = {"K": 0.0, "Na": 100.0, "Cl": 100.0}
    perms = {"K": 1e-1, "Na": 5e-2, "Cl": 1e-2}
    faces = donnan_faces(c_in, c_out, z, -50.0)
    assert faces.inside_mM["Na"] == 0.0 and faces.outside_mM["K"] == 0.0
    v = donnan_ghk_voltage(perms, c_in, c_out, z, -50.0)
    assert abs(donnan_ghk_current_density(perms, c_in, c_out, z, -50.0, v)) < 1e-6


def test_access_resistance_and_conductivity():
    sigma = bulk_conductivity({"K": 100.0, "Cl": 100.0}, Z, {"K": 2e-9, "Cl": 2e-9})
    assert sigma == pytest.approx(FARADAY**2 * 2 * 2e-9 * 100.0 / (GAS_CONSTANT * 298.15))
    assert access_resistance(sigma, 1e-9) == pytest.approx(1.0 / (4.0 * sigma * 1e-9))


@pytest.mark.parametrize("voltage", [-0.15, 0.02, 0.1])
def test_access_limited_without_access_resistance_is_ghk(voltage):
    area = math.pi * 1e-18
    plain = ghk_total_current_density(P, C_IN, C_OUT, Z, voltage)
    assert access_limited_current_density(P, C_IN, C_OUT, Z, voltage, area, 0.0) == plain
    tiny = access_limited_current_density(P, C_IN, C_OUT, Z, voltage, area, 1e-6)
    assert tiny == pytest.approx(plain, rel=1e-9)


def test_access_limited_small_voltage_conductance_is_series():
    c = {"K": 100.0, "Cl": 100.0}
    radius = 1e-9
    area = math.pi * radius**2
    sigma = bulk_conductivity(c, Z, D)
    r_access = 2 * access_resistance(sigma, radius)
    g_pore = area * ghk_total_current_density(P, c, c, Z, 1e-6) / 1e-6
    v = 1e-6
    g_total = area * access_limited_current_density(P, c, c, Z, v, area, r_access) / v
    assert g_total == pytest.approx(series_conductance(g_pore, r_access), rel=1e-6)
    # pore conductance sigma A / L: R_access G_pore = pi R / (2 L), the access ratio
    assert r_access * g_pore == pytest.approx(math.pi * radius / (2 * L), rel=1e-6)


def test_access_limited_keeps_the_ghk_reversal_and_lowers_the_current():
    area = math.pi * 1e-18
    v_rev = ghk_voltage(P, C_IN, C_OUT, Z)
    at_rev = access_limited_current_density(P, C_IN, C_OUT, Z, v_rev, area, 1e9)
    assert abs(at_rev) < 1e-9 * abs(ghk_total_current_density(P, C_IN, C_OUT, Z, 0.1))
    for v in (-0.1, 0.1):
        limited = access_limited_current_density(P, C_IN, C_OUT, Z, v, area, 1e9)
        plain = ghk_total_current_density(P, C_IN, C_OUT, Z, v)
        assert 0 < limited / plain < 1
