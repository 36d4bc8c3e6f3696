"""The GHK-versus-PNP comparison block: exact where GHK is exact, consistent definitions."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from mpi4py import MPI

from pnp.case import case_from_dict, load_case
from pnp.post.comparison import (
    NEAR_ZERO,
    apparent_permeability_ratios,
    current_agreement,
    electroneutral_model,
    fitted_ghk,
    pore_sections,
    relative_current_errors,
)
from pnp.post.ghk_counterpart import ghk_block, ghk_permeabilities
from pnp.run import run_case
from pnp.theory import electroneutral_current, ghk_voltage, planck_potential, tms_potential
from pnp.validation.limits import D_CL, D_NA, salt_slab

CASES = Path(__file__).resolve().parents[1] / "cases"
COMM = MPI.COMM_WORLD


def test_comparison_is_exact_in_the_dilute_limit(shared_tmp):
    case = load_case(CASES / "ghk_dilute.toml", ["output.fields=false", "output.plots=false"])
    results = run_case(case, shared_tmp / "dilute", COMM)
    cmp = results["ghk_comparison"]
    assert cmp["max_relative_current_error"] < 5e-3
    assert abs(cmp["reversal_potential_error_mV"]) < 0.05
    ratios = cmp["apparent_permeability_ratios"]
    for name, ratio in ratios["a_priori"].items():
        assert ratios["apparent"][name] == pytest.approx(ratio, rel=1e-2)
    assert cmp["field_nonuniformity_max"] < 1e-2  # the field is constant
    fitted = cmp["fitted"]
    for name, p in ghk_permeabilities(case).items():
        assert fitted["permeabilities_m_per_s"][name] == pytest.approx(p, rel=5e-3)
    assert fitted["relative_rms_residual"] < 1e-3
    assert cmp["sign_disagreements"] == 0
    assert 0.0 <= cmp["max_fold_error"] < 5e-3
    assert cmp["max_fold_factor"] == pytest.approx(np.exp(cmp["max_fold_error"]), rel=1e-15)
    assert cmp["max_fold_voltage_mV"] in cmp["voltages_mV"]
    on_disk = json.loads((shared_tmp / "dilute" / "results.json").read_text())
    for key in ("max_relative_current_error", "max_fold_error", "max_fold_factor"):
        assert on_disk["ghk_comparison"][key] == pytest.approx(cmp[key])
    assert on_disk["ghk_comparison"]["fold_errors"] == pytest.approx(cmp["fold_errors"])


@pytest.mark.parametrize("fixed_charge_M", [0.0, -0.05])
def test_electroneutral_reversal_error_matches_planck_and_tms(shared_tmp, fixed_charge_M):
    """In a long layer the comparison reports GHK minus the Planck (X = 0) / TMS potential."""
    data = salt_slab(
        geometry={"kind": "slab", "pore_length_nm": 4000.0, "mesh_size_nm": 8.0},
        regions={"pore": {"fixed_charge_M": fixed_charge_M}},
        conditions={"voltages_mV": [-60.0, 0.0, 60.0]},
    )
    for s in data["species"]:
        s["outside_mM"] = 10.0
    case = case_from_dict(data)
    results = run_case(case, shared_tmp / f"tms{fixed_charge_M}", COMM)
    temperature = case.conditions.temperature_K
    theory = 1e3 * (
        tms_potential(100.0, 10.0, fixed_charge_M * 1e3, D_NA, D_CL, temperature)
        if fixed_charge_M
        else planck_potential(100.0, 10.0, D_NA, D_CL, temperature)
    )
    ghk = ghk_block(case, [0.0])["reversal_potential_mV"]
    error = results["ghk_comparison"]["reversal_potential_error_mV"]
    assert error == pytest.approx(ghk - theory, abs=0.5)


def _case():
    data = salt_slab(conditions={"voltages_mV": [-50.0, -10.0, 0.0, 10.0, 50.0]})
    for s in data["species"]:
        s["outside_mM"] = 20.0
    return case_from_dict(data)


def test_near_zero_currents_are_excluded_from_the_relative_error():
    pnp = [
        {"voltage_mV": v, "converged": True, "current_density_A_per_m2": i}
        for v, i in [(-50, -100.0), (0, 0.5), (50, 80.0)]
    ]
    ghk = [
        {"voltage_mV": v, "current_density_A_per_m2": i} for v, i in [(-50, -90), (0, 3), (50, 100)]
    ]
    errors = relative_current_errors(pnp, ghk)
    assert errors == pytest.approx([0.1, None, 0.25])


def points(pairs):
    """Synthetic PNP and GHK points from (voltage, I_pnp, I_ghk) triples (A/m^2)."""
    pnp = [{"voltage_mV": v, "converged": True, "current_density_A_per_m2": i} for v, i, _ in pairs]
    ghk = [{"voltage_mV": v, "current_density_A_per_m2": g} for v, _, g in pairs]
    return pnp, ghk


@pytest.mark.parametrize("factor", [2.0, 100.0, 0.5, 0.01])
def test_fold_error_is_the_same_for_ghk_too_large_or_too_small(factor):
    pnp, ghk = points([(-80, -50.0, -50.0 * factor), (0, 20.0, 20.0), (80, 40.0, 40.0)])
    block = current_agreement(pnp, ghk)
    expected = abs(np.log(factor))  # ln 2 for 2 and 1/2, ln 100 for 100 and 1/100
    assert block["fold_errors"] == pytest.approx([expected, 0.0, 0.0])
    assert block["max_fold_error"] == pytest.approx(expected)
    assert block["max_fold_factor"] == pytest.approx(max(factor, 1 / factor))
    assert block["max_fold_voltage_mV"] == -80
    assert block["sign_disagreements"] == 0
    assert block["current_signs_disagree"] == [False, False, False]


def test_the_relative_error_saturates_where_the_fold_error_does_not():
    """|I_ghk - I_pnp| / |I_pnp| = |r - 1| tends to 1 as GHK -> 0 and passes 1 only for
    r > 2 (or r < 0); the fold error tells every factor apart, in both directions."""
    relative, fold = {}, {}
    for r in (0.5, 0.01, 0.001, 2.0, 100.0):
        pnp, ghk = points([(-40, -10.0, -10.0 * r), (40, 10.0, 10.0 * r)])
        relative[r] = max(relative_current_errors(pnp, ghk))
        fold[r] = current_agreement(pnp, ghk)["max_fold_error"]
    assert relative[0.01] == pytest.approx(0.99) and relative[0.001] == pytest.approx(0.999)
    assert relative[0.001] - relative[0.01] < 0.01  # a factor 100 and 1000 look alike
    assert relative[0.5] == pytest.approx(0.5) and relative[2.0] == pytest.approx(1.0)
    assert fold[0.001] - fold[0.01] == pytest.approx(np.log(10.0))
    assert fold[0.01] == pytest.approx(fold[100.0]) == pytest.approx(np.log(100.0))
    assert fold[0.5] == pytest.approx(fold[2.0]) == pytest.approx(np.log(2.0))


def test_sign_disagreements_are_counted_and_make_the_fold_infinite():
    pnp, ghk = points(
        [
            (-80, -100.0, -150.0),  # ln 1.5
            (-40, -40.0, 5.0),  # opposite sign
            (-20, -5.0, 3.0),  # opposite, but |I_pnp| < NEAR_ZERO x 100: not compared
            (0, 30.0, 0.0),  # GHK zero: no factor relates the currents either
            (40, 60.0, 30.0),  # ln 2
        ]
    )
    assert 5.0 < NEAR_ZERO * 100.0 < 30.0
    block = current_agreement(pnp, ghk)
    assert block["current_signs_disagree"] == [False, True, None, True, False]
    assert block["fold_errors"] == pytest.approx([np.log(1.5), None, None, None, np.log(2.0)])
    assert block["sign_disagreements"] == 2
    assert block["max_fold_error"] is None and block["max_fold_factor"] is None
    assert block["max_fold_voltage_mV"] == -40  # the first voltage of opposite sign
    relative = [e for e in relative_current_errors(pnp, ghk) if e is not None]
    assert max(relative) == pytest.approx(1.125)  # |5 / -40 - 1|: just above 100 %


def test_near_zero_and_unconverged_points_are_not_compared():
    pnp, ghk = points([(-50, -100.0, -90.0), (0, 0.5, -3.0), (50, 80.0, 100.0), (80, 90.0, -1.0)])
    pnp[3]["converged"] = False
    block = current_agreement(pnp, ghk)
    assert block["fold_errors"] == pytest.approx([np.log(100 / 90), None, np.log(100 / 80), None])
    assert block["current_signs_disagree"] == [False, None, False, None]
    assert block["sign_disagreements"] == 0
    assert block["max_fold_factor"] == pytest.approx(1.25) and block["max_fold_voltage_mV"] == 50
    nothing = current_agreement(*points([(0, 0.0, 1.0)]))
    assert nothing["max_fold_error"] is None and nothing["sign_disagreements"] == 0


def test_apparent_ratio_reproduces_the_reversal_potential():
    case = _case()
    perms = ghk_permeabilities(case)
    target = -12.0
    ratios = apparent_permeability_ratios(case, perms, target)
    trial = dict(perms)
    trial["Cl"] = perms["Na"] * ratios["apparent"]["Cl"]
    conc = {s.name: (s.inside_mM, s.outside_mM) for s in case.species}
    v = ghk_voltage(
        trial,
        {k: c[0] for k, c in conc.items()},
        {k: c[1] for k, c in conc.items()},
        {s.name: s.charge for s in case.species},
        case.conditions.temperature_K,
    )
    assert 1e3 * v == pytest.approx(target, abs=1e-6)
    assert ratios["a_priori"]["Cl"] == pytest.approx(D_CL / D_NA)


def test_fit_recovers_permeabilities_from_exact_ghk_currents():
    case = _case()
    true = {"Na": 3e-3, "Cl": 7e-4}
    from pnp.theory import ghk_current_density

    points = []
    for v in case.conditions.voltages_mV:
        dens = {
            s.name: float(
                ghk_current_density(s.charge, true[s.name], s.inside_mM, s.outside_mM, v * 1e-3)
            )
            for s in case.species
        }
        points.append(
            {
                "voltage_mV": v,
                "converged": True,
                "current_density_A_per_m2": sum(dens.values()),
                "species_current_densities_A_per_m2": dens,
            }
        )
    fit = fitted_ghk(case, points)
    for name, p in true.items():
        assert fit["permeabilities_m_per_s"][name] == pytest.approx(p, rel=1e-10)
    assert fit["relative_rms_residual"] < 1e-10
    assert np.isfinite(fit["reversal_potential_mV"])


def test_an_electroneutral_failure_at_one_voltage_drops_that_voltage_only():
    """A selective layer between unstirred baths: past the limiting current the
    electroneutral model has no solution; the other voltages keep their values."""
    data = salt_slab(
        geometry={"kind": "slab", "pore_length_nm": 100.0, "bath_length_nm": 200.0},
        regions={"pore": {"fixed_charge_M": -0.5}},
        conditions={"voltages_mV": [-100.0, 50.0, 3000.0]},
    )
    for s in data["species"]:
        s["inside_mM"] = s["outside_mM"] = 10.0
    case = case_from_dict(data)
    sections, area = pore_sections(case)
    assert [s.fixed_charge_mM for s in sections] == [0.0, -500.0, 0.0]
    volts = case.conditions.voltages_mV
    measured = [-2.0e4, 1.0e4, 3.0e4]  # synthetic PNP currents (A/m^2), all compared
    pnp_points = [
        {"voltage_mV": v, "converged": True, "current_density_A_per_m2": j}
        for v, j in zip(volts, measured, strict=True)
    ]
    model = electroneutral_model(case, pnp_points, None)
    densities = model["current_densities_A_per_m2"]
    assert densities[2] is None and len(model["failed_voltages"]) == 1
    assert "3000 mV" in model["failed_voltages"][0]
    c = {s.name: 10.0 for s in case.species}
    charges = {s.name: s.charge for s in case.species}
    for k in (0, 1):
        alone = electroneutral_current(sections, c, c, charges, volts[k] * 1e-3) / area
        assert densities[k] == pytest.approx(alone, rel=1e-9)
        assert model["fold_errors"][k] == pytest.approx(abs(np.log(densities[k] / measured[k])))
    assert model["fold_errors"][2] is None and model["current_signs_disagree"][2] is None
