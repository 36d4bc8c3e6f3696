"""Is a converged solution resolved by its mesh? A check per voltage point.

Newton can converge on a mesh too coarse for the solution: a boundary layer of
drift (thickness V_T L / |z V| at large voltages) or of screening (the local
Debye length) thinner than a cell. The discrete equations are then solved
exactly, but their solution is not the PNP solution, and nothing in the
residual shows it. What does show it is the solution itself: across an
unresolved layer a concentration changes by many e-folds within one cell.

The measure is the largest change of a log-concentration u_i = ln c_i across one
electrolyte cell, weighted by min(1, c_i / c_ref,i) at the richer end of the cell
(c_ref,i: the richer bath of species i), so that a species depleted to traces
(whose many e-folds carry no current or charge) does not count. Shipped cases
stay below 1 e-fold; a point above `LOG_JUMP_LIMIT` is reported unresolved.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pnp.fem import dolfinx
from pnp.solver.problem import PnpProblem

# e-folds of an abundant species across one cell beyond which a point is unresolved
# (a factor e^3 = 20 in concentration between neighbouring nodes)
LOG_JUMP_LIMIT = 3.0


@dataclass(frozen=True)
class Resolution:
    """The check of one converged state: `log_jump` (weighted e-folds across the worst
    cell), the species and axial position (nm) of that cell, and the verdict."""

    log_jump: float
    species: str | None
    z_nm: float | None
    limit: float = LOG_JUMP_LIMIT

    @property
    def resolved(self) -> bool:
        return self.log_jump <= self.limit

    @property
    def message(self) -> str | None:
        if self.resolved:
            return None
        return (
            f"unresolved: {self.species} changes by {self.log_jump:.1f} e-folds across one cell "
            f"at z = {self.z_nm:.3g} nm (limit {self.limit:g}); a boundary layer is thinner "
            "than the mesh: refine it (--refine 1, geometry.wall_size_nm) or lower the voltage"
        )

    def as_dict(self) -> dict:
        return {
            "resolved": self.resolved,
            "max_log_concentration_jump": self.log_jump,
            "species": self.species,
            "z_nm": self.z_nm,
            "limit": self.limit,
            "message": self.message,
        }


class ResolutionCheck:
    """Measures `Resolution` of the problem's current state (collective)."""

    def __init__(self, problem: PnpProblem, limit: float = LOG_JUMP_LIMIT) -> None:
        self.problem = problem
        self.limit = limit
        d = problem.domain
        owned = d.mesh.topology.index_map(d.dim).size_local
        tags = d.electrolyte_tags
        cells = np.concatenate([d.cell_tags.find(t) for t in tags]).astype(np.int32)
        cells = np.sort(cells[cells < owned])
        self.nodes = problem.scalar_space.dofmap.list[cells]
        midpoints = dolfinx.mesh.compute_midpoints(d.mesh, d.dim, cells)
        self.z = midpoints[:, d.axis] if cells.size else np.zeros(0)
        self.names = problem.case.species_names

    def __call__(self) -> Resolution:
        p = self.problem
        bs = p.V.dofmap.index_map_bs
        u = p.state.x.array.reshape(-1, bs)[:, 1:][self.nodes]  # cells x nodes x species
        local = (-1.0, -1, 0.0)
        if u.size:
            high = u.max(axis=1)
            weight = np.exp(np.minimum(high - p.reference_concentrations, 0.0))
            jump = (high - u.min(axis=1)) * weight
            cell, species = np.unravel_index(int(np.argmax(jump)), jump.shape)
            local = (float(jump[cell, species]), int(species), float(self.z[cell]))
        worst = max(p.domain.mesh.comm.allgather(local), key=lambda item: item[0])
        value, species, z = worst
        if species < 0:
            return Resolution(0.0, None, None, self.limit)
        return Resolution(value, self.names[species], z, self.limit)
