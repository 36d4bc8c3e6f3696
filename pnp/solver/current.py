"""Currents read from the assembled residual of the equations that were solved.

For a test function w that is 0 on the inside electrode and 1 on the outside
one, the Nernst–Planck row of the residual, R_i(w) = -int j_i . grad(w) (+ the
storage term in a transient step), gives the discrete flux of species i from
the inside to the outside: flux_i(w) = -R_i(w) = -sum_j w_j R_i[j]. The
vector R is assembled with the residual's own compiled form, so these fluxes
use exactly its quadrature and coefficients: they are the discrete fluxes of
the solution, not a re-integration of it (a lower quadrature degree would
disagree with the solve where a species is depleted within a cell).

- Electrode current: w = 1 at the nodes of the outside electrode, 0 elsewhere
  (the boundary hat): the flux into the outside electrode.
- Section current: w = 1 at the nodes at or beyond the plane z = const.
  Because R vanishes at every node off the electrodes, all sections carry the
  electrode current to solver tolerance; their spread measures how well the
  discrete current is conserved.

Weights are set on owned nodes from their coordinates and summed over owned
entries only (after adding the ghost contributions of the assembly), so every
node counts once on any partition.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from mpi4py import MPI

from pnp.fem import dolfinx
from pnp.solver.problem import PnpProblem

fem = dolfinx.fem


def owned_electrode_nodes(problem: PnpProblem, role: str = "electrode_outside") -> np.ndarray:
    """Boolean mask over owned nodes: True on the nodes of the boundary `role`.

    A node is marked on every rank that sees one of its facets, then the marks
    are summed into the owner, so an owner that holds none of the tagged facets
    still knows its node.
    """
    d, space = problem.domain, problem.scalar_space
    marker = fem.Function(space)
    if role in d.boundaries:
        fdim = d.dim - 1
        facets = d.facet_tags.find(d.boundaries[role])
        dofs = fem.locate_dofs_topological(space, fdim, facets)
        marker.x.array[dofs] = 1.0
    marker.x.scatter_reverse(dolfinx.la.InsertMode.add)
    owned = space.dofmap.index_map.size_local
    return marker.x.array[:owned] > 0.0


def owned_axis_coordinates(problem: PnpProblem) -> np.ndarray:
    """Transport-axis coordinate (nm) of every owned node of the blocked space."""
    owned = problem.V.dofmap.index_map.size_local
    return problem.V.tabulate_dof_coordinates()[:owned, problem.domain.axis]


def current_factors(problem: PnpProblem, charges: Sequence[int]) -> np.ndarray:
    """Scaled flux integral -> current (A in 3D and axisymmetric, with the 2 pi of the
    revolution; A/m of depth in planar 2D; A/m^2 in 1D), per charge."""
    d = problem.domain
    angular = 2.0 * math.pi if d.axisymmetric else 1.0
    return np.array([angular * problem.scales.current_factor(z, d.section_dim) for z in charges])


class ResidualReader:
    """Assembles a compiled residual form at the current state; owned rows per node."""

    def __init__(self, form: fem.Form, problem: PnpProblem) -> None:
        self.form = form
        imap = problem.V.dofmap.index_map
        self.bs = problem.V.dofmap.index_map_bs
        self.owned = imap.size_local
        self.comm = problem.domain.mesh.comm

    def rows(self) -> np.ndarray:
        """(owned nodes x components) of the residual, ghost contributions added."""
        vector = fem.assemble_vector(self.form)
        vector.scatter_reverse(dolfinx.la.InsertMode.add)
        return vector.array[: self.owned * self.bs].reshape(-1, self.bs).copy()

    def fluxes(self, rows: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """-sum_j w_j R_i[j] for every species i (global), for each row of `weights`
        (planes x owned nodes); returns (planes x species)."""
        local = -(np.atleast_2d(weights) @ rows[:, 1:])
        return self.comm.allreduce(local, op=MPI.SUM)


class CurrentMeter:
    """Per-species currents into the outside electrode and through planes, in the units of
    `current_factors` (A; A/m of depth in planar 2D; A/m^2 in 1D).

    `residual` is the compiled form whose zero was solved for: by default the
    steady residual of `problem`; a transient run passes its time-step residual.
    """

    def __init__(self, problem: PnpProblem, residual: fem.Form | None = None) -> None:
        self.problem = problem
        self.reader = ResidualReader(
            problem.newton.problem.F if residual is None else residual, problem
        )
        self.factors = current_factors(problem, [s.charge for s in problem.case.species])
        self.electrode = owned_electrode_nodes(problem).astype(np.float64)
        self.axis_coordinates = owned_axis_coordinates(problem)

    def plane_weights(self, z_section: float) -> np.ndarray:
        """w = 1 at the owned nodes with z >= z_section (nm), else 0."""
        return (self.axis_coordinates >= z_section).astype(np.float64)

    def through(self, weights: np.ndarray) -> np.ndarray:
        """Per-species currents for each row of owned-node `weights` (one assembly)."""
        return self.reader.fluxes(self.reader.rows(), weights) * self.factors

    def measure(self, sections: Sequence[float] = ()) -> tuple[np.ndarray, np.ndarray]:
        """(per-species electrode currents, per-species currents through each section)
        from one assembly of the residual; the second has shape (sections x species)."""
        weights = np.vstack([self.electrode, *(self.plane_weights(z) for z in sections)])
        currents = self.through(weights)
        return currents[0], currents[1:]

    def electrode_currents(self) -> np.ndarray:
        """Per-species current into the outside electrode."""
        return self.measure()[0]

    def species_currents(self, z_section: float) -> np.ndarray:
        """Current of each species through the plane z = z_section (nm)."""
        return self.measure([z_section])[1][0]

    def section_currents(self, sections: Sequence[float]) -> np.ndarray:
        """Total current through each section."""
        return self.measure(sections)[1].sum(axis=1)


def pore_sections(extent_nm: tuple[float, float], count: int) -> list[float]:
    """`count` planes evenly inside the pore extent (z_lo, z_hi), avoiding its ends."""
    lo, hi = extent_nm
    return [lo + (hi - lo) * (k + 0.5) / count for k in range(count)]


def relative_spread(values: np.ndarray) -> float:
    scale = float(np.max(np.abs(values))) if values.size else 0.0
    if scale == 0.0:
        return 0.0
    return float((values.max() - values.min()) / scale)
