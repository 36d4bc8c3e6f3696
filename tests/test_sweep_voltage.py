"""Per-voltage quantities of the I-V curves in sweep summaries and maps.

A tiny conical-pore sweep (two salt concentrations x five voltages, coarse mesh) and a
sweep of single-voltage cases. The summary columns ``current_pA@VmV``,
``conductance_nS@VmV``, ``rectification@VmV`` and ``transference_K@VmV``, the maps over
``--x voltage_mV`` and over a ``conditions.voltage_mV`` axis are checked against the
numbers of each case's results.json, recomputed here from its points (I / V,
|I(+V) / I(-V)|, I_K / I). Serial and under ``mpiexec -n 2``.
"""

from __future__ import annotations

import csv
import gc
import json
import math
from pathlib import Path

import pytest
from mpi4py import MPI

from pnp.cli import main
from pnp.sweep import load_sweep, run_sweep
from pnp.sweep.errors import SweepError
from pnp.sweep.grid import map_data

COMM = MPI.COMM_WORLD
VOLTAGES = [-100.0, -50.0, 0.0, 50.0, 100.0]

BASE = """
[geometry]
kind = "axisymmetric"
shape = "conical"
tip_radius_nm = 1.0
base_radius_nm = 3.0
pore_length_nm = 6.0
bath_radius_nm = 8.0
bath_length_nm = 6.0
wall_size_nm = 0.5
mesh_size_nm = 2.0
[surfaces.pore_wall]
charge_C_per_m2 = -0.05
[[species]]
name = "K"
charge = 1
diffusion_m2_per_s = 1.957e-9
inside_mM = 10.0
outside_mM = 10.0
[[species]]
name = "Cl"
charge = -1
diffusion_m2_per_s = 2.032e-9
inside_mM = 10.0
outside_mM = 10.0
[conditions]
voltages_mV = [-100, -50, 0, 50, 100]
[output]
fields = false
plots = false
profiles = false
"""

IV_SWEEP = """
base = "cone.toml"
[[zip]]
"species.K.inside_mM" = [10.0, 100.0]
"species.K.outside_mM" = [10.0, 100.0]
"species.Cl.inside_mM" = [10.0, 100.0]
"species.Cl.outside_mM" = [10.0, 100.0]
"""

SINGLE_SWEEP = """
base = "cone.toml"
[axes]
"conditions.voltage_mV" = [100, -100]
"""


@pytest.fixture(scope="module")
def swept(tmp_path_factory) -> dict[str, Path]:
    folder = Path(COMM.bcast(str(tmp_path_factory.mktemp("iv")) if COMM.rank == 0 else None))
    if COMM.rank == 0:
        (folder / "cone.toml").write_text(BASE)
        (folder / "iv.toml").write_text(IV_SWEEP)
        (folder / "single.toml").write_text(SINGLE_SWEEP)
    COMM.barrier()
    outs = {}
    for name in ("iv", "single"):
        outs[name] = folder / name
        report = run_sweep(load_sweep(folder / f"{name}.toml"), outs[name], COMM)
        assert report.exit_code == 0
        gc.collect()
        COMM.barrier()
    return outs


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open() as handle:
        return list(csv.DictReader(handle))


def iv_of(folder: Path) -> dict[float, dict]:
    """The converged points of a case's results.json, by voltage."""
    results = json.loads((folder / "results.json").read_text())
    return {p["voltage_mV"]: p for p in results["points"] if p["converged"]}


def expected(points: dict[float, dict], quantity: str, v: float) -> float | None:
    """The quantity recomputed from the points."""
    current = points[v]["current_pA"]
    if quantity == "current_pA":
        return current
    if quantity == "conductance_nS":
        return None if v == 0.0 else current / v  # pA / mV = nS
    if quantity == "rectification":
        return abs(current / points[-v]["current_pA"]) if v > 0.0 else None
    if quantity == "transference_K":
        species = points[v]["species_currents_pA"]
        total = sum(species.values())
        return None if v == 0.0 else species["K"] / total
    raise AssertionError(quantity)


QUANTITIES = ("current_pA", "conductance_nS", "rectification", "transference_K")


def test_summary_has_the_per_voltage_columns_of_every_case(swept):
    rows = read_csv(swept["iv"] / "summary.csv")
    assert len(rows) == 2
    header = list(rows[0])
    assert header.index("current_pA@-100mV") < header.index("current_pA@100mV")
    assert "rectification@-50mV" not in header and "conductance_nS@0mV" not in header
    for row in rows:
        points = iv_of(swept["iv"] / row["folder"])
        assert sorted(points) == VOLTAGES
        for quantity in QUANTITIES:
            for v in VOLTAGES:
                name = f"{quantity}@{int(v)}mV"
                value = expected(points, quantity, v)
                if value is None:
                    assert row.get(name, "") == ""
                else:
                    assert float(row[name]) == pytest.approx(value, rel=1e-12, abs=1e-300)
        # the slope conductance at 0 mV: the centred secant through -50 and +50 mV
        slope = (points[50.0]["current_pA"] - points[-50.0]["current_pA"]) / 100.0
        assert float(row["slope_conductance_nS"]) == pytest.approx(slope, rel=1e-12)
        # a charged cone rectifies; the cation carries most of the current at 10 mM
        assert float(row["rectification@100mV"]) != pytest.approx(1.0, abs=0.02)
    dilute = next(r for r in rows if float(r["species.K.inside_mM"]) == 10.0)
    assert float(dilute["transference_K@100mV"]) > 0.8


@pytest.mark.parametrize("quantity", QUANTITIES)
def test_map_over_the_voltages_of_the_iv_curves(swept, quantity):
    out = swept["iv"]
    args = ["map", str(out), "--x", "voltage_mV", "--metric", quantity]
    assert main(args) == 0
    COMM.barrier()
    table = read_csv(out / f"map_{quantity}_voltage_mV_vs_species.K.inside_mM.csv")
    summary = {r["case_id"]: r for r in read_csv(out / "summary.csv")}
    # the voltages where the quantity exists: V > 0 for the rectification, V != 0 for
    # the conductance and the transference numbers
    voltages = {"current_pA": VOLTAGES, "rectification": [50.0, 100.0]}.get(
        quantity, [-100.0, -50.0, 50.0, 100.0]
    )
    assert sorted({float(c["voltage_mV"]) for c in table}) == voltages
    assert len(table) == 2 * len(voltages)
    checked = 0
    for cell in table:
        case_id, at = cell["case_id"].split("@")
        assert at == f"{int(float(cell['voltage_mV']))}mV"
        row = summary[case_id]
        assert cell["species.K.inside_mM"] == row["species.K.inside_mM"]
        value = expected(iv_of(out / row["folder"]), quantity, float(cell["voltage_mV"]))
        assert float(cell[quantity]) == pytest.approx(value, rel=1e-12)
        checked += 1
    assert checked == len(table)
    data = map_data(out, x="voltage_mV", metric=quantity)
    assert data.y.key == "species.K.inside_mM"
    assert data.panels[0].value.shape == (2, len(voltages))
    assert list(data.x.values) == voltages


def test_map_of_one_voltage_over_the_sweep_axis(swept):
    out = swept["iv"]
    data = map_data(out, metric="rectification@100mV")
    summary = {r["case_id"]: r for r in read_csv(out / "summary.csv")}
    assert data.x.key == "species.K.inside_mM" and data.y is None
    for i, case_id in enumerate(data.panels[0].case_id[0]):
        points = iv_of(out / summary[case_id]["folder"])
        assert data.panels[0].value[0, i] == pytest.approx(
            abs(points[100.0]["current_pA"] / points[-100.0]["current_pA"]), rel=1e-12
        )
    # --where voltage_mV fixes one voltage of the curves: the same numbers
    fixed = map_data(out, metric="rectification", where={"voltage_mV": 100})
    assert fixed.panels[0].value.tolist() == data.panels[0].value.tolist()


def test_a_sweep_of_single_voltage_cases(swept):
    out = swept["single"]
    data = map_data(out, x="conditions.voltage_mV", metric="current_pA")
    assert list(data.x.values) == [-100.0, 100.0]
    summary = {r["case_id"]: r for r in read_csv(out / "summary.csv")}
    for i, case_id in enumerate(data.panels[0].case_id[0]):
        points = iv_of(out / summary[case_id]["folder"])
        assert list(points) == [data.x.values[i]]
        assert data.panels[0].value[0, i] == points[data.x.values[i]]["current_pA"]
    # the same pore and voltages as the I-V sweep's dilute case: the same currents
    iv = map_data(swept["iv"], x="voltage_mV", metric="current_pA", where={})
    dilute = iv.panels[0].value[0]
    assert data.panels[0].value[0, 0] == pytest.approx(dilute[0], rel=1e-6)
    assert data.panels[0].value[0, 1] == pytest.approx(dilute[-1], rel=1e-6)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--metric", "curent_pA@100mV"], "did you mean 'current_pA'"),
        (["--metric", "current_pA@90mV"], "did you mean 'current_pA@100mV'"),
        (["--metric", "current_pA@100"], "QUANTITY@VOLTAGEmV"),
        (["--metric", "conductance_nS@75mV"], "voltages: -100, -50, 50, 100 mV"),
        (["--metric", "rectification@abc"], "QUANTITY@VOLTAGEmV"),
        (["--metric", "rectification"], "has rectification at 2 voltages"),
        (["--metric", "current_pA"], "--x voltage_mV"),
        (["--metric", "max_fold_facter"], "did you mean 'max_fold_factor'"),
        (["--x", "voltage_mV", "--metric", "current_pA@100mV"], "without its voltage"),
        (["--x", "voltage_mV", "--metric", "max_fold_factor"], "has no value per voltage"),
        (["--x", "voltage_mV", "--metric", "rectificaton"], "did you mean 'rectification'"),
    ],
)
def test_metric_errors_exit_with_2(swept, capsys, args, words):
    assert main(["map", str(swept["iv"]), *args]) == 2
    if COMM.rank == 0:
        err = capsys.readouterr().err
        assert words in err and "Traceback" not in err
        assert len(err.strip().splitlines()) == 1


def test_voltage_and_voltages_together_are_refused(shared_tmp):
    if COMM.rank == 0:
        (shared_tmp / "cone.toml").write_text(BASE)
        (shared_tmp / "both.toml").write_text(
            SINGLE_SWEEP + '[set]\n"conditions.voltages_mV" = [0]\n'
        )
    COMM.barrier()
    with pytest.raises(SweepError, match="not both"):
        load_sweep(shared_tmp / "both.toml")


def test_voltage_column_names_round_trip():
    from pnp.sweep.voltage import column_name, split_column

    assert column_name("current_pA", -50.0) == "current_pA@-50mV"
    assert column_name("rectification", 2.5) == "rectification@2.5mV"
    assert split_column("transference_K@+100mV") == ("transference_K", 100.0)
    assert split_column("current_pA@100") is None
    assert split_column("max_fold_factor") is None
    assert not math.isnan(split_column("a@1e2mV")[1])
