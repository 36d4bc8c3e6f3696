"""Finite-ion-size (Bikerman / Kilic–Bazant–Ajdari) double layer at a charged planar wall."""

import math

import numpy as np
import pytest
from scipy.integrate import solve_bvp
from scipy.optimize import brentq

from pnp.constants import (
    AVOGADRO,
    FARADAY,
    GAS_CONSTANT,
    NM,
    VACUUM_PERMITTIVITY,
    thermal_voltage,
)
from pnp.theory import (
    boltzmann_concentration,
    debye_length,
    gouy_chapman_potential,
    grahame_surface_charge,
    grahame_surface_potential,
    packing_parameter,
    steric_capacitance,
    steric_concentration,
    steric_double_layer_distance,
    steric_double_layer_potential,
    steric_mixture_concentrations,
    steric_mixture_surface_charge,
    steric_saturation_concentration,
    steric_surface_charge,
    steric_surface_potential,
)

EPS_R = 78.5
VT = thermal_voltage()


def lattice_volume(size_nm):
    """a^3 N_A in m^3/mol."""
    return (size_nm * NM) ** 3 * AVOGADRO


def solve_poisson(charge_density, psi_d, decay_nm):
    """Numerical double layer: eps psi'' = -F charge_density(psi / V_T) on [0, 40 decay_nm].

    `charge_density` is sum_i z_i c_i in mM as a function of u = psi / V_T; psi(0) = psi_d
    and psi = 0 at the far end.  Returns the solution (u and du/dx, x in nm).
    """
    k = FARADAY * NM**2 / (VACUUM_PERMITTIVITY * EPS_R * VT)
    x = np.concatenate(
        [np.linspace(0.0, 2 * decay_nm, 200)[:-1], np.linspace(2 * decay_nm, 40 * decay_nm, 400)]
    )
    u_d = psi_d / VT
    guess = np.vstack([u_d * np.exp(-x / decay_nm), -u_d / decay_nm * np.exp(-x / decay_nm)])
    sol = solve_bvp(
        lambda _, y: np.vstack([y[1], -k * charge_density(y[0])]),
        lambda a, b: np.array([a[0] - u_d, b[0]]),
        x,
        guess,
        tol=1e-9,
        bc_tol=1e-12,
        max_nodes=200_000,
    )
    assert sol.success, sol.message
    return sol


def wall_charge(sol):
    """sigma = -eps dpsi/dx at x = 0 (C/m^2)."""
    return -VACUUM_PERMITTIVITY * EPS_R * VT / NM * sol.y[1, 0]


def test_packing_parameter_and_saturation():
    assert packing_parameter(100.0, 0.5) == pytest.approx(
        2 * lattice_volume(0.5) * 100.0, rel=1e-14
    )
    assert packing_parameter(100.0, 0.0) == 0.0
    assert steric_saturation_concentration(0.5) == pytest.approx(1 / lattice_volume(0.5), rel=1e-14)
    with pytest.raises(ValueError, match=r"^size_nm .* must be < 1"):
        packing_parameter(5000.0, 1.0)
    with pytest.raises(ValueError, match=r"^size_nm must be >= 0"):
        packing_parameter(100.0, -0.1)


@pytest.mark.parametrize("z", [1, 2])
def test_concentrations_are_lattice_gas_equilibrium(z):
    # mu_i / kT = ln c_i + z_i psi / V_T - ln(1 - Phi) is the bulk value for both ions
    # (potentials where 1 - Phi, computed here by difference, keeps its precision)
    salt, size = 200.0, 0.6
    phi = np.array([-0.2, -0.1, 0.0, 0.03, 0.15]) / z
    c_p = steric_concentration(salt, z, phi, size)
    c_m = steric_concentration(salt, -z, phi, size)
    free = 1.0 - lattice_volume(size) * (c_p + c_m)
    bulk = math.log(salt) - math.log(1.0 - packing_parameter(salt, size))
    for c, zi in ((c_p, z), (c_m, -z)):
        np.testing.assert_allclose(np.log(c) + zi * phi / VT - np.log(free), bulk, rtol=1e-12)


def test_mixture_concentrations_are_equilibrium_with_shared_excess_potential():
    # CaCl2 + NaCl, unequal sizes: mu_ex = -kT ln(1 - Phi) with Phi = sum a_j^3 N_A c_j
    c0, z, sizes = [20.0, 50.0, 90.0], [2, 1, -1], [0.8, 0.5, 0.4]
    phi = np.array([-0.15, -0.02, 0.0, 0.1, 0.2])
    c = steric_mixture_concentrations(phi, c0, z, sizes)
    assert c.shape == (5, 3)
    v = lattice_volume(np.array(sizes))
    free, free0 = 1.0 - c @ v, 1.0 - np.dot(v, c0)
    for i in range(3):
        np.testing.assert_allclose(
            np.log(c[:, i]) + z[i] * phi / VT - np.log(free),
            math.log(c0[i]) - math.log(free0),
            rtol=1e-12,
        )
    named = steric_mixture_concentrations(
        -0.15,
        {"Ca": 20.0, "Na": 50.0, "Cl": 90.0},
        {"Ca": 2, "Na": 1, "Cl": -1},
        {"Cl": 0.4, "Ca": 0.8, "Na": 0.5},
    )
    np.testing.assert_allclose(named, c[0], rtol=1e-14)


def test_counterion_saturates_at_close_packing():
    salt, size = 100.0, 0.5
    c_max = 1.0 / lattice_volume(size)
    assert steric_concentration(salt, 1, -1.0, size) == pytest.approx(c_max, rel=1e-12)
    assert steric_concentration(salt, -1, 1.0, size) == pytest.approx(c_max, rel=1e-12)
    assert steric_concentration(salt, -1, -1.0, size) < 1e-25
    # point ions would pack far beyond the lattice
    assert boltzmann_concentration(salt, 1, -1.0) > 1e10 * c_max
    # the layer never exceeds close packing
    phi = np.linspace(-2.0, 2.0, 81)
    total = steric_concentration(salt, 1, phi, size) + steric_concentration(salt, -1, phi, size)
    assert np.all(total <= c_max * (1 + 1e-14))


def test_point_ions_reduce_to_grahame_and_gouy_chapman():
    salt = 150.0
    phi = np.array([-0.3, -0.05, 0.0, 0.01, 0.2])
    sigma = np.array([-0.4, -0.02, 0.0, 0.05])
    x = np.array([0.0, 0.3, 1.0, 4.0]) * NM
    for size in (0.0, 1e-9):
        np.testing.assert_allclose(
            steric_surface_charge(phi, salt, size), grahame_surface_charge(phi, salt), rtol=1e-10
        )
        np.testing.assert_allclose(
            steric_surface_potential(sigma, salt, size),
            grahame_surface_potential(sigma, salt),
            rtol=1e-10,
        )
        np.testing.assert_allclose(
            steric_double_layer_potential(x, -0.2, salt, size),
            gouy_chapman_potential(x, -0.2, salt),
            rtol=1e-10,
        )
        np.testing.assert_allclose(
            steric_concentration(salt, -1, phi, size),
            boltzmann_concentration(salt, -1, phi),
            rtol=1e-10,
        )
        np.testing.assert_allclose(
            steric_mixture_surface_charge(phi, [salt, salt], [1, -1], [size, size]),
            grahame_surface_charge(phi, salt),
            rtol=1e-10,
        )


@pytest.mark.parametrize(
    "psi_d,salt,size,z",
    [(-0.3, 100.0, 0.7, 1), (0.5, 10.0, 0.5, 1), (-1.0, 100.0, 0.7, 1), (-0.2, 50.0, 0.6, 2)],
)
def test_closed_form_matches_modified_poisson_boltzmann(psi_d, salt, size, z):
    def rho(u):
        phi = u * VT
        return z * (
            steric_concentration(salt, z, phi, size) - steric_concentration(salt, -z, phi, size)
        )

    lam_nm = debye_length(z * z * salt) / NM
    sol = solve_poisson(rho, psi_d, lam_nm)
    sigma = steric_surface_charge(psi_d, salt, size, valence=z)
    assert wall_charge(sol) == pytest.approx(sigma, rel=1e-6)
    # steric layers hold less charge than Gouy-Chapman at the same potential
    assert abs(sigma) < abs(grahame_surface_charge(psi_d, z * z * salt) / z)
    x_nm = np.linspace(0.0, 5 * lam_nm, 11)
    profile = steric_double_layer_potential(x_nm * NM, psi_d, salt, size, valence=z)
    np.testing.assert_allclose(profile, sol.sol(x_nm)[0] * VT, rtol=1e-6)
    np.testing.assert_allclose(
        steric_double_layer_distance(profile[1:], psi_d, salt, size, valence=z) / NM,
        x_nm[1:],
        rtol=1e-9,
    )


def test_inverse_round_trips():
    salt, size = 100.0, 0.7
    phi = np.array([-3.0, -1.0, -0.1, -1e-4, 0.0, 0.02, 0.5, 2.0])
    np.testing.assert_allclose(
        steric_surface_potential(steric_surface_charge(phi, salt, size), salt, size),
        phi,
        rtol=1e-12,
        atol=1e-18,
    )
    # charges far beyond the closed form's overflow of expm1 take the logarithmic branch
    sigma = np.array([-100.0, -2.0, -0.01, 0.0, 0.3, 5.0, 1e3])
    np.testing.assert_allclose(
        steric_surface_charge(steric_surface_potential(sigma, salt, size), salt, size),
        sigma,
        rtol=1e-12,
    )
    assert (
        steric_surface_potential(-0.05, salt, size)
        < 0.0
        < steric_surface_potential(0.05, salt, size)
    )


def test_large_voltage_charge_grows_as_square_root():
    # 2 nu sinh^2(u/2) >> 1: sigma^2 = (2 z e c0 N_A lambda_D)^2 (2/nu) (|u| + ln(nu/2) + ...)
    salt, size, z = 100.0, 0.5, 1
    nu = packing_parameter(salt, size)
    eps = VACUUM_PERMITTIVITY * EPS_R
    scale = eps * VT / (z * debye_length(salt))  # 2 z e c0 N_A lambda_D
    slope = scale**2 * (2 / nu) * z / VT
    psi = np.array([-1.5, -3.0, -6.0])
    sigma = steric_surface_charge(psi, salt, size)
    np.testing.assert_allclose(np.diff(sigma**2) / np.diff(-psi), slope, rtol=1e-9)
    # and the capacitance falls as 1 / sqrt(psi): C_D = slope / (2 |sigma|)
    np.testing.assert_allclose(
        steric_capacitance(psi, salt, size), slope / (2 * np.abs(sigma)), rtol=1e-9
    )
    # Gouy-Chapman grows exponentially instead
    assert grahame_surface_charge(-3.0, salt) / grahame_surface_charge(-1.5, salt) > 1e10


def test_capacitance_is_derivative_of_charge():
    salt, size = 100.0, 0.7
    eps = VACUUM_PERMITTIVITY * EPS_R
    assert steric_capacitance(0.0, salt, size) == pytest.approx(eps / debye_length(salt), rel=1e-10)
    phi = np.array([-2.0, -1.02, -0.3, -0.05, 0.01, 0.2, 1.5])  # both sides of 40 V_T
    h = 1e-6
    fd = steric_surface_charge(phi + h, salt, size) - steric_surface_charge(phi - h, salt, size)
    np.testing.assert_allclose(steric_capacitance(phi, salt, size), fd / (2 * h), rtol=1e-7)
    # point ions: the Gouy-Chapman capacitance dsigma/dphi0 of Grahame
    fd_gc = grahame_surface_charge(-0.1 + h, salt) - grahame_surface_charge(-0.1 - h, salt)
    assert steric_capacitance(-0.1, salt, 0.0) == pytest.approx(fd_gc / (2 * h), rel=1e-7)
    # a maximum (camel shape) away from psi = 0 for dilute salt
    phi = np.linspace(0.0, 0.5, 501)
    c_d = steric_capacitance(phi, 10.0, 0.7)
    assert 0 < np.argmax(c_d) < len(phi) - 1


@pytest.mark.parametrize("z", [1, 2])
def test_mixture_reduces_to_symmetric_closed_form(z):
    salt, size = 80.0, 0.6
    phi = np.array([-1.0, -0.2, -0.01, 0.0, 0.05, 0.6])
    np.testing.assert_allclose(
        steric_mixture_surface_charge(phi, [salt, salt], [z, -z], [size, size]),
        steric_surface_charge(phi, salt, size, valence=z),
        rtol=1e-9,
    )


def test_mixture_equal_sizes_is_lattice_gas_pressure():
    # equal sizes, any valences: eps psi'^2 / 2 = (RT / v) ln((1 - Phi_0) / (1 - Phi))
    c0, z, size = [30.0, 60.0], [2, -1], 0.55
    v = lattice_volume(size)
    eps = VACUUM_PERMITTIVITY * EPS_R

    def log_free(phi):
        # ln(1 - Phi) from Phi = sum_i v c_i0 exp(-z_i u) (1 - Phi) / (1 - Phi_0), by root finding
        free0 = 1.0 - v * sum(c0)
        bolt = sum(ci * math.exp(-zi * phi / VT) for ci, zi in zip(c0, z, strict=True))
        return brentq(lambda s: 1 - math.exp(s) * (1 + v * bolt / free0), -800, 0.0, xtol=1e-14)

    for phi in (-0.8, -0.15, 0.05, 0.4):
        pressure = GAS_CONSTANT * 298.15 / v * (math.log(1 - v * sum(c0)) - log_free(phi))
        expected = math.copysign(math.sqrt(2 * eps * pressure), phi)
        assert steric_mixture_surface_charge(phi, c0, z, [size, size]) == pytest.approx(
            expected, rel=1e-9
        )


@pytest.mark.parametrize("psi_d", [-0.4, 0.3])
def test_mixture_unequal_sizes_matches_poisson(psi_d):
    c0, z, sizes = [20.0, 50.0, 90.0], [2, 1, -1], [0.8, 0.5, 0.4]

    def rho(u):
        return steric_mixture_concentrations(u * VT, c0, z, sizes) @ np.array(z, dtype=float)

    lam_nm = debye_length(0.5 * (4 * 20.0 + 50.0 + 90.0)) / NM
    sol = solve_poisson(rho, psi_d, lam_nm)
    assert wall_charge(sol) == pytest.approx(
        steric_mixture_surface_charge(psi_d, c0, z, sizes), rel=1e-6
    )


@pytest.mark.parametrize(
    "call,name",
    [
        (lambda: steric_surface_charge(-0.1, 100.0, -0.5), "size_nm"),
        (lambda: steric_surface_charge(-0.1, 0.0, 0.5), "salt_mM"),
        (lambda: steric_surface_charge(-0.1, 100.0, 0.5, valence=0), "valence"),
        (lambda: steric_surface_potential(math.nan, 100.0, 0.5), "sigma"),
        (lambda: steric_concentration(100.0, 0, -0.1, 0.5), "z"),
        (lambda: steric_double_layer_potential(-1e-9, -0.1, 100.0, 0.5), "x"),
        (lambda: steric_double_layer_distance(-0.2, -0.1, 100.0, 0.5), "potential"),
        (lambda: steric_double_layer_distance(0.05, -0.1, 100.0, 0.5), "potential"),
        (lambda: steric_double_layer_distance(0.0, 0.0, 100.0, 0.5), "surface_potential"),
        (lambda: steric_mixture_surface_charge(-0.1, [10, 20], [1, -1], [0.5, 0.5]), "conc"),
        (lambda: steric_mixture_surface_charge(-0.1, [10, 10], [1, -1], [0.5]), "sizes_nm"),
        (lambda: steric_mixture_surface_charge(-0.1, [1e4, 1e4], [1, -1], [1, 1]), "sizes_nm"),
        (lambda: steric_mixture_concentrations(0.1, {"Na": 1}, {"K": 1}, {"Na": 1}), "charges"),
    ],
)
def test_bad_input_names_the_argument(call, name):
    with pytest.raises(ValueError, match=rf"^{name}"):
        call()


def test_distance_at_bulk_potential_is_infinite_and_profile_vectorised():
    x = steric_double_layer_distance(np.array([0.0, -0.1]), -0.1, 100.0, 0.5)
    assert x[0] == math.inf and x[1] == 0.0
    phi = steric_double_layer_potential(np.array([[0.0, 1e-9], [5e-9, 1e-7]]), 0.1, 100.0, 0.5)
    assert phi.shape == (2, 2) and phi[0, 0] == 0.1
    assert 0.0 < phi[1, 1] < phi[1, 0] < phi[0, 1] < 0.1
