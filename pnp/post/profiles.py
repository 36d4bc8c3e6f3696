"""Potential, concentrations and axial field sampled along the channel axis (MPI-safe)."""

from __future__ import annotations

import numpy as np
import ufl
from mpi4py import MPI

from pnp.fem import dolfinx
from pnp.solver.problem import PnpProblem, axis_bounds

fem = dolfinx.fem


def axis_points(problem: PnpProblem, count: int) -> np.ndarray:
    """`count` points (3 coordinates each) on the symmetry axis, electrode to electrode."""
    d = problem.domain
    lo, hi = axis_bounds(d)
    points = np.zeros((count, 3))
    points[:, d.axis] = np.linspace(lo, hi, count)
    return points


class PointSampler:
    """Values of scalar functions at fixed points, gathered on every rank.

    Each point is evaluated in exactly one cell, the same on any partition: among
    the owned cells that contain it (on any rank) the one with the lowest original
    (input) cell index. A point on a facet or vertex thus gets the same value from
    a discontinuous field (E_z is piecewise constant) whatever the partition.
    Collective; the cells are found once.
    """

    def __init__(self, mesh: dolfinx.mesh.Mesh, points: np.ndarray) -> None:
        self.comm = mesh.comm
        tdim = mesh.topology.dim
        owned = np.arange(mesh.topology.index_map(tdim).size_local, dtype=np.int32)
        tree = dolfinx.geometry.bb_tree(mesh, tdim, entities=owned)
        candidates = dolfinx.geometry.compute_collisions_points(tree, points)
        colliding = dolfinx.geometry.compute_colliding_cells(mesh, candidates, points)
        original = np.asarray(mesh.topology.original_cell_index, dtype=np.int64)
        chosen = np.full(len(points), -1, dtype=np.int32)
        index_of = np.full(len(points), np.iinfo(np.int64).max, dtype=np.int64)
        for i in range(len(points)):
            cells = colliding.links(i)
            if len(cells):
                best = cells[np.argmin(original[cells])]
                chosen[i], index_of[i] = best, original[best]
        lowest = np.empty_like(index_of)
        self.comm.Allreduce(index_of, lowest, op=MPI.MIN)
        mine = (chosen >= 0) & (index_of == lowest)
        self.local = np.flatnonzero(mine)
        self.points = points[self.local]
        self.cells = chosen[self.local]
        self.found = lowest < np.iinfo(np.int64).max
        self.size = len(points)

    def values(self, functions: list[fem.Function]) -> np.ndarray:
        """(points x functions); NaN where no rank holds the point."""
        values = np.zeros((self.size, len(functions)))
        if self.local.size:
            for k, f in enumerate(functions):
                values[self.local, k] = f.eval(self.points, self.cells).reshape(-1)
        values = self.comm.allreduce(values, op=MPI.SUM)
        values[~self.found] = np.nan
        return values


def evaluate(functions: list[fem.Function], points: np.ndarray) -> np.ndarray:
    """Values (points x functions) of scalar functions, gathered on every rank."""
    return PointSampler(functions[0].function_space.mesh, points).values(functions)


class AxisProfiler:
    """Samples phi (mV), c_i (mM) and E_z (V/m) on the axis from the current state."""

    def __init__(self, problem: PnpProblem, count: int = 201) -> None:
        self.problem = problem
        self.points = axis_points(problem, count)
        mesh = problem.domain.mesh
        self.sampler = PointSampler(mesh, self.points)
        n = len(problem.case.species)
        scalar = problem.scalar_space
        self.fields = [fem.Function(scalar) for _ in range(n + 1)]
        dg0 = fem.functionspace(mesh, ("DG", 0))
        self.field_z = fem.Function(dg0)
        grad_axis = -ufl.grad(problem.state[0])[problem.domain.axis]
        self._field_expr = fem.Expression(grad_axis, dg0.element.interpolation_points)

    def sample(self) -> dict[str, np.ndarray]:
        p = self.problem
        sc = p.scales
        for k, f in enumerate(self.fields):
            f.x.array[:] = p.component(k)
        self.field_z.interpolate(self._field_expr)
        raw = self.sampler.values([*self.fields, self.field_z])
        vt = sc.thermal_voltage
        out = {"z_nm": self.points[:, p.domain.axis], "phi_mV": raw[:, 0] * vt * 1e3}
        concentrations = p.concentrations(raw[:, 1 : len(p.case.species) + 1])
        for i, s in enumerate(p.case.species):
            out[f"c_{s.name}_mM"] = concentrations[:, i] * sc.concentration_mM
        out["E_z_V_per_m"] = raw[:, -1] * vt / sc.length_m
        return out
