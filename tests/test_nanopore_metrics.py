"""Nanopore quantities of results.json (`pnp.post.nanopore`): conductance, rectification,
transference numbers.

- the pure functions against closed forms of a quadratic I-V curve;
- an uncharged slab between equal baths is ohmic: rectification ratio 1, chord and slope
  conductance the bulk conductivity over the length, t_i the conductivity shares;
- a charged conical pore rectifies, and flipping its tip inverts the ratio: with equal
  baths I(+V) of one orientation is -I(-V) of the other.

Serial and under ``mpiexec -n 2`` and ``-n 3``.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from mpi4py import MPI

from pnp.case import case_from_dict
from pnp.constants import FARADAY, GAS_CONSTANT
from pnp.post.nanopore import (
    chord_conductance,
    nanopore_block,
    rectification_ratios,
    slope_conductance_at_zero,
    transference_numbers,
)
from pnp.run import run_case

COMM = MPI.COMM_WORLD
T = 298.15
QUIET = {"fields": False, "plots": False, "profiles": False}
D = {"K": 1.957e-9, "Cl": 2.032e-9}


def salt(mM: float) -> list[dict]:
    return [
        {"name": n, "charge": z, "diffusion_m2_per_s": D[n], "inside_mM": mM, "outside_mM": mM}
        for n, z in (("K", 1), ("Cl", -1))
    ]


def test_the_functions_match_the_closed_forms_of_a_quadratic_curve():
    a, b = 0.4, 2e-3  # I = a V + b V^2 (pA, mV)
    v = np.array([-50.0, -20.0, 0.0, 20.0, 50.0])
    i = a * v + b * v**2
    g = chord_conductance(v, i)
    assert np.isnan(g[2])
    np.testing.assert_allclose(g[[0, 1, 3, 4]], a + b * v[[0, 1, 3, 4]], rtol=1e-12)
    assert slope_conductance_at_zero(v, i) == pytest.approx(a, rel=1e-12)  # centred
    assert slope_conductance_at_zero(v[2:], i[2:]) == pytest.approx(a + 20.0 * b)  # secant
    assert slope_conductance_at_zero(v[[0, 1, 3]], i[[0, 1, 3]]) is None  # 0 not solved
    ratios = rectification_ratios(v[::-1], i[::-1])
    assert [r["voltage_mV"] for r in ratios] == [20.0, 50.0]
    for r in ratios:
        x = r["voltage_mV"]
        assert r["ratio"] == pytest.approx((a + b * x) / (a - b * x), rel=1e-12)
    assert rectification_ratios(v[3:], i[3:]) == []
    assert transference_numbers({"K": 3.0, "Cl": 1.0}) == {"K": 0.75, "Cl": 0.25}
    assert transference_numbers({"K": 1e-20, "Cl": 0.0}, floor=1e-12) == {"K": None, "Cl": None}
    assert nanopore_block([{"voltage_mV": 0.0, "converged": False}])["points"] == []


def test_an_uncharged_slab_between_equal_baths_is_ohmic(shared_tmp):
    length_nm, bath_nm, mM = 4.0, 2.0, 100.0
    data = {
        "name": "ohmic_slab",
        "geometry": {"kind": "slab", "pore_length_nm": length_nm, "bath_length_nm": bath_nm},
        "species": salt(mM),
        "conditions": {"voltages_mV": [-50.0, -25.0, 0.0, 25.0, 50.0], "temperature_K": T},
        "output": QUIET,
    }
    results = run_case(case_from_dict(data), shared_tmp / "ohmic", COMM)
    on_disk = json.loads((shared_tmp / "ohmic" / "results.json").read_text())
    block = results["nanopore"]
    assert on_disk["nanopore"] == block
    conductivity = FARADAY**2 / (GAS_CONSTANT * T) * sum(D.values()) * mM  # S/m
    ohmic = conductivity / ((length_nm + 2.0 * bath_nm) * 1e-9)  # S/m^2
    assert block["conductance_unit"] == "S_per_m2"
    assert block["slope_conductance_at_0mV"] == pytest.approx(ohmic, rel=1e-3)
    share = D["K"] / sum(D.values())
    for p in block["points"]:
        if p["voltage_mV"] == 0.0:
            assert p["chord_conductance"] is None
            assert p["transference_numbers"] == {"K": None, "Cl": None}
            continue
        assert p["chord_conductance"] == pytest.approx(ohmic, rel=1e-3)
        assert p["transference_numbers"]["K"] == pytest.approx(share, rel=1e-6)
    assert [r["voltage_mV"] for r in block["rectification"]] == [25.0, 50.0]
    for r in block["rectification"]:
        assert r["ratio"] == pytest.approx(1.0, abs=1e-6)


def conical(tip: str) -> dict:
    return {
        "name": f"cone_{tip}",
        "geometry": {
            "kind": "axisymmetric",
            "shape": "conical",
            "tip": tip,
            "tip_radius_nm": 0.8,
            "base_radius_nm": 2.5,
            "pore_length_nm": 8.0,
            "bath_radius_nm": 8.0,
            "bath_length_nm": 6.0,
            "wall_size_nm": 0.25,
            "mesh_size_nm": 2.0,
        },
        "surfaces": {"pore_wall": {"charge_C_per_m2": -0.05}},
        "species": salt(20.0),
        "conditions": {"voltages_mV": [-100.0, 100.0]},
        "output": QUIET,
    }


def test_a_charged_cone_rectifies_and_flipping_its_tip_inverts_the_ratio(shared_tmp):
    runs = {
        tip: run_case(case_from_dict(conical(tip)), shared_tmp / tip, COMM)
        for tip in ("inside", "outside")
    }
    current = {
        tip: {p["voltage_mV"]: p["current_pA"] for p in r["points"]} for tip, r in runs.items()
    }
    ratio = {tip: r["nanopore"]["rectification"][0]["ratio"] for tip, r in runs.items()}
    assert abs(np.log(ratio["inside"])) > 0.1  # rectifies by more than 10 %
    assert ratio["outside"] == pytest.approx(1.0 / ratio["inside"], rel=0.01)
    for v in (100.0, -100.0):
        assert current["outside"][v] == pytest.approx(-current["inside"][-v], rel=0.01)
    for r in runs.values():
        for p in r["nanopore"]["points"]:
            assert p["transference_numbers"]["K"] > 0.8  # the charged tip selects K+
            assert p["chord_conductance"] > 0.0
