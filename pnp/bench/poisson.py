"""A scalar Poisson solve beside a PNP case: the linear-algebra yardstick.

Same geometry and permittivity as the PNP case, either on a finer mesh whose
vertex count matches the PNP unknowns (psi and n log-densities per vertex), or,
with ``"same_mesh": true`` in the spec, on the PNP case's own mesh (the 3D
yardstick: one scalar field on the mesh of the n + 1 fields). One solve
is the matrix and right-hand side assembly plus the linear solve with the
preset's linear solver:

- direct: MUMPS LU with the preset's MUMPS controls;
- iterative: the preset's Krylov method with the GAMG settings of its Poisson
  block, to a relative residual of 1e-8 (a Newton step stops earlier, at the
  Eisenstat–Walker tolerance).

The first solve (symbolic factorisation or AMG coarsening, JIT) is not timed;
the median of the next ones is.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Mapping

import ufl
from mpi4py import MPI

from pnp.bench.measure import bench_case
from pnp.case import Case
from pnp.fem import dolfinx, fem_petsc
from pnp.geometry.domain import Domain
from pnp.run import make_domain
from pnp.solver.options import DIRECT, GAMG_BLOCK, ITERATIVE
from pnp.solver.permittivity import permittivity_function

fem = dolfinx.fem
PREFIX = "bench_poisson_"
MATCH_TRIES = 4
KRYLOV_KEYS = ("ksp_type", "ksp_pc_side", "ksp_gmres_restart", "ksp_max_it")


def linear_options(preset: str) -> dict[str, object]:
    """The preset's linear solver, for one scalar field."""
    if preset == "direct":
        return dict(DIRECT)
    options = {k: ITERATIVE[k] for k in KRYLOV_KEYS}
    options.update({k: v for k, v in GAMG_BLOCK.items() if k != "ksp_type"})
    options["ksp_rtol"] = 1e-8
    return options


def sized_case(spec: Mapping, scale: float) -> Case:
    """The spec's case with both mesh sizes multiplied by `scale` (refinement kept)."""
    g = bench_case(spec).geometry
    sizes = {
        "geometry.mesh_size_nm": g.mesh_size_nm * scale,
        "geometry.wall_size_nm": g.wall_size_nm * scale,
    }
    return bench_case({**spec, "overrides": {**spec.get("overrides", {}), **sizes}})


def matched_domain(spec: Mapping, vertices: int, comm: MPI.Comm) -> tuple[Case, Domain]:
    """The case's geometry meshed with about `vertices` vertices (within 5 %).

    Dividing both sizes by s multiplies the vertex count by about s^dim; the
    graded zone keeps its width, so a few corrections may follow.
    """
    case = bench_case(spec)
    dim = 2 if case.geometry.kind == "axisymmetric" else 3
    ratio = vertices / make_domain(case, comm).mesh.topology.index_map(0).size_global
    scale = ratio ** (-1.0 / dim)
    for _ in range(MATCH_TRIES):
        case = sized_case(spec, scale)
        domain = make_domain(case, comm)
        ratio = vertices / domain.mesh.topology.index_map(0).size_global
        if abs(ratio - 1.0) < 0.05:
            break
        scale *= ratio ** (-1.0 / dim)
    return case, domain


def measure_poisson(spec: Mapping, comm: MPI.Comm) -> dict:
    """Seconds of one scalar Poisson solve (assembly + solve) on the spec's mesh."""
    if spec.get("same_mesh"):
        case = bench_case(spec)
        domain = make_domain(case, comm)
    else:
        case, domain = matched_domain(spec, spec["dofs"], comm)
    mesh = domain.mesh
    V = fem.functionspace(mesh, ("Lagrange", 1))
    u, v = ufl.TrialFunction(V), ufl.TestFunction(V)
    r = ufl.SpatialCoordinate(mesh)[0] if domain.axisymmetric else 1.0
    eps = permittivity_function(domain, case)
    a = eps * ufl.inner(ufl.grad(u), ufl.grad(v)) * r * ufl.dx
    L = fem.Constant(mesh, 0.0) * v * r * ufl.dx
    mesh.topology.create_connectivity(domain.dim - 1, domain.dim)
    bcs = []
    for role, value in (("electrode_inside", 1.0), ("electrode_outside", 0.0)):
        facets = domain.facet_tags.find(domain.boundaries[role])
        dofs = fem.locate_dofs_topological(V, domain.dim - 1, facets)
        bcs.append(fem.dirichletbc(value, dofs, V))
    problem = fem_petsc.LinearProblem(
        a, L, bcs=bcs, petsc_options=linear_options(spec["preset"]), petsc_options_prefix=PREFIX
    )
    times = []
    try:
        for _ in range(4):
            comm.barrier()
            t0 = time.perf_counter()
            problem.solve()
            times.append(comm.allreduce(time.perf_counter() - t0, op=MPI.MAX))
        ksp = problem.solver
        iterations = ksp.getIterationNumber()
        converged = ksp.getConvergedReason() > 0
    finally:
        for obj in (problem.solver, problem.A, problem.b, problem.x):
            obj.destroy()
    return {
        "name": spec["name"],
        "preset": spec["preset"],
        "dofs": V.dofmap.index_map.size_global,
        "same_mesh": bool(spec.get("same_mesh")),
        "seconds": statistics.median(times[1:]),
        "first_solve_seconds": times[0],
        "linear_iterations": iterations,
        "converged": converged,
    }
