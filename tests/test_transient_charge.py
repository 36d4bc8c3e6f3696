"""Charge passed through a blocking dielectric layer after instantaneous voltage steps.

The cell, in 1D: inside bath 10 nm | membrane 1 nm (eps_r 2, no ions) | outside bath
10 nm, 100 mM 1:1 salt with equal diffusion coefficients, ohmic electrodes (c = bulk,
phi fixed). The slab builder makes its middle layer an ion pathway (region "pore"); its
mesh is read back as a mesh file with that layer taken as region "membrane".

Serial and under ``mpiexec -n 2`` / ``-n 3`` (all sums are global).
"""

from __future__ import annotations

import csv
import dataclasses
import math

import numpy as np
import pytest
from mpi4py import MPI

from pnp.case import case_from_dict
from pnp.geometry.build import build_domain
from pnp.post.units import report_units
from pnp.run import prepare
from pnp.transient import run_transient_case, steady_start
from pnp.transient.current import TransientCurrentMeter
from pnp.transient.problem import TransientProblem
from pnp.transient.protocol import VoltageProtocol
from pnp.transient.stepping import TimeStepper
from pnp.transient.trace import TransientTrace

COMM = MPI.COMM_WORLD

# CODATA 2018
ELEMENTARY_CHARGE = 1.602176634e-19  # C
BOLTZMANN = 1.380649e-23  # J/K
AVOGADRO = 6.02214076e23  # 1/mol
VACUUM_PERMITTIVITY = 8.8541878128e-12  # F/m

TEMPERATURE_K = 298.15
SALT_mM = 100.0
BATH_NM, MEMBRANE_NM = 10.0, 1.0
EPS_WATER, EPS_MEMBRANE = 78.5, 2.0
STEP_mV = 1.0
ON_S, OFF_S, END_S = 1e-12, 1e-8, 2e-8  # 0 -> 1 mV -> 0

# Discretisation error of the diffuse layers on this mesh (wall cells 0.05 nm, bulk 0.5 nm):
# 6e-5 of the charge, falling with refinement (1.3e-5 with cells of 0.025 / 0.1 nm).
CHARGE_RTOL = 2e-4


def debye_length_m() -> float:
    number_density = SALT_mM * AVOGADRO  # mM = mol/m^3
    thermal = VACUUM_PERMITTIVITY * EPS_WATER * BOLTZMANN * TEMPERATURE_K
    return math.sqrt(thermal / (2.0 * ELEMENTARY_CHARGE**2 * number_density))


def network_charge_C_per_m2(voltage_V: float) -> tuple[float, float]:
    """Final charge per area passed by a voltage step, and its nonlinear correction.

    At rest no current flows through the blocking layer, so each bath is in
    equilibrium with its electrode: c_+- = c0 exp(-+(phi - phi_e) / V_T). Linearised
    (Debye–Hückel), phi'' = (phi - phi_e) / lambda^2 with phi = phi_e at the electrode
    gives phi - phi_e = A sinh(x / lambda), x the distance from the electrode; the
    displacement at the membrane face over the drop across the bath is the bath's
    capacitance eps0 eps_w / (lambda tanh(L_b / lambda)). The membrane (no charge)
    has eps0 eps_m / d; the two baths and the membrane are in series, and the charge
    passed is the final displacement through the membrane, D = C V.

    Nonlinear correction: the drop across each bath is psi_b = D / C_b; the diffuse
    charge of Poisson–Boltzmann is (2 eps V_T / lambda) sinh(psi_b / (2 V_T)) against
    the linear eps psi_b / lambda, a relative x^2 / 6 with x = psi_b / (2 V_T), which
    enters D weighted by the baths' share of 1 / C.
    """
    lam = debye_length_m()
    bath = VACUUM_PERMITTIVITY * EPS_WATER / (lam * math.tanh(BATH_NM * 1e-9 / lam))
    membrane = VACUUM_PERMITTIVITY * EPS_MEMBRANE / (MEMBRANE_NM * 1e-9)
    inverse = 2.0 / bath + 1.0 / membrane
    charge = voltage_V / inverse
    x = charge / bath / (2.0 * BOLTZMANN * TEMPERATURE_K / ELEMENTARY_CHARGE)
    correction = (2.0 / bath) / inverse * x * x / 6.0
    return charge, correction


def geometric_charge_C_per_m2(voltage_V: float) -> float:
    """The charge of an instantaneous step (ions not yet moved): the layers as dielectrics."""
    thickness = 2.0 * BATH_NM / EPS_WATER + MEMBRANE_NM / EPS_MEMBRANE
    return VACUUM_PERMITTIVITY * voltage_V / (thickness * 1e-9)


@pytest.fixture(scope="module")
def membrane_case(tmp_path_factory):
    folder = str(tmp_path_factory.mktemp("membrane")) if COMM.rank == 0 else None
    folder = COMM.bcast(folder, root=0)
    mesh = f"{folder}/membrane.msh"
    build_domain(
        COMM,
        kind="slab",
        pore_length_nm=MEMBRANE_NM,
        bath_length_nm=BATH_NM,
        mesh_size_nm=0.5,
        wall_size_nm=0.05,
        msh_path=mesh,
    )
    species = [
        {
            "name": name,
            "charge": z,
            "diffusion_m2_per_s": 2.0e-9,
            "inside_mM": SALT_mM,
            "outside_mM": SALT_mM,
        }
        for name, z in (("A", 1), ("B", -1))
    ]
    case = case_from_dict(
        {
            "name": "blocking_membrane",
            "geometry": {
                "kind": "mesh",
                "mesh_file": mesh,
                "pore_length_nm": MEMBRANE_NM,
                "groups": {"pore": "membrane"},
            },
            "regions": {
                "bath": {"permittivity": EPS_WATER},
                "membrane": {"permittivity": EPS_MEMBRANE},
            },
            "species": species,
            "conditions": {"temperature_K": TEMPERATURE_K},
            "transient": {
                "end_time_s": END_S,
                "voltage_steps_mV": [[0.0, 0.0], [ON_S, STEP_mV], [OFF_S, 0.0]],
            },
            "output": {"fields": False, "plots": False, "profiles": False},
        }
    )
    return folder, case


@pytest.fixture(scope="module")
def runs(membrane_case):
    """`pnp run` of the on/off protocol with each scheme: results and transient.csv."""
    folder, case = membrane_case
    done = {}
    for scheme in ("backward-euler", "bdf2"):
        out = f"{folder}/{scheme}"
        plots = scheme == "bdf2"
        results = run_transient_case(
            case.with_overrides({"transient.scheme": scheme, "output.plots": plots}), out, COMM
        )
        with open(f"{out}/transient.csv") as fh:
            rows = list(csv.DictReader(fh))
        done[scheme] = (results, rows)
    return done


def test_reference_is_linear_at_one_millivolt():
    charge, correction = network_charge_C_per_m2(STEP_mV * 1e-3)
    assert charge == pytest.approx(1.688e-5, rel=1e-3)  # C/m^2: the membrane dominates
    assert correction < 1e-3 * CHARGE_RTOL


@pytest.mark.parametrize("scheme", ["backward-euler", "bdf2"])
def test_charge_passed_equals_the_capacitor_network(runs, scheme):
    """The charge passed in each segment of 0 -> 1 mV -> 0 is +Q, -Q of the series network
    (baths' diffuse layers and membrane), in the trace and per segment in the summary."""
    results, rows = runs[scheme]
    block = results["transient"]
    expected, _ = network_charge_C_per_m2(STEP_mV * 1e-3)
    charge = np.array(block["charge_C_per_m2"])
    times = np.array(block["times_s"])
    assert charge[0] == 0.0 and "charge_pC" not in block
    on = np.flatnonzero(times == OFF_S)[0]  # the last row before the return step
    assert charge[on] == pytest.approx(expected, rel=CHARGE_RTOL)
    assert abs(charge[-1]) < CHARGE_RTOL * expected
    segments = block["segments"]
    assert [(s["start_s"], s["end_s"], s["voltage_mV"]) for s in segments] == [
        (0.0, ON_S, 0.0),
        (ON_S, OFF_S, STEP_mV),
        (OFF_S, END_S, 0.0),
    ]
    passed = [s["charge_C_per_m2"] for s in segments]
    assert abs(passed[0]) < 1e-9 * expected  # at rest
    assert passed[1] == pytest.approx(expected, rel=CHARGE_RTOL)
    assert passed[2] == pytest.approx(-expected, rel=CHARGE_RTOL)
    assert sum(passed) == pytest.approx(charge[-1], abs=1e-12 * expected)
    column = np.array([float(row["charge_C_per_m2"]) for row in rows])
    np.testing.assert_allclose(column, charge, rtol=1e-12, atol=0.0)


@pytest.mark.parametrize("scheme", ["backward-euler", "bdf2"])
def test_no_reversed_spike_after_a_voltage_step(runs, scheme):
    """The first step after each voltage step carries the geometric charge of the jump; the
    steps after it carry the relaxation current, of the sign of the step and decaying, with
    no reversed spike; BDF2 starts again with two backward-Euler steps (no stencil reaches
    back across the jump)."""
    block = runs[scheme][0]["transient"]
    times = np.array(block["times_s"])
    current = np.array(block["current_density_A_per_m2"])
    steps, orders = np.array(block["step_s"]), np.array(block["order"])
    jump = geometric_charge_C_per_m2(STEP_mV * 1e-3)
    for start, end, sign in ((ON_S, OFF_S, 1.0), (OFF_S, END_S, -1.0)):
        inside = np.flatnonzero((times > start) & (times <= end))
        first = inside[0]
        assert sign * current[first] * steps[first] == pytest.approx(jump, rel=1e-3)
        spike = sign * current[first]
        later = sign * current[inside[1:]]
        assert later[0] < 1e-3 * spike  # the spike is the first step only
        charging = later[:10]  # the first nanosecond
        assert np.all(charging > 0.0) and np.all(np.diff(charging) < 0.0), charging
        # late BDF2 steps far longer than the decay time may undershoot by 1e-4 of the
        # relaxation current (-2 A/m^2 here), nothing like a reversed spike
        assert later.min() > -1e-6 * spike, (scheme, start, later.min())
        expected = [1, 1, 2] if scheme == "bdf2" else [1, 1, 1]
        assert orders[inside[:3]].tolist() == expected


@pytest.mark.parametrize(
    ("scheme", "rise_time_s"), [("backward-euler", 0.0), ("bdf2", 0.0), ("bdf2", 2e-10)]
)
def test_charge_is_the_discrete_displacement_change(membrane_case, scheme, rise_time_s):
    """At every step the accumulated charge equals the change of the discrete displacement
    eps0 eps_m (psi(-d/2) - psi(d/2)) / d through the membrane since t = 0: exact for the
    discrete scheme (the sum of I dt for backward Euler, the BDF2 recurrence for BDF2).
    With a ramp the corners are no jumps: BDF2 resumes at the second step after each."""
    _, case = membrane_case
    settings = dataclasses.replace(
        case.transient,
        scheme=scheme,
        rise_time_s=rise_time_s,
        voltage_steps_mV=((0.0, 0.0), (ON_S, STEP_mV)),
        end_time_s=OFF_S,
    )
    case = dataclasses.replace(case, transient=settings)
    problem = prepare(case, COMM)
    steady_start(problem, 0.0)
    transient = TransientProblem(problem)
    meter = TransientCurrentMeter(transient, [0.0])
    trace = TransientTrace(case.species_names, report_units(case, problem.domain))
    n = problem.scalar_space.dofmap.index_map.size_local
    x = problem.scalar_space.tabulate_dof_coordinates()[:n, 0]
    bs = problem.V.dofmap.index_map_bs
    faces = [np.isclose(x, -0.5 * MEMBRANE_NM), np.isclose(x, 0.5 * MEMBRANE_NM)]
    volts_per_unit = 1.0 / problem.scales.potential(1.0)

    def displacement() -> float:
        psi = problem.state.x.array.reshape(-1, bs)[:n, 0]
        left, right = (COMM.allreduce(float(psi[face].sum()), op=MPI.SUM) for face in faces)
        return VACUUM_PERMITTIVITY * EPS_MEMBRANE * (left - right) * volts_per_unit / 1e-9

    start = displacement()
    changes = []
    transient.hold()
    trace.append(0.0, 0.0, meter.measure())

    def on_step(step) -> None:
        trace.append(
            step.time_s,
            step.voltage_mV,
            meter.measure(),
            step_s=step.step_s,
            order=step.order,
            previous_step_s=step.previous_step_s,
        )
        changes.append(displacement() - start)

    stepper = TimeStepper(transient, VoltageProtocol.from_settings(settings), settings)
    stepper.run(on_step)
    transient.destroy()
    problem.destroy()

    expected, _ = network_charge_C_per_m2(STEP_mV * 1e-3)
    charge = np.array(trace.charge[1:])
    np.testing.assert_allclose(charge, changes, rtol=0.0, atol=1e-9 * expected)
    assert charge[-1] == pytest.approx(expected, rel=CHARGE_RTOL)
    if scheme == "backward-euler":
        plain = np.cumsum(np.array(trace.total) * np.array(trace.step_s))[1:]
        np.testing.assert_allclose(plain, charge, rtol=1e-12, atol=0.0)
    times, orders = np.array(trace.times_s), np.array(trace.order)
    corners = [ON_S, ON_S + rise_time_s] if rise_time_s else [ON_S]
    restart = [1, 2] if rise_time_s else ([1, 1, 2] if scheme == "bdf2" else [1, 1, 1])
    for corner in corners:
        after = np.flatnonzero(times > corner)[: len(restart)]
        assert orders[after].tolist() == restart
