"""Conservative (residual-based) currents through cross-sections of the channel.

For a P1 step function w that is 0 on the inside side of a section and 1 on
the outside side, integration by parts gives

    integral_electrolyte  j_i . grad(w) dV  =  flux of species i through the section

(outward = towards +z). Because the discrete Nernst–Planck residual vanishes
for every test function that is zero on the electrodes, this value is the same
for every section up to the Newton tolerance: the spread over sections measures
how well the discrete current is conserved. With w = 1 only on the outside
electrode it is the electrode current (the boundary residual).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import ufl
from mpi4py import MPI

from pnp.fem import dolfinx
from pnp.solver.forms import species_flux, split_state
from pnp.solver.problem import PnpProblem, axis_bounds

fem = dolfinx.fem


class CurrentMeter:
    """Per-species currents (A, or A/m^2 in 1D) through planes z = const."""

    def __init__(self, problem: PnpProblem) -> None:
        self.problem = problem
        d = problem.domain
        self.axis = d.axis
        self.step = fem.Function(problem.scalar_space)
        coeffs = problem.coefficients
        psi, us = split_state(problem.state, len(coeffs.charges))
        r = coeffs.weight
        dxe = problem.measures.dx_electrolyte
        self.forms = [
            fem.form(ufl.inner(species_flux(u, psi, z, dcoef), ufl.grad(self.step)) * r * dxe)
            for u, z, dcoef in zip(us, coeffs.charges, coeffs.diffusion, strict=True)
        ]
        angular = 2.0 * math.pi if d.axisymmetric else 1.0
        self.factors = np.array(
            [angular * problem.scales.current_factor(z, d.dim) for z in coeffs.charges]
        )
        self.z_max = axis_bounds(d)[1]

    def species_currents(self, z_section: float) -> np.ndarray:
        """Current of each species through the plane z = z_section (nm)."""
        self.step.interpolate(lambda x: (x[self.axis] >= z_section).astype(np.float64))
        comm = self.problem.domain.mesh.comm
        local = np.array([fem.assemble_scalar(f) for f in self.forms])
        return comm.allreduce(local, op=MPI.SUM) * self.factors

    def electrode_currents(self) -> np.ndarray:
        """Per-species current into the outside electrode."""
        return self.species_currents(self.z_max - 1e-9 * max(abs(self.z_max), 1.0))

    def section_currents(self, sections: Sequence[float]) -> np.ndarray:
        """Total current through each section."""
        return np.array([self.species_currents(z).sum() for z in sections])


def pore_sections(pore_length_nm: float, count: int) -> list[float]:
    """`count` planes evenly inside the pore, avoiding its ends."""
    half = 0.5 * pore_length_nm
    return [-half + pore_length_nm * (k + 0.5) / count for k in range(count)]


def relative_spread(values: np.ndarray) -> float:
    scale = float(np.max(np.abs(values))) if values.size else 0.0
    if scale == 0.0:
        return 0.0
    return float((values.max() - values.min()) / scale)
