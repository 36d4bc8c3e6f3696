"""Currents during a transient: ionic, displacement and total, all positive outward.

While the system charges, the ionic (conduction) current differs from section
to section: ions accumulate in double layers and bulk. What is conserved is the
total current, ionic plus displacement current eps d E/dt: by Poisson and the
Nernst–Planck balances its divergence vanishes, so it is the same through every
cross-section and equals the current in the external circuit.

Discretely, with a weight w (0 on the inside electrode, 1 on the outside one;
see `pnp.solver.current`), scaled:

    total(w)  = sum_i z_i flux_i(w)  -  (1 / kappa) D_t int eps_r grad psi . grad w

with flux_i(w) = -R_i(w) read from the assembled *steady* residual R (the flux
term alone, at the residual's quadrature) and D_t the BDF difference of the
step just taken. The Nernst–Planck and Poisson residuals of the step vanish at
every node off the electrodes, so total(w) is the same for every plane to solver
tolerance (its spread over the pore sections is reported). At the outside
electrode w is the boundary hat; the ionic current into the electrode is the
exact discrete boundary flux of the time-step residual R^t (flux minus the
storage in the last cell layer, equal to the flux in steady state):

    ionic_i = -R^t_i(w)

and the displacement current there is total - sum_i ionic_i. The field term is
linear in psi with a piecewise-constant integrand for P1, integrated exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import ufl
from mpi4py import MPI

from pnp.fem import dolfinx
from pnp.solver.current import CurrentMeter, current_factors, relative_spread
from pnp.solver.transient import potential_rate
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
        self.steady = CurrentMeter(problem)  # the steady residual: the flux term alone
        self.ionic = CurrentMeter(problem, residual=transient.newton.problem.F)
        self.sections = list(sections)
        n = len(problem.case.species)
        coeffs, measures = problem.coefficients, problem.measures
        self.step = fem.Function(problem.scalar_space)
        psi_rate = potential_rate(problem.state, transient.levels, n)
        self.field_form = fem.form(
            coeffs.permittivity
            * ufl.inner(ufl.grad(psi_rate), ufl.grad(self.step))
            * coeffs.weight
            * measures.dx
        )
        unit = current_factors(problem, [1])[0]
        self.displacement_factor = -unit / problem.scales.kappa
        self.comm = problem.domain.mesh.comm
        self.owned = problem.scalar_space.dofmap.index_map.size_local
        self.planes = np.vstack(
            [self.steady.electrode, *(self.steady.plane_weights(z) for z in self.sections)]
        )

    def _displacement(self, weights: np.ndarray) -> float:
        """Displacement current through the surface described by owned-node `weights`."""
        self.step.x.array[: self.owned] = weights
        self.step.x.scatter_forward()  # ghosts take their owners' values
        local = fem.assemble_scalar(self.field_form)
        return float(self.comm.allreduce(local, op=MPI.SUM)) * self.displacement_factor

    def measure(self) -> TransientCurrents:
        flux = self.steady.through(self.planes)
        species = self.ionic.electrode_currents()
        displacement = [self._displacement(w) for w in self.planes]
        totals = flux.sum(axis=1) + np.array(displacement)
        return TransientCurrents(
            species=species,
            displacement=float(totals[0]) - float(species.sum()),
            sections=totals[1:],
        )
