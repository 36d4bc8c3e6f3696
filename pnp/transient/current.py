"""Currents during a transient: ionic, displacement and total, all positive outward.

While the system charges, the ionic (conduction) current differs from section
to section: ions accumulate in double layers and bulk. What is conserved is the
total current, ionic plus displacement current eps d E/dt: by Poisson and the
Nernst–Planck balances its divergence vanishes, so it is the same through every
cross-section and equals the current in the external circuit.

Discretely, with a step function w (0 on the inside side of a plane, 1 on the
outside side, as in `pnp.post.current`), scaled:

    total(w)  = sum_i z_i int j_i . grad w  -  (1 / kappa) D_t int eps_r grad psi . grad w

where D_t is the BDF difference of the step just taken. The Nernst–Planck and
Poisson residuals vanish for every test function that is zero on the
electrodes, so total(w) is the same for every plane to solver tolerance (its
spread over the pore sections is reported). At the outside electrode w is the
boundary hat function; the ionic current into the electrode is then

    ionic_i = z_i (int j_i . grad w - int dc_i/dt w)

(the exact discrete boundary flux: the second term is the storage in the last
cell layer, zero in steady state), and the displacement current there is
total - sum_i ionic_i.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import ufl
from mpi4py import MPI

from pnp.fem import dolfinx
from pnp.post.current import CurrentMeter, relative_spread
from pnp.solver.transient import potential_rate, species_rates
from pnp.transient.problem import TransientProblem

fem = dolfinx.fem


@dataclass(frozen=True)
class TransientCurrents:
    """Currents at one instant, in A (A/m^2 in 1D), positive outward."""

    species: np.ndarray  # ionic current of each species into the outside electrode
    displacement: float  # displacement current at the outside electrode
    sections: np.ndarray  # total current through each pore section

    @property
    def ionic(self) -> float:
        return float(self.species.sum())

    @property
    def total(self) -> float:
        return self.ionic + self.displacement

    @property
    def section_spread(self) -> float:
        """Relative spread of the total current over the electrode and the pore sections."""
        return relative_spread(np.array([self.total, *self.sections]))


class TransientCurrentMeter:
    """Measures `TransientCurrents` right after a step (the BDF weights still in place)."""

    def __init__(self, transient: TransientProblem, sections: Sequence[float]) -> None:
        problem = transient.problem
        self.meter = CurrentMeter(problem)
        self.sections = list(sections)
        n = len(problem.case.species)
        coeffs, measures = problem.coefficients, problem.measures
        r = coeffs.weight
        self.step = fem.Function(problem.scalar_space)
        rates = species_rates(problem.state, transient.levels, n)
        self.storage_forms = [
            fem.form(rate * self.step * r * measures.dx_electrolyte) for rate in rates
        ]
        psi_rate = potential_rate(problem.state, transient.levels, n)
        self.field_form = fem.form(
            coeffs.permittivity
            * ufl.inner(ufl.grad(psi_rate), ufl.grad(self.step))
            * r
            * measures.dx
        )
        domain = problem.domain
        angular = 2.0 * math.pi if domain.axisymmetric else 1.0
        unit = angular * problem.scales.current_factor(1, domain.dim)
        self.displacement_factor = -unit / problem.scales.kappa
        self.comm = domain.mesh.comm
        z_max = self.meter.z_max  # the plane of CurrentMeter.electrode_currents:
        self.electrode_plane = z_max - 1e-9 * max(abs(z_max), 1.0)  # w = the boundary hat

    def _sum(self, forms: Sequence[fem.Form]) -> np.ndarray:
        local = np.array([fem.assemble_scalar(f) for f in forms])
        return self.comm.allreduce(local, op=MPI.SUM)

    def _set_plane(self, z: float) -> None:
        self.step.interpolate(lambda x: (x[self.meter.axis] >= z).astype(np.float64))

    def _displacement(self) -> float:
        return float(self._sum([self.field_form])[0]) * self.displacement_factor

    def measure(self) -> TransientCurrents:
        z = self.electrode_plane
        through = self.meter.species_currents(z)  # ionic flux through the last cell layer
        self._set_plane(z)
        species = through - self._sum(self.storage_forms) * self.meter.factors
        total = float(through.sum()) + self._displacement()
        sections = []
        for z in self.sections:
            self._set_plane(z)
            sections.append(float(self.meter.species_currents(z).sum()) + self._displacement())
        return TransientCurrents(
            species=species, displacement=total - float(species.sum()), sections=np.array(sections)
        )
