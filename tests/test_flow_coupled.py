"""PNP coupled to Stokes flow in a short charged pore between baths.

- Onsager reciprocity: in linear response the electro-osmotic flow rate per volt at
  zero pressure difference equals the streaming current per pascal at zero voltage
  (signs: V = phi_inside - phi_outside, dp = p_inside - p_outside, flow rate and
  current positive outward).
- A failed coupling is a typed error, not a silent answer.
- Inexact PNP solves within the coupling rounds converge to the answer of PNP solved
  to tolerance in every round, in fewer Newton steps.
"""

from __future__ import annotations

import numpy as np
import pytest
import ufl
from mpi4py import MPI

from pnp.case import case_from_dict
from pnp.errors import ConvergenceError
from pnp.fem import dolfinx
from pnp.post.flow import FlowFields, FlowMeter
from pnp.run import prepare
from pnp.solver import problem as problem_module
from pnp.solver.continuation import ramp_fixed_charge
from pnp.solver.current import CurrentMeter

COMM = MPI.COMM_WORLD
fem = dolfinx.fem


def pore_case(pressure_Pa: float = 0.0, sigma: float = -0.05) -> dict:
    return {
        "geometry": {
            "kind": "axisymmetric",
            "pore_radius_nm": 1.5,
            "pore_length_nm": 5.0,
            "bath_radius_nm": 8.0,
            "bath_length_nm": 8.0,
            "mesh_size_nm": 1.0,
            "wall_size_nm": 0.25,
        },
        "surfaces": {"pore_wall": {"charge_C_per_m2": sigma}},
        "species": [
            {
                "name": n,
                "charge": z,
                "diffusion_m2_per_s": d,
                "inside_mM": 100.0,
                "outside_mM": 100.0,
            }
            for n, z, d in (("K", 1, 1.957e-9), ("Cl", -1, 2.032e-9))
        ],
        "conditions": {"voltages_mV": [0.0]},
        "flow": {"pressure_difference_Pa": pressure_Pa},
        "output": {"fields": False, "plots": False},
    }


class Pore:
    """One problem, re-targeted to each pressure; every point starts from the charged
    equilibrium at V = 0."""

    def __init__(self, sigma: float = -0.05) -> None:
        self.sigma = sigma
        self.problem = prepare(case_from_dict(pore_case(0.0, sigma)), COMM)
        ramp_fixed_charge(self.problem)
        self.equilibrium = self.problem.copy_state()
        self.meter = CurrentMeter(self.problem)
        self.flow = FlowMeter(self.problem)

    def point(self, voltage_mV: float, pressure_Pa: float) -> tuple[float, float]:
        """(current A, flow rate m^3/s)."""
        p = self.problem
        p.retarget(case_from_dict(pore_case(pressure_Pa, self.sigma)))
        p.restore_state(self.equilibrium)
        p.set_voltage(voltage_mV)
        report = p.solve()
        assert report.converged, report
        return float(self.meter.electrode_currents().sum()), self.flow.flow_rate_m3_per_s()


@pytest.fixture(scope="module")
def pore():
    made = Pore()
    yield made
    made.problem.destroy()


def test_onsager_reciprocity(pore):
    dv, dp = 2.0, 2.0e4  # mV, Pa: linear response (central differences)
    (_, q_plus), (_, q_minus) = pore.point(dv, 0.0), pore.point(-dv, 0.0)
    (i_plus, _), (i_minus, _) = pore.point(0.0, dp), pore.point(0.0, -dp)
    flow_per_volt = (q_plus - q_minus) / (2e-3 * dv)
    current_per_pascal = (i_plus - i_minus) / (2.0 * dp)
    assert flow_per_volt > 0.0  # a negative wall: cations drag the fluid along the field
    assert abs(flow_per_volt / current_per_pascal - 1.0) < 1e-2


def coupled_solve(pore, voltage_mV: float) -> tuple[float, float, int]:
    """(current A, flow rate m^3/s, Newton iterations) from the charged equilibrium."""
    p = pore.problem
    p.retarget(case_from_dict(pore_case(0.0, pore.sigma)))
    p.restore_state(pore.equilibrium)
    p.set_voltage(voltage_mV)
    report = p.solve()
    assert report.converged, report
    current = float(pore.meter.electrode_currents().sum())
    return current, pore.flow.flow_rate_m3_per_s(), report.iterations


def test_inexact_rounds_give_the_exact_coupling(pore, monkeypatch):
    current, rate, iterations = coupled_solve(pore, 100.0)
    monkeypatch.setattr(problem_module, "FLOW_INNER_NEWTON_STEPS", 1000)
    exact_current, exact_rate, exact_iterations = coupled_solve(pore, 100.0)
    assert abs(current / exact_current - 1.0) < 1e-5
    assert abs(rate / exact_rate - 1.0) < 1e-5
    assert iterations < exact_iterations


def electrode_flux(problem, role: str) -> float:
    """Volume flux (m^3/s) out through the electrode `role`: int u . n 2 pi r ds."""
    d = problem.domain
    ds = ufl.Measure("ds", domain=d.mesh, subdomain_data=d.facet_tags)(d.boundaries[role])
    r = ufl.SpatialCoordinate(d.mesh)[0]
    n = ufl.FacetNormal(d.mesh)
    form = fem.form(ufl.dot(problem.flow.velocity, n) * r * ds)
    scaled = COMM.allreduce(float(fem.assemble_scalar(form)), op=MPI.SUM)
    sc = problem.scales
    return 2.0 * np.pi * sc.velocity(problem.case.flow.viscosity_Pa_s) * sc.length_m**2 * scaled


def test_pressure_drives_outward_flow(pore):
    _, rate = pore.point(0.0, 1.0e5)
    assert rate > 0.0
    # the pore average is the flux through either electrode: the discrete divergence
    # constraint holds for the P1 test function that ramps across the pore
    assert abs(electrode_flux(pore.problem, "electrode_outside") / rate - 1.0) < 1e-8
    assert abs(-electrode_flux(pore.problem, "electrode_inside") / rate - 1.0) < 1e-8
    _, back = pore.point(0.0, -1.0e5)
    assert abs(back / rate + 1.0) < 1e-2  # linear in dp to 1 %


def test_failed_coupling_is_a_typed_error(monkeypatch):
    monkeypatch.setattr(problem_module, "FLOW_COUPLING_MAX_ITERATIONS", 1)
    monkeypatch.setattr(problem_module, "FLOW_COUPLING_RTOL", 0.0)
    problem = prepare(case_from_dict(pore_case(1.0e5)), COMM)
    try:
        with pytest.raises(ConvergenceError, match="FLOW_COUPLING_NOT_CONVERGED"):
            ramp_fixed_charge(problem)
    finally:
        problem.destroy()


def test_pressure_field_holds_the_electrode_pressures(pore):
    """The written pressure (Pa, the osmotic part added back) is the applied bath pressure
    at each electrode, up to the small viscous normal stress of the flow there."""
    dp = 1.0e5
    pore.point(0.0, dp)
    fields = FlowFields(pore.problem, pore.problem.scalar_space, pore.problem.ion_free)
    fields.update()
    z = pore.problem.scalar_space.tabulate_dof_coordinates()[:, 1]
    lo = COMM.allreduce(float(z.min()), op=MPI.MIN)
    hi = COMM.allreduce(float(z.max()), op=MPI.MAX)
    values = fields.pressure.x.array

    def extreme(mask, op) -> float:
        local = float(op(values[mask])) if mask.any() else (np.inf if op is np.min else -np.inf)
        return COMM.allreduce(local, op=MPI.MIN if op is np.min else MPI.MAX)

    inside, outside = np.isclose(z, lo), np.isclose(z, hi)
    for mask, target in ((inside, dp), (outside, 0.0)):
        assert abs(extreme(mask, np.min) - target) < 1e-2 * dp
        assert abs(extreme(mask, np.max) - target) < 1e-2 * dp
    speed = fields.velocity.x.array.reshape(-1, 2)[:, 1]
    top = COMM.allreduce(float(speed.max(initial=0.0)), op=MPI.MAX)
    assert top > 0.0


def flow_rate_at(pressure_Pa: float, slip_nm: float | None) -> float:
    data = pore_case(pressure_Pa)
    if slip_nm is not None:
        data["flow"]["slip_length_nm"] = slip_nm
    problem = prepare(case_from_dict(data), COMM)
    try:
        ramp_fixed_charge(problem)
        return FlowMeter(problem).flow_rate_m3_per_s()
    finally:
        problem.destroy()


def test_navier_slip_on_the_pore_wall():
    """The pore wall is an interior facet (membrane behind it): a vanishing slip length
    gives the no-slip flow (to the 4 b / R of the pore's own Poiseuille factor), and
    slip raises the flow rate, by less than the pore's factor 1 + 4 b / R (the baths'
    access resistance does not slip)."""
    no_slip = flow_rate_at(1.0e5, None)
    tiny = flow_rate_at(1.0e5, 1e-4)
    assert abs(tiny / no_slip - 1.0) < 4 * 1e-4 / 1.5
    slipping = flow_rate_at(1.0e5, 0.5)
    assert 1.1 < slipping / no_slip < 1.0 + 4 * 0.5 / 1.5
