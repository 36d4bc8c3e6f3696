"""The GHK counterpart of a shaped pore follows its radius profile.

The permeability per unit of the narrowest section is D / (A_min integral dz / A(z)):
checked against the closed form of a cone (integral dz / (pi r^2) = L / (pi r_tip
r_base)), of an hourglass (twice the half cone) and a quadrature of a tabulated wall
on a fine grid; a cylinder keeps D / L.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

import numpy as np
import pytest

from pnp.case import case_from_dict
from pnp.post.ghk_counterpart import ghk_block, ghk_permeabilities

CASES = Path(__file__).resolve().parents[1] / "cases"


def shaped(geometry: dict) -> dict:
    data = tomllib.loads((CASES / "conical_pore.toml").read_text())
    base = {k: data["geometry"][k] for k in ("kind", "bath_radius_nm", "bath_length_nm")}
    data["geometry"] = {**base, **geometry}
    return data


def permeability_nm(data: dict) -> dict[str, float]:
    """D / P in nm (the effective length) of every species."""
    case = case_from_dict(data)
    perms = ghk_permeabilities(case)
    return {s.name: s.diffusion_m2_per_s / perms[s.name] * 1e9 for s in case.species}


@pytest.mark.parametrize("tip", ["inside", "outside"])
def test_cone_closed_form(tip):
    length, r_tip, r_base = 20.0, 1.0, 5.0
    data = shaped(
        {
            "shape": "conical",
            "pore_length_nm": length,
            "tip_radius_nm": r_tip,
            "base_radius_nm": r_base,
            "tip": tip,
        }
    )
    # A_min * L / (pi r_tip r_base) = L r_tip / r_base
    expected = math.pi * r_tip**2 * length / (math.pi * r_tip * r_base)
    for value in permeability_nm(data).values():
        assert value == pytest.approx(expected, rel=1e-12)
    assert expected == pytest.approx(4.0)  # five times shorter than the cone


def test_double_cone_closed_form():
    length, r_tip, r_base = 12.0, 0.8, 2.0
    data = shaped(
        {
            "shape": "double_conical",
            "pore_length_nm": length,
            "tip_radius_nm": r_tip,
            "base_radius_nm": r_base,
        }
    )
    expected = r_tip**2 * 2.0 * (0.5 * length) / (r_tip * r_base)
    for value in permeability_nm(data).values():
        assert value == pytest.approx(expected, rel=1e-12)


def test_profile_against_quadrature():
    table = [[0.0, 1.5], [2.0, 0.8], [4.0, 0.8], [6.0, 2.0]]
    z = np.linspace(0.0, 6.0, 600_001)
    r = np.interp(z, *np.array(table).T)
    f = 1.0 / (math.pi * r**2)
    integral = float(np.sum(0.5 * (f[1:] + f[:-1]) * np.diff(z)))
    expected = math.pi * 0.8**2 * integral
    for value in permeability_nm(shaped({"shape": "profile", "profile_nm": table})).values():
        assert value == pytest.approx(expected, rel=1e-9)


def test_cylinder_keeps_the_pore_length():
    data = shaped({"pore_length_nm": 7.0, "pore_radius_nm": 1.0})
    for value in permeability_nm(data).values():
        assert value == pytest.approx(7.0, rel=1e-12)


def test_ghk_current_scales_with_the_effective_length():
    """The GHK current of the cone is that of a cylinder of the tip radius, L_eff long."""
    cone = shaped(
        {"shape": "conical", "pore_length_nm": 20.0, "tip_radius_nm": 1.0, "base_radius_nm": 5.0}
    )
    cylinder = shaped({"pore_length_nm": 4.0, "pore_radius_nm": 1.0})
    a = ghk_block(case_from_dict(cone), [100.0])["points"][0]["current_density_A_per_m2"]
    b = ghk_block(case_from_dict(cylinder), [100.0])["points"][0]["current_density_A_per_m2"]
    assert a == pytest.approx(b, rel=1e-12)
    assert a != pytest.approx(b * 4.0 / 20.0)  # the narrowest-radius model
