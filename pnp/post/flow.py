"""Volume flow rate and the convective current of a solution with [flow].

Both are pore averages of the axial component: for a divergence-free flow the
volume flux through every cross-section is the same, so
Q = (1 / L) int_pore u_z dV, L the pore's axial extent; likewise the advective
current sum_i z_i F int_pore c_i u_z dV / L (the steady ion fluxes are
divergence-free too, and their advective part is read with the same average).
"""

from __future__ import annotations

import math

import numpy as np
import ufl
from mpi4py import MPI

from pnp.fem import dolfinx
from pnp.solver.current import current_factors
from pnp.solver.forms import concentrations, split_state
from pnp.solver.problem import PnpProblem

fem = dolfinx.fem
NON_PORE_REGIONS = ("bath", "membrane")


class FlowMeter:
    """Flow rate (m^3/s) and convective current (A) of `problem`'s current state."""

    def __init__(self, problem: PnpProblem) -> None:
        if problem.flow is None:
            raise ValueError("the problem has no flow (no [flow] table in its case)")
        self.problem = problem
        d = problem.domain
        mesh = d.mesh
        tags = tuple(t for name, t in d.regions.items() if name not in NON_PORE_REGIONS)
        dx = ufl.Measure("dx", domain=mesh, subdomain_data=d.cell_tags)(tags)
        weight = problem.weight
        lo, hi = d.pore_extent_nm
        self.length = hi - lo
        u_axis = problem.flow.velocity[d.axis]
        n = len(problem.case.species)
        _, us = split_state(problem.state, n)
        cs = concentrations(us, problem.excess)
        self.volume_form = fem.form(u_axis * weight * dx)
        self.species_forms = [fem.form(c * u_axis * weight * dx) for c in cs]
        self.comm = mesh.comm
        self.angular = 2.0 * math.pi if d.axisymmetric else 1.0

    def _integral(self, form: fem.Form) -> float:
        return self.comm.allreduce(float(fem.assemble_scalar(form)), op=MPI.SUM) / self.length

    def flow_rate_m3_per_s(self) -> float:
        """Volume flux from the inside to the outside bath (positive outward)."""
        sc = self.problem.scales
        velocity = sc.velocity(self.problem.case.flow.viscosity_Pa_s)
        return self.angular * velocity * sc.length_m**2 * self._integral(self.volume_form)

    def convective_currents(self) -> np.ndarray:
        """Per-species advective current (A, positive outward), in the units of
        `current_factors` (the 2 pi of the revolution included)."""
        problem = self.problem
        pe = problem.scales.peclet(problem.case.flow.viscosity_Pa_s)
        factors = current_factors(problem, [s.charge for s in problem.case.species])
        return factors * pe * np.array([self._integral(f) for f in self.species_forms])


# Below this fraction of the problem's current scale (one unit of scaled flux of a
# monovalent ion) the total current is zero to round-off and has no convective share.
ZERO_CURRENT = 1e-9


def flow_point_record(meter: FlowMeter, total_current: float) -> dict:
    """The flow entries of a voltage point in results.json: the volume flow rate (per metre
    of depth in a planar 2D section), the advective current and its share of the total
    current (None where the total current is zero)."""
    problem = meter.problem
    extensive = problem.domain.section_dim == 2
    convective = float(meter.convective_currents().sum())
    scale = abs(float(current_factors(problem, [1])[0]))
    share = convective / total_current if abs(total_current) > ZERO_CURRENT * scale else None
    rate_key = "flow_rate_m3_per_s" if extensive else "flow_rate_m2_per_s"
    current_key = "convective_current_pA" if extensive else "convective_current_A_per_m"
    return {
        rate_key: meter.flow_rate_m3_per_s(),
        current_key: convective * (1e12 if extensive else 1.0),
        "convective_current_share": share,
    }


class FlowFields:
    """Velocity (m/s) and pressure (Pa) on the nodes of the field files' scalar space
    `scalar`: the pressure is the flow's unknown p - Pi plus the osmotic pressure Pi
    (`pnp.solver.flow.forms`; with its excess part for finite-size ions), NaN at the
    nodes `no_fluid` (inside the membrane)."""

    def __init__(
        self, problem: PnpProblem, scalar: fem.FunctionSpace, no_fluid: np.ndarray
    ) -> None:
        self.problem = problem
        self._no_fluid = no_fluid
        mesh = problem.domain.mesh
        degree = scalar.element.basix_element.degree
        vector = fem.functionspace(mesh, ("Lagrange", degree, (mesh.geometry.dim,)))
        self.velocity = fem.Function(vector, name="velocity_m_per_s")
        self.pressure = fem.Function(scalar, name="pressure_Pa")
        n = len(problem.case.species)
        _, us = split_state(problem.state, n)
        cs = concentrations(us, problem.excess)
        osmotic = sum(cs)
        if problem.excess is not None:
            osmotic += problem.excess.osmotic_pressure(cs)
        osmotic = problem.coefficients.kappa * osmotic
        scaled = problem.flow.pressure + osmotic
        self._pressure = fem.Expression(scaled, scalar.element.interpolation_points)
        self._velocity = fem.Expression(problem.flow.velocity, vector.element.interpolation_points)
        self.functions = [self.velocity, self.pressure]

    def update(self) -> None:
        p = self.problem
        sc = p.scales
        self.velocity.interpolate(self._velocity)
        self.velocity.x.array[:] *= sc.velocity(p.case.flow.viscosity_Pa_s)
        self.pressure.interpolate(self._pressure)
        self.pressure.x.array[:] *= sc.pressure
        self.pressure.x.array[self._no_fluid] = np.nan
