"""Names and units of plotted quantities, case keys and sweep columns; the conditions line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pnp.case import CaseError, case_to_dict, load_case
from pnp.post.groups import GROUP_NAMES
from pnp.post.labels import conditions_text, ion, label, split_unit
from pnp.sweep.map_style import STYLES, key_label, style_of
from pnp.sweep.summary import RESULT_COLUMNS, TEXT_COLUMNS

CASES = Path(__file__).resolve().parents[1] / "cases"


@pytest.mark.parametrize(
    ("key", "text"),
    [
        ("regions.pore.fixed_charge_M", "fixed charge in the pore (M)"),
        ("species.K.inside_mM", "K⁺ inside (mM)"),
        ("species.Ca.outside_mM", "Ca²⁺ outside (mM)"),
        ("species.Cl.diffusion_m2_per_s", "Cl⁻ diffusion coefficient (m²/s)"),
        ("geometry.pore_radius_nm", "pore radius (nm)"),
        ("current_pA", "current (pA)"),
        ("voltage_mV", "voltage (mV)"),
        ("reversal_potential_mV", "PNP reversal potential (mV)"),
        ("max_fold_error", "fold error, largest |ln(I_GHK / I_PNP)|"),
        ("surfaces.pore_wall.charge_C_per_m2", "surface charge on the pore wall (C/m²)"),
        ("regions.filter.permittivity", "permittivity ε_r in the filter"),
        ("conditions.temperature_K", "temperature (K)"),
        ("c_Na_mM", "[Na⁺] (mM)"),
    ],
)
def test_listed_keys_have_their_names(key, text):
    assert label(key) == text
    assert key_label(key) == text  # the maps use the same registry


@pytest.mark.parametrize(
    ("key", "text"),
    [
        ("geometry.neck_width_nm", "neck width (nm)"),
        ("surfaces.lid.charge_C_per_m2", "surface charge on the lid (C/m²)"),
        ("peak_K_M", "peak K (M)"),
        ("shift_at_50_mV", "shift at 50 (mV)"),
        ("flux_A_per_m2", "flux (A/m²)"),
        ("solver.max_iterations", "solver max iterations"),
    ],
)
def test_unlisted_keys_are_named_from_their_unit_suffix(key, text):
    assert label(key) == text


def test_no_summary_column_or_style_falls_back_to_its_raw_key():
    keys = [c for c in RESULT_COLUMNS if c not in TEXT_COLUMNS] + list(STYLES)
    keys += [f"group_{name}" for name in GROUP_NAMES]
    for key in keys:
        text = style_of(key).label
        assert key not in text and not re.search(r"[a-z]_[a-z]", text), (key, text)
    assert split_unit("inside_mM") == ("inside", "mM") and split_unit("M") == ("M", "")


def test_ions_take_their_charge_from_the_case_or_the_usual_one():
    assert (ion("K"), ion("SO4"), ion("X"), ion("X", 3)) == ("K⁺", "SO4²⁻", "X", "X³⁺")


def test_conditions_line_names_the_salt_radius_and_temperature():
    case = load_case(CASES / "default.toml")
    k = case.species_by_name("K")
    text = conditions_text(case_to_dict(case))
    assert text.startswith(f"KCl {k.inside_mM:g} | {k.outside_mM:g} mM (in | out)")
    assert f"R = {case.geometry.pore_radius_nm:g} nm" in text
    assert text.endswith(f"{case.conditions.temperature_K - 273.15:.4g} °C")
    calcium = case_to_dict(load_case(CASES / "calcium.toml"))
    assert any(word in conditions_text(calcium) for word in ("CaCl₂", "Ca²⁺"))
    single = case_to_dict(load_case(CASES / "charged_filter_1d.toml"))
    assert "narrowest R = 0.4 nm" in conditions_text(single)
    assert "filter charge −9.91 M" in conditions_text(single)


def test_figure_format_is_validated_in_one_line():
    case = load_case(CASES / "default.toml", ["output.figure_format=svg"])
    assert case.output.figure_format == "svg"
    assert case_to_dict(case)["output"]["figure_format"] == "svg"
    assert "figure_format" not in case_to_dict(load_case(CASES / "default.toml"))["output"]
    with pytest.raises(CaseError) as err:
        load_case(CASES / "default.toml", ["output.figure_format=jpg"])
    first = str(err.value).splitlines()[0]  # then the case file
    assert first.startswith("output.figure_format: unknown value 'jpg'")
    assert "png, pdf, svg" in first
