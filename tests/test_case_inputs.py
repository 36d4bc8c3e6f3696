"""Case files are data: physical bounds, sizes that overflow, safe names and paths, PETSc
options that would write files, byte-order marks and a TOML dump that reloads every string."""

from __future__ import annotations

import copy
import re
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_case import assert_problem, error_for, minimal, transient_case

from pnp.case import (
    CaseError,
    apply_override,
    case_from_dict,
    case_to_dict,
    case_to_toml,
    load_case,
)
from pnp.case.validate import BOUNDS
from pnp.sweep import load_sweep

ROOT = Path(__file__).resolve().parents[1]
MESH = ROOT / "meshes" / "nanopore_rz.msh"


def slab() -> dict:
    data = minimal()
    data["geometry"] = {"kind": "slab", "pore_length_nm": 2.0, "bath_length_nm": 1.0}
    return data


# -- physical bounds ---------------------------------------------------------------------

# (case key, quantity of BOUNDS, a value inside, one below, one above)
BOUNDED = [
    ("conditions.temperature_K", "temperature_K", 310.0, 1e-3, 1e4),
    ("regions.pore.permittivity", "permittivity", 2.0, 1e-300, 1e5),
    ("regions.membrane.permittivity", "permittivity", 2.0, 0.5, 2000.0),
    ("regions.pore.fixed_charge_M", "fixed_charge_M", -5.0, -1e6, 500.0),
    ("surfaces.pore_wall.charge_C_per_m2", "charge_C_per_m2", -0.3, -1.5, 1.5),
    ("species.K.diffusion_m2_per_s", "diffusion_m2_per_s", 1e-10, 1e-20, 1e-4),
    ("regions.pore.diffusion_factor", "diffusion_factor", 0.1, 1e-9, 1e3),
    ("geometry.pore_length_nm", "length_nm", 2.0, 1e-5, 1e300),
    ("geometry.bath_length_nm", "length_nm", 3.0, 1e-6, 2e6),
    ("geometry.wall_size_nm", "length_nm", 0.1, 1e-4, None),
    ("geometry.mesh_size_nm", "length_nm", 0.5, 1e-4, 1e7),
]


@pytest.mark.parametrize(("key", "quantity", "good", "low", "high"), BOUNDED)
def test_values_beyond_their_physical_bound_are_refused(key, quantity, good, low, high):
    bound = BOUNDS[quantity]
    case_from_dict(apply_override(minimal(), key, good))
    for bad in (low, high):
        if bad is None:
            continue
        message = assert_problem(error_for(apply_override(minimal(), key, bad)), key)
        assert bound.reason in message
        assert f"{bound.high:.6g}" in message  # the bound is stated


def test_voltages_and_protocol_voltages_are_bounded():
    high = BOUNDS["voltage_mV"].high
    case_from_dict(apply_override(minimal(), "conditions.voltages_mV", [-high, high]))
    data = apply_override(minimal(), "conditions.voltages_mV", [0, 50_000, 1_000_000])
    error = error_for(data)
    for key in ("conditions.voltages_mV[1]", "conditions.voltages_mV[2]"):
        assert_problem(error, key, "mV", BOUNDS["voltage_mV"].reason)
    data = transient_case(voltage_steps_mV=[[0.0, 0.0], [1e-9, 5e4]])
    assert_problem(error_for(data), "transient.voltage_steps_mV[1][1]", "10000")


def test_concentrations_and_valences_are_bounded():
    for side in ("inside_mM", "outside_mM"):
        data = apply_override(minimal(), f"species.K.{side}", 3e4)
        data = apply_override(data, f"species.Cl.{side}", 3e4)
        assert_problem(error_for(data), f"species.K.{side}", "20000 mM", "solubility")
    data = apply_override(minimal(), "species.K.charge", 12)
    assert_problem(error_for(data), "species.K.charge", BOUNDS["valence"].reason)


def test_lengths_that_may_be_absent_accept_zero_only():
    case_from_dict(apply_override(slab(), "geometry.bath_length_nm", 0.0))
    data = apply_override(slab(), "geometry.bath_length_nm", 1e-6)
    assert_problem(error_for(data), "geometry.bath_length_nm", "0.001")


def test_wall_size_above_mesh_size_is_a_case_error():
    data = apply_override(minimal(), "geometry.wall_size_nm", 1.0)
    data = apply_override(data, "geometry.mesh_size_nm", 0.5)
    assert_problem(error_for(data), "geometry.wall_size_nm", "<= geometry.mesh_size_nm")


def test_readme_states_every_bound():
    """The README's table of bounds gives the numbers of `BOUNDS`, row by row."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for quantity, bound in BOUNDS.items():
        rows = [line for line in readme.splitlines() if line.startswith(f"| `{quantity}` |")]
        assert len(rows) == 1, f"README needs one row for {quantity}"
        allowed = rows[0].split("|")[3]
        numbers = {float(x) for x in re.findall(r"-?\d+(?:\.\d+)?(?:e[+-]?\d+)?", allowed)}
        assert {bound.low, bound.high} - {None} <= numbers, (quantity, allowed)


# -- sizes that overflow -----------------------------------------------------------------


def numeric_keys(table, prefix=()):
    """Every numeric leaf of a case table, as the path of keys and list indices."""
    if isinstance(table, dict):
        for key, value in table.items():
            yield from numeric_keys(value, (*prefix, key))
    elif isinstance(table, list):
        for index, value in enumerate(table):
            yield from numeric_keys(value, (*prefix, index))
    elif isinstance(table, int | float) and not isinstance(table, bool):
        yield prefix


def full_case() -> dict:
    data = case_to_dict(case_from_dict(transient_case()))
    data["solver"]["petsc_options"] = {"snes_max_it": 5, "ksp_rtol": 1e-8}
    return data


def dotted(path) -> str:
    """("species", 0, "charge") -> "species.K.charge"; ("conditions", "voltages_mV", 1) ->
    "conditions.voltages_mV[1]"."""
    text = ""
    for i, part in enumerate(path):
        if isinstance(part, int) and path[i - 1] == "species":
            text += ".K" if part == 0 else ".Cl"
        elif isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


@pytest.mark.parametrize("path", list(numeric_keys(full_case())), ids=dotted)
def test_every_numeric_key_refuses_overflow_with_its_name(path):
    for value in (10**400, -(10**400), float("inf"), float("nan")):
        data = copy.deepcopy(full_case())
        table = data
        for part in path[:-1]:
            table = table[part]
        table[path[-1]] = value
        error = error_for(data)
        assert dotted(path) in {key for key, _ in error.problems}, str(error)


def test_a_400_digit_integer_is_refused_in_a_case_file(tmp_path):
    text = case_to_toml(case_from_dict(minimal())).replace(
        "inside_mM = 150.0", f"inside_mM = {'9' * 400}", 1
    )
    path = tmp_path / "big.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CaseError, match=r"species\.K\.inside_mM: a 400-digit integer is too"):
        load_case(path)


# -- names and paths ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["..", ".", "a/b", "../escape", "a\\b", "", " ", "x\0y", "a b"])
def test_unsafe_names_are_refused(name):
    data = dict(minimal(), name=name)
    assert_problem(error_for(data), "name", "letters, digits", "out/NAME")


def test_safe_names_are_kept():
    for name in ("default", "KCl-150_50.v2+3", "..x", "a.b"):
        assert case_from_dict(dict(minimal(), name=name)).name == name


def test_the_default_name_is_the_sanitised_file_stem(tmp_path):
    text = case_to_toml(case_from_dict(minimal())).replace('name = "case"\n', "")
    path = tmp_path / "my pore (v2).toml"
    path.write_text(text, encoding="utf-8")
    assert load_case(path).name == "my_pore__v2_"


def test_a_nul_byte_in_the_mesh_path_is_a_case_error(tmp_path):
    data = minimal()
    data["geometry"] = {"kind": "mesh", "mesh_file": "pore\0.msh", "pore_length_nm": 2.0}
    assert_problem(error_for(data, base_dir=tmp_path), "geometry.mesh_file", "NUL")


def test_a_nul_byte_in_the_sweep_base_is_a_sweep_error(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('base = "x\\u0000.toml"\n[axes]\n"conditions.temperature_K" = [300]\n')
    with pytest.raises(CaseError, match="base"):
        load_sweep(path)


def test_case_and_sweep_files_with_a_byte_order_mark_load(tmp_path):
    case = tmp_path / "bom.toml"
    case.write_bytes(b"\xef\xbb\xbf" + case_to_toml(case_from_dict(minimal())).encode())
    assert load_case(case) == case_from_dict(minimal())
    sweep = tmp_path / "sweep.toml"
    text = 'base = "bom.toml"\n[axes]\n"conditions.temperature_K" = [300.0, 310.0]\n'
    sweep.write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert load_sweep(sweep).size == 2


# -- PETSc options in case files ---------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ksp_converged_reason", "ascii:/tmp/anything.txt"),
        ("ksp_view_mat", "binary:matrix.bin"),
        ("snes_view", "hdf5:snes.h5"),
        ("snes_monitor", "binary"),
        ("ksp_monitor", "draw"),
        ("ksp_monitor", "socket"),
        ("fieldsplit_0_ksp_view", "ascii:split.txt:ascii_info"),
        ("snes_linesearch_monitor", "ascii:ls.txt"),
        ("snes_compare_explicit", "ascii:j.txt"),
        ("pc_python_type", "mymodule.MyPC"),
        ("pc_type", "python"),
    ],
)
def test_options_that_write_files_or_load_code_are_refused(name, value):
    data = apply_override(minimal(), f"solver.petsc_options.{name}", value)
    message = assert_problem(error_for(data), f"solver.petsc_options.{name}", "--petsc")
    assert f"--petsc {name}={value}" in message


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ksp_monitor", ""),
        ("snes_converged_reason", "ascii"),
        ("snes_view", "::ascii_info_detail"),
        ("ksp_view", "ascii::ascii_info"),
        ("ksp_monitor", True),
        ("ksp_rtol", 1e-8),
        ("pc_type", "lu"),
        ("pc_factor_mat_solver_type", "mumps"),
    ],
)
def test_solver_tuning_and_terminal_output_stay_allowed(name, value):
    case = case_from_dict(apply_override(minimal(), f"solver.petsc_options.{name}", value))
    assert case.solver.petsc_options[name] == value


def test_option_names_must_be_petsc_names():
    data = apply_override(minimal(), "solver.petsc_options", {"ksp type": "gmres"})
    assert_problem(error_for(data), "solver.petsc_options.ksp type", "not a PETSc option name")


# -- TOML dump ---------------------------------------------------------------------------


def reloaded(case):
    return case_from_dict(tomllib.loads(case_to_toml(case)))


def test_control_characters_quotes_and_backslashes_round_trip():
    text = 'DEL \x7f NUL \x00 tab \t cr \r "quoted" back\\slash \u2028 \U0001f600'
    case = case_from_dict(dict(minimal(), description=text))
    assert reloaded(case).description == text


TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)  # all but surrogates


@settings(
    max_examples=150,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(description=TEXT, group=TEXT.filter(bool), value=TEXT)
def test_every_string_survives_the_toml_dump(description, group, value):
    data = minimal()
    data["description"] = description
    data["geometry"] = {
        "kind": "mesh",
        "mesh_file": str(MESH),
        "pore_length_nm": 4.0,
        "groups": {group: "bath"},
    }
    data["solver"] = {"petsc_options": {"pc_type": value}}
    case = case_from_dict(data)
    assert reloaded(case) == case
