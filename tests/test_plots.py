"""Figures: the smooth axial field, labels that cover nothing, legends of what is drawn,
log-time transient plots, figure formats and conditions subtitles."""

from __future__ import annotations

import numpy as np
import pytest
from mpi4py import MPI

from pnp.post.axial_field import smooth_axial_field
from pnp.post.plots import overlapping_texts, plot_iv, plot_profiles

COMM = MPI.COMM_WORLD


def quadratic(z):
    return 0.3 * z**2 - 2.0 * z + 1.0


def test_smooth_field_of_sampled_p1_potentials_is_exact_for_quadratics():
    """The P1 interpolant of a quadratic on an uneven mesh, sampled more finely than its
    cells: the staircase of its cellwise derivative misses -phi' by O(h), the
    reconstruction recovers it to rounding; a linear potential gives its constant field."""
    rng = np.random.default_rng(3)
    cells = rng.uniform(0.3, 0.9, 40)
    nodes = -10.0 + 20.0 * np.concatenate([[0.0], np.cumsum(cells)]) / cells.sum()
    z = np.linspace(-10.0, 10.0, 201)
    phi = np.interp(z, nodes, quadratic(nodes))
    exact = -(0.6 * z - 2.0)
    staircase = -np.gradient(phi, z)
    assert np.max(np.abs(staircase - exact)) > 0.1  # the staircase is O(h) off
    np.testing.assert_allclose(smooth_axial_field(z, phi), exact, atol=1e-10)
    np.testing.assert_allclose(smooth_axial_field(z, 3.0 * z + 1.0), -3.0, atol=1e-12)
    fine = np.interp(z, np.linspace(-10, 10, 1001), quadratic(np.linspace(-10, 10, 1001)))
    np.testing.assert_allclose(smooth_axial_field(z, fine), exact, atol=1e-9)  # cells < samples
    with_gap = phi.copy()
    with_gap[5] = np.nan
    assert np.isnan(smooth_axial_field(z, with_gap)[5])


def test_smooth_field_through_the_point_sampler_of_a_p1_function():
    """A quadratic potential interpolated into P1 on a distorted 2D mesh and sampled on
    its axis with the run's sampler (any partition) has its exact field back."""
    import ufl  # noqa: F401  (DOLFINx needs it imported first in some builds)

    from pnp.fem import dolfinx
    from pnp.post.profiles import PointSampler

    mesh = dolfinx.mesh.create_rectangle(
        COMM, [np.array([-1.0, -10.0]), np.array([1.0, 10.0])], [2, 37]
    )
    x = mesh.geometry.x
    x[:, 1] += 0.2 * np.sin(0.7 * x[:, 1]) * (np.abs(np.abs(x[:, 1]) - 10.0) > 1e-12)
    space = dolfinx.fem.functionspace(mesh, ("Lagrange", 1))
    phi = dolfinx.fem.Function(space)
    phi.interpolate(lambda p: quadratic(p[1]))
    z = np.linspace(-10.0, 10.0, 301)
    points = np.zeros((z.size, 3))
    points[:, 1] = z
    sampled = PointSampler(mesh, points).values([phi])[:, 0]
    # the axis x = 0 runs along cell edges (nodes on it): phi is P1 along it
    np.testing.assert_allclose(smooth_axial_field(z, sampled), -(0.6 * z - 2.0), atol=1e-8)


def test_overlap_check_finds_covering_texts():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.text(0.5, 0.5, "first value", transform=ax.transAxes)
    ax.text(0.52, 0.5, "second value", transform=ax.transAxes)
    ax.text(0.1, 0.1, "alone", transform=ax.transAxes)
    assert overlapping_texts(fig) == [("first value", "second value")]
    plt.close(fig)


@pytest.fixture
def kept(monkeypatch):
    """Figures passed to savefig, still open."""
    from matplotlib.figure import Figure

    figures = []
    original = Figure.savefig

    def keep(self, *args, **kwargs):
        figures.append(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", keep)
    monkeypatch.setattr("matplotlib.pyplot.close", lambda *a: None)
    return figures


def test_maps_keep_values_and_drop_or_move_covering_labels(kept, tmp_path):
    from test_sweep_map import synthetic_map

    from pnp.sweep.maps import plot_map

    data = synthetic_map("max_fold_factor")
    data.panels[0].lines = [("x", -0.1, "GHK exact: uncharged, dilute")]
    plot_map(tmp_path / "map.png", data, y_scale="log")
    fig = kept[-1]
    assert overlapping_texts(fig) == []
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "GHK exact: uncharged, dilute" in texts  # moved along its line, not dropped
    assert {"30", "8", "1.5", "±2"} <= set(texts)
    plot_map(tmp_path / "even.png", synthetic_map("max_fold_factor"), x_scale="even")
    assert overlapping_texts(kept[-1]) == []
    assert "1.0000" in [t.get_text() for t in kept[-1].axes[0].texts]  # room for it here
    legend = [t.get_text() for legend in kept[-1].legends for t in legend.get_texts()]
    assert legend[0] == "failed case (x)"
    assert "exact-limit line" not in legend and "Debye length = pore length" not in legend
    assert "some voltages failed" not in legend and "not run yet" not in legend


def test_map_in_pdf_and_svg(tmp_path):
    from test_sweep_map import synthetic_map

    from pnp.sweep.maps import plot_map

    plot_map(tmp_path / "map.pdf", synthetic_map("reversal_potential_error_mV"))
    plot_map(tmp_path / "map.svg", synthetic_map("reversal_potential_error_mV"))
    assert (tmp_path / "map.pdf").read_bytes()[:5] == b"%PDF-"
    assert b"<svg" in (tmp_path / "map.svg").read_bytes()[:1000]


def results_of(points, ghk, case):
    return {
        "case": case,
        "points": [{"voltage_mV": v, "current_pA": i, "converged": True} for v, i in points],
        "reversal_potential_mV": None,
        "ghk": {"points": [{"voltage_mV": v, "current_pA": i} for v, i in ghk]},
    }


def test_iv_plot_legend_lists_what_is_drawn_with_the_conditions(kept, tmp_path):
    case = {
        "species": [
            {"name": "K", "charge": 1, "inside_mM": 100.0, "outside_mM": 10.0},
            {"name": "Cl", "charge": -1, "inside_mM": 100.0, "outside_mM": 10.0},
        ],
        "geometry": {"pore_radius_nm": 0.6},
        "conditions": {"temperature_K": 298.15},
    }
    plot_iv(tmp_path / "iv.svg", results_of([(-50, -2.0), (50, 3.0)], [], case), title="t")
    fig = kept[-1]
    assert b"<svg" in (tmp_path / "iv.svg").read_bytes()[:1000]
    assert fig.get_suptitle() == "t\nKCl 100 | 10 mM (in | out), pore R = 0.6 nm, 25 °C"
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == ["PNP"]  # no GHK curve, no reversal potentials: not listed
    assert fig.axes[0].get_ylabel() == "outward current (pA)"


def test_profile_plot_draws_the_smooth_field(kept, tmp_path):
    nodes = np.linspace(-5.0, 5.0, 12)
    z = np.linspace(-5.0, 5.0, 101)
    profiles = []
    for v in (-50.0, 50.0):
        phi = np.interp(z, nodes, v * quadratic(nodes) / 50.0)
        profiles.append(
            (
                v,
                {
                    "z_nm": z,
                    "phi_mV": phi,
                    "c_K_mM": np.full(z.size, 10.0),
                    "E_z_V_per_m": -np.gradient(phi, z) * 1e6,
                },
            )
        )
    plot_profiles(tmp_path / "p.pdf", profiles, (-1.0, 1.0), title="t", subtitle="s")
    fig = kept[-1]
    assert (tmp_path / "p.pdf").read_bytes()[:5] == b"%PDF-"
    field = fig.axes[-1].get_lines()[1].get_ydata()  # MV/m = mV/nm
    np.testing.assert_allclose(field, -(0.6 * z - 2.0), atol=1e-9)
    assert fig.axes[-1].get_ylabel() == "axial field E_z (MV/m)"
    assert fig.axes[1].get_ylabel() == "[K⁺] (mM)"
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == ["-50 mV", "50 mV", "pore"]


def test_transient_plot_has_a_log_time_axis(kept, tmp_path):
    from pnp.transient.plot import plot_transient

    times = np.concatenate([[0.0], np.geomspace(1e-12, 1e-7, 30)])
    current = 1.0 - np.exp(-times / 1e-9)
    block = {
        "times_s": times,
        "voltage_mV": np.where(times > 0, 100.0, 0.0),
        "current_pA": current,
        "ionic_current_pA": current,
        "displacement_current_pA": np.zeros_like(times),
        "charge_fC": np.cumsum(current),
    }
    plot_transient(
        tmp_path / "t.png",
        block,
        unit="pA",
        labels=("pA", "fC"),
        charge_key="charge_fC",
        step_times_s=[0.0],
        title="step",
        subtitle="KCl",
    )
    fig = kept[-1]
    assert [ax.get_xscale() for ax in fig.axes] == ["log"] * 4
    assert fig.axes[0].get_ylabel() == "voltage (mV)"
    assert fig.axes[2].get_xlabel() == "time (ns)"
    assert fig.get_suptitle() == "step\nKCl"
    assert min(fig.axes[1].get_lines()[0].get_xdata()) > 0.0
