"""Electroneutral Nernst–Planck through a pore of sections: its exact limits, and PNP (the
independent Scharfetter–Gummel reference) in a pore much longer than the Debye length."""

from __future__ import annotations

import math

import pytest
from sg_reference import Segment, channel_from_segments

from pnp.constants import FARADAY, GAS_CONSTANT, thermal_voltage
from pnp.theory import (
    PoreSection,
    electroneutral_current,
    electroneutral_solution,
    electroneutral_voltage,
    planck_potential,
    tms_potential,
)

Z = {"K": 1, "Cl": -1}
D = {"K": 1.96e-9, "Cl": 1.0e-9}
L = 100e-9
A = 2e-18
C_IN = {"K": 100.0, "Cl": 100.0}
C_OUT = {"K": 10.0, "Cl": 10.0}
VT = thermal_voltage()


def uniform(x_mM: float, length: float = L, area: float = A, d=D) -> list[PoreSection]:
    return [PoreSection(length, area, x_mM, d)]


@pytest.mark.parametrize("voltage", [-0.12, -0.03, 0.0, 0.05, 0.15])
def test_uncharged_pore_is_the_planck_junction(voltage):
    """X = 0, 1:1 salt: c is linear, psi' = -(n+ - n-) / (2 c), so with
    g = (c_out - c_in) / ln(c_out / c_in) each flux is D (-(dc) / L +- (V / V_T) g / L)."""
    dc = C_OUT["K"] - C_IN["K"]
    g = dc / math.log(C_OUT["K"] / C_IN["K"])
    j_k = D["K"] * (-dc + voltage / VT * g) / L
    j_cl = D["Cl"] * (-dc - voltage / VT * g) / L
    sol = electroneutral_solution(uniform(0.0), C_IN, C_OUT, Z, voltage)
    scale = FARADAY * A * D["K"] * 100.0 / L
    assert sol.species_currents_A["K"] == pytest.approx(
        FARADAY * A * j_k, rel=1e-7, abs=1e-9 * scale
    )
    assert sol.species_currents_A["Cl"] == pytest.approx(
        -FARADAY * A * j_cl, rel=1e-7, abs=1e-9 * scale
    )


def test_uncharged_reversal_is_planck():
    v = electroneutral_voltage(uniform(0.0), C_IN, C_OUT, Z)
    assert v == pytest.approx(planck_potential(100.0, 10.0, D["K"], D["Cl"]), abs=2e-7)


@pytest.mark.parametrize("x_mM", [-80.0, 30.0, -2000.0])
def test_equal_baths_give_the_ohmic_conductance_of_the_donnan_enriched_pore(x_mM):
    c = 50.0
    # Donnan: c+ c- = c^2, c+ - c- + X = 0
    c_minus = 0.5 * (x_mM + math.sqrt(x_mM**2 + 4 * c**2))
    c_plus = c_minus - x_mM
    sigma = FARADAY**2 / (GAS_CONSTANT * 298.15) * (D["K"] * c_plus + D["Cl"] * c_minus)
    bath = {"K": c, "Cl": c}
    for v in (-0.15, 0.01, 0.1):
        current = electroneutral_current(uniform(x_mM), bath, bath, Z, v)
        assert current == pytest.approx(sigma * A * v / L, rel=1e-7)


@pytest.mark.parametrize("x_mM", [-500.0, -30.0, 5.0, 400.0])
def test_charged_pore_reversal_is_tms(x_mM):
    v = electroneutral_voltage(uniform(x_mM), C_IN, C_OUT, Z)
    assert v == pytest.approx(tms_potential(100.0, 10.0, x_mM, D["K"], D["Cl"]), abs=2e-7)


def test_large_fixed_charge_carries_only_the_counter_ion_ohmically():
    """|X| >> c: c+ = |X| inside, co-ions excluded, the interior drop is V - E_K; the
    co-ions (c^2 / |X|) leave a deviation falling like (c / X)^2."""
    e_k = VT * math.log(C_OUT["K"] / C_IN["K"])
    worst = []
    for x in (-1e4, -1e5):
        gaps = []
        for v in (-0.1, 0.0, 0.08):
            sol = electroneutral_solution(uniform(x), C_IN, C_OUT, Z, v)
            ideal = FARADAY * A * D["K"] * abs(x) * (v - e_k) / (VT * L)
            gaps += [abs(sol.species_currents_A["K"] / ideal - 1)]
            gaps += [abs(sol.species_currents_A["Cl"] / ideal)]
        worst.append(max(gaps))
        reversal = electroneutral_voltage(uniform(x), C_IN, C_OUT, Z)
        assert reversal == pytest.approx(e_k, abs=VT * (100.0 / x) ** 2)
    assert worst[0] < 1e-4  # 6.4e-5 measured
    assert worst[1] < worst[0] / 50.0


def test_uncharged_sections_in_series_with_equal_baths_add_their_resistances():
    d2 = {"K": 0.5e-9, "Cl": 0.3e-9}
    sections = [PoreSection(40e-9, 3e-18, 0.0, D), PoreSection(25e-9, 1e-18, 0.0, d2)]
    c = {"K": 80.0, "Cl": 80.0}
    k = FARADAY**2 / (GAS_CONSTANT * 298.15) * 80.0
    resistance = sum(
        s.length_m / (k * sum(s.diffusion_m2_per_s.values()) * s.area_m2) for s in sections
    )
    for v in (-0.1, 0.07):
        assert electroneutral_current(sections, c, c, Z, v) == pytest.approx(
            v / resistance, rel=1e-7
        )


def test_bi_ionic_species_absent_from_one_bath():
    z = {"K": 1, "Na": 1, "Cl": -1}
    c_in = {"K": 100.0, "Na": 0.0, "Cl": 100.0}
    c_out = {"K": 0.0, "Na": 100.0, "Cl": 100.0}
    d = {"K": 2e-9, "Na": 1.3e-9, "Cl": 2e-9}
    # no fixed charge, equal anion: the bi-ionic Planck potential of equal-mobility anion
    # reduces to V_T ln(... ) only numerically; check zero current and the sign instead
    sections = uniform(-50.0, d=d)
    v = electroneutral_voltage(sections, c_in, c_out, z)
    assert abs(electroneutral_current(sections, c_in, c_out, z, v)) < 1e-9 * abs(
        electroneutral_current(sections, c_in, c_out, z, 0.1)
    )
    # K+ (faster) leaves, Na+ enters: the inside goes negative, less than the pure Nernst
    assert VT * math.log(1.3 / 2.0) - 1e-6 < v < 0.0


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match="c_out"):
        electroneutral_current(uniform(0.0), C_IN, {"K": 10.0, "Cl": 5.0}, Z, 0.0)
    with pytest.raises(ValueError, match="length_m"):
        electroneutral_current([PoreSection(0.0, A, 0.0, D)], C_IN, C_OUT, Z, 0.0)
    with pytest.raises(ValueError, match="sections"):
        electroneutral_current([], C_IN, C_OUT, Z, 0.0)


def _sg_gap(length_nm: float) -> float:
    """Largest |I_en - I_pnp| / max |I_pnp| over the voltages for a pore of two charged
    sections of different radius between 50 nm baths (lambda_D = 1 to 2 nm)."""
    d_bath, d_pore = (1.96e-9, 2.03e-9), (1.0e-9, 0.8e-9)
    segments = [
        Segment(50.0, 4.0, 78.5, d_bath),
        Segment(length_nm / 2, 2.0, 78.5, d_pore, fixed_charge_M=-0.05),
        Segment(length_nm / 2, 1.5, 78.5, d_pore, fixed_charge_M=-0.02),
        Segment(50.0, 4.0, 78.5, d_bath),
    ]
    channel = channel_from_segments(
        segments, [1, -1], [100.0, 100.0], [20.0, 20.0], h_min_nm=0.05, h_max_nm=1.0
    )
    sections = [
        PoreSection(
            s.length_nm * 1e-9,
            s.area_nm2 * 1e-18,
            1e3 * s.charge_M,
            dict(zip(("K", "Cl"), s.diffusion_m2_per_s, strict=True)),
        )
        for s in segments
    ]
    results = channel.iv([-50.0, 0.0, 50.0])
    scale = max(abs(r.current_pA) for r in results)
    gaps = []
    for r in results:
        en = electroneutral_solution(
            sections, {"K": 100.0, "Cl": 100.0}, {"K": 20.0, "Cl": 20.0}, Z, 1e-3 * r.voltage_mV
        )
        gaps += [
            abs(1e12 * en.species_currents_A[n] - r.species_current_pA[k]) / scale
            for k, n in enumerate(("K", "Cl"))
        ]
    return max(gaps)


def test_matches_pnp_in_a_long_pore_and_converges_with_length():
    short, long = _sg_gap(200.0), _sg_gap(800.0)
    assert long < 1e-2  # 0.4 % measured
    assert long < short / 2.5  # the double layers' share falls like lambda_D / L


@pytest.mark.parametrize(
    ("z", "c", "n"),
    [
        ((1.0, -1.0), (1.3, 0.8), (0.4, -0.25)),
        ((2.0, 1.0, -1.0), (0.3, 0.5, 1.1), (0.2, -0.3, 0.15)),
        ((1.0, -1.0), (4.8, 0.2), (15.0, -0.5)),  # a charged section: c_K - c_Cl stays 4.6
        ((1.0, -1.0), (1.0, 1.0), (2.5, 1.5)),  # uncharged, c = 1 - 2x: empty at x = 0.5
    ],
)
def test_closed_form_section_matches_integrating_its_equations(z, c, n):
    """The section's ODEs (module doc) integrated in x by an adaptive Runge–Kutta method
    against the matrix-exponential crossing."""
    import numpy as np
    from scipy.integrate import solve_ivp

    from pnp.theory.electroneutral import _ExhaustedError, across_section

    z, c, n = (np.array(v) for v in (z, c, n))

    def rhs(_x, y):
        field = -float(z @ n) / float(z**2 @ y[:-1])
        return np.append(-n - z * y[:-1] * field, field)

    def empty(_x, y):
        return float(z**2 @ y[:-1]) - 1e-9

    empty.terminal = True
    ref = solve_ivp(rhs, (0.0, 0.6), np.append(c, 0.3), rtol=1e-12, atol=1e-14, events=empty)
    if ref.status == 1:  # the section empties first
        with pytest.raises(_ExhaustedError):
            across_section(c, 0.3, z, n, 0.6)
        return
    conc, psi = across_section(c, 0.3, z, n, 0.6)
    assert conc == pytest.approx(ref.y[:-1, -1], rel=1e-9, abs=1e-12)
    assert psi == pytest.approx(ref.y[-1, -1], rel=1e-9, abs=1e-12)
