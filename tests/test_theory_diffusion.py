"""Planck and Teorell–Meyer–Sievers zero-current potentials of a 1:1 salt."""

import itertools
import math

import pytest
from scipy.integrate import quad

from pnp.constants import thermal_voltage
from pnp.theory import (
    donnan_equilibrium,
    ghk_voltage,
    nernst_potential,
    planck_potential,
    tms_potential,
    tms_potential_components,
)

D_NA, D_CL, D_K = 1.334e-9, 2.032e-9, 1.957e-9


def tms_by_quadrature(c_in, c_out, x, dp, dm, t=298.15):
    """TMS potential assembled from independent pieces.

    Donnan jumps at both faces from the general Donnan solver; inside the
    membrane, zero current of the electroneutral Nernst–Planck equations
    (c+ = c- - X, equal cation and anion fluxes) gives
    dphi/V_T = -(1/D- - 1/D+) dc- / (c-/D+ + c+/D-), integrated numerically.
    """
    vt = thermal_voltage(t)
    don_in = donnan_equilibrium(x, {"+": (1, c_in), "-": (-1, c_in)}, t)
    don_out = donnan_equilibrium(x, {"+": (1, c_out), "-": (-1, c_out)}, t)
    s_in, s_out = don_in.concentrations["-"], don_out.concentrations["-"]

    def integrand(s):
        return -(1 / dm - 1 / dp) / (s / dp + (s - x) / dm)

    inner, _ = quad(integrand, s_in, s_out, epsabs=0.0, epsrel=1e-12, limit=200)
    # V = (phi_in - phi_m,in) + (phi_m,in - phi_m,out) + (phi_m,out - phi_out)
    return -don_in.potential - vt * inner + don_out.potential


def test_planck_sign_from_first_principles():
    # D+ > D-, c_in > c_out: cations outrun anions outward, inside goes negative
    assert planck_potential(100.0, 10.0, d_cation=2e-9, d_anion=1e-9) < 0.0
    # NaCl (D_Cl > D_Na): chloride outruns sodium, inside goes positive
    assert planck_potential(100.0, 10.0, D_NA, D_CL) > 0.0
    # equal mobilities: no diffusion potential
    assert planck_potential(100.0, 10.0, 1e-9, 1e-9) == 0.0


def test_planck_formula_physics_md():
    # PHYSICS.md limit 3: V = V_T (D+ - D-)/(D+ + D-) ln(c_out / c_in)
    v = planck_potential(150.0, 15.0, D_NA, D_CL, 310.0)
    expected = thermal_voltage(310.0) * (D_NA - D_CL) / (D_NA + D_CL) * math.log(15.0 / 150.0)
    assert v == pytest.approx(expected, rel=1e-14)


def test_planck_is_not_ghk():
    # PHYSICS.md: the electroneutral limit is Planck, not GHK with P ~ D
    perm = {"Na": D_NA, "Cl": D_CL}
    v_ghk = ghk_voltage(
        perm, {"Na": 100.0, "Cl": 100.0}, {"Na": 10.0, "Cl": 10.0}, {"Na": 1, "Cl": -1}
    )
    assert abs(v_ghk - planck_potential(100.0, 10.0, D_NA, D_CL)) > 1e-3


@pytest.mark.parametrize("dp,dm", [(D_NA, D_CL), (D_K, D_CL), (3e-9, 0.5e-9)])
def test_tms_reduces_to_planck_without_fixed_charge(dp, dm):
    for c_in, c_out in [(100.0, 10.0), (5.0, 500.0)]:
        assert tms_potential(c_in, c_out, 0.0, dp, dm) == pytest.approx(
            planck_potential(c_in, c_out, dp, dm), rel=1e-13
        )


@pytest.mark.parametrize("x", [-1e7, 1e7])
def test_tms_reduces_to_counter_ion_nernst_at_large_fixed_charge(x):
    counter_z = 1 if x < 0 else -1
    for c_in, c_out in [(100.0, 10.0), (3.0, 30.0)]:
        v = tms_potential(c_in, c_out, x, D_NA, D_CL)
        assert v == pytest.approx(nernst_potential(counter_z, c_in, c_out), abs=1e-6)


def test_tms_moves_monotonically_from_planck_to_nernst():
    c_in, c_out = 100.0, 10.0
    e_cation = nernst_potential(1, c_in, c_out)
    values = [tms_potential(c_in, c_out, -x, D_NA, D_CL) for x in (0.0, 10.0, 100.0, 1e3, 1e4, 1e5)]
    assert values[0] == pytest.approx(planck_potential(c_in, c_out, D_NA, D_CL))
    assert all(a > b for a, b in itertools.pairwise(values))
    assert e_cation < values[-1] < e_cation + 1e-3


@pytest.mark.parametrize("x", [-500.0, -30.0, 0.0, 30.0, 500.0])
@pytest.mark.parametrize("dp,dm", [(D_NA, D_CL), (3e-9, 0.5e-9)])
def test_tms_matches_donnan_plus_integrated_nernst_planck(x, dp, dm):
    for c_in, c_out in [(100.0, 10.0), (2.0, 150.0)]:
        v = tms_potential(c_in, c_out, x, dp, dm)
        assert v == pytest.approx(tms_by_quadrature(c_in, c_out, x, dp, dm), abs=1e-10)


def test_tms_components_sum_and_symmetric_baths():
    parts = tms_potential_components(100.0, 10.0, -200.0, D_NA, D_CL)
    assert parts.total == pytest.approx(
        parts.inside_donnan + parts.diffusion + parts.outside_donnan
    )
    # symmetric baths: Donnan jumps cancel and there is no gradient inside
    assert tms_potential(50.0, 50.0, -300.0, D_NA, D_CL) == pytest.approx(0.0, abs=1e-15)
    # equal diffusion coefficients: only the two Donnan potentials remain
    eq = tms_potential_components(100.0, 10.0, -200.0, 1e-9, 1e-9)
    assert eq.diffusion == 0.0
