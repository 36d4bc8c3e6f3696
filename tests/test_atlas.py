"""The GHK-failure atlas: its sweeps lie on grids of the dimensionless groups, and equal
groups give equal fold errors (GHK and every cheap model) in a segmented 1D channel."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest
from mpi4py import MPI

from pnp.case import case_from_dict
from pnp.post.groups import dimensionless_groups
from pnp.run import run_case
from pnp.sweep import build_cases, expand, load_sweep

SWEEPS = Path(__file__).resolve().parents[1] / "cases" / "sweeps"
COMM = MPI.COMM_WORLD
# sweep -> the two groups it spans (scripts/atlas_maps.py maps them)
ATLAS = {
    "atlas_debye_donnan": ("debye_over_length", "donnan_ratio"),
    "atlas_debye_bath": ("debye_over_length", "bath_concentration_ratio"),
    "atlas_debye_permittivity": ("debye_over_length", "permittivity_contrast"),
    "atlas_voltage_donnan": ("max_voltage_over_thermal", "donnan_ratio"),
    "atlas_access_debye": ("access_ratio", "debye_over_length"),
}


def test_atlas_sweeps_span_their_groups_on_full_grids():
    sys.path.insert(0, str(SWEEPS.parents[1] / "scripts"))
    import atlas_maps

    assert atlas_maps.SWEEPS == ATLAS
    total = 0
    for name, (gx, gy) in ATLAS.items():
        spec = load_sweep(SWEEPS / f"{name}.toml")
        cases = build_cases(spec, expand(spec))
        groups = [dimensionless_groups(c) for c in cases]
        xs = {round(math.log10(g[gx]), 6) for g in groups}
        ys = {round(math.log10(g[gy]), 6) for g in groups}
        pairs = {(round(math.log10(g[gx]), 6), round(math.log10(g[gy]), 6)) for g in groups}
        assert len(pairs) == len(cases) == len(xs) * len(ys), name  # a full grid
        assert len(xs) >= 4 and len(ys) >= 4, name
        assert max(xs) - min(xs) >= 0.8 and max(ys) - min(ys) >= 0.8, name  # about a decade
        total += len(cases)
    assert total >= 200


def channel(scale: float, d_factor: float = 1.0) -> dict:
    """A segmented 1D channel between wide baths; lengths x scale, concentrations and fixed
    charges / scale^2 keep every group (and D x d_factor changes only the current scale)."""
    q = 1.0 / scale**2

    def species(name, z, d):
        return {
            "name": name,
            "charge": z,
            "diffusion_m2_per_s": d * d_factor,
            "inside_mM": 100.0 * q,
            "outside_mM": 25.0 * q,
        }

    def segment(name, length, radius, eps, x_M, d):
        return {
            "name": name,
            "length_nm": length * scale,
            "radius_nm": radius * scale,
            "permittivity": eps,
            "fixed_charge_M": x_M * q,
            "diffusion_m2_per_s": d * d_factor,
        }

    return {
        "name": "collapse",
        "geometry": {
            "kind": "channel_1d",
            "bath_length_nm": 3.0 * scale,
            "bath_radius_nm": 3.0 * scale,
            "mesh_size_nm": 0.2 * scale,
            "wall_size_nm": 0.05 * scale,
        },
        "regions": {"bath": {"permittivity": 78.5}},
        "segments": [
            segment("mouth", 2.0, 1.0, 78.5, -0.05, 1.0e-9),
            segment("narrow", 3.0, 0.5, 40.0, -0.2, 0.5e-9),
        ],
        "species": [species("K", 1, 1.957e-9), species("Cl", -1, 2.032e-9)],
        "conditions": {"voltages_mV": [-50.0, 0.0, 50.0]},
        "output": {"fields": False, "plots": False, "profiles": False},
    }


def test_equal_groups_give_equal_fold_errors_for_ghk_and_every_cheap_model(shared_tmp):
    base = run_case(case_from_dict(channel(1.0)), shared_tmp / "base", COMM)
    scaled = run_case(case_from_dict(channel(2.0, 3.0)), shared_tmp / "scaled", COMM)
    ours, theirs = scaled["ghk_comparison"], base["ghk_comparison"]
    for name, value in theirs["dimensionless_groups"].items():
        assert ours["dimensionless_groups"][name] == pytest.approx(value, rel=1e-12), name

    # the currents scale (x D / scale^2 per area); the comparison does not
    def densities(results):
        return np.array([p["current_density_A_per_m2"] for p in results["points"]])

    ratio = densities(scaled)[[0, 2]] / densities(base)[[0, 2]]  # -50 and +50 mV
    assert ratio == pytest.approx(3.0 / 8.0, rel=1e-6)
    assert ours["sign_disagreements"] == theirs["sign_disagreements"]
    entries = {"ghk": (theirs, ours)}
    entries.update(
        {m: (e, ours["cheap_models"][m]) for m, e in theirs["cheap_models"].items() if e}
    )
    assert "electroneutral_np" in entries and "donnan_ghk" in entries
    assert max(f for f in theirs["fold_errors"] if f is not None) > 0.3  # GHK misses
    for model, (entry, other) in entries.items():
        assert [f is None for f in other["fold_errors"]] == [
            f is None for f in entry["fold_errors"]
        ], model
        folds = [f for f in entry["fold_errors"] if f is not None]
        assert folds, model
        assert [f for f in other["fold_errors"] if f is not None] == pytest.approx(
            folds, rel=1e-6, abs=1e-9
        ), model
        assert other["reversal_potential_error_mV"] == pytest.approx(
            entry["reversal_potential_error_mV"], abs=1e-5
        ), model


def test_validity_adviser_on_held_out_atlas_cases():
    """Every fifth atlas case predicted from the other four fifths (k = 2 neighbours)."""
    from pnp.theory.ghk_validity import held_out_errors, shipped_atlas

    atlas = shipped_atlas()
    assert len(atlas) >= 200
    errors = held_out_errors(atlas)
    for model in ("ghk", "donnan_ghk", "electroneutral_np", "fitted_ghk"):
        e = errors[model]
        assert e["cases"] >= 40, model
        assert e["median_log10_fold_miss"] < 0.1, model  # 0.024 to 0.043 measured
        assert e["current_verdict_agreement"] >= 0.85, model  # 0.91 to 1.0 measured
        assert e["median_reversal_miss_mV"] < 0.1, model


def test_validity_adviser_returns_an_atlas_case_at_its_own_groups():
    from pnp.theory.ghk_validity import predict_validity, shipped_atlas

    case = next(
        c
        for c in shipped_atlas()
        if c.sweep == "atlas_debye_donnan" and c.groups["donnan_ratio"] == 0.1
    )
    predicted = predict_validity(case.groups)
    assert predicted["ghk"].nearest == pytest.approx(0.0, abs=1e-12)
    assert predicted["ghk"].fold_error == pytest.approx(case.fold_errors["ghk"], rel=1e-6)
    assert predicted["access_ghk"].nearest > 1.0  # no slab case has mouths: far away


def test_ghk_validity_command(capsys):
    import json

    from pnp.cli import main

    code = main(["theory", "ghk-validity", "--debye-over-length", "3", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    ghk = out["models"]["ghk"]
    assert ghk["current_within_5_percent"]  # a dilute uncharged slab: GHK is exact
    assert ghk["max_fold_factor"] == pytest.approx(math.exp(ghk["max_fold_error"]))
    assert main(["theory", "ghk-validity", "--debye-over-length", "0"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--debye-over-length" in err
