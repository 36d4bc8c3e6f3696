"""Transient PNP: time discretisation, conservation, relaxation and exact limits.

Serial and under ``mpiexec -n 2`` (all sums and maxima are global).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import ufl
from mpi4py import MPI

from pnp.case import case_from_dict
from pnp.errors import ConvergenceError
from pnp.fem import dolfinx
from pnp.run import prepare
from pnp.solver.continuation import to_voltage
from pnp.solver.current import CurrentMeter, pore_sections
from pnp.solver.transient import bdf_accumulate, bdf_weights, time_scale_s
from pnp.theory import debye_length
from pnp.transient import steady_start
from pnp.transient.current import TransientCurrentMeter
from pnp.transient.error import divided_difference, local_error, next_step
from pnp.transient.problem import TransientProblem
from pnp.transient.protocol import VoltageProtocol
from pnp.transient.stepping import TimeStepper

COMM = MPI.COMM_WORLD
fem = dolfinx.fem


def slab(
    length_nm: float,
    c_mM: tuple[float, float],
    d_m2_per_s: tuple[float, float],
    transient: dict,
    cell_nm: float = 0.25,
):
    """A 1D 1:1-salt slab case (electrodes on the slab faces) with a [transient] table."""
    inside, outside = c_mM
    species = [
        {
            "name": name,
            "charge": z,
            "diffusion_m2_per_s": d,
            "inside_mM": inside,
            "outside_mM": outside,
        }
        for name, z, d in (("A", 1, d_m2_per_s[0]), ("B", -1, d_m2_per_s[1]))
    ]
    return case_from_dict(
        {
            "name": "transient_slab",
            "geometry": {
                "kind": "slab",
                "pore_length_nm": length_nm,
                "mesh_size_nm": cell_nm,
                "wall_size_nm": cell_nm,
            },
            "species": species,
            "transient": transient,
            "output": {"fields": False, "plots": False, "profiles": False},
        }
    )


def perturb(problem, amplitude: float) -> None:
    """Multiply every concentration by 1 + amplitude sin(pi s), s = 0..1 across the slab."""
    x = problem.scalar_space.tabulate_dof_coordinates()[:, 0]
    half = 0.5 * problem.case.geometry.pore_length_nm
    bump = np.log1p(amplitude * np.sin(np.pi * (x + half) / (2 * half)))
    bs = problem.V.dofmap.index_map_bs
    problem.state.x.array.reshape(-1, bs)[:, 1:] += bump[:, None]
    problem.state.x.scatter_forward()


def owned(problem) -> int:
    return problem.scalar_space.dofmap.index_map.size_local


def amount_meter(problem):
    """Total amount of each species (scaled concentration x nm), integrated exactly as the
    storage term of the residual (the sum of its entries over all test functions)."""
    v = ufl.TestFunction(problem.scalar_space)
    forms = [
        fem.form(ufl.exp(problem.state[1 + i]) * v * problem.measures.dx_electrolyte)
        for i in range(len(problem.case.species))
    ]

    def amounts() -> np.ndarray:
        totals = []
        for form in forms:
            vector = fem.assemble_vector(form)
            vector.scatter_reverse(dolfinx.la.InsertMode.add)
            totals.append(vector.array[: owned(problem)].sum())
        return COMM.allreduce(np.array(totals), op=MPI.SUM)

    return amounts


# -- pure pieces ------------------------------------------------------------------------


def test_bdf_weights():
    assert bdf_weights(1, 0.3) == (1.0, -1.0, 0.0)
    assert bdf_weights(2, 1.0, 1.0) == pytest.approx((1.5, -2.0, 0.5))
    # variable-step BDF2 differentiates quadratics exactly: y = t^2 at t = 0, -h, -h - hp
    for h, hp in ((1.0, 1.0), (0.3, 0.7), (2.0, 1.0)):
        a0, a1, a2 = bdf_weights(2, h, hp)
        assert a0 + a1 + a2 == pytest.approx(0.0, abs=1e-14)
        t = np.array([0.0, -h, -h - hp]) + 5.0
        assert (a0 * t[0] ** 2 + a1 * t[1] ** 2 + a2 * t[2] ** 2) / h == pytest.approx(2 * t[0])
    with pytest.raises(ValueError, match="previous step"):
        bdf_weights(2, 1.0)


def test_bdf_accumulate_integrates_bdf_differences_exactly():
    """A rate that is the BDF difference of y, integrated by the same weights, gives back
    y^n - y^0 at every level (any steps, backward-Euler start); plain sums of rate * dt
    do so for backward Euler only."""
    rng = np.random.default_rng(3)
    steps = rng.uniform(0.6, 1.4, 40)  # step ratios below 1 + sqrt(2)
    y = np.cumsum(rng.normal(size=41))
    for order in (1, 2):
        charge, plain = [0.0], [0.0]
        for n, step in enumerate(steps):
            k = min(order, n + 1)  # the first step is backward Euler
            previous = steps[n - 1] if k == 2 else None
            a0, a1, a2 = bdf_weights(k, step, previous)
            rate = (a0 * y[n + 1] + a1 * y[n] + (a2 * y[n - 1] if k == 2 else 0.0)) / step
            past = (charge[-1], charge[-2] if n else 0.0)
            charge.append(bdf_accumulate(rate, step, k, previous, past))
            plain.append(plain[-1] + rate * step)
        np.testing.assert_allclose(charge, y - y[0], rtol=0.0, atol=1e-12)
        if order == 1:
            np.testing.assert_allclose(plain, charge, rtol=0.0, atol=1e-12)
        else:
            assert np.abs(np.array(plain) - charge).max() > 0.1


def test_time_scale_is_length_squared_over_diffusion():
    problem_scales = type("S", (), {"length_m": 1e-9, "diffusion_m2_per_s": 2e-9})()
    assert time_scale_s(problem_scales) == pytest.approx(5e-10)


def test_local_error_estimates_the_leading_term():
    times = [0.0, 0.1, 0.25, 0.3]
    cubic = [np.array([t**3 + t]) for t in times]
    assert divided_difference(times, cubic)[0] == pytest.approx(1.0)
    one = np.ones(1)
    # backward Euler on y = t^2: the local error is h^2 y'' / 2 = h^2 exactly
    square = [np.array([t**2]) for t in times]
    estimate = local_error(1, times, square, one, COMM)
    assert (estimate.norm, estimate.order) == (pytest.approx(0.05**2), 1)
    # BDF2 on y = t^3 with constant steps: 2 h^3 y''' / 9
    even = [0.0, 0.1, 0.2, 0.3]
    estimate = local_error(2, even, [np.array([t**3]) for t in even], one, COMM)
    assert (estimate.norm, estimate.order) == (pytest.approx(2 * 0.1**3 * 6 / 9), 2)
    # too few levels for an estimate; BDF2 with three levels falls back to first order
    assert local_error(2, times[:2], square[:2], one, COMM) is None
    assert local_error(2, times[:3], square[:3], one, COMM).order == 1
    assert next_step(1.0, None) == 2.0
    assert next_step(1.0, estimate.__class__(1e6, 1)) == pytest.approx(0.2)


def test_voltage_protocol_steps_ramps_and_breakpoints():
    p = VoltageProtocol(((0.0, -10.0), (1.0, 50.0), (3.0, 0.0)), end_time_s=5.0)
    assert [p.voltage_mV(t) for t in (0.0, 0.5, 1.0, 2.0, 3.0, 4.0)] == [-10, -10, 50, 50, 0, 0]
    assert p.voltage_mV(1.0, left=True) == -10.0  # an implicit step ending at 1 s
    assert p.breakpoints() == [1.0, 3.0, 5.0]
    ramp = dataclasses.replace(p, rise_time_s=0.5)
    assert ramp.voltage_mV(1.25) == pytest.approx(20.0)
    assert ramp.voltage_mV(1.0, left=True) == ramp.voltage_mV(1.0) == -10.0
    assert ramp.breakpoints() == [1.0, 1.5, 3.0, 3.5, 5.0]
    assert (ramp.initial_mV, ramp.final_mV) == (-10.0, 0.0)


# -- the solver ----------------------------------------------------------------------------


def test_relaxes_to_the_steady_state():
    """(a) After a voltage step the transient ends at the steady solution of that voltage."""
    case = slab(
        10.0,
        (100.0, 20.0),
        (1.957e-9, 2.032e-9),
        {"end_time_s": 1.5e-7, "voltage_steps_mV": [[0.0, 0.0], [1e-9, 50.0]], "rtol": 1e-4},
    )
    problem = prepare(case, COMM)
    steady_start(problem, 0.0)
    at_rest = problem.copy_state()
    transient = TransientProblem(problem)
    meter = TransientCurrentMeter(transient, pore_sections((-5.0, 5.0), 3))
    spreads = []
    stepper = TimeStepper(transient, VoltageProtocol.from_settings(case.transient), case.transient)
    summary = stepper.run(lambda step: spreads.append(meter.measure().section_spread))
    final = meter.measure()  # the last step's weights are still in place
    final_state = problem.copy_state()
    transient.destroy()
    # the steady solver, continued in voltage from the initial state
    problem.restore_state(at_rest)
    to_voltage(problem, 0.0, 50.0)
    steady = CurrentMeter(problem).electrode_currents()
    bs = problem.V.dofmap.index_map_bs
    difference = np.abs(problem.state.x.array - final_state).reshape(-1, bs)
    problem.destroy()

    assert summary.steps < 200
    assert final.total == pytest.approx(steady.sum(), rel=1e-6)
    assert final.species == pytest.approx(steady, rel=1e-6)
    assert abs(final.displacement) < 1e-6 * abs(steady.sum())
    assert COMM.allreduce(difference[:, 0].max(), op=MPI.MAX) < 1e-6  # psi (units of V_T)
    assert COMM.allreduce(difference[:, 1:].max(), op=MPI.MAX) < 1e-6  # relative concentration
    # the total (ionic + displacement) current is the same through every section
    assert max(spreads) < 1e-6


@pytest.fixture(scope="module")
def perturbed_slab():
    """A coupled transient (D+ != D-, 20 mV, Debye and diffusion times alike): the relaxation
    of a neutral salt bump from the steady state, by fixed steps of any scheme."""
    end = 4e-9
    case = slab(
        10.0,
        (10.0, 10.0),
        (1.0e-9, 2.0e-9),
        {"end_time_s": end, "voltage_steps_mV": [[0.0, 20.0]], "adaptive": False},
    )
    problem = prepare(case, COMM)
    steady_start(problem, 20.0)
    perturb(problem, 0.3)
    initial = problem.copy_state()
    transient = TransientProblem(problem)
    protocol = VoltageProtocol.from_settings(case.transient)

    def final_concentrations(scheme: str, steps: int) -> np.ndarray:
        dt = end / steps
        settings = dataclasses.replace(
            case.transient, scheme=scheme, initial_step_s=dt, max_step_s=dt, min_step_s=dt / 64
        )
        problem.restore_state(initial)
        summary = TimeStepper(transient, protocol, settings).run()
        assert summary.steps == steps and summary.rejected == 0
        bs = problem.V.dofmap.index_map_bs
        return np.exp(problem.state.x.array.reshape(-1, bs)[: owned(problem), 1:])

    yield final_concentrations
    transient.destroy()
    problem.destroy()


def test_temporal_convergence_orders(perturbed_slab):
    """(b) Fixed steps: backward Euler converges at rate 1, BDF2 (backward-Euler start) at 2."""
    reference = perturbed_slab("bdf2", 256)
    rates = {}
    for scheme in ("backward-euler", "bdf2"):
        errors = [
            COMM.allreduce(float(np.abs(perturbed_slab(scheme, n) - reference).max()), op=MPI.MAX)
            for n in (8, 16, 32)
        ]
        rates[scheme] = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    assert rates["backward-euler"].min() >= 0.9, rates
    assert rates["bdf2"].min() >= 1.8, rates


def test_closed_system_conserves_every_species():
    """(c) Blocking electrodes (potential imposed, no ion flux): a voltage step charges the
    double layers at the electrodes while the amount of each species stays constant; the
    ionic electrode current vanishes and the total current is pure displacement current,
    the same through every section, decaying as the layers charge."""
    case = slab(
        10.0,
        (10.0, 10.0),
        (1.0e-9, 2.0e-9),
        {"end_time_s": 5e-8, "voltage_steps_mV": [[0.0, 0.0], [1e-10, 50.0]]},
    )
    problem = prepare(case, COMM)
    steady_start(problem, 0.0)
    transient = TransientProblem(problem, blocking_electrodes=True)
    meter = TransientCurrentMeter(transient, pore_sections((-5.0, 5.0), 3))
    amounts = amount_meter(problem)
    start = amounts()
    drift, records = [], []

    def on_step(step) -> None:
        drift.append(np.abs(amounts() / start - 1.0).max())
        records.append(meter.measure())

    TimeStepper(transient, VoltageProtocol.from_settings(case.transient), case.transient).run(
        on_step
    )
    bs = problem.V.dofmap.index_map_bs
    u = problem.state.x.array.reshape(-1, bs)[: owned(problem), 1:]
    separation = COMM.allreduce(float(np.abs(u[:, 0] - u[:, 1]).max()), op=MPI.MAX)
    transient.destroy()
    problem.destroy()

    assert max(drift) < 1e-9  # the Newton tolerance, accumulated over the steps
    assert separation > 0.5  # the charged layers: c+ / c- far from 1 at the electrodes
    peak = max(abs(r.total) for r in records)
    for r in records:
        assert np.abs(r.species).max() < 1e-8 * peak
        assert np.abs(r.sections - r.total).max() < 1e-7 * peak
    assert abs(records[-1].total) < 1e-4 * peak  # charged: the current has died away


def test_first_fourier_mode_decays_at_the_diffusion_rate():
    """(e) Equal diffusion coefficients, symmetric baths, V = 0: a neutral bump stays neutral,
    psi stays 0 and each ion diffuses freely, so c - c0 = A sin(pi s) with
    A(t) = A(0) exp(-pi^2 D t / L^2) exactly, at any amplitude."""
    length, d = 10.0, 2.0e-9
    tau = (length * 1e-9) ** 2 / (math.pi**2 * d)
    case = slab(
        length,
        (50.0, 50.0),
        (d, d),
        {"end_time_s": tau, "voltage_steps_mV": [[0.0, 0.0]], "rtol": 1e-5},
        cell_nm=0.1,
    )
    problem = prepare(case, COMM)
    steady_start(problem, 0.0)
    perturb(problem, 0.4)
    n = owned(problem)
    x = problem.scalar_space.tabulate_dof_coordinates()[:n, 0]
    mode = np.sin(np.pi * (x + 0.5 * length) / length)
    bs = problem.V.dofmap.index_map_bs

    def amplitude() -> float:
        c = np.exp(problem.state.x.array.reshape(-1, bs)[:n, 1])
        return COMM.allreduce(float(((c - 1.0) * mode).sum()), op=MPI.SUM) / COMM.allreduce(
            float((mode * mode).sum()), op=MPI.SUM
        )

    a0 = amplitude()
    transient = TransientProblem(problem)
    TimeStepper(transient, VoltageProtocol.from_settings(case.transient), case.transient).run()
    psi = COMM.allreduce(float(np.abs(problem.state.x.array.reshape(-1, bs)[:, 0]).max()), MPI.MAX)
    ratio = amplitude() / a0
    transient.destroy()
    problem.destroy()
    assert a0 == pytest.approx(0.4, rel=1e-3)
    assert psi < 1e-8
    assert ratio == pytest.approx(math.exp(-1.0), rel=1e-3)


def slowest_charging_rate(debye_nm: float, half_nm: float, d_m2_per_s: float) -> float:
    """Decay rate (1/s) of the slow mode of linearised PNP between blocking electrodes at
    +-L (symmetric 1:1 salt, equal D): rho ~ sinh(k x) with k^2 = 1/lambda^2 - sigma/D and
    tanh(k L) = k L (1 - lambda^2 k^2); sigma -> D / (lambda L) for lambda << L."""
    lam, half = debye_nm, half_nm

    def f(k: float) -> float:
        return math.tanh(k * half) - half * k * (1.0 - (lam * k) ** 2)

    low, high = 0.5 / lam, 1.0 / lam  # f(low) < 0 < f(high) for L > 3 lambda
    for _ in range(100):
        mid = 0.5 * (low + high)
        low, high = (mid, high) if f(mid) < 0.0 else (low, mid)
    return d_m2_per_s * 1e18 * (1.0 / lam**2 - low**2)


def test_blocking_electrodes_charge_with_the_rc_time():
    """(e) A 1 mV step across a cell with blocking electrodes: the current decays as
    exp(-sigma t) with the exact slow rate of the linearised problem (the RC time
    lambda L / D of the diffuse layers in series with the bulk, to leading order)."""
    half, d, c = 20.0, 2.0e-9, 100.0
    sigma = slowest_charging_rate(debye_length(c) * 1e9, half, d)
    tau = 1.0 / sigma
    case = slab(
        2 * half,
        (c, c),
        (d, d),
        {
            "end_time_s": 7 * tau,
            "voltage_steps_mV": [[0.0, 0.0], [1e-12, 1.0]],
            "max_step_s": tau / 20,
            "rtol": 1e-4,
        },
        cell_nm=0.5,
    ).with_overrides({"geometry.wall_size_nm": 0.05})
    problem = prepare(case, COMM)
    steady_start(problem, 0.0)
    transient = TransientProblem(problem, blocking_electrodes=True)
    meter = TransientCurrentMeter(transient, [0.0])
    trace = []
    TimeStepper(transient, VoltageProtocol.from_settings(case.transient), case.transient).run(
        lambda step: trace.append((step.time_s, meter.measure().total))
    )
    transient.destroy()
    problem.destroy()
    t, current = np.array(trace).T
    late = (t > 2 * tau) & (t < 6 * tau)  # the faster (Debye-time) modes have died out
    rate = -np.polyfit(t[late], np.log(np.abs(current[late])), 1)[0]
    assert rate == pytest.approx(sigma, rel=3e-3)
    assert (
        abs(rate - d * 1e18 / (debye_length(c) * 1e9 * half)) > 0.01 * sigma
    )  # not just leading order


def test_newton_failure_below_the_minimum_step_is_a_typed_error():
    case = slab(
        10.0,
        (100.0, 5.0),
        (1.957e-9, 2.032e-9),
        {
            "end_time_s": 1e-8,
            "voltage_steps_mV": [[0.0, 0.0], [1e-9, 200.0]],
            "initial_step_s": 1e-10,
            "min_step_s": 1e-10,
        },
    )
    problem = prepare(case, COMM)
    steady_start(problem, 0.0)
    transient = TransientProblem(problem)
    transient.newton.snes.setTolerances(max_it=1)  # one Newton update cannot take the step
    stepper = TimeStepper(transient, VoltageProtocol.from_settings(case.transient), case.transient)
    try:
        with pytest.raises(ConvergenceError) as info:
            stepper.run()
    finally:
        transient.destroy()
        problem.destroy()
    err = info.value
    assert err.stage == "time stepping"
    assert "1e-09" in err.last_converged and "200 mV" in err.target
    assert "transient.min_step_s" in err.hint
