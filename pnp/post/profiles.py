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


def evaluate(functions: list[fem.Function], points: np.ndarray) -> np.ndarray:
    """Values (points x functions) of scalar functions, gathered on every rank.

    A point found on several ranks (a shared vertex or facet) gets the mean of
    their values, which for continuous fields is the value itself.
    """
    mesh = functions[0].function_space.mesh
    comm = mesh.comm
    tree = dolfinx.geometry.bb_tree(mesh, mesh.topology.dim)
    candidates = dolfinx.geometry.compute_collisions_points(tree, points)
    colliding = dolfinx.geometry.compute_colliding_cells(mesh, candidates, points)
    values = np.zeros((len(points), len(functions)))
    counts = np.zeros(len(points))
    for i in range(len(points)):
        cells = colliding.links(i)
        if len(cells) == 0:
            continue
        for k, f in enumerate(functions):
            values[i, k] = f.eval(points[i], cells[:1])[0]
        counts[i] = 1.0
    values = comm.allreduce(values, op=MPI.SUM)
    counts = comm.allreduce(counts, op=MPI.SUM)
    found = counts > 0
    values[found] /= counts[found][:, None]
    values[~found] = np.nan
    return values


class AxisProfiler:
    """Samples phi (mV), c_i (mM) and E_z (V/m) on the axis from the current state."""

    def __init__(self, problem: PnpProblem, count: int = 201) -> None:
        self.problem = problem
        self.points = axis_points(problem, count)
        mesh = problem.domain.mesh
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
        raw = evaluate([*self.fields, self.field_z], self.points)
        vt = sc.thermal_voltage
        out = {"z_nm": self.points[:, p.domain.axis], "phi_mV": raw[:, 0] * vt * 1e3}
        for i, s in enumerate(p.case.species, start=1):
            out[f"c_{s.name}_mM"] = np.exp(raw[:, i]) * sc.concentration_mM
        out["E_z_V_per_m"] = raw[:, -1] * vt / sc.length_m
        return out
