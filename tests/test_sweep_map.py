"""`pnp map`: failure maps of a finished sweep, as PNG and as a CSV matching the summary."""

from __future__ import annotations

import csv
import gc
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from mpi4py import MPI

from pnp.cli import main
from pnp.sweep import load_sweep, read_summary, run_sweep
from pnp.sweep.grid import MapAxis, MapData, Panel, map_data
from pnp.sweep.maps import plot_map

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
    stem = "map_max_fold_factor_regions.pore.fixed_charge_M_vs_species.K.inside_mM"
    png, table = out / f"{stem}.png", out / f"{stem}.csv"
    assert png.stat().st_size > 10_000 and png.read_bytes()[:4] == b"\x89PNG"
    rows = read_csv(table)
    assert list(rows[0]) == [
        "regions.pore.fixed_charge_M",
        "species.K.inside_mM",
        "solver.max_iterations",
        "max_fold_factor",
        "sign_disagreements",
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
            assert row["max_fold_factor"] == row["sign_disagreements"] == ""
            assert expected["max_fold_factor"] is expected["sign_disagreements"] is None
        else:  # the summary holds the case's own comparison
            results = json.loads((out / expected["folder"] / "results.json").read_text())
            comparison = results["ghk_comparison"]
            for key in ("max_fold_factor", "max_fold_error", "sign_disagreements"):
                assert expected[key] == comparison[key]
            assert float(row["max_fold_factor"]) == expected["max_fold_factor"] >= 1.0
            assert int(row["sign_disagreements"]) == expected["sign_disagreements"] == 0
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
    assert (line / "map_max_fold_factor_regions.pore.fixed_charge_M.png").exists()
    rows = read_csv(line / "map_max_fold_factor_regions.pore.fixed_charge_M.csv")
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


def test_an_older_summary_without_the_fold_columns(swept, shared_tmp, capsys):
    """A sweep folder written before the fold metric: the default map names the missing
    column and the way out; the older columns still map."""
    old = shared_tmp / "old"
    if COMM.rank == 0:
        shutil.copytree(swept["grid"], old)
        with (old / "summary.csv").open() as handle:
            rows = list(csv.DictReader(handle))
        dropped = ("max_fold_factor", "max_fold_error", "sign_disagreements")
        columns = [c for c in rows[0] if c not in dropped]
        with (old / "summary.csv").open("w", newline="") as handle:
            writer = csv.DictWriter(handle, columns, extrasaction="ignore", lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    COMM.barrier()
    assert main(["map", str(old)]) == 2
    if COMM.rank == 0:
        err = capsys.readouterr().err
        assert "has no max_fold_factor column" in err and "max_relative_current_error" in err
        assert "new --out" in err and "Traceback" not in err and len(err.splitlines()) == 1
    assert main(["map", str(old), "--metric", "max_relative_current_error"]) == 0
    COMM.barrier()
    stem = "map_max_relative_current_error_regions.pore.fixed_charge_M_vs_species.K.inside_mM"
    rows = read_csv(old / f"{stem}.csv")
    assert len(rows) == 12 and all(r["sign_disagreements"] == "" for r in rows)


def synthetic_map(metric: str) -> MapData:
    """A 4 x 3 map: fold factors from 1 to 30, one cell of opposite sign, one failed."""
    x = MapAxis(
        "regions.pore.fixed_charge_M", 0, (0, 1, 2), np.array([-1.0, -0.1, 0.0]), (-1, -0.1, 0)
    )
    y = MapAxis(
        "species.K.inside_mM", 1, (0, 1, 2, 3), np.array([1.0, 10, 100, 1000]), (1, 10, 100, 1000)
    )
    value = np.array([[30.0, 1.5, 1.0], [8.0, 1.3, 1.02], [np.nan, 1.1, 1.04], [np.nan, 1.08, 1.2]])
    status = np.full((4, 3), "ok", dtype=object)
    status[3, 0] = "failed"
    signs = np.zeros((4, 3))
    signs[2, 0], signs[3, 0] = 2, np.nan
    ids = np.array([[f"{3 * j + i:04d}" for i in range(3)] for j in range(4)], dtype=object)
    panel = Panel({}, value, status, ids, np.full((4, 3), 2.0), signs)
    return MapData("synthetic", metric, x, y, [panel])


@pytest.fixture
def drawn(monkeypatch, tmp_path):
    """plot_map's figure, kept for inspection."""
    from matplotlib.figure import Figure

    figures = []
    monkeypatch.setattr(Figure, "savefig", lambda self, *a, **k: figures.append(self))

    def draw(data: MapData, **scales):
        plot_map(tmp_path / "map.png", data, **scales)
        return figures[-1]

    return draw


def test_fold_factor_map_log_colours_fold_contours_and_sign_cells(drawn):
    from matplotlib import colors

    fig = drawn(synthetic_map("max_fold_factor"), y_scale="log")
    ax = fig.axes[0]
    mesh = next(c for c in ax.collections if hasattr(c, "norm") and c.get_array() is not None)
    assert isinstance(mesh.norm, colors.LogNorm)
    assert (mesh.norm.vmin, mesh.norm.vmax) == (1.0, 30.0)  # 1 = GHK exact, at the bottom
    (contours,) = [c for c in ax.collections if hasattr(c, "levels") and c.levels.size]
    np.testing.assert_allclose(contours.levels, np.log10([1.05, 1.2, 2.0, 10.0]))
    hatched = [p for p in ax.patches if p.get_hatch() == "xx"]
    (hatched,) = hatched  # the cell of opposite sign: no factor, dark
    assert hatched.get_xy() == pytest.approx((-1.45, 10**1.5))  # x = -1, y = 100
    assert hatched.get_facecolor()[:3] == pytest.approx((0.3, 0.3, 0.3))
    texts = [t.get_text() for t in ax.texts]
    assert "±2" in texts and "30" in texts  # 1.0000 would cover 1.5 on this linear x axis
    assert ax.get_xlabel() == "fixed charge in the pore (M)"
    assert ax.get_ylabel() == "K⁺ inside (mM)"
    legend = [t.get_text() for legend in fig.legends for t in legend.get_texts()]
    assert "contours at ×1.05, ×1.2, ×2, ×10" in legend
    assert any(t.startswith("±n: GHK of opposite sign") for t in legend)
    colorbar = fig.axes[1]
    ticks = [t.get_text() for t in colorbar.get_yticklabels()]
    assert "1" in ticks and "2" in ticks and "10" in ticks


def test_other_metrics_keep_their_scales_and_mark_sign_cells_over_the_colour(drawn):
    from matplotlib import colors

    data = synthetic_map("reversal_potential_error_mV")
    data.panels[0].value = data.panels[0].value - 5.0
    data.panels[0].value[2, 0] = 3.0  # the error has a value where the signs disagree
    fig = drawn(data)
    ax = fig.axes[0]
    mesh = next(c for c in ax.collections if hasattr(c, "norm") and c.get_array() is not None)
    assert type(mesh.norm) is colors.Normalize and mesh.norm.vmin == -mesh.norm.vmax
    (hatched,) = [p for p in ax.patches if p.get_hatch() == "xx"]
    assert hatched.get_facecolor()[3] == 0.0  # transparent: the colour shows
    assert "GHK minus PNP reversal potential (mV)" in [a.get_ylabel() for a in fig.axes]


def test_one_axis_fold_plot_is_logarithmic_and_marks_opposite_signs(drawn):
    x = MapAxis(
        "regions.pore.fixed_charge_M", 0, (0, 1, 2), np.array([-1.0, -0.1, 0.0]), (-1, -0.1, 0)
    )
    ok = np.full((1, 3), "ok", dtype=object)
    ids = np.array([["0000", "0001", "0002"]], dtype=object)
    value, signs = np.array([[np.nan, 1.8, 1.001]]), np.array([[3.0, 0.0, 0.0]])
    panel = Panel({}, value, ok, ids, np.full((1, 3), 0.5), signs)
    ax = drawn(MapData("line", "max_fold_factor", x, None, [panel])).axes[0]
    assert ax.get_yscale() == "log"
    diamonds = [line for line in ax.get_lines() if line.get_marker() == "D"]
    assert len(diamonds) == 1 and list(diamonds[0].get_xdata()) == [-1.0]
    assert "±3" in [t.get_text() for t in ax.texts]
    thresholds = [t.get_text() for t in ax.texts if t.get_text().startswith("×")]
    assert thresholds == ["×1.05", "×1.2", "×2"]  # up to the first factor above the data
