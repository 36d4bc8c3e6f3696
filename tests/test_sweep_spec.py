"""Sweep files without solving: expansion of the product, validation, the summary CSV."""

from __future__ import annotations

from pathlib import Path

import pytest
from mpi4py import MPI

from pnp.case import CaseError
from pnp.sweep import (
    SweepError,
    build_cases,
    expand,
    load_sweep,
    parse_shard,
    position_of,
    sweep_from_dict,
)
from pnp.sweep.store import pending_cases, record_difference, sweep_record
from pnp.sweep.summary import append_row, read_summary, write_summary

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "cases"
SWEEPS = CASES / "sweeps"
COMM = MPI.COMM_WORLD


def sweep(**tables) -> dict:
    data = {"base": "default.toml", "axes": {"regions.pore.fixed_charge_M": [0.0, -0.5]}}
    data.update(tables)
    return data


def spec_of(data: dict, *overrides: str):
    return sweep_from_dict(data, base_dir=CASES, overrides=overrides)


def test_cartesian_product_and_linked_axes_expand_in_order():
    spec = spec_of(
        sweep(
            axes={"regions.pore.fixed_charge_M": [0.0, -0.5], "geometry.pore_length_nm": [2.0]},
            zip=[
                {
                    "species.K.inside_mM": [10.0, 100.0, 150.0],
                    "species.Cl.inside_mM": [10.0, 100.0, 150.0],
                }
            ],
        )
    )
    assert spec.shape == (2, 1, 3) and spec.size == 6
    assert spec.keys == (
        "regions.pore.fixed_charge_M",
        "geometry.pore_length_nm",
        "species.K.inside_mM",
        "species.Cl.inside_mM",
    )
    points = expand(spec)
    assert [p.case_id for p in points] == ["0000", "0001", "0002", "0003", "0004", "0005"]
    assert [p.position for p in points][:4] == [(0, 0, 0), (0, 0, 1), (0, 0, 2), (1, 0, 0)]
    assert all(position_of(p.index, spec.shape) == p.position for p in points)
    last = points[-1].values
    assert last["regions.pore.fixed_charge_M"] == -0.5
    assert last["species.K.inside_mM"] == last["species.Cl.inside_mM"] == 150.0
    cases = build_cases(spec, points)
    assert cases[4].regions["pore"].fixed_charge_M == -0.5
    assert cases[4].species_by_name("Cl").inside_mM == 100.0
    assert [c.name for c in cases[:2]] == ["sweep_0000", "sweep_0001"]
    assert len(set(cases)) == 6


def test_unquoted_dotted_keys_and_command_line_set():
    quoted = spec_of(sweep(set={"conditions.voltages_mV": [0, 50]}))
    nested = spec_of(
        {
            "base": "default.toml",
            "set": {"conditions": {"voltages_mV": [0, 50]}},
            "axes": {"regions": {"pore": {"fixed_charge_M": [0.0, -0.5]}}},
        }
    )
    assert quoted.to_json() == nested.to_json()
    more = spec_of(sweep(), "output.fields=false", "geometry.refine=1")
    assert more.fixed == (("output.fields", False), ("geometry.refine", 1))
    case = build_cases(more, expand(more))[0]
    assert not case.output.fields and case.geometry.refine == 1


@pytest.mark.parametrize(
    ("data", "key", "words"),
    [
        ({"axes": {"regions.pore.fixed_charge_M": [0.0]}}, "base", "base ="),
        (sweep(base="missing.toml"), "base", "no such case file"),
        (
            sweep(axes={"regions.pore.fixed_charge_M": -0.5}),
            "axes.regions.pore.fixed_charge_M",
            "must be a list",
        ),
        (
            sweep(axes={"regions.pore.fixed_charge_M": []}),
            "axes.regions.pore.fixed_charge_M",
            "empty axis",
        ),
        (sweep(axes={}), "axes", "no axes"),
        (
            sweep(zip=[{"species.K.inside_mM": [1.0, 2.0], "species.Cl.inside_mM": [1.0]}]),
            "zip[1]",
            "same length",
        ),
        (sweep(axis={"a": [1]}), "axis", "did you mean 'axes'"),
        (
            sweep(set={"regions.pore.fixed_charge_M": 0.0}),
            "regions.pore.fixed_charge_M",
            "given twice",
        ),
    ],
)
def test_invalid_sweep_files_name_the_key(data, key, words):
    with pytest.raises(SweepError) as info:
        spec_of(data)
    assert info.value.key == key
    assert words in str(info.value)


def test_unknown_case_path_is_named_before_anything_runs():
    spec = spec_of(sweep(axes={"geometry.pore_radus_nm": [0.5, 0.8]}))
    with pytest.raises(CaseError) as info:
        build_cases(spec, expand(spec))
    assert "geometry.pore_radus_nm" in str(info.value)
    assert "pore_radius_nm" in str(info.value)  # the suggestion

    spec = spec_of(sweep(axes={"species.Na.inside_mM": [1.0]}))
    with pytest.raises(CaseError, match="no species named 'Na'"):
        build_cases(spec, expand(spec))


def test_a_bad_value_names_its_case():
    spec = spec_of(sweep(axes={"species.K.inside_mM": [150.0, -1.0]}))
    with pytest.raises(SweepError) as info:
        build_cases(spec, expand(spec))
    assert info.value.key == "species.K.inside_mM"
    assert "case 0001" in str(info.value) and "species.K.inside_mM=-1.0" in str(info.value)


@pytest.mark.parametrize("path", sorted(SWEEPS.glob("*.toml")), ids=lambda p: p.stem)
def test_shipped_sweeps_validate(path):
    spec = load_sweep(path)
    cases = build_cases(spec, expand(spec))
    # the atlas's sweeps are its log-spaced grids of groups (scripts/atlas); the others stay
    # small enough to run as examples
    assert 9 <= len(cases) <= (100 if path.name.startswith("atlas_") else 40)
    assert all(not c.output.fields for c in cases)
    assert path.read_text().startswith(f"# {path.name}: ")


def test_summary_round_trip_is_exact(tmp_path):
    columns = ["case_id", "a.b", "status", "max_relative_current_error", "error"]
    rows = [
        {"case_id": "0001", "a.b": -0.1, "status": "failed", "error": "Newton, diverged\n(x)"},
        {"case_id": "0000", "a.b": 1e-6, "status": "ok", "max_relative_current_error": 1 / 3},
    ]
    path = tmp_path / f"summary{COMM.rank}.csv"
    write_summary(path, columns, rows)
    back = read_summary(path)
    assert [r["case_id"] for r in back] == ["0000", "0001"]
    assert back[0]["max_relative_current_error"] == 1 / 3 and back[0]["a.b"] == 1e-6
    assert back[0]["error"] is None and back[1]["max_relative_current_error"] is None
    assert back[1]["error"] == "Newton, diverged\n(x)"
    append_row(path, columns, {"case_id": "0002", "a.b": 3, "status": "partial"})
    assert [r["a.b"] for r in read_summary(path)] == [1e-6, -0.1, 3]
    assert path.read_text().count("case_id") == 1


def test_record_detects_a_changed_sweep_and_shards_split_cases():
    spec = spec_of(sweep(axes={"regions.pore.fixed_charge_M": [0.0, -0.5, -1.0]}))
    points = expand(spec)
    record = sweep_record(spec, points, build_cases(spec, points))
    assert record_difference(record, record) is None
    other = spec_of(sweep(axes={"regions.pore.fixed_charge_M": [0.0, -0.5, -2.0]}))
    changed = sweep_record(other, expand(other), build_cases(other, expand(other)))
    assert "axes" in record_difference(record, changed)
    fixed = spec_of(
        sweep(axes={"regions.pore.fixed_charge_M": [0.0, -0.5, -1.0]}), "geometry.refine=1"
    )
    changed = sweep_record(fixed, points, build_cases(fixed, points))
    assert "fixed overrides" in record_difference(record, changed)

    finished = {"0001": {"status": "failed"}}
    assert pending_cases(record, finished) == [0, 2]
    assert pending_cases(record, finished, retry_failed=True) == [0, 1, 2]
    assert pending_cases(record, {}, (1, 2)) == [1]
    assert parse_shard("1/2") == (1, 2)
    for bad in ("2/2", "1", "a/b", "0/0"):
        with pytest.raises(SweepError, match="--shard"):
            parse_shard(bad)
