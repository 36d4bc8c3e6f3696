"""`pnp.Simulation`: construction and validation, the in-memory solve against `pnp run`,
save(), reuse of the problem and unit-named arrays (bad input and `import pnp`:
test_api_inputs.py)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from mpi4py import MPI

import pnp
from pnp.case import CaseError, case_to_dict, load_case
from pnp.cli import main
from pnp.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "cases"
COMM = MPI.COMM_WORLD
COARSE = {
    "geometry.mesh_size_nm": 1.0,
    "geometry.wall_size_nm": 0.2,
    "conditions.voltages_mV": [-50, 0, 50],
}
COARSE_CLI = [f"{k}={json.dumps(v)}" for k, v in COARSE.items()]


def untimed(points: list[dict]) -> list[dict]:
    return [{k: v for k, v in p.items() if k != "seconds"} for p in points]


def mismatch(a, b, where: str = "") -> str | None:
    """Where two JSON values differ, numbers compared as in `same_table`; None
    if they agree."""
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return f"{where}: keys {sorted(a)} != {sorted(b)}"
        return next((m for k in a if (m := mismatch(a[k], b[k], f"{where}.{k}"))), None)
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{where}: lengths {len(a)} != {len(b)}"
        pairs = enumerate(zip(a, b, strict=True))
        return next((m for i, (x, y) in pairs if (m := mismatch(x, y, f"{where}[{i}]"))), None)
    if isinstance(a, float) and isinstance(b, float):
        return None if np.isclose(a, b, rtol=1e-9, atol=1e-12) else f"{where}: {a} != {b}"
    return None if a == b else f"{where}: {a!r} != {b!r}"


def same_table(a: Path, b: Path) -> bool:
    """Equal CSV tables: the same header and cells, numbers to 1e-9 relative or 1e-12
    absolute (two parallel solves of one case may differ in the last digits)."""
    rows_a, rows_b = (list(csv.reader(p.read_text().splitlines())) for p in (a, b))
    if rows_a[0] != rows_b[0] or len(rows_a) != len(rows_b):
        return False
    for row_a, row_b in zip(rows_a[1:], rows_b[1:], strict=True):
        for x, y in zip(row_a, row_b, strict=True):
            try:
                if not np.isclose(float(x), float(y), rtol=1e-9, atol=1e-12):
                    return False
            except ValueError:
                if x != y:
                    return False
    return True


def test_constructed_from_a_file_a_case_or_a_table_with_overrides():
    expected = load_case(CASES / "default.toml", [*COARSE_CLI, "regions.pore.fixed_charge_M=-0.5"])
    from_file = pnp.Simulation(
        str(CASES / "default.toml"), COARSE, **{"regions.pore.fixed_charge_M": -0.5}
    )
    assert from_file.case == expected
    base = load_case(CASES / "default.toml")
    from_case = pnp.Simulation(base, COARSE).set("regions.pore.fixed_charge_M", -0.5)
    assert from_case.case == expected
    table = case_to_dict(base)
    from_table = pnp.Simulation(table, {**COARSE, "regions.pore.fixed_charge_M": -0.5})
    assert from_table.case.regions["pore"].fixed_charge_M == -0.5
    assert from_table.case.conditions.voltages_mV == expected.conditions.voltages_mV
    # as on the command line, derived values follow the override (the filter radius here)
    narrow = pnp.Simulation(CASES / "default.toml", {"geometry.pore_radius_nm": 0.5})
    assert narrow.case == load_case(CASES / "default.toml", ["geometry.pore_radius_nm=0.5"])
    # numpy values, as a loop over np.linspace gives them
    sim = pnp.Simulation(
        CASES / "default.toml", {"conditions.voltages_mV": np.linspace(-50, 50, 3)}
    )
    sim.set("geometry.pore_radius_nm", np.float32(0.75)).set("geometry.refine", np.int64(1))
    assert sim.case.conditions.voltages_mV == (-50.0, 0.0, 50.0)
    assert sim.case.geometry.refine == 1
    assert sim.overrides["geometry.refine"] == 1


@pytest.mark.parametrize(
    ("build", "key"),
    [
        (
            lambda: pnp.Simulation(CASES / "default.toml").set("geometry.pore_radius_nm", -1),
            "geometry.pore_radius_nm",
        ),
        (
            lambda: pnp.Simulation(CASES / "default.toml", {"geometry.pore_radius": 1}),
            "geometry.pore_radius",
        ),
        (
            lambda: pnp.Simulation(CASES / "default.toml").set("species.Na.inside_mM", 1),
            "species.Na",
        ),
        (lambda: pnp.Simulation(CASES / "default.toml").set("geometry.kind", 3), "geometry.kind"),
        (lambda: pnp.Simulation(CASES / "default.toml").set(3, 1), "3"),
        (
            lambda: pnp.Simulation(CASES / "default.toml").set("geometry.refine", None),
            "geometry.refine",
        ),
        (lambda: pnp.Simulation({}).set("geometry.refine", 1), "species"),
        (lambda: pnp.Simulation(CASES / "default.toml", ["geometry.refine=1"]), ""),
        (lambda: pnp.Simulation(CASES / "missing.toml"), ""),
        (lambda: pnp.Simulation(42), ""),
        (lambda: pnp.Simulation({"geometry": {"kind": "slab"}}), "species"),
    ],
)
def test_bad_input_is_a_case_error_naming_the_key(build, key):
    with pytest.raises(CaseError) as err:
        build()
    keys = [k for k, _ in err.value.problems]
    assert key in keys
    if key:
        assert f"{key}: " in str(err.value)


def test_a_failed_set_keeps_the_case_and_solve_needs_a_communicator():
    sim = pnp.Simulation(CASES / "default.toml", COARSE)
    before = sim.case
    with pytest.raises(CaseError):
        sim.set("geometry.mesh_size_nm", "fine")
    assert sim.case is before and sim.overrides["geometry.mesh_size_nm"] == 1.0
    with pytest.raises(InputError, match=r"comm=MPI\.COMM_WORLD") as err:
        sim.solve()
    assert err.value.key == "comm"


def test_in_memory_solve_gives_the_numbers_and_files_of_pnp_run(shared_tmp, monkeypatch):
    out = shared_tmp / "cli"
    argv = ["run", str(CASES / "default.toml"), "--out", str(out)]
    assert main([*argv, *(a for item in COARSE_CLI for a in ("--set", item))]) == 0
    expected = json.loads((out / "results.json").read_text())

    cwd = shared_tmp / "cwd"
    if COMM.rank == 0:
        cwd.mkdir()
    COMM.barrier()
    monkeypatch.chdir(cwd)
    sim = pnp.Simulation(CASES / "default.toml", COARSE, comm=COMM)
    try:
        result = sim.solve()
        COMM.barrier()
        assert list(cwd.iterdir()) == []  # nothing written
        assert result.results["case"] == expected["case"]
        assert result.voltages_mV.tolist() == [-50.0, 0.0, 50.0]
        want = [p["current_pA"] for p in expected["points"]]
        np.testing.assert_allclose(result.current_pA, want, rtol=1e-10)
        for name in ("K", "Cl"):
            want = [p["species_currents_pA"][name] for p in expected["points"]]
            np.testing.assert_allclose(result.species_currents_pA[name], want, rtol=1e-10)
        density = [p["current_density_A_per_m2"] for p in expected["points"]]
        np.testing.assert_allclose(result.current_density_A_per_m2, density, rtol=1e-10)
        assert result.reversal_potential_mV == pytest.approx(expected["reversal_potential_mV"])
        assert result.ghk == expected["ghk"]
        ghk = [p["current_pA"] for p in expected["ghk"]["points"]]
        np.testing.assert_allclose(result.ghk_current_pA, ghk, rtol=1e-12)
        for key in ("max_fold_factor", "reversal_potential_error_mV", "sign_disagreements"):
            assert result.ghk_comparison[key] == pytest.approx(expected["ghk_comparison"][key])
        profile = np.loadtxt(out / "profile_+50.0mV.csv", delimiter=",", skiprows=1)
        np.testing.assert_allclose(result.profiles[50.0]["phi_mV"], profile[:, 1], rtol=1e-8)
        fields = result.fields(50.0)
        assert set(fields) == {"phi_mV", "c_K_mM", "c_Cl_mM"}
        with pytest.raises(InputError, match="solved: -50, 0, 50"):
            result.fields(25.0)

        saved = result.save(shared_tmp / "saved")
        COMM.barrier()
        ran = sorted(p.name for p in out.iterdir() if p.name != "run.log")  # the run's lines
        assert sorted(p.name for p in saved.iterdir()) == ran
        for name in ("iv.csv", "profile_-50.0mV.csv", "profile_+0.0mV.csv"):
            assert same_table(saved / name, out / name), name
        written = json.loads((saved / "results.json").read_text())
        for key in set(expected) - {"provenance", "points"}:
            assert mismatch(written[key], expected[key], key) is None
        assert mismatch(untimed(written["points"]), untimed(expected["points"])) is None
        assert set(written["provenance"]) == set(expected["provenance"])
    finally:
        sim.close()


def test_a_second_solve_reuses_the_problem_and_gives_the_fresh_answer():
    sim = pnp.Simulation(CASES / "default.toml", COARSE, comm=COMM)
    fresh = pnp.Simulation(CASES / "default.toml", COARSE)
    try:
        first = sim.solve()
        sim.set("surfaces.pore_wall.charge_C_per_m2", -0.05)
        second = sim.solve()
        assert sim.problems_reused == 1
        reference = fresh.set("surfaces.pore_wall.charge_C_per_m2", -0.05).solve(comm=COMM)
        assert fresh.problems_reused == 0
        scale = np.abs(reference.current_pA).max()
        np.testing.assert_allclose(second.current_pA, reference.current_pA, atol=1e-7 * scale)
        assert np.abs(second.current_pA - first.current_pA).max() > 0.1 * scale
        with pytest.raises(pnp.StaleResultError, match="before the next solve"):
            first.save("unused")
        assert second.problem is not None  # the latest result is current
    finally:
        sim.close()
        fresh.close()


def test_a_slab_reports_densities_and_the_chord_conductance():
    sim = pnp.Simulation(
        CASES / "ghk_dilute.toml",
        {"geometry.mesh_size_nm": 0.1, "conditions.voltages_mV": [-40, 40]},
        comm=COMM,
    )
    try:
        result = sim.solve()
    finally:
        sim.close()
    assert result.current_name == "current_density_A_per_m2"
    with pytest.raises(AttributeError, match="current_density_A_per_m2"):
        _ = result.current_pA
    assert result.results["points"][0]["current_pA"] is None
    drive = result.voltages_mV - result.conductance_reference_mV
    expected = result.current_density_A_per_m2 / (drive * 1e-3)  # (A/m^2) / V
    np.testing.assert_allclose(result.conductance_density_S_per_m2, expected, rtol=1e-12)
    assert set(result.species_current_densities_A_per_m2) == set(result.case.species_names)
