"""Donnan equilibrium: 1:1 closed form, multi-valent baths, extreme fixed charge."""

import dataclasses
import math

import pytest

from pnp.constants import FARADAY, GAS_CONSTANT, thermal_voltage
from pnp.theory import DonnanEquilibrium, donnan_equilibrium, donnan_potential_1to1


def nacl(c):
    return {"Na": (1, c), "Cl": (-1, c)}


@pytest.mark.parametrize("salt", [1.0, 100.0])
@pytest.mark.parametrize("x", [-1e4, -300.0, -1.0, 1e-3, 1.0, 300.0, 1e4])
def test_1to1_closed_form(x, salt):
    # PHYSICS.md limit 4: c+ c- = c^2, c+ - c- + X = 0, potential V_T ln(c / c+)
    res = donnan_equilibrium(x, nacl(salt))
    cp, cm = res.concentrations["Na"], res.concentrations["Cl"]
    c_plus = (
        (math.sqrt(x * x + 4 * salt * salt) - x) / 2
        if x < 0
        else 2 * salt**2 / (x + math.sqrt(x * x + 4 * salt * salt))
    )
    assert cp == pytest.approx(c_plus, rel=1e-10)
    assert cp * cm == pytest.approx(salt**2, rel=1e-10)
    assert abs(cp - cm + x) <= 1e-11 * (abs(x) + cp + cm)
    assert res.potential == pytest.approx(thermal_voltage() * math.log(salt / c_plus), rel=1e-10)
    assert res.potential == pytest.approx(donnan_potential_1to1(x, salt), rel=1e-10, abs=1e-18)


def test_zero_fixed_charge_gives_zero_potential():
    res = donnan_equilibrium(0.0, {"Ca": (2, 10.0), "Na": (1, 50.0), "Cl": (-1, 70.0)})
    assert res.potential == 0.0
    assert dict(res.concentrations) == dict(res.bath)
    assert res.osmotic_pressure == 0.0
    assert donnan_potential_1to1(0.0, 100.0) == 0.0


def test_sign_convention_negative_fixed_charge_is_cation_selective():
    res = donnan_equilibrium(-50.0, nacl(100.0))
    assert res.potential < 0.0  # charged region negative relative to the bath
    assert res.concentrations["Na"] > 100.0 > res.concentrations["Cl"]


@pytest.mark.parametrize("x", [-5000.0, -20.0, 20.0, 5000.0])
def test_multivalent_bath_electroneutral_and_equal_electrochemical_potentials(x):
    t = 310.0
    bath = {"Ca": (2, 2.0), "Mg": (2, 1.0), "Na": (1, 140.0), "Cl": (-1, 145.0), "SO4": (-2, 0.5)}
    res = donnan_equilibrium(x, bath, temperature=t)
    total = sum(abs(z) * c for z, c in bath.values())
    # electroneutrality of the charged region
    assert abs(res.net_charge_mM) < 1e-11 * (total + abs(x))
    net = sum(bath[s][0] * res.concentrations[s] for s in bath) + x
    assert abs(net) < 1e-11 * (total + abs(x))
    # every species has the same electrochemical potential in bath and region
    for s, (z, c) in bath.items():
        mu_region = GAS_CONSTANT * t * math.log(res.concentrations[s]) + z * FARADAY * res.potential
        mu_bath = GAS_CONSTANT * t * math.log(c)
        assert mu_region == pytest.approx(mu_bath, abs=1e-9 * GAS_CONSTANT * t)
        assert res.concentrations[s] == pytest.approx(c * res.donnan_ratio**z, rel=1e-12)


@pytest.mark.parametrize("x", [-1e4, 1e4])
def test_extreme_fixed_charge_against_dilute_bath(x):
    # |X| = 10 M against a 1 mM bath
    res = donnan_equilibrium(x, nacl(1.0))
    assert res.potential == pytest.approx(donnan_potential_1to1(x, 1.0), rel=1e-12)
    counter = "Na" if x < 0 else "Cl"
    assert res.concentrations[counter] == pytest.approx(abs(x), rel=1e-6)
    # the same with divalent counter-ions
    res2 = donnan_equilibrium(x, {"Ca": (2, 1.0), "SO4": (-2, 1.0)})
    counter2 = "Ca" if x < 0 else "SO4"
    assert 2 * res2.concentrations[counter2] == pytest.approx(abs(x), rel=1e-6)
    assert abs(res2.net_charge_mM) < 1e-10 * abs(x)


def test_osmotic_pressure_1to1():
    # excess osmolarity c+ + c- - 2c = sqrt(X^2 + 4c^2) - 2c
    x, c, t = -80.0, 100.0, 298.15
    res = donnan_equilibrium(x, nacl(c), temperature=t)
    expected = GAS_CONSTANT * t * (math.sqrt(x * x + 4 * c * c) - 2 * c)
    assert res.osmotic_pressure == pytest.approx(expected, rel=1e-10)
    assert res.osmotic_pressure > 0.0


def test_result_is_frozen_and_immutable():
    res = donnan_equilibrium(-10.0, nacl(10.0))
    assert isinstance(res, DonnanEquilibrium)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.potential = 0.0  # type: ignore[misc]
    with pytest.raises(TypeError):
        res.concentrations["Na"] = 0.0  # type: ignore[index]
    assert res.potential_mV == pytest.approx(1e3 * res.potential)


def test_neutral_species_keeps_bath_concentration():
    res = donnan_equilibrium(-30.0, {"Na": (1, 50.0), "Cl": (-1, 50.0), "glucose": (0, 5.0)})
    assert res.concentrations["glucose"] == pytest.approx(5.0)


def test_donnan_errors():
    with pytest.raises(ValueError, match=r"^bath must be electroneutral"):
        donnan_equilibrium(-10.0, {"Na": (1, 10.0), "Cl": (-1, 9.0)})
    with pytest.raises(ValueError, match=r"^bath must contain a mobile anion"):
        donnan_equilibrium(10.0, {"glucose": (0, 10.0)})
    with pytest.raises(ValueError, match=r"^bath\['Na'\] concentration must be > 0 mM"):
        donnan_equilibrium(-10.0, {"Na": (1, -1.0), "Cl": (-1, -1.0)})
    with pytest.raises(ValueError, match=r"^bath\['Na'\] must be a pair"):
        donnan_equilibrium(-10.0, {"Na": 1.0})
    with pytest.raises(ValueError, match=r"^fixed_charge_mM must be finite"):
        donnan_equilibrium(float("nan"), nacl(1.0))
    with pytest.raises(ValueError, match=r"^salt_mM must be > 0 mM"):
        donnan_potential_1to1(-10.0, 0.0)
