"""`pnp theory ...` command line, exercised in-process through its parser."""

import argparse
import json

import pytest

from pnp.cli import theory as theory_cli
from pnp.theory import (
    debye_length,
    donnan_equilibrium,
    ghk_current_density,
    ghk_voltage,
    nernst_potential,
    planck_potential,
    steric_double_layer_potential,
    steric_surface_charge,
    tms_potential,
)

GAMMAS = ["--gamma-in", "0.85", "--gamma-out", "0.70"]


def run(argv, capsys):
    parser = argparse.ArgumentParser(prog="pnp")
    sub = parser.add_subparsers(dest="command")
    theory_cli.add_parser(sub)
    try:
        args = parser.parse_args(["theory", *argv])
        code = args.func(args)
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def run_json(argv, capsys):
    code, out, err = run([*argv, "--json"], capsys)
    assert code == 0, err
    return json.loads(out)


def test_nernst_text_and_json(capsys):
    # seed 001: E_K = -90.9 mV for 150/5 mM at 310 K
    code, out, _ = run(["nernst", "--z", "1", "--c-in", "150", "--c-out", "5", "-T", "310"], capsys)
    assert code == 0
    assert "-90.86 mV" in out
    data = run_json(["nernst", "--z", "1", "--c-in", "150", "--c-out", "5", "-T", "310"], capsys)
    assert data["reversal_potential_mV"] == pytest.approx(1e3 * nernst_potential(1, 150, 5, 310))
    assert data["temperature_K"] == 310.0
    act = run_json(
        ["nernst", "--z", "1", "--c-in", "140", "--c-out", "4", "-T", "310", *GAMMAS],
        capsys,
    )
    assert round(act["reversal_potential_mV"], 1) == -100.2  # seed 002


def test_ghk_current_multiple_voltages(capsys):
    argv = ["ghk-current", "--z", "2", "--permeability", "1e-8", "--c-in", "1e-4", "--c-out", "2"]
    data = run_json([*argv, "--voltage", "-80", "0", "40"], capsys)
    assert data["voltage_mV"] == [-80.0, 0.0, 40.0]
    for v, i in zip(data["voltage_mV"], data["current_density_A_per_m2"], strict=True):
        assert i == pytest.approx(ghk_current_density(2, 1e-8, 1e-4, 2.0, v * 1e-3))
    code, out, _ = run([*argv, "--voltage", "-80", "0"], capsys)
    assert code == 0 and "A/m^2" in out and "-80.000" in out


def test_ghk_voltage_seed004(capsys):
    argv = ["ghk-voltage", "-T", "310.15", "--species", "K:+1:140:5:1"]
    argv += ["--species", "Na:+1:15:145:0.04", "--species", "Cl:-1:10:110:0.45"]
    code, out, _ = run(argv, capsys)
    assert code == 0 and "-67.34 mV" in out and "closed form" in out
    data = run_json(argv, capsys)
    assert round(data["reversal_potential_mV"], 1) == -67.3
    assert data["method"] == "closed-form"
    assert round(data["species"]["K"]["nernst_potential_mV"], 1) == -89.1


def test_ghk_voltage_with_calcium_uses_root(capsys):
    argv = ["ghk-voltage", "--species", "K:1:140:5:1", "--species", "Ca:2:0.0001:2:0.5"]
    data = run_json(argv, capsys)
    expected = ghk_voltage(
        {"K": 1, "Ca": 0.5}, {"K": 140, "Ca": 1e-4}, {"K": 5, "Ca": 2}, {"K": 1, "Ca": 2}
    )
    assert data["method"] == "root"
    assert data["reversal_potential_mV"] == pytest.approx(1e3 * expected)


def test_debye_and_ionic_strength(capsys):
    code, out, _ = run(["debye", "--ionic-strength", "100"], capsys)
    assert code == 0 and "0.962 nm" in out
    data = run_json(["debye", "--ion", "Ca:2:10", "--ion", "Cl:-1:20"], capsys)
    assert data["ionic_strength_mM"] == pytest.approx(30.0)
    assert data["debye_length_nm"] == pytest.approx(1e9 * debye_length(30.0))


def test_activity_all_models(capsys):
    data = run_json(["activity", "--z", "1", "--ionic-strength", "150", "--model", "all"], capsys)
    assert set(data["activity_coefficients"]) == {"debye-huckel", "extended", "davies"}
    assert 0.7 < data["activity_coefficients"]["davies"] < 0.8
    code, out, _ = run(["activity", "--z", "1", "--ionic-strength", "150"], capsys)
    assert code == 0 and "davies" in out and "gamma" in out


def test_donnan(capsys):
    argv = ["donnan", "--fixed-charge", "-50", "--ion", "Na:+1:100", "--ion", "Cl:-1:100"]
    data = run_json(argv, capsys)
    res = donnan_equilibrium(-50, {"Na": (1, 100), "Cl": (-1, 100)})
    assert data["donnan_potential_mV"] == pytest.approx(res.potential_mV)
    assert data["species"]["Na"]["charged_region_mM"] == pytest.approx(res.concentrations["Na"])
    code, out, _ = run(argv, capsys)
    assert code == 0 and "mV" in out and "Na" in out


def test_grahame_both_directions(capsys):
    a = run_json(["grahame", "--potential", "-50", "--salt", "150"], capsys)
    b = run_json(["grahame", "--sigma", str(a["surface_charge_C_per_m2"]), "--salt", "150"], capsys)
    assert b["surface_potential_mV"] == pytest.approx(-50.0)
    code, out, _ = run(["grahame", "--sigma", "-0.05", "--salt", "150"], capsys)
    assert code == 0 and "C/m^2" in out and "mV" in out


def test_gouy_chapman_profile(capsys):
    data = run_json(
        ["gouy-chapman", "--potential", "-50", "--salt", "100", "--x", "0", "1", "5"], capsys
    )
    assert data["potential_mV"][0] == pytest.approx(-50.0)
    assert abs(data["potential_mV"][2]) < abs(data["potential_mV"][1]) < 50.0
    assert data["debye_length_nm"] == pytest.approx(0.962, abs=5e-4)


def test_grahame_and_gouy_chapman_with_ion_size(capsys):
    a = run_json(["grahame", "--potential", "-500", "--salt", "100", "--size-nm", "0.7"], capsys)
    assert a["surface_charge_C_per_m2"] == pytest.approx(steric_surface_charge(-0.5, 100, 0.7))
    assert a["size_nm"] == 0.7 and 0 < a["packing_parameter"] < 1 and a["saturation_mM"] > 1e3
    sigma = str(a["surface_charge_C_per_m2"])
    b = run_json(["grahame", "--sigma", sigma, "--salt", "100", "--size-nm", "0.7"], capsys)
    assert b["surface_potential_mV"] == pytest.approx(-500.0)
    point = run_json(["grahame", "--sigma", sigma, "--salt", "100"], capsys)
    assert abs(point["surface_potential_mV"]) < 250.0 and "size_nm" not in point
    code, out, _ = run(
        ["grahame", "--potential", "-500", "--salt", "100", "--size-nm", "0.7"], capsys
    )
    assert code == 0 and "Bikerman" in out and "packing parameter" in out
    argv = ["gouy-chapman", "--potential", "-300", "--salt", "100", "--x", "0", "1", "--size-nm"]
    g = run_json([*argv, "0.7"], capsys)
    assert g["potential_mV"] == pytest.approx(
        [1e3 * steric_double_layer_potential(x * 1e-9, -0.3, 100, 0.7) for x in (0, 1)]
    )
    assert g["potential_mV"][1] < run_json(argv[:-1], capsys)["potential_mV"][1]


def test_planck_and_tms(capsys):
    base = ["--c-in", "100", "--c-out", "10", "--d-cation", "1.33e-9", "--d-anion", "2.03e-9"]
    p = run_json(["planck", *base], capsys)
    assert p["reversal_potential_mV"] == pytest.approx(
        1e3 * planck_potential(100, 10, 1.33e-9, 2.03e-9)
    )
    t = run_json(["tms", *base, "--fixed-charge", "-200"], capsys)
    assert t["membrane_potential_mV"] == pytest.approx(
        1e3 * tms_potential(100, 10, -200, 1.33e-9, 2.03e-9)
    )
    parts = t["inside_donnan_mV"] + t["diffusion_mV"] + t["outside_donnan_mV"]
    assert parts == pytest.approx(t["membrane_potential_mV"])
    code, out, _ = run(["tms", *base, "--fixed-charge", "0"], capsys)
    assert code == 0 and "Planck" in out


def test_driving_force_energy_pmf(capsys):
    # seed 001: +20.9 mV and ~104 mA/m^2; seed 004: 8.59 kJ/mol; seed 001: 2.7 -> 3 protons
    d = run_json(
        ["driving-force", "--voltage", "-70", "--reversal", "-90.9", "--conductance", "5"], capsys
    )
    assert d["driving_force_mV"] == pytest.approx(20.9)
    assert d["current_density_A_per_m2"] == pytest.approx(0.1045)
    e = run_json(["energy", "--z", "1", "--c-from", "5", "--c-to", "140", "-T", "310.15"], capsys)
    assert round(e["free_energy_kJ_per_mol"], 2) == 8.59
    p = run_json(["pmf", "--delta-ph", "3.5", "--delta-psi", "-15", "--atp-energy", "57"], capsys)
    assert round(p["protons_per_atp"], 1) == 2.7 and p["whole_protons_per_atp"] == 3
    code, out, _ = run(["pmf", "--delta-ph", "0.8", "--delta-psi", "-170"], capsys)
    assert code == 0 and "Delta p" in out and "kJ/mol" in out


@pytest.mark.parametrize(
    "argv,option",
    [
        (["nernst", "--z", "1", "--c-in", "-1", "--c-out", "5"], "--c-in"),
        (["nernst", "--z", "1", "--c-in", "abc", "--c-out", "5"], "--c-in"),
        (["nernst", "--z", "0", "--c-in", "1", "--c-out", "5"], "--z"),
        (["nernst", "--z", "1", "--c-out", "5"], "--c-in"),
        (["nernst", "--z", "1", "--c-in", "1", "--c-out", "5", "-T", "-3"], "--temperature"),
        (["ghk-voltage", "--species", "K:+1:140:5"], "--species"),
        (["ghk-voltage", "--species", "K:+1:140:0:1"], "--species"),
        (["ghk-voltage", "--species", "K:1:140:5:1", "--species", "K:1:1:5:1"], "--species"),
        (["debye", "--ionic-strength", "0"], "--ionic-strength"),
        (["activity", "--z", "1", "--ionic-strength", "10", "--model", "pitzer"], "--model"),
        (["donnan", "--fixed-charge", "-5", "--ion", "Na:1:10", "--ion", "Cl:-1:9"], "--ion"),
        (["grahame", "--salt", "100"], "--potential"),
        (["gouy-chapman", "--potential", "-50", "--salt", "100", "--x", "-1"], "--x"),
        (["grahame", "--potential", "-50", "--salt", "5000", "--size-nm", "1"], "--size-nm"),
        (
            ["gouy-chapman", "--potential", "-5", "--salt", "9", "--x", "1", "--size-nm", "-1"],
            "--size-nm",
        ),
        (["pmf", "--delta-ph", "-3", "--delta-psi", "20", "--atp-energy", "57"], "--atp-energy"),
    ],
)
def test_bad_input_one_line_error_exit_2(argv, option, capsys):
    code, out, err = run(argv, capsys)
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "error" in lines[0] and option in lines[0]
    assert "Traceback" not in err


def test_theory_without_subcommand_prints_help(capsys):
    code, _, err = run([], capsys)
    assert code == 2 and "nernst" in err


def test_help_mentions_units_and_formats(capsys):
    with pytest.raises(SystemExit) as exc:
        parser = argparse.ArgumentParser(prog="pnp")
        theory_cli.add_parser(parser.add_subparsers())
        parser.parse_args(["theory", "ghk-voltage", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "NAME:Z:C_IN:C_OUT:P" in out and "mM" in out
