"""The case layer: loading, validation messages, round trips and overrides."""

from __future__ import annotations

import copy
import json
import pickle
import subprocess
import sys
import tomllib
from dataclasses import FrozenInstanceError
from pathlib import Path

import pytest

from pnp.case import (
    BOUNDARY_ROLES,
    ELECTROLYTE_REGIONS,
    KINDS,
    REGION_NAMES,
    Case,
    CaseError,
    Region,
    Species,
    Transient,
    apply_override,
    case_from_dict,
    case_to_dict,
    case_to_toml,
    load_case,
    parse_override,
)

ROOT = Path(__file__).resolve().parents[1]
CASES = sorted((ROOT / "cases").glob("*.toml"))
EXPECTED_CASES = {
    "default",
    "ghk_dilute",
    "wide_pore",
    "charged_pore",
    "low_permittivity_gate",
    "bi_ionic",
    "calcium",
    "pore_3d",
    "transient_step",
}


def minimal() -> dict:
    """A small valid case table (axisymmetric KCl pore)."""
    return {
        "geometry": {
            "kind": "axisymmetric",
            "pore_radius_nm": 0.5,
            "pore_length_nm": 2.0,
            "bath_radius_nm": 3.0,
            "bath_length_nm": 3.0,
        },
        "species": [
            {
                "name": "K",
                "charge": 1,
                "diffusion_m2_per_s": 1.96e-9,
                "inside_mM": 150.0,
                "outside_mM": 5.0,
            },
            {
                "name": "Cl",
                "charge": -1,
                "diffusion_m2_per_s": 2.03e-9,
                "inside_mM": 150.0,
                "outside_mM": 5.0,
            },
        ],
        "conditions": {"voltages_mV": [-50, 0, 50]},
    }


def error_for(data: dict, **kwargs) -> CaseError:
    with pytest.raises(CaseError) as info:
        case_from_dict(data, **kwargs)
    return info.value


def assert_problem(error: CaseError, key: str, *words: str) -> str:
    """The error reports `key` (as its own key or among all problems) with `words`."""
    for k, detail in error.problems:
        if k == key:
            message = f"{k}: {detail}"
            assert message in str(error)
            for word in words:
                assert word in message, (word, message)
            return message
    raise AssertionError(f"{key!r} not reported in:\n{error}")


# -- shipped cases -------------------------------------------------------------------


def test_all_expected_cases_are_shipped():
    assert {p.stem for p in CASES} >= EXPECTED_CASES


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_shipped_case_loads(path):
    case = load_case(path)
    assert case.name == path.stem
    assert case.source_path == path.resolve()
    assert case.description
    assert set(case.regions) == set(REGION_NAMES)
    assert path.read_text().startswith("#"), "each case file starts with an explanatory comment"
    # round trips, through the dict and through TOML text
    assert case_from_dict(case_to_dict(case)) == case
    assert case_from_dict(tomllib.loads(case_to_toml(case))) == case
    json.dumps(case_to_dict(case))


def test_ghk_dilute_is_the_dilute_uncharged_slab():
    case = load_case(ROOT / "cases" / "ghk_dilute.toml")
    assert case.geometry.kind == "slab"
    assert case.geometry.bath_length_nm == 0.0
    assert not case.has_fixed_charge
    assert case.regions["pore"].permittivity == case.regions["bath"].permittivity
    assert max(max(s.inside_mM, s.outside_mM) for s in case.species) < 0.01


def test_case_names_agree_with_the_geometry_package():
    domain = pytest.importorskip("pnp.geometry.domain")
    assert tuple(domain.REGION_TAGS) == REGION_NAMES
    assert tuple(domain.BOUNDARY_TAGS) == BOUNDARY_ROLES
    assert tuple(domain.KINDS) == KINDS
    assert tuple(domain.ELECTROLYTE_REGIONS) == ELECTROLYTE_REGIONS


def test_case_layer_imports_without_the_solver_stack():
    code = (
        "import sys, pnp.case; "
        "bad = [m for m in ('dolfinx', 'petsc4py', 'ufl', 'mpi4py', 'numpy', 'gmsh') "
        "if m in sys.modules]; print(bad)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(ROOT)},
    )
    assert out.stdout.strip() == "[]"


# -- the Case object ---------------------------------------------------------------------


def test_defaults_are_filled_in():
    case = case_from_dict(minimal())
    assert case.name == "case"
    assert case.description == ""
    assert case.regions["bath"] == Region(permittivity=78.5)
    assert case.regions["pore"].permittivity == 78.5
    assert case.regions["membrane"] == Region(permittivity=2.0, diffusion_factor=None)
    assert case.regions["filter"].permittivity == 78.5
    assert all(s.charge_C_per_m2 == 0.0 for s in case.surfaces.values())
    g = case.geometry
    assert (g.entrance, g.entrance_radius_nm, g.filter_length_nm) == ("sharp", 0.0, 0.0)
    assert g.filter_radius_nm == 0.5
    assert g.axisymmetric and not g.has_filter
    assert case.conditions.temperature_K == 298.15
    assert case.conditions.voltages_mV == (-50.0, 0.0, 50.0)
    assert isinstance(case.conditions.voltages_mV[0], float)
    s = case.solver
    assert (s.preset, s.rtol, s.atol, s.max_iterations) == ("direct", 1e-9, 1e-10, 25)
    assert (s.max_voltage_step_mV, s.min_voltage_step_mV, s.charge_steps) == (25.0, 0.05, 4)
    assert dict(s.petsc_options) == {}
    o = case.output
    assert (o.fields, o.profiles, o.plots, o.sections) == (True, True, True, 5)


def test_filter_permittivity_defaults_to_the_pore_value():
    data = minimal()
    data["regions"] = {"pore": {"permittivity": 40}}
    case = case_from_dict(data)
    assert case.regions["filter"].permittivity == 40.0
    assert isinstance(case.regions["pore"].permittivity, float)


def test_case_is_frozen_hashable_and_picklable():
    data = minimal()
    data["solver"] = {
        "petsc_options": {"ksp_type": "preonly", "pc_factor_mat_solver_type": "mumps"}
    }
    case = case_from_dict(data)
    with pytest.raises(FrozenInstanceError):
        case.name = "x"
    with pytest.raises(TypeError):
        case.regions["pore"] = Region(permittivity=1.0)
    assert isinstance(case.species, tuple)
    assert hash(case) == hash(case_from_dict(copy.deepcopy(data)))
    assert pickle.loads(pickle.dumps(case)) == case
    assert case.solver.petsc_options == {
        "ksp_type": "preonly",
        "pc_factor_mat_solver_type": "mumps",
    }


def test_species_helpers():
    case = case_from_dict(minimal())
    assert case.species_names == ("K", "Cl")
    assert case.species_by_name("Cl") == Species("Cl", -1, 2.03e-9, 150.0, 5.0)
    with pytest.raises(KeyError, match="K, Cl"):
        case.species_by_name("Na")


def test_round_trip_of_a_full_case(tmp_path):
    mesh = tmp_path / "pore.msh"
    mesh.write_text("$MeshFormat\n")
    data = minimal()
    data["name"] = "full"
    data["geometry"] = {
        "kind": "mesh",
        "mesh_file": "pore.msh",
        "pore_length_nm": 2.0,
        "pore_radius_nm": 0.5,
        "axisymmetric": True,
        "groups": {"water": "bath", "channel": "pore", "lining": "pore_wall"},
        "refine": 1,
    }
    data["regions"] = {"pore": {"fixed_charge_M": -1, "diffusion_factor": 0.5}}
    data["surfaces"] = {"pore_wall": {"charge_C_per_m2": -0.05}}
    data["solver"] = {
        "preset": "iterative",
        "petsc_options": {"ksp_rtol": 1e-8, "ksp_monitor": True},
    }
    case = case_from_dict(data, base_dir=tmp_path)
    assert case.geometry.mesh_file == mesh.resolve()
    assert case.geometry.groups["lining"] == "pore_wall"
    again = case_from_dict(case_to_dict(case))
    assert again == case
    assert case_to_dict(again) == case_to_dict(case)
    assert case_from_dict(tomllib.loads(case_to_toml(case))) == case
    json.dumps(case_to_dict(case))


def test_slab_and_rounded_and_filter_round_trip():
    slab = {"kind": "slab", "pore_length_nm": 3.0, "filter_length_nm": 1.0}
    data = minimal()
    data["geometry"] = slab
    case = case_from_dict(data)
    assert case.geometry.bath_length_nm == 0.0 and case.geometry.pore_radius_nm is None
    assert case_from_dict(case_to_dict(case)) == case

    data = minimal()
    data["geometry"].update(
        entrance="rounded", entrance_radius_nm=0.3, filter_length_nm=1.0, filter_radius_nm=0.3
    )
    case = case_from_dict(data)
    assert case.geometry.has_filter
    assert case_from_dict(case_to_dict(case)) == case


def test_source_path_does_not_affect_equality(tmp_path):
    path = tmp_path / "kcl.toml"
    path.write_text(case_to_toml(case_from_dict(minimal())))
    loaded = load_case(path)
    assert loaded.name == "case"  # the name written into the file
    assert loaded == case_from_dict(minimal())
    assert loaded.source_path == path.resolve()


def test_name_defaults_to_the_file_stem(tmp_path):
    text = case_to_toml(case_from_dict(minimal())).replace('name = "case"\n', "")
    path = tmp_path / "my_pore.toml"
    path.write_text(text)
    assert load_case(path).name == "my_pore"


def test_with_overrides():
    case = case_from_dict(minimal())
    new = case.with_overrides(
        {
            "regions.pore.fixed_charge_M": -2,
            "species.K.outside_mM": 150,
            "species.Cl.outside_mM": 150,
        }
    )
    assert new.regions["pore"].fixed_charge_M == -2.0
    assert new.species_by_name("K").outside_mM == 150.0
    assert case.regions["pore"].fixed_charge_M == 0.0
    with pytest.raises(CaseError):
        case.with_overrides({"species.K.outside_mM": 100})  # outside bath no longer neutral


# -- overrides -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("geometry.pore_radius_nm=1.5", ("geometry.pore_radius_nm", 1.5)),
        ("solver.max_iterations = 40", ("solver.max_iterations", 40)),
        ("conditions.voltages_mV=[-10, 0, 10]", ("conditions.voltages_mV", [-10, 0, 10])),
        ("geometry.kind=slab", ("geometry.kind", "slab")),
        ('description="two words"', ("description", "two words")),
        ("description=two words", ("description", "two words")),
        ("output.plots=false", ("output.plots", False)),
        ("solver.rtol=1e-8", ("solver.rtol", 1e-8)),
        (
            "solver.petsc_options={ksp_type = 'gmres'}",
            ("solver.petsc_options", {"ksp_type": "gmres"}),
        ),
        ("name=a=b", ("name", "a=b")),
    ],
)
def test_parse_override(text, expected):
    assert parse_override(text) == expected


@pytest.mark.parametrize("text", ["geometry.pore_radius_nm", "=1", "geometry.kind=", "a..b=1"])
def test_parse_override_rejects_bad_syntax(text):
    with pytest.raises(CaseError) as info:
        parse_override(text)
    assert str(info.value).startswith(info.value.key)


def test_parse_override_without_equals_explains_the_syntax():
    with pytest.raises(CaseError, match="key=value"):
        parse_override("geometry.pore_radius_nm")


def test_apply_override_returns_a_new_dict():
    data = minimal()
    before = copy.deepcopy(data)
    new = apply_override(data, "geometry.pore_radius_nm", 0.8)
    assert data == before
    assert new["geometry"]["pore_radius_nm"] == 0.8
    new["species"][0]["inside_mM"] = 1.0
    assert data == before


def test_apply_override_species_by_name():
    data = apply_override(minimal(), "species.Cl.outside_mM", 7.5)
    data = apply_override(data, "species.K.outside_mM", 7.5)
    case = case_from_dict(data)
    assert case.species_by_name("Cl").outside_mM == 7.5
    assert case.species_by_name("K").outside_mM == 7.5


def test_apply_override_unknown_species_lists_the_species():
    with pytest.raises(CaseError) as info:
        apply_override(minimal(), "species.Na.inside_mM", 10.0)
    assert info.value.key == "species.Na"
    assert "K, Cl" in str(info.value)


def test_apply_override_creates_missing_tables():
    data = apply_override(minimal(), "regions.pore.fixed_charge_M", -0.5)
    data = apply_override(data, "solver.petsc_options.ksp_type", "gmres")
    data = apply_override(data, "surfaces.pore_wall.charge_C_per_m2", -0.01)
    case = case_from_dict(data)
    assert case.regions["pore"].fixed_charge_M == -0.5
    assert case.solver.petsc_options["ksp_type"] == "gmres"
    assert case.surfaces["pore_wall"].charge_C_per_m2 == -0.01


def test_apply_override_replaces_lists_and_whole_species():
    data = apply_override(minimal(), "conditions.voltages_mV", [10, 20])
    replacement = dict(minimal()["species"][0], inside_mM=150.0, outside_mM=5.0)
    data = apply_override(data, "species.K", replacement)
    assert case_from_dict(data).conditions.voltages_mV == (10.0, 20.0)


@pytest.mark.parametrize(
    ("key", "reported"),
    [
        ("geometri.kind", "geometri.kind"),
        ("regions.pores.permittivity", "regions.pores"),
        ("surfaces.wall.charge_C_per_m2", "surfaces.wall"),
        ("geometry.kind.x", "geometry.kind"),
    ],
)
def test_apply_override_rejects_bad_paths(key, reported):
    with pytest.raises(CaseError) as info:
        apply_override(minimal(), key, 1.0)
    assert info.value.key == reported
    assert str(info.value).startswith(reported)


def test_unknown_leaf_from_override_is_caught_by_validation():
    data = apply_override(minimal(), "geometry.pore_radus_nm", 0.8)
    assert_problem(error_for(data), "geometry.pore_radus_nm", "did you mean 'pore_radius_nm'")


def test_load_case_applies_overrides_in_order(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(case_to_toml(case_from_dict(minimal())))
    case = load_case(
        path,
        overrides=[
            "geometry.kind=slab",
            "geometry.bath_length_nm=0",
            "species.K.inside_mM=5",
            "species.Cl.inside_mM=5",
            "conditions.voltages_mV=[0]",
        ],
    )
    assert case.geometry.kind == "slab"
    assert case.species_by_name("K").inside_mM == 5.0
    assert case.conditions.voltages_mV == (0.0,)


# -- validation errors ---------------------------------------------------------------------


def without(data: dict, *path: str) -> dict:
    data = copy.deepcopy(data)
    table = data
    for part in path[:-1]:
        table = table[part]
    del table[path[-1]]
    return data


def with_value(data: dict, path: str, value) -> dict:
    return apply_override(data, path, value)


def test_missing_geometry_kind():
    error = error_for(without(minimal(), "geometry", "kind"))
    assert error.key == "geometry.kind"
    assert str(error).startswith("geometry.kind: missing required key; add kind = ")


def test_missing_pore_length():
    error = error_for(without(minimal(), "geometry", "pore_length_nm"))
    assert_problem(error, "geometry.pore_length_nm", "missing", "pore_length_nm = ")


def test_missing_geometry_table():
    assert_problem(error_for(without(minimal(), "geometry")), "geometry", "[geometry]")


def test_unknown_top_level_key_with_suggestion():
    data = minimal()
    data["spcies"] = []
    error = error_for(data)
    assert str(error).startswith("spcies: unknown key; did you mean 'species'?")


def test_unknown_nested_key_with_suggestion():
    data = with_value(minimal(), "geometry.pore_radus_nm", 0.5)
    message = assert_problem(error_for(data), "geometry.pore_radus_nm")
    assert message == "geometry.pore_radus_nm: unknown key; did you mean 'pore_radius_nm'?"


def test_unknown_region_lists_valid_regions():
    data = minimal()
    data["regions"] = {"channel": {"permittivity": 10.0}}
    assert_problem(error_for(data), "regions.channel", "bath, pore, membrane, filter")


def test_unknown_surface_lists_valid_surfaces():
    data = minimal()
    data["surfaces"] = {"bath_wall": {"charge_C_per_m2": -0.01}}
    assert_problem(error_for(data), "surfaces.bath_wall", "pore_wall, membrane_face, filter_wall")


def test_negative_concentration_names_the_species():
    data = with_value(minimal(), "species.K.inside_mM", -5.0)
    message = assert_problem(error_for(data), "species.K.inside_mM")
    assert message.startswith("species.K.inside_mM: must be > 0 mM, got -5")


def test_zero_concentration_names_the_species():
    data = with_value(minimal(), "species.Cl.outside_mM", 0)
    assert_problem(error_for(data), "species.Cl.outside_mM", "> 0 mM", "trace")


def test_no_species():
    data = minimal()
    data["species"] = []
    assert_problem(error_for(data), "species", "no species", "[[species]]")
    assert_problem(error_for(without(minimal(), "species")), "species", "no species")


def test_duplicate_species():
    data = minimal()
    data["species"].append(copy.deepcopy(data["species"][0]))
    assert_problem(error_for(data), "species.K", "duplicate")


@pytest.mark.parametrize("charge", [0, 1.5, "1", True])
def test_bad_charge(charge):
    data = with_value(minimal(), "species.K.charge", charge)
    assert_problem(error_for(data), "species.K.charge", "nonzero integer")


def test_integral_float_charge_is_accepted():
    case = case_from_dict(with_value(minimal(), "species.K.charge", 1.0))
    assert case.species_by_name("K").charge == 1
    assert isinstance(case.species_by_name("K").charge, int)


def test_non_neutral_bath_names_the_bath_and_suggests_a_fix():
    data = with_value(minimal(), "species.K.outside_mM", 10.0)
    message = assert_problem(error_for(data), "species", "outside bath", "+5 mM")
    assert "species.Cl.outside_mM = 10" in message
    assert "species.K.outside_mM = 5" in message
    assert "inside bath" not in str(error_for(data))


def test_neutrality_tolerance_is_relative():
    data = with_value(minimal(), "species.K.inside_mM", 150.0 * (1 + 1e-8))
    case_from_dict(data)
    data = with_value(minimal(), "species.K.inside_mM", 150.0 * (1 + 1e-5))
    assert_problem(error_for(data), "species", "inside bath")


def test_membrane_diffusion_factor_is_rejected():
    data = with_value(minimal(), "regions.membrane.diffusion_factor", 0.1)
    assert_problem(error_for(data), "regions.membrane.diffusion_factor", "no ions", "remove")


def test_bath_fixed_charge_is_rejected():
    data = with_value(minimal(), "regions.bath.fixed_charge_M", -0.1)
    assert_problem(error_for(data), "regions.bath.fixed_charge_M", "electroneutral")


def test_unknown_entrance():
    data = with_value(minimal(), "geometry.entrance", "funnel")
    assert_problem(error_for(data), "geometry.entrance", "sharp, rounded, conical")


def test_entrance_radius_consistency():
    data = with_value(minimal(), "geometry.entrance", "rounded")
    assert_problem(error_for(data), "geometry.entrance_radius_nm", "> 0")
    data = with_value(minimal(), "geometry.entrance_radius_nm", 0.3)
    assert_problem(error_for(data), "geometry.entrance_radius_nm", "no effect", "rounded")
    data = with_value(data, "geometry.entrance", "conical")
    data = with_value(data, "geometry.entrance_radius_nm", 1.5)
    assert_problem(error_for(data), "geometry.entrance_radius_nm", "must fit")


def test_filter_longer_than_pore():
    data = with_value(minimal(), "geometry.filter_length_nm", 2.5)
    assert_problem(error_for(data), "geometry.filter_length_nm", "< geometry.pore_length_nm")


def test_filter_wider_than_pore():
    data = with_value(minimal(), "geometry.filter_length_nm", 1.0)
    data = with_value(data, "geometry.filter_radius_nm", 0.8)
    assert_problem(error_for(data), "geometry.filter_radius_nm", "<= geometry.pore_radius_nm")


def test_bath_must_be_wider_than_pore():
    data = with_value(minimal(), "geometry.bath_radius_nm", 0.4)
    assert_problem(error_for(data), "geometry.bath_radius_nm", "> geometry.pore_radius_nm")


def test_axisymmetric_requires_radii_and_bath_length():
    data = without(without(minimal(), "geometry", "bath_radius_nm"), "geometry", "bath_length_nm")
    error = error_for(without(data, "geometry", "pore_radius_nm"))
    for key in ("geometry.pore_radius_nm", "geometry.bath_radius_nm", "geometry.bath_length_nm"):
        assert_problem(error, key, "missing")


def test_mesh_file_not_found(tmp_path):
    data = minimal()
    data["geometry"] = {"kind": "mesh", "mesh_file": "nowhere.msh", "pore_length_nm": 2.0}
    message = assert_problem(error_for(data, base_dir=tmp_path), "geometry.mesh_file", "not found")
    assert str(tmp_path.resolve() / "nowhere.msh") in message


def test_mesh_only_keys_are_rejected_for_other_kinds():
    data = with_value(minimal(), "geometry.mesh_file", "x.msh")
    assert_problem(error_for(data), "geometry.mesh_file", "kind = mesh")


def test_mesh_groups_must_name_roles(tmp_path):
    (tmp_path / "m.msh").write_text("")
    data = minimal()
    data["geometry"] = {
        "kind": "mesh",
        "mesh_file": "m.msh",
        "pore_length_nm": 2.0,
        "groups": {"g": "pore_wal"},
    }
    assert_problem(error_for(data, base_dir=tmp_path), "geometry.groups.g", "'pore_wall'")


def test_bool_where_number_expected():
    data = with_value(minimal(), "geometry.pore_length_nm", True)
    assert_problem(error_for(data), "geometry.pore_length_nm", "expected a number", "boolean")


def test_string_where_number_expected():
    data = with_value(minimal(), "conditions.temperature_K", "300")
    assert_problem(error_for(data), "conditions.temperature_K", "without quotes")


def test_voltages_must_be_finite_numbers():
    data = with_value(minimal(), "conditions.voltages_mV", [0, float("nan")])
    assert_problem(error_for(data), "conditions.voltages_mV[1]", "finite")
    data = with_value(minimal(), "conditions.voltages_mV", [])
    assert_problem(error_for(data), "conditions.voltages_mV", "empty")
    assert_problem(
        error_for(without(minimal(), "conditions", "voltages_mV")), "conditions.voltages_mV"
    )


def test_unknown_solver_preset():
    data = with_value(minimal(), "solver.preset", "mumps")
    assert_problem(error_for(data), "solver.preset", "direct, iterative")


def test_slab_cannot_have_wall_charge():
    data = minimal()
    data["geometry"] = {"kind": "slab", "pore_length_nm": 2.0}
    data = with_value(data, "surfaces.pore_wall.charge_C_per_m2", -0.02)
    assert_problem(error_for(data), "surfaces.pore_wall.charge_C_per_m2", "fixed_charge_M")


def test_all_problems_are_reported_together():
    data = with_value(minimal(), "species.K.inside_mM", -1.0)
    data = with_value(data, "geometry.pore_radius_nm", 0)
    data = with_value(data, "output.sectons", 3)
    error = error_for(data)
    keys = {k for k, _ in error.problems}
    assert {"species.K.inside_mM", "geometry.pore_radius_nm", "output.sectons"} <= keys
    assert "3 problems" in str(error)
    assert isinstance(error, ValueError)


def test_toml_syntax_error_reports_file_and_line(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text('[geometry]\nkind = "slab"\npore_length_nm = = 2\n')
    with pytest.raises(CaseError) as info:
        load_case(path)
    message = str(info.value)
    assert f"{path}:3:" in message
    assert "at line 3" in message
    assert "pore_length_nm = = 2" in message


def test_missing_case_file(tmp_path):
    with pytest.raises(CaseError, match="not found"):
        load_case(tmp_path / "absent.toml")


def test_override_syntax_error_in_load_case(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(case_to_toml(case_from_dict(minimal())))
    with pytest.raises(CaseError, match="key=value"):
        load_case(path, overrides=["geometry.pore_radius_nm"])


def test_case_type_is_exported():
    assert isinstance(case_from_dict(minimal()), Case)


# -- transient runs ------------------------------------------------------------------------


def transient_case(**table) -> dict:
    """`minimal()` with a [transient] table (voltage step at 1 ns, 100 ns run)."""
    data = minimal()
    data["transient"] = {
        "end_time_s": 1e-7,
        "voltage_steps_mV": [[0.0, 0.0], [1e-9, 100.0]],
        **table,
    }
    return data


def test_transient_defaults_are_filled_in():
    case = case_from_dict(transient_case())
    assert case.is_transient and not case_from_dict(minimal()).is_transient
    t = case.transient
    assert isinstance(t, Transient)
    assert t.voltage_steps_mV == ((0.0, 0.0), (1e-9, 100.0))
    assert (t.scheme, t.order, t.adaptive, t.rtol, t.output_every) == ("bdf2", 2, True, 1e-3, 10)
    assert (t.rise_time_s, t.max_step_s, t.initial_step_s) == (0.0, 2e-9, 1e-12)
    assert t.min_step_s == pytest.approx(1e-16)
    assert case_from_dict(transient_case(scheme="backward-euler")).transient.order == 1
    assert "transient" not in case_to_dict(case_from_dict(minimal()))


def test_transient_case_round_trips():
    data = transient_case(
        rise_time_s=5e-11, scheme="backward-euler", adaptive=False, initial_step_s=1e-11
    )
    del data["conditions"]  # a transient case needs no steady voltages
    case = case_from_dict(data)
    assert case.conditions.voltages_mV == ()
    assert case.conditions.temperature_K == 298.15
    assert case_from_dict(case_to_dict(case)) == case
    assert case_from_dict(tomllib.loads(case_to_toml(case))) == case
    assert "voltages_mV" not in case_to_dict(case)["conditions"]
    json.dumps(case_to_dict(case))
    with_voltages = case_from_dict(transient_case())  # steady voltages may stay in the file
    assert with_voltages.conditions.voltages_mV == (-50.0, 0.0, 50.0)
    assert case_from_dict(tomllib.loads(case_to_toml(with_voltages))) == with_voltages


def test_overrides_turn_a_steady_case_transient():
    case = case_from_dict(minimal()).with_overrides(
        {
            "transient.end_time_s": 5e-8,
            "transient.voltage_steps_mV": [[0, -20], [1e-9, 60]],
            "transient.scheme": "backward-euler",
        }
    )
    assert case.transient.voltage_steps_mV == ((0.0, -20.0), (1e-9, 60.0))
    assert case.transient.scheme == "backward-euler"
    _, value = parse_override("transient.voltage_steps_mV=[[0, 0], [2e-9, 50]]")
    assert value == [[0, 0], [2e-9, 50]]
    with pytest.raises(CaseError, match="end_time_s"):
        case_from_dict(minimal()).with_overrides({"transient.scheme": "bdf2"})


@pytest.mark.parametrize(
    ("table", "key", "words"),
    [
        ({"end_time_s": -1.0}, "transient.end_time_s", ("> 0 s",)),
        ({"end_time_s": "1e-7"}, "transient.end_time_s", ("without quotes",)),
        ({"voltage_steps_mV": None}, "transient.voltage_steps_mV", ("pairs",)),
        ({"voltage_steps_mV": []}, "transient.voltage_steps_mV", ("empty", "[time_s, voltage_mV]")),
        ({"voltage_steps_mV": [0.0, 100.0]}, "transient.voltage_steps_mV[0]", ("pair",)),
        ({"voltage_steps_mV": [[0.0, 0.0, 1.0]]}, "transient.voltage_steps_mV[0]", ("pair",)),
        ({"voltage_steps_mV": [[1e-9, 0.0]]}, "transient.voltage_steps_mV[0][0]", ("t = 0",)),
        (
            {"voltage_steps_mV": [[0.0, 0.0], [2e-9, 5.0], [1e-9, 9.0]]},
            "transient.voltage_steps_mV[2][0]",
            ("increase",),
        ),
        ({"voltage_steps_mV": [[0.0, "a"]]}, "transient.voltage_steps_mV[0][1]", ("number",)),
        ({"voltage_steps_mV": [[0.0, 0.0], [2e-7, 1.0]]}, "transient.end_time_s", ("later",)),
        ({"rise_time_s": 2e-7}, "transient.rise_time_s", ("longer",)),
        ({"rise_time_s": -1.0}, "transient.rise_time_s", (">= 0",)),
        ({"scheme": "bdf3"}, "transient.scheme", ("did you mean 'bdf2'", "backward-euler")),
        ({"shceme": "bdf2"}, "transient.shceme", ("did you mean 'scheme'",)),
        ({"adaptive": 1}, "transient.adaptive", ("true or false",)),
        ({"rtol": 2.0}, "transient.rtol", ("< 1",)),
        ({"output_every": 0}, "transient.output_every", (">= 1",)),
        ({"initial_step_s": 1e-8, "max_step_s": 1e-9}, "transient.initial_step_s", ("between",)),
        ({"min_step_s": 0.0}, "transient.min_step_s", ("> 0 s",)),
    ],
)
def test_transient_validation_errors(table, key, words):
    data = transient_case(**table)
    data["transient"] = {k: v for k, v in data["transient"].items() if v is not None}
    assert_problem(error_for(data), key, *words)


def test_transient_table_must_be_a_table():
    data = minimal()
    data["transient"] = 5
    assert_problem(error_for(data), "transient", "expected a table")


def test_steady_case_still_needs_voltages():
    error = error_for(without(minimal(), "conditions"))
    assert_problem(error, "conditions", "voltages_mV")
    error = error_for(without(minimal(), "conditions", "voltages_mV"))
    assert_problem(error, "conditions.voltages_mV", "[transient]")


@pytest.mark.parametrize("key", ["solver.rtol", "solver.atol"])
def test_newton_tolerances_that_accept_any_state_are_refused(key):
    """A residual tolerance of 1e300 would 'converge' on the initial guess."""
    assert_problem(error_for(with_value(minimal(), key, 1e300)), key, "<= 0.0001")
    case_from_dict(with_value(minimal(), key, 1e-6))  # strict enough: accepted
