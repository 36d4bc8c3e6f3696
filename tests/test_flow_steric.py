"""Stokes flow with finite-size ions (species `size_nm`, `pnp.solver.excess.steric`) in a
short charged pore between equal baths.

- Vanishing ion size gives the point-ion flow and current.
- Equilibrium (0 V, no pressure difference) has no flow to round-off, however crowded
  the double layer: the body force -kappa sum_i c_i grad(u_i + z_i psi) vanishes
  identically where the chemical-potential unknowns are in equilibrium.
- Onsager reciprocity (flow per volt = current per pascal) holds with equal finite
  sizes, whose lattice-gas excess derives from a free energy (signs as in
  tests/test_flow_coupled.py).
- Unequal baths across an uncharged pore drive no flow: the electrodes hold the baths'
  full osmotic pressure, the lattice gas's excess part included.
"""

from __future__ import annotations

import numpy as np
import pytest
from mpi4py import MPI

from pnp.case import case_from_dict
from pnp.post.flow import FlowMeter
from pnp.run import prepare
from pnp.solver.continuation import ramp_fixed_charge
from pnp.solver.crowding import peak_concentrations_mM
from pnp.solver.current import CurrentMeter

COMM = MPI.COMM_WORLD


def pore_case(
    size_nm: float | None,
    sigma: float,
    pressure_Pa: float = 0.0,
    baths_mM: tuple[float, float] = (100.0, 100.0),
) -> dict:
    species = []
    for name, z, d in (("K", 1, 1.957e-9), ("Cl", -1, 2.032e-9)):
        entry = {
            "name": name,
            "charge": z,
            "diffusion_m2_per_s": d,
            "inside_mM": baths_mM[0],
            "outside_mM": baths_mM[1],
        }
        if size_nm is not None:
            entry["size_nm"] = size_nm
        species.append(entry)
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
        "species": species,
        "conditions": {"voltages_mV": [0.0]},
        "flow": {"pressure_difference_Pa": pressure_Pa},
        "output": {"fields": False, "plots": False},
    }


class Pore:
    """One problem at the charged equilibrium (0 V), re-targeted to each pressure."""

    def __init__(self, size_nm: float | None, sigma: float) -> None:
        self.size_nm, self.sigma = size_nm, sigma
        self.problem = prepare(case_from_dict(pore_case(size_nm, sigma)), COMM)
        ramp_fixed_charge(self.problem)
        self.equilibrium = self.problem.copy_state()
        self.meter = CurrentMeter(self.problem)
        self.flow = FlowMeter(self.problem)

    def point(self, voltage_mV: float, pressure_Pa: float) -> tuple[float, float]:
        """(current A, flow rate m^3/s)."""
        p = self.problem
        p.retarget(case_from_dict(pore_case(self.size_nm, self.sigma, pressure_Pa)))
        p.restore_state(self.equilibrium)
        p.set_voltage(voltage_mV)
        report = p.solve()
        assert report.converged, report
        return float(self.meter.electrode_currents().sum()), self.flow.flow_rate_m3_per_s()

    def largest_speed(self) -> float:
        """max |velocity dof| (scaled), over all ranks."""
        velocity = self.problem.flow.state.sub(0).collapse()
        return COMM.allreduce(float(np.abs(velocity.x.array).max(initial=0.0)), op=MPI.MAX)

    def destroy(self) -> None:
        self.problem.destroy()


def test_vanishing_ion_size_gives_the_point_ion_flow():
    """a = 0.01 nm packs a fraction 1e-7 of the volume: flow and current as for point
    ions to 1e-5; a = 0.7 nm moves them by more than 1e-3 (the size enters the flow)."""
    results = {}
    for size in (None, 0.01, 0.7):
        pore = Pore(size, -0.1)
        try:
            results[size] = np.array(pore.point(20.0, 1.0e4))
        finally:
            pore.destroy()
    point, tiny, finite = results[None], results[0.01], results[0.7]
    assert np.all(point != 0.0)
    assert np.all(np.abs(tiny / point - 1.0) < 1e-5), (tiny, point)
    assert np.any(np.abs(finite / point - 1.0) > 1e-3), (finite, point)


def test_crowded_equilibrium_has_no_flow():
    """-0.3 C/m^2 with 0.7 nm ions: the counter-ions pack to close packing at the wall,
    yet the flow at equilibrium is round-off next to the electro-osmotic flow of 10 mV."""
    pore = Pore(0.7, -0.3)
    try:
        case = pore.problem.case
        peaks = peak_concentrations_mM(pore.problem)
        packing = max(
            s.lattice_volume_m3_per_mol * c for s, c in zip(case.species, peaks, strict=True)
        )
        assert packing > 0.9, peaks  # crowded: the point ions would reach 27 M here
        _, rest = pore.point(0.0, 0.0)
        still = pore.largest_speed()
        _, driven = pore.point(10.0, 0.0)
        moving = pore.largest_speed()
    finally:
        pore.destroy()
    assert driven > 0.0  # a negative wall: cations drag the fluid along the field
    assert abs(rest) < 1e-10 * driven
    assert still < 1e-10 * moving


@pytest.fixture(scope="module")
def finite_size_pore():
    made = Pore(0.5, -0.2)
    yield made
    made.destroy()


def test_onsager_reciprocity_with_finite_ion_size(finite_size_pore):
    pore = finite_size_pore
    dv, dp = 2.0, 2.0e4  # mV, Pa: linear response (central differences)
    (_, q_plus), (_, q_minus) = pore.point(dv, 0.0), pore.point(-dv, 0.0)
    (i_plus, _), (i_minus, _) = pore.point(0.0, dp), pore.point(0.0, -dp)
    flow_per_volt = (q_plus - q_minus) / (2e-3 * dv)
    current_per_pascal = (i_plus - i_minus) / (2.0 * dp)
    assert flow_per_volt > 0.0
    assert abs(flow_per_volt / current_per_pascal - 1.0) < 1e-3  # measured 3e-5


def test_unequal_baths_across_an_uncharged_pore_drive_no_flow():
    """1000 | 100 mM at 0 V with 0.7 nm ions: no wall charge, no osmotic flow. The
    excess osmotic pressure difference of the baths (1.43 MPa) left out of the electrode
    pressures would drive a Poiseuille flow 14 times that of 0.1 MPa."""
    flows = {}
    for pressure in (0.0, 1.0e5):
        problem = prepare(case_from_dict(pore_case(0.7, 0.0, pressure, (1000.0, 100.0))), COMM)
        try:
            ramp_fixed_charge(problem)
            flows[pressure] = FlowMeter(problem).flow_rate_m3_per_s()
        finally:
            problem.destroy()
    assert flows[1.0e5] > 0.0  # the inside bath pushes outward
    assert abs(flows[0.0]) < 1e-3 * flows[1.0e5], flows
