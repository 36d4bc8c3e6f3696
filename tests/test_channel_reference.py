"""The 1D channel model (finite elements, `kind = "channel_1d"`) against the independent
Scharfetter–Gummel finite-volume solver of `sg_reference` on the KcsA model of Gardner,
Nonner and Eisenberg as shipped in cases/kcsa_1d.toml: plain, with finite ion size, and
with unequal baths (a current that changes sign)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from mpi4py import MPI
from sg_reference import Channel, Segment, channel_from_segments, kcsa_segments

from pnp.case import load_case
from pnp.constants import AVOGADRO
from pnp.run import prepare, solve
from pnp.solver.crowding import crowding_warning, peak_concentrations_mM

COMM = MPI.COMM_WORLD
CASES = Path(__file__).resolve().parents[1] / "cases"
CASE = CASES / "kcsa_1d.toml"
# the reference grid: 745 nodes, within 0.03 % of its zero-spacing limit
REFERENCE_REFINE = 2


def fem_iv(overrides: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(voltages, species currents in pA) of the shipped case with `overrides`."""
    case = load_case(CASE, ["output.fields=false", *overrides])
    problem = prepare(case, COMM)
    try:
        solution = solve(problem)
    finally:
        problem.destroy()
    assert all(p.converged for p in solution.points)
    volts = np.array([p.voltage_mV for p in solution.points])
    return volts, np.array([p.species_currents for p in solution.points]) * 1e12


def reference_iv(volts, c_in, c_out, sizes=None) -> np.ndarray:
    channel = channel_from_segments(
        kcsa_segments(), (1, -1), c_in, c_out, refine=REFERENCE_REFINE, sizes_nm=sizes
    )
    order = np.argsort(np.abs(volts), kind="stable")  # continue outward from 0 mV
    currents = np.zeros((len(volts), 2))
    for k in order:
        currents[k] = channel.solve(float(volts[k])).species_current_pA
    return currents


def assert_iv_agrees(fem, ref, rel):
    """Within `rel`; near zero current within 1e-4 of the largest current: with finite
    ion size, ln c + mu_ex is not a P1 function, so the discrete equilibrium carries an
    O(h^2) current (2e-4 pA at 0 mV here, 1e-5 of the current at 100 mV)."""
    total_fem, total_ref = fem.sum(axis=1), ref.sum(axis=1)
    scale = np.abs(total_ref).max()
    np.testing.assert_allclose(total_fem, total_ref, rtol=rel, atol=1e-4 * scale)
    # each species too (Cl carries 2 % of the current: judged against the total)
    np.testing.assert_allclose(fem, ref, rtol=rel, atol=1e-4 * scale)


def test_kcsa_iv_matches_the_finite_volume_reference():
    volts, fem = fem_iv(["conditions.voltages_mV=[0, 25, 50, 75, 100]"])
    ref = reference_iv(volts, (150.0, 150.0), (150.0, 150.0))
    assert_iv_agrees(fem, ref, rel=2e-3)


def test_kcsa_with_finite_ion_size_matches_the_reference():
    size = 0.3
    volts, fem = fem_iv(
        [
            "conditions.voltages_mV=[0, 50, 100]",
            f"species.K.size_nm={size}",
            f"species.Cl.size_nm={size}",
        ]
    )
    ref = reference_iv(volts, (150.0, 150.0), (150.0, 150.0), sizes=(size, size))
    assert_iv_agrees(fem, ref, rel=2e-3)
    plain = reference_iv(volts, (150.0, 150.0), (150.0, 150.0))
    # the size matters here by more than the tolerance (the test can tell them apart)
    assert abs(ref[-1].sum() / plain[-1].sum() - 1.0) > 1e-3


def test_kcsa_with_unequal_baths_matches_the_reference_through_zero_current():
    overrides = [
        "conditions.voltages_mV=[-50, -25, 0, 25, 50]",
        "species.K.outside_mM=30",
        "species.Cl.outside_mM=30",
    ]
    volts, fem = fem_iv(overrides)
    ref = reference_iv(volts, (150.0, 150.0), (30.0, 30.0))
    assert np.any(np.diff(np.sign(ref.sum(axis=1))) != 0), "the current should change sign"
    assert_iv_agrees(fem, ref, rel=2e-3)


def peak_and_warnings(case_name: str) -> tuple[dict, list[str]]:
    case = load_case(CASES / f"{case_name}.toml", ["conditions.voltages_mV=[0]"])
    problem = prepare(case, COMM)
    try:
        solve(problem)
        peaks = dict(zip(case.species_names, peak_concentrations_mM(problem), strict=True))
    finally:
        problem.destroy()
    return peaks, crowding_warning(case, peaks)


def test_finite_size_caps_the_filter_concentration():
    """The -9.9 M filter of the shipped charged_filter_1d cases: point ions pile 8 M of K+
    into it, beyond the close packing 1 / (a^3 N_A) = 7.7 M of 0.6 nm ions, and the run
    warns; with 0.6 nm ions the peak stays below close packing, agrees with the
    finite-volume reference, and the run does not warn."""
    a = 0.6
    close_packing_mM = 1.0 / (AVOGADRO * (a * 1e-9) ** 3)
    d = (1.957e-9, 2.032e-9)
    segments = [
        Segment(5.0, 3.0, 78.5, d),
        Segment(1.0, 0.8, 78.5, d),
        Segment(1.0, 0.4, 78.5, tuple(0.5 * x for x in d), fixed_charge_e=-3.0),
        Segment(1.0, 0.8, 78.5, d),
        Segment(5.0, 3.0, 78.5, d),
    ]
    reference = channel_from_segments(
        segments, (1, -1), (100.0, 100.0), (20.0, 20.0), refine=2, sizes_nm=(a, a)
    )
    reference_peak = reference.solve(0.0).c_mM[:, 0].max()

    point, point_warning = peak_and_warnings("charged_filter_1d")
    finite, finite_warning = peak_and_warnings("charged_filter_1d_finite_size")
    assert point["K"] > close_packing_mM
    assert point_warning is not None and "size_nm" in point_warning
    assert finite["K"] < close_packing_mM
    assert finite_warning is None
    assert finite["K"] == pytest.approx(reference_peak, rel=2e-3)


def smooth_cells(x_nm: np.ndarray, segments, width_nm: float) -> dict:
    """Cell properties of the KcsA stack with logistic steps of `width_nm` at every layer
    end (the first and last layers reach to infinity), evaluated at cell midpoints."""
    mid = 0.5 * (x_nm[1:] + x_nm[:-1])
    ends = np.concatenate(([0.0], np.cumsum([s.length_nm for s in segments])))

    def blend(values):
        total = np.zeros((mid.size, *np.shape(values[0])))
        for k, v in enumerate(values):
            lower = 0.5 * (1 + np.tanh((mid - ends[k]) / width_nm)) if k > 0 else 1.0
            last = k == len(values) - 1
            upper = 0.0 if last else 0.5 * (1 + np.tanh((mid - ends[k + 1]) / width_nm))
            weight = np.asarray(lower - upper)
            total += weight.reshape(-1, *([1] * np.ndim(v))) * np.asarray(v)
        return total

    radius = blend([s.radius_nm for s in segments])
    return {
        "area_nm2": np.pi * radius**2,
        "permittivity": blend([s.permittivity for s in segments]),
        "fixed_charge_M": blend([s.charge_M for s in segments]),
        "diffusion_m2_per_s": blend([np.array(s.diffusion_m2_per_s) for s in segments]),
    }


def test_smooth_transitions_match_the_reference_with_the_same_profile():
    """geometry.transition_nm: radius, permittivity, charge and D change by tanh steps of
    0.1 nm; the reference gets the same profile cell by cell."""
    width = 0.1
    volts, fem = fem_iv(["conditions.voltages_mV=[0, 50, 100]", f"geometry.transition_nm={width}"])
    grid = channel_from_segments(
        kcsa_segments(), (1, -1), (150.0, 150.0), (150.0, 150.0), refine=REFERENCE_REFINE
    )
    cells = smooth_cells(grid.x, kcsa_segments(), width)
    reference = Channel(
        grid.x, **cells, charges=(1, -1), c_in_mM=(150.0, 150.0), c_out_mM=(150.0, 150.0)
    )
    ref = np.array([reference.solve(float(v)).species_current_pA for v in volts])
    assert_iv_agrees(fem, ref, rel=2e-3)
    sharp = reference_iv(volts, (150.0, 150.0), (150.0, 150.0))
    assert abs(sharp[-1].sum() / ref[-1].sum() - 1.0) > 1e-2  # the transitions matter
