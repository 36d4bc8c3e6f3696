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

    The cells that hold the points are found once. A point found on several
    ranks (a shared vertex or facet) gets the mean of their values, which for
    continuous fields is the value itself.
    """

    def __init__(self, mesh: dolfinx.mesh.Mesh, points: np.ndarray) -> None:
        self.comm = mesh.comm
        tree = dolfinx.geometry.bb_tree(mesh, mesh.topology.dim)
        candidates = dolfinx.geometry.compute_collisions_points(tree, points)
        colliding = dolfinx.geometry.compute_colliding_cells(mesh, candidates, points)
        found = [i for i in range(len(points)) if len(colliding.links(i))]
        self.local = np.array(found, dtype=np.int64)
        self.points = points[self.local]
        self.cells = np.array([colliding.links(i)[0] for i in found], dtype=np.int32)
        counts = np.zeros(len(points))
        counts[self.local] = 1.0
        self.counts = self.comm.allreduce(counts, op=MPI.SUM)
        self.size = len(points)

    def values(self, functions: list[fem.Function]) -> np.ndarray:
        """(points x functions); NaN where no rank holds the point."""
        values = np.zeros((self.size, len(functions)))
        if self.local.size:
            for k, f in enumerate(functions):
                values[self.local, k] = f.eval(self.points, self.cells).reshape(-1)
        values = self.comm.allreduce(values, op=MPI.SUM)
        found = self.counts > 0
        values[found] /= self.counts[found][:, None]
        values[~found] = np.nan
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
        for i, s in enumerate(p.case.species, start=1):
            out[f"c_{s.name}_mM"] = np.exp(raw[:, i]) * sc.concentration_mM
        out["E_z_V_per_m"] = raw[:, -1] * vt / sc.length_m
        return out
