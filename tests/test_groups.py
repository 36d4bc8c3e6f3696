"""Dimensionless groups of a case: values by hand, the scaling they stand for, and the
`dimensionless_groups` / `cheap_models` blocks in results.json and summary.csv."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from mpi4py import MPI

from pnp.case import case_from_dict, load_case
from pnp.constants import AVOGADRO, FARADAY, GAS_CONSTANT, VACUUM_PERMITTIVITY
from pnp.post.groups import GROUP_NAMES, dimensionless_groups
from pnp.run import run_case
from pnp.sweep import load_sweep, read_summary, run_sweep

CASES = Path(__file__).resolve().parents[1] / "cases"
COMM = MPI.COMM_WORLD
T = 298.15
VT = GAS_CONSTANT * T / FARADAY


def debye_nm(strength_mM: float, eps_r: float) -> float:
    return 1e9 * math.sqrt(
        VACUUM_PERMITTIVITY * eps_r * GAS_CONSTANT * T / (2 * FARADAY**2 * strength_mM)
    )


def test_groups_of_the_charged_pore_by_hand():
    case = load_case(CASES / "charged_pore.toml")
    lam = debye_nm(150.0, 78.5)
    groups = dimensionless_groups(case)
    assert list(groups) == list(GROUP_NAMES)
    assert groups["debye_over_length"] == pytest.approx(lam / 2.0, rel=1e-12)
    assert groups["donnan_ratio"] == pytest.approx(1000.0 / 150.0, rel=1e-12)
    assert groups["permittivity_contrast"] == 1.0
    assert groups["radius_over_debye"] == pytest.approx(0.5 / lam, rel=1e-12)
    assert groups["access_ratio"] == pytest.approx(math.pi * 0.5 / 4.0, rel=1e-12)
    assert groups["bath_concentration_ratio"] == pytest.approx(0.2, rel=1e-12)
    assert groups["max_voltage_over_thermal"] == pytest.approx(0.1 / VT, rel=1e-12)
    # a charged wall adds its equivalent volume charge 2 sigma / (F R) of the same sign
    walled = case.with_overrides({"surfaces.pore_wall.charge_C_per_m2": -0.1})
    wall_mM = 2 * 0.1 / (FARADAY * 0.5e-9)
    assert dimensionless_groups(walled)["donnan_ratio"] == pytest.approx(
        (1000.0 + wall_mM) / 150.0, rel=1e-12
    )


def test_groups_of_the_segmented_kcsa_channel_by_hand():
    case = load_case(CASES / "kcsa_1d.toml")
    lam = debye_nm(150.0, 80.0)
    groups = dimensionless_groups(case)
    inner_mouth_mM = 4.0 / (AVOGADRO * math.pi * 0.5**2 * 0.2 * 1e-27)  # -4 e in 0.2 nm
    assert groups["donnan_ratio"] == pytest.approx(inner_mouth_mM / 150.0, rel=1e-9)
    assert groups["debye_over_length"] == pytest.approx(lam / 3.5, rel=1e-12)
    assert groups["permittivity_contrast"] == pytest.approx(4.0 / 80.0)
    assert groups["radius_over_debye"] == pytest.approx(0.5 / lam, rel=1e-12)
    assert groups["bath_concentration_ratio"] == 1.0


def slab(scale: float, d_factor: float = 1.0, charge_scale: float | None = None) -> dict:
    """A charged 1D slab; lengths x scale, concentrations and fixed charge / scale^2 keep
    lambda_D / L and |X| / c (charge_scale breaks the latter)."""
    q = 1.0 / scale**2
    x = -0.01 * (q if charge_scale is None else charge_scale)

    def species(name, z, d):
        return {
            "name": name,
            "charge": z,
            "diffusion_m2_per_s": d * d_factor,
            "inside_mM": 10.0 * q,
            "outside_mM": 2.0 * q,
        }

    return {
        "name": "scaled",
        "geometry": {
            "kind": "slab",
            "pore_length_nm": 4.0 * scale,
            "bath_length_nm": 1.0 * scale,
            "mesh_size_nm": 0.2 * scale,
            "wall_size_nm": 0.05 * scale,
        },
        "regions": {"pore": {"fixed_charge_M": x}},
        "species": [species("K", 1, 1.957e-9), species("Cl", -1, 2.032e-9)],
        "conditions": {"voltages_mV": [-60.0, -20.0, 20.0, 60.0]},
        "output": {"fields": False, "plots": False, "profiles": False},
    }


def comparison(shared_tmp: Path, name: str, data: dict) -> dict:
    return run_case(case_from_dict(data), shared_tmp / name, COMM)["ghk_comparison"]


def test_equal_groups_give_equal_fold_errors(shared_tmp):
    base = comparison(shared_tmp, "base", slab(1.0))
    scaled = comparison(shared_tmp, "scaled", slab(2.0, d_factor=3.0))
    assert base["dimensionless_groups"]["radius_over_debye"] is None  # a slab
    for name, value in base["dimensionless_groups"].items():
        if value is None:
            assert scaled["dimensionless_groups"][name] is None
        else:
            assert scaled["dimensionless_groups"][name] == pytest.approx(value, rel=1e-12)
    assert max(base["fold_errors"]) > 0.05  # GHK misses: the comparison is not trivial
    assert scaled["fold_errors"] == pytest.approx(base["fold_errors"], rel=1e-6, abs=1e-9)
    assert scaled["reversal_potential_error_mV"] == pytest.approx(
        base["reversal_potential_error_mV"], abs=1e-6
    )
    for model in ("donnan_ghk", "fitted_ghk"):
        ours, theirs = scaled["cheap_models"][model], base["cheap_models"][model]
        assert [f is None for f in ours["fold_errors"]] == [
            f is None for f in theirs["fold_errors"]
        ]
        assert [f for f in ours["fold_errors"] if f is not None] == pytest.approx(
            [f for f in theirs["fold_errors"] if f is not None], rel=1e-6
        )
        assert ours["reversal_potential_error_mV"] == pytest.approx(
            theirs["reversal_potential_error_mV"], abs=1e-6
        )
    # the same lengths with the Donnan ratio changed: the fold errors move
    other = comparison(shared_tmp, "other", slab(2.0, charge_scale=1.0))
    assert other["dimensionless_groups"]["donnan_ratio"] != pytest.approx(
        base["dimensionless_groups"]["donnan_ratio"]
    )
    assert other["fold_errors"] != pytest.approx(base["fold_errors"], rel=1e-2)


def test_results_and_summary_carry_the_groups_and_cheap_models(shared_tmp):
    base = slab(1.0)
    base["conditions"]["voltages_mV"] = [-40.0, 0.0, 40.0]
    lines = [
        'name = "tiny"',
        "[geometry]",
        *(f"{k} = {v!r}".replace("'", '"') for k, v in base["geometry"].items()),
        "[regions.pore]",
        "fixed_charge_M = -0.01",
    ]
    for s in base["species"]:
        lines += ["[[species]]", *(f"{k} = {v!r}".replace("'", '"') for k, v in s.items())]
    lines += ["[conditions]", "voltages_mV = [-40.0, 0.0, 40.0]", "[output]"]
    lines += ["fields = false", "plots = false", "profiles = false"]
    path = shared_tmp / "sweep.toml"
    if COMM.rank == 0:
        (shared_tmp / "tiny.toml").write_text("\n".join(lines) + "\n")
        path.write_text(
            'base = "tiny.toml"\n[axes]\n"regions.pore.fixed_charge_M" = [0.0, -0.01]\n'
        )
    COMM.barrier()
    out = shared_tmp / "out"
    run_sweep(load_sweep(path), out, COMM)
    rows = read_summary(out / "summary.csv")
    assert len(rows) == 2
    for row in rows:
        for name in GROUP_NAMES:
            assert f"group_{name}" in row
        assert row["group_radius_over_debye"] is None  # a slab has no radius
        assert row["group_debye_over_length"] == pytest.approx(debye_nm(10.0, 78.5) / 4.0, rel=1e-6)
        assert row["max_fold_factor"] is not None  # the existing columns are still there
    ratios = sorted(row["group_donnan_ratio"] for row in rows)
    assert ratios == pytest.approx([0.0, 1.0])

    results_files = sorted(out.rglob("results.json"))
    assert len(results_files) == 2
    for results_file in results_files:
        cmp = json.loads(results_file.read_text())["ghk_comparison"]
        assert set(cmp["dimensionless_groups"]) == set(GROUP_NAMES)
        models = cmp["cheap_models"]
        assert models["access_ghk"] is None  # no mouths in 1D
        for key in ("donnan_ghk", "fitted_ghk"):
            model = models[key]
            assert len(model["fold_errors"]) == 3
            assert any(f is not None for f in model["fold_errors"])
            assert model["reversal_potential_error_mV"] is not None


def test_access_resistance_explains_most_of_a_short_wide_pore(shared_tmp):
    """An uncharged pore as wide as it is long: the PNP current is limited by its mouths,
    which GHK ignores and the access-limited model adds."""
    data = slab(1.0)
    data["geometry"] = {
        "kind": "axisymmetric",
        "pore_radius_nm": 2.0,
        "pore_length_nm": 2.0,
        "bath_radius_nm": 20.0,
        "bath_length_nm": 20.0,
        "mesh_size_nm": 2.0,
        "wall_size_nm": 0.4,
    }
    data["regions"] = {}
    for s in data["species"]:
        s["inside_mM"] = s["outside_mM"] = 100.0
    data["conditions"] = {"voltages_mV": [20.0, 60.0]}
    cmp = comparison(shared_tmp, "wide", data)
    groups = cmp["dimensionless_groups"]
    assert groups["access_ratio"] == pytest.approx(math.pi / 2.0)
    access = cmp["cheap_models"]["access_ghk"]
    assert access["access_resistance_ohm"] > 0.0
    assert cmp["max_fold_error"] > 0.5  # GHK more than 1.6-fold too large
    assert access["max_fold_error"] < 0.05  # within 5 % (0.9 % at this mesh)


def test_electroneutral_model_explains_a_long_charged_slab(shared_tmp):
    """A charged slab 100 lambda_D long between 100 and 20 mM: GHK misses the PNP current
    twofold, the electroneutral Nernst–Planck model (Donnan jumps, no constant field)
    follows it within the double layers' share."""
    data = slab(1.0)
    data["geometry"] = {"kind": "slab", "pore_length_nm": 100.0, "bath_length_nm": 20.0}
    data["geometry"]["mesh_size_nm"] = 4.0
    data["regions"] = {"pore": {"fixed_charge_M": -0.02}}
    for s in data["species"]:
        s["inside_mM"], s["outside_mM"] = 100.0, 20.0
    cmp = comparison(shared_tmp, "long", data)
    assert cmp["dimensionless_groups"]["debye_over_length"] < 0.03
    assert cmp["max_fold_error"] > 0.5
    model = cmp["cheap_models"]["electroneutral_np"]
    assert model["sign_disagreements"] == 0
    assert model["max_fold_error"] < 1e-2  # 0.25 % measured
    assert abs(model["reversal_potential_error_mV"]) < 0.1  # 0.03 mV measured
