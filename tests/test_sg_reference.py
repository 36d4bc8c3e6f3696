"""The 1D Scharfetter–Gummel reference (sg_reference.py) against closed forms.

Every rank runs the same serial computations; nothing here is collective."""

import time

import numpy as np
import pytest
from scipy.optimize import brentq
from sg_reference import (
    AVOGADRO,
    FARADAY,
    GAS_CONSTANT,
    Channel,
    Segment,
    channel_from_segments,
    kcsa_segments,
    solve_channel,
    thermal_voltage,
)

T = 298.15
VT = thermal_voltage(T)
KCL = (1, -1)
D_K, D_CL = 1.96e-9, 2.03e-9


def ghk_current_density(z, p, c_in, c_out, v):
    """A/m^2 (c in mol/m^3, p in m/s, v in V), positive outward."""
    u = z * v / VT
    if abs(u) < 1e-9:
        return p * z * FARADAY * (c_in - c_out)
    return p * z * FARADAY * u * (c_in - c_out * np.exp(-u)) / (-np.expm1(-u))


def center(res):
    return np.argmin(np.abs(res.x_nm - 0.5 * (res.x_nm[0] + res.x_nm[-1])))


# --- 1. dilute limit: GHK -------------------------------------------------------


def test_dilute_slab_gives_ghk_current_and_current_scales_with_area():
    # Debye length ~ 200 nm at ~1e-6 M: the field in a 4 nm slab is uniform to ~1e-5
    length = 4.0
    z = (2, 1, -1)
    d = (0.79e-9, D_K, D_CL)
    c_in = (1e-3, 1e-9, 2e-3 + 1e-9)
    c_out = (1e-9, 1e-3, 1e-3 + 2e-9)
    currents = {}
    for radius in (1.0, np.sqrt(10.0)):
        ch = channel_from_segments([Segment(length, radius, 80.0, d)], z, c_in, c_out)
        area = np.pi * (radius * 1e-9) ** 2
        currents[radius] = []
        for v in (-80.0, 0.0, 50.0, 100.0):
            res = ch.solve(v)
            ghk = [
                ghk_current_density(zi, di / (length * 1e-9), ci, co, v * 1e-3) * area * 1e12
                for zi, di, ci, co in zip(z, d, c_in, c_out, strict=True)
            ]
            assert res.species_current_pA == pytest.approx(ghk, rel=1e-4)
            currents[radius].append(res.species_current_pA)
    ratio = np.array(currents[np.sqrt(10.0)]) / np.array(currents[1.0])
    assert ratio == pytest.approx(10.0, rel=1e-9)


def test_dilute_segments_give_the_constant_flux_integral():
    # Dilute: the potential solves Laplace, linear in each segment with A eps dphi/dx the same
    # in all, and d/dx(c e^w) = -A J e^w / (A D) integrates to
    # A J = (c_in e^{w_in} - c_out e^{w_out}) / int e^w / (A D) dx,  w = z phi / V_T
    parts = [
        (1.0, 1.0, 80.0, 1.0),
        (2.0, 0.5, 10.0, 0.25),
        (1.5, 0.8, 40.0, 0.5),
    ]  # L, r, eps, D factor
    z = (2, 1, -1)
    d = np.array((0.79e-9, D_K, D_CL))
    c_in, c_out = np.array((1e-4, 1e-5, 2.1e-4)), np.array((3e-5, 1e-4, 1.6e-4))
    segments = [Segment(length, r, eps, tuple(f * d)) for length, r, eps, f in parts]
    ch = channel_from_segments(segments, z, c_in, c_out)
    lengths = np.array([p[0] for p in parts]) * 1e-9
    areas = np.pi * (np.array([p[1] for p in parts]) * 1e-9) ** 2
    eps = np.array([p[2] for p in parts])
    factors = np.array([p[3] for p in parts])
    for v in (-60.0, 40.0, 120.0):
        res = ch.solve(v)
        drops = v * 1e-3 / VT * (lengths / (areas * eps)) / np.sum(lengths / (areas * eps))
        psi = v * 1e-3 / VT - np.concatenate(([0.0], np.cumsum(drops)))
        for i, zi in enumerate(z):
            wa, wb = zi * psi[:-1], zi * psi[1:]
            exp_integral = (
                lengths
                * np.where(np.abs(wb - wa) > 1e-12, np.expm1(wb - wa) / (wb - wa), 1.0)
                * np.exp(wa)
            )
            resistance = np.sum(exp_integral / (areas * factors * d[i]))
            flux = (c_in[i] * np.exp(zi * psi[0]) - c_out[i]) / resistance
            assert res.species_current_pA[i] == pytest.approx(zi * FARADAY * flux * 1e12, rel=1e-4)


def test_total_charge_vanishes_at_equilibrium():
    # Gauss: with field-free baths at both ends, int A (sum_i z_i c_i + X) dx = 0, counting
    # the counter-charge in the wide baths with their area
    segments = [
        Segment(10.0, 5.0, 80.0, (D_K, D_CL)),
        Segment(1.0, 2.0, 80.0, (D_K, D_CL)),
        Segment(2.0, 0.5, 30.0, (0.3e-9, 0.2e-9), fixed_charge_M=-4.0),
        Segment(10.0, 3.0, 80.0, (D_K, D_CL)),
    ]
    ch = channel_from_segments(segments, KCL, (100.0, 100.0), (100.0, 100.0))
    res = ch.solve(0.0)
    mobile = res.c_mM @ np.array(KCL) / 1e3
    h = np.diff(res.x_nm)
    fixed = np.sum(ch.area_nm2 * h * ch.fixed_charge_M)
    total = fixed + np.sum(ch.area_nm2 * h * 0.5 * (mobile[:-1] + mobile[1:]))
    assert abs(total) < 1e-4 * abs(fixed)


# --- 2. Ohmic limit through segments of different area and D ----------------------


def ohmic_case(scale, voltage_mV):
    """100 mM KCl through three segments; D_K / D_Cl is the same in all of them (a jump of
    the transference number would polarise the salt concentration at the junctions and add
    a diffusion potential, a correction of order 1e-3 that does not vanish at small V)."""
    c = 100.0
    parts = [(20.0, 3.0, 1.0), (30.0, 1.0, 0.25), (20.0, 2.0, 0.5)]  # length, radius, D factor
    segments = [Segment(scale * length, r, 78.5, (f * D_K, f * D_CL)) for length, r, f in parts]
    res = channel_from_segments(segments, KCL, (c, c), (c, c), h_max_nm=0.5).solve(voltage_mV)
    g = FARADAY**2 * c * (D_K + D_CL) / (GAS_CONSTANT * T)  # S/m for D factor 1
    resistance = sum(
        scale * length * 1e-9 / (g * f * np.pi * (r * 1e-9) ** 2) for length, r, f in parts
    )
    return res.current_pA, voltage_mV * 1e-3 / resistance * 1e12


def test_equal_baths_through_segments_approach_ohmic_current():
    # A jump of D at uniform permittivity makes a field jump, carried by charge layers
    # (Debye length 0.96 nm) at the junction; their salt excess changes the conductance by
    # ~ (V / V_T)^2 (lambda_D / L)^2: 2.6e-6 at 5 mV for 20-30 nm segments.
    deviations = []
    for scale in (1.0, 2.0):
        current, ohmic = ohmic_case(scale, 5.0)
        deviations.append(abs(current / ohmic - 1))
    assert deviations[0] < 1e-5
    assert deviations[1] < deviations[0] / 3  # approaches the Ohmic value as L / lambda_D grows


# --- 3. conservation --------------------------------------------------------------


def test_current_is_the_same_in_every_cell():
    segments = [
        Segment(5.0, 3.0, 80.0, (D_K, D_CL)),
        Segment(2.0, 0.6, 20.0, (0.3e-9, 0.1e-9), fixed_charge_M=-3.0),
        Segment(5.0, 3.0, 80.0, (D_K, D_CL)),
    ]
    ch = channel_from_segments(segments, KCL, (100.0, 100.0), (20.0, 20.0), sizes_nm=(0.3, 0.36))
    for res in ch.iv([-50.0, 30.0, 100.0]):
        total = res.cell_current_pA.sum(axis=1)
        assert np.abs(res.current_pA) > 1.0
        assert res.current_spread_pA < 1e-9 * np.abs(res.cell_current_pA).max()
        assert np.allclose(total, total.mean(), rtol=1e-9, atol=0)


# --- 4. second-order grid convergence ---------------------------------------------


def test_current_converges_at_second_order():
    segments = [
        Segment(4.0, 2.0, 80.0, (D_K, D_CL)),
        Segment(3.0, 0.8, 40.0, (0.5e-9, 0.4e-9), fixed_charge_M=-1.0),
        Segment(4.0, 1.5, 80.0, (D_K, D_CL)),
    ]
    currents = [
        channel_from_segments(
            segments, KCL, (100.0, 100.0), (20.0, 20.0), h_min_nm=0.02, h_max_nm=0.4, refine=n
        )
        .solve(50.0)
        .current_pA
        for n in (1, 2, 4, 8)
    ]
    steps = np.abs(np.diff(currents))
    rates = np.log2(steps[:-1] / steps[1:])
    print("current (pA) on grids h, h/2, h/4, h/8:", currents, "rates:", rates)
    assert rates == pytest.approx([2.0, 2.0], abs=0.05)


# --- 5. Donnan equilibrium ---------------------------------------------------------


@pytest.mark.parametrize("fixed_M", [-0.5, 2.0])
def test_long_charged_segment_reaches_donnan_equilibrium(fixed_M):
    c0 = 100.0  # mM
    segments = [
        Segment(10.0, 2.0, 80.0, (D_K, D_CL)),
        Segment(40.0, 0.7, 80.0, (0.5e-9, 0.5e-9), fixed_charge_M=fixed_M),
        Segment(10.0, 2.0, 80.0, (D_K, D_CL)),
    ]
    res = channel_from_segments(segments, KCL, (c0, c0), (c0, c0), x0_nm=-10.0).solve(0.0)
    j = center(res)
    c_plus, c_minus = res.c_mM[j]
    x_mM = 1e3 * fixed_M
    exact_plus = (-x_mM + np.sqrt(x_mM**2 + 4 * c0**2)) / 2  # c+ - c- + X = 0, c+ c- = c0^2
    assert c_plus * c_minus == pytest.approx(c0**2, rel=1e-9)
    assert c_plus - c_minus == pytest.approx(-x_mM, rel=1e-9)
    assert c_plus == pytest.approx(exact_plus, rel=1e-9)
    assert res.phi_V[j] == pytest.approx(VT * np.log(c0 / exact_plus), rel=1e-9)
    assert np.abs(res.current_pA) < 1e-9


# --- 6. steric (lattice-gas) excess chemical potential ----------------------------


def volume_per_M(size_nm):
    return AVOGADRO * (size_nm * 1e-9) ** 3 * 1e3  # N_A a^3 in 1/M


def steric_donnan(c0_M, fixed_M, sizes_nm):
    """Equilibrium of a neutral region with a 1:1 bath: ln c_i + z_i psi + mu_ex = const with
    mu_ex = -ln(1 - Phi), so c_i = c0 e^{-z_i psi} (1 - Phi) / (1 - Phi_0). Summing v_i c_i:
    1 - Phi = (1 - Phi_0) / (1 - Phi_0 + c0 (v+ e^{-psi} + v- e^{psi})), and psi solves
    c+ - c- + X = 0."""
    vp, vm = (volume_per_M(a) for a in sizes_nm)
    phi0 = c0_M * (vp + vm)

    def conc(psi):
        r = 1.0 / (1 - phi0 + c0_M * (vp * np.exp(-psi) + vm * np.exp(psi)))
        return c0_M * np.exp(-psi) * r, c0_M * np.exp(psi) * r

    psi = brentq(lambda p: conc(p)[0] - conc(p)[1] + fixed_M, -30.0, 30.0, xtol=1e-15)
    return psi, conc(psi)


def test_steric_donnan_equilibrium():
    c0, fixed_M, sizes = 0.2, -3.0, (0.3, 0.36)
    segments = [
        Segment(10.0, 2.0, 80.0, (D_K, D_CL)),
        Segment(20.0, 1.0, 80.0, (0.5e-9, 0.5e-9), fixed_charge_M=fixed_M),
        Segment(10.0, 2.0, 80.0, (D_K, D_CL)),
    ]
    bath = (1e3 * c0, 1e3 * c0)
    res = channel_from_segments(segments, KCL, bath, bath, sizes_nm=sizes).solve(0.0)
    j = center(res)
    psi, (c_plus, c_minus) = steric_donnan(c0, fixed_M, sizes)
    assert res.c_mM[j] == pytest.approx([1e3 * c_plus, 1e3 * c_minus], rel=1e-9)
    assert res.phi_V[j] == pytest.approx(VT * psi, rel=1e-9)
    # the steric term matters here: the plain Donnan co-ion concentration is 3 % off
    plain_minus = (fixed_M + np.sqrt(fixed_M**2 + 4 * c0**2)) / 2
    assert abs(c_minus / plain_minus - 1) > 0.01


def test_counter_ion_saturates_at_close_packing():
    # 1 nm segment, bath 100 mM; ions of 0.5 nm pack at 1 / (N_A a^3) = 13.3 M
    a = 0.5
    c_max = 1e3 / volume_per_M(a)
    peaks = {}
    for sizes in (None, (a, a)):
        peaks[sizes] = []
        for fixed_M in (-5.0, -10.0, -20.0):
            segments = [
                Segment(5.0, 1.0, 80.0, (D_K, D_CL)),
                Segment(1.0, 1.0, 80.0, (1e-9, 1e-9), fixed_charge_M=fixed_M),
                Segment(5.0, 1.0, 80.0, (D_K, D_CL)),
            ]
            ch = channel_from_segments(
                segments, KCL, (100.0, 100.0), (100.0, 100.0), sizes_nm=sizes
            )
            peaks[sizes].append(ch.solve(0.0).c_mM[:, 0].max())
    assert peaks[None][-1] > 1.4 * c_max  # without sizes the counter-ions exceed close packing
    steric = np.array(peaks[(a, a)])
    assert np.all(steric < c_max)
    assert np.all(np.diff(c_max - steric) < 0)
    assert steric[-1] > 0.99 * c_max


def test_vanishing_sizes_reduce_to_the_plain_solution():
    segments = [
        Segment(5.0, 3.0, 80.0, (D_K, D_CL)),
        Segment(2.0, 0.6, 30.0, (0.3e-9, 0.2e-9), fixed_charge_M=-5.0),
        Segment(5.0, 3.0, 80.0, (D_K, D_CL)),
    ]
    results = [
        channel_from_segments(segments, KCL, (100.0, 100.0), (20.0, 20.0), sizes_nm=s).solve(60.0)
        for s in (None, (1e-3, 1e-3), (0.3, 0.3))
    ]
    plain, tiny, sized = results
    assert tiny.current_pA == pytest.approx(plain.current_pA, rel=1e-7)
    assert tiny.c_mM == pytest.approx(plain.c_mM, rel=1e-7)
    assert abs(sized.current_pA / plain.current_pA - 1) > 1e-3  # 0.3 nm ions do differ


# --- 7. the KcsA model of Gardner, Nonner and Eisenberg (2004) ---------------------


def test_kcsa_iv_is_conserved_and_grid_converged():
    voltages = [0.0, 25.0, 50.0, 75.0, 100.0]
    ivs = []
    for refine in (1, 2):
        start = time.perf_counter()
        ch = channel_from_segments(
            kcsa_segments(), KCL, (150.0, 150.0), (150.0, 150.0), x0_nm=-5.0, refine=refine
        )
        results = ch.iv(voltages)
        seconds = time.perf_counter() - start
        ivs.append(np.array([r.current_pA for r in results]))
        print(f"KcsA, {ch.x.size} nodes, {seconds:.2f} s")
        for r in results:
            print(
                f"  {r.voltage_mV:5.0f} mV  I = {r.current_pA:.5f} pA  "
                f"(K {r.species_current_pA[0]:.5f}, Cl {r.species_current_pA[1]:.6f})  "
                f"spread {r.current_spread_pA:.1e} pA, {r.newton_steps} Newton steps"
            )
            assert r.current_spread_pA < 1e-9 * max(abs(r.current_pA), 1.0)
        assert results[0].current_pA == pytest.approx(0.0, abs=1e-9)
        assert np.all(np.diff(ivs[-1]) > 0)
    assert ivs[1][1:] == pytest.approx(ivs[0][1:], rel=1e-3)
    # the fixed charge of the first channel segment is about 42 M
    assert kcsa_segments()[1].charge_M == pytest.approx(-4 / (AVOGADRO * np.pi * 0.25 * 0.2e-24))


# --- API ----------------------------------------------------------------------------


def test_solve_channel_equals_a_channel_solve_and_checks_shapes():
    x = np.linspace(0.0, 4.0, 41)
    cells = x.size - 1
    args = (x, np.full(cells, 2.0), np.full(cells, 80.0), np.zeros(cells))
    d = np.tile([D_K, D_CL], (cells, 1))
    res = solve_channel(*args, d, KCL, (100.0, 100.0), (10.0, 10.0), voltage_mV=20.0)
    again = Channel(*args, d, KCL, (100.0, 100.0), (10.0, 10.0)).iv([0.0, 20.0])[-1]
    assert res.current_pA == pytest.approx(again.current_pA, rel=1e-9)
    with pytest.raises(ValueError, match="area_nm2"):
        Channel(x, np.ones(3), *args[2:], d, KCL, (1.0, 1.0), (1.0, 1.0))
