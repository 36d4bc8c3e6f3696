"""Gouy–Chapman and Grahame for a charged planar wall in a 1:1 salt."""

import math

import numpy as np
import pytest

from pnp.constants import VACUUM_PERMITTIVITY, thermal_voltage
from pnp.theory import (
    boltzmann_concentration,
    debye_length,
    gouy_chapman_potential,
    grahame_surface_charge,
    grahame_surface_potential,
)


@pytest.mark.parametrize("phi0", [-0.15, -0.05, 0.01, 0.12])
@pytest.mark.parametrize("salt", [10.0, 150.0])
def test_grahame_equals_wall_field_of_gouy_chapman(phi0, salt):
    # sigma = -eps dphi/dx at x = 0 (Gauss's law at the wall), derivative by finite differences
    eps = VACUUM_PERMITTIVITY * 78.5
    lam = debye_length(salt)
    h = 1e-4 * lam
    p0, p1, p2 = (gouy_chapman_potential(k * h, phi0, salt) for k in (0, 1, 2))
    assert p0 == pytest.approx(phi0, rel=1e-14)
    dphi_dx = (-3 * p0 + 4 * p1 - p2) / (2 * h)
    assert -eps * dphi_dx == pytest.approx(grahame_surface_charge(phi0, salt), rel=1e-6)


def test_gouy_chapman_solves_poisson_boltzmann():
    # phi'' = (1 / lambda_D^2) V_T sinh(phi / V_T) for a 1:1 electrolyte
    salt, phi0 = 50.0, -0.12
    lam, vt = debye_length(salt), thermal_voltage()
    h = 1e-3 * lam
    x = np.linspace(0.2, 4.0, 12) * lam
    phi = gouy_chapman_potential(x, phi0, salt)
    d2 = (
        gouy_chapman_potential(x + h, phi0, salt)
        - 2 * phi
        + gouy_chapman_potential(x - h, phi0, salt)
    ) / h**2
    np.testing.assert_allclose(d2, vt * np.sinh(phi / vt) / lam**2, rtol=1e-5)


def test_gouy_chapman_debye_huckel_limit_and_decay():
    salt, phi0 = 100.0, 1e-5
    lam = debye_length(salt)
    x = np.array([0.0, 0.5, 1.0, 3.0]) * lam
    np.testing.assert_allclose(
        gouy_chapman_potential(x, phi0, salt), phi0 * np.exp(-x / lam), rtol=1e-6
    )
    # far field of a strongly charged wall: 4 V_T tanh(phi0 / 4 V_T) exp(-x / lambda)
    big = -0.2
    far = gouy_chapman_potential(10 * lam, big, salt)
    vt = thermal_voltage()
    assert far == pytest.approx(4 * vt * math.tanh(big / (4 * vt)) * math.exp(-10), rel=1e-6)


def test_grahame_round_trip_and_linear_limit():
    for sigma in (-0.3, -0.05, 0.0, 0.02, 0.2):
        phi0 = grahame_surface_potential(sigma, 100.0)
        assert grahame_surface_charge(phi0, 100.0) == pytest.approx(sigma, abs=1e-15)
    # small potentials: sigma = eps phi0 / lambda_D (a capacitor of thickness lambda_D)
    eps = VACUUM_PERMITTIVITY * 78.5
    assert grahame_surface_charge(1e-5, 100.0) == pytest.approx(
        eps * 1e-5 / debye_length(100.0), rel=1e-8
    )
    # negative surface charge -> negative surface potential (seed 003, inner leaflet)
    assert grahame_surface_potential(-0.02, 150.0) < 0.0


def test_grahame_vectorised():
    phi = np.array([-0.1, 0.0, 0.1])
    sigma = grahame_surface_charge(phi, 150.0)
    assert sigma.shape == (3,) and sigma[1] == 0.0 and sigma[0] == pytest.approx(-sigma[2])


def test_seed003_negative_surface_potential_enriches_cations():
    # seed 003: a negative inner surface potential raises the local Na+ concentration
    # at the channel mouth above the bulk (Boltzmann distribution)
    phi_s = grahame_surface_potential(-0.05, 150.0)
    c_na = boltzmann_concentration(15.0, 1, phi_s)
    c_cl = boltzmann_concentration(10.0, -1, phi_s)
    assert c_na > 15.0 and c_cl < 10.0
    assert c_na == pytest.approx(15.0 * math.exp(-phi_s / thermal_voltage()), rel=1e-14)
