"""`pnp map`: failure maps of a finished sweep, as PNG and as a CSV matching the summary."""

from __future__ import annotations

import csv
import gc
from pathlib import Path

import numpy as np
import pytest
from mpi4py import MPI

from pnp.cli import main
from pnp.sweep import load_sweep, read_summary, run_sweep
from pnp.sweep.grid import map_data

COMM = MPI.COMM_WORLD

BASE = """
[geometry]
kind = "slab"
pore_length_nm = 4.0
bath_length_nm = 0.0
mesh_size_nm = 0.2
wall_size_nm = 0.05
[[species]]
name = "K"
charge = 1
diffusion_m2_per_s = 1.957e-9
inside_mM = 10.0
outside_mM = 2.0
[[species]]
name = "Cl"
charge = -1
diffusion_m2_per_s = 2.032e-9
inside_mM = 10.0
outside_mM = 2.0
[conditions]
voltages_mV = [-40.0, 0.0, 40.0]
[output]
fields = false
plots = false
profiles = false
"""

SWEEP = """
base = "tiny.toml"
[axes]
"regions.pore.fixed_charge_M" = [0.0, -0.01]
[[zip]]
"species.K.inside_mM" = [1.0, 10.0, 100.0]
"species.Cl.inside_mM" = [1.0, 10.0, 100.0]
[[zip]]
"solver.max_iterations" = [25, 1]
"""

LINE = """
base = "tiny.toml"
[axes]
"regions.pore.fixed_charge_M" = [0.0, -0.01, -0.05]
"""


@pytest.fixture(scope="module")
def swept(tmp_path_factory) -> dict[str, Path]:
    """A 2 x 3 x 2 sweep (half of it failing) and a one-axis sweep, run once."""
    folder = Path(COMM.bcast(str(tmp_path_factory.mktemp("map")) if COMM.rank == 0 else None))
    if COMM.rank == 0:
        (folder / "tiny.toml").write_text(BASE)
        (folder / "grid.toml").write_text(SWEEP)
        (folder / "line.toml").write_text(LINE)
    COMM.barrier()
    outs = {}
    for name in ("grid", "line"):
        outs[name] = folder / name
        run_sweep(load_sweep(folder / f"{name}.toml"), outs[name], COMM)
        gc.collect()
        COMM.barrier()
    return outs


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open() as handle:
        return list(csv.DictReader(handle))


def test_map_writes_png_and_a_csv_matching_the_summary(swept, capsys):
    out = swept["grid"]
    assert main(["map", str(out)]) == 0
    COMM.barrier()
    stem = "map_max_relative_current_error_regions.pore.fixed_charge_M_vs_species.K.inside_mM"
    png, table = out / f"{stem}.png", out / f"{stem}.csv"
    assert png.stat().st_size > 10_000 and png.read_bytes()[:4] == b"\x89PNG"
    rows = read_csv(table)
    assert list(rows[0]) == [
        "regions.pore.fixed_charge_M",
        "species.K.inside_mM",
        "solver.max_iterations",
        "max_relative_current_error",
        "status",
        "case_id",
    ]
    summary = {r["case_id"]: r for r in read_summary(out / "summary.csv")}
    assert sorted(r["case_id"] for r in rows) == sorted(summary)
    for row in rows:
        expected = summary[row["case_id"]]
        assert float(row["regions.pore.fixed_charge_M"]) == expected["regions.pore.fixed_charge_M"]
        assert float(row["species.K.inside_mM"]) == expected["species.K.inside_mM"]
        assert row["status"] == expected["status"]
        if expected["status"] == "failed":
            assert row["max_relative_current_error"] == ""
        else:
            value = float(row["max_relative_current_error"])
            assert value == expected["max_relative_current_error"]
    if COMM.rank == 0:
        assert str(png) in capsys.readouterr().out


def test_map_grid_follows_the_axes_and_marks_limits(swept):
    out = swept["grid"]
    data = map_data(out, where={"solver.max_iterations": 25})
    assert data.x.key == "regions.pore.fixed_charge_M" and data.y.key == "species.K.inside_mM"
    (panel,) = data.panels
    np.testing.assert_array_equal(data.x.values, [-0.01, 0.0])
    np.testing.assert_array_equal(data.y.values, [1.0, 10.0, 100.0])
    assert panel.value.shape == (3, 2) and np.isfinite(panel.value).all()
    # at zero charge the GHK error grows with the concentration (Debye length 9.6 -> 0.96 nm)
    assert panel.value[0, 1] < panel.value[1, 1] < panel.value[2, 1]
    assert ("x", 0.0, "GHK exact: dilute, uncharged") in panel.lines
    assert np.nanmin(panel.debye_over_length) < 1.0 < np.nanmax(panel.debye_over_length)
    failing = map_data(out, where={"solver.max_iterations": 1}).panels[0]
    assert (failing.status == "failed").all() and np.isnan(failing.value).all()

    derived = map_data(out, x="debye_over_length", y="regions.pore.fixed_charge_M")
    assert derived.x.axis == 1 and len(derived.panels) == 2
    assert derived.x.values[0] < 1.0 < derived.x.values[-1]


def test_map_options_and_one_axis_sweeps(swept):
    out = swept["grid"]
    args = ["--x", "debye_over_length", "--y", "regions.pore.fixed_charge_M", "--log-x"]
    args += ["--even-y", "--where", "solver.max_iterations=25"]
    args += ["--metric", "reversal_potential_error_mV"]
    assert main(["map", str(out), *args]) == 0
    COMM.barrier()
    stem = "map_reversal_potential_error_mV_debye_over_length_vs_regions.pore.fixed_charge_M"
    assert (out / f"{stem}_solver.max_iterations=25.png").exists()
    rows = read_csv(out / f"{stem}_solver.max_iterations=25.csv")
    assert len(rows) == 6 and all(r["status"] == "ok" for r in rows)

    line = swept["line"]
    assert main(["map", str(line)]) == 0
    COMM.barrier()
    assert (line / "map_max_relative_current_error_regions.pore.fixed_charge_M.png").exists()
    rows = read_csv(line / "map_max_relative_current_error_regions.pore.fixed_charge_M.csv")
    assert [float(r["regions.pore.fixed_charge_M"]) for r in rows] == [-0.05, -0.01, 0.0]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--x", "geometry.pore_radius_nm"], "neither an axis"),
        (["--x", "species.K.inside_mM", "--y", "species.Cl.inside_mM"], "vary together"),
        (["--where", "species.K.inside_mM=3"], "is plotted"),
        (["--where", "solver.max_iterations=3"], "not one of 25, 1"),
        (["--metric", "status"], "not a numeric summary column"),
        (["--log-x"], "log axis needs positive values"),
    ],
)
def test_map_input_errors_exit_with_2(swept, capsys, args, words):
    assert main(["map", str(swept["grid"]), *args]) == 2
    if COMM.rank == 0:
        err = capsys.readouterr().err
        assert words in err and "Traceback" not in err
