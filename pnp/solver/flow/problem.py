"""The Stokes problem of the electrolyte on a tagged domain, driven by a PNP state.

Taylor–Hood (P2 velocity, P1 pressure) on the whole mesh, integrated over the
electrolyte cells; the dofs that touch no electrolyte cell are pinned to 0, so
the fluid does not enter the membrane. No slip on the walls (pore wall, membrane
faces, filter wall, the bath's side wall) except Navier slip on `slip_walls`;
u_r = 0 on the axis of an r–z section; the electrodes are open boundaries held
at the applied pressures (traction condition). The operator does not depend on
the PNP state: it is assembled and its preconditioner built once (again after a
new slip length), each solve assembles only the force. Preset "direct": MUMPS LU;
"iterative": GMRES with the block-diagonal preconditioner of velocity (GAMG) and
pressure mass matrix (`pnp.solver.options.STOKES_ITERATIVE`).
"""

from __future__ import annotations

from collections.abc import Sequence

import basix.ufl
import numpy as np
import ufl
from mpi4py import MPI

from pnp.case.schema import FLOW_WALLS
from pnp.fem import PETSc, dolfinx, fem_petsc
from pnp.geometry.domain import Domain
from pnp.solver.flow.forms import (
    ion_force,
    navier_slip,
    pressure_traction,
    stokes_bilinear,
    stokes_linear,
)
from pnp.solver.forms import Coefficients
from pnp.solver.newton import install_options, remove_options
from pnp.solver.options import STOKES_PRESETS

fem = dolfinx.fem
FLOW_PREFIX = "pnp_flow_"


def electrolyte_dofs(space: fem.FunctionSpace, cells: np.ndarray) -> np.ndarray:
    """True at the local dofs (unrolled, ghosts included) of `space` that belong to one of
    the local `cells`, on any rank that holds such a cell."""
    marker = fem.Function(space)
    bs = space.dofmap.index_map_bs
    blocks = np.unique(space.dofmap.list[cells].ravel())
    marker.x.array[(blocks[:, None] * bs + np.arange(bs)).ravel()] = 1.0
    marker.x.scatter_reverse(dolfinx.la.InsertMode.add)
    marker.x.scatter_forward()
    return marker.x.array > 0.0


class StokesFlow:
    """Scaled Stokes flow of the electrolyte, forced by the ions of a PNP state.

    `psi` and `us` are the PNP unknowns (UFL), `coefficients` supply kappa, the
    charges and the excess term of the ion force; `dx_electrolyte` is the
    electrolyte measure. `set_pressures` takes the scaled modified pressures
    (p - Pi) at the inside and outside electrodes.
    """

    def __init__(
        self,
        domain: Domain,
        psi,
        us: Sequence,
        coefficients: Coefficients,
        dx_electrolyte: ufl.Measure,
        slip_walls: Sequence[str] = (),
        preset: str = "direct",
    ) -> None:
        if preset not in STOKES_PRESETS:
            raise ValueError(
                f"solver.preset: unknown preset {preset!r}; choose one of {sorted(STOKES_PRESETS)}"
            )
        self.domain = domain
        self.preset = preset
        self.slip_walls = tuple(w for w in slip_walls if w in domain.boundaries)
        mesh = domain.mesh
        self.axisymmetric = domain.axisymmetric
        gdim = mesh.geometry.dim
        cell = mesh.basix_cell()
        velocity = basix.ufl.element("Lagrange", cell, 2, shape=(gdim,))
        pressure = basix.ufl.element("Lagrange", cell, 1)
        self.W = fem.functionspace(mesh, basix.ufl.mixed_element([velocity, pressure]))
        self.state = fem.Function(self.W, name="flow")
        self.velocity, self.pressure = ufl.split(self.state)
        self.pressure_inside = fem.Constant(mesh, 0.0)
        self.pressure_outside = fem.Constant(mesh, 0.0)

        weight = ufl.SpatialCoordinate(mesh)[0] if self.axisymmetric else 1.0
        u, p = ufl.TrialFunctions(self.W)
        v, q = ufl.TestFunctions(self.W)
        ds = ufl.Measure("ds", domain=mesh, subdomain_data=domain.facet_tags)
        tractions = []
        for role, value in (
            ("electrode_inside", self.pressure_inside),
            ("electrode_outside", self.pressure_outside),
        ):
            if role in domain.boundaries:
                tractions.append((pressure_traction(value, mesh), ds(domain.boundaries[role])))
        a = stokes_bilinear(
            u, p, v, q, weight=weight, axisymmetric=self.axisymmetric, dx=dx_electrolyte
        )
        self.friction = fem.Constant(mesh, 0.0)  # 1 / slip length (scaled)
        if self.slip_walls:
            a += self._slip_terms(u, p, v, q, weight)
        # The dofs off the electrolyte are pinned: their rows get 1 on the diagonal, which
        # must be in the sparsity pattern; a zero-valued term over every cell puts it there.
        a += fem.Constant(mesh, 0.0) * (ufl.inner(u, v) + p * q) * ufl.dx(domain=mesh)
        L = stokes_linear(
            v,
            ion_force(psi, us, coefficients),
            weight=weight,
            dx=dx_electrolyte,
            tractions=tractions,
        )
        self.a = fem.form(a)
        self.L = fem.form(L)
        self.bcs = self._boundary_conditions()
        self.A = fem_petsc.assemble_matrix(self.a, bcs=self.bcs)
        self.A.assemble()
        self.P = None
        if preset == "iterative":
            # Preconditioner matrix [[A, B^T], [B, M]]: A, B of the operator, the pressure mass
            # matrix (weight r in r-z) in the (1, 1) slot; the pinned dofs keep unit rows.
            mass = p * q * weight * dx_electrolyte
            self.a_preconditioner = fem.form(a + mass)
            self.P = fem_petsc.assemble_matrix(self.a_preconditioner, bcs=self.bcs)
            self.P.assemble()
        self._assembled_friction = float(self.friction.value)
        self.b = fem_petsc.create_vector(fem.extract_function_spaces(self.L))
        self.ksp = PETSc.KSP().create(mesh.comm)
        self.ksp.setOptionsPrefix(FLOW_PREFIX)
        self.ksp.setOperators(self.A, self.P if self.P is not None else self.A)
        if preset == "direct":
            self.ksp.setType("preonly")
            pc = self.ksp.getPC()
            pc.setType("lu")
            pc.setFactorSolverType("mumps")
            self.ksp.setFromOptions()
        else:
            self._split_fields()
            names = install_options(FLOW_PREFIX, STOKES_PRESETS[preset])
            try:
                self.ksp.setFromOptions()
                self.ksp.setInitialGuessNonzero(True)  # the last flow: fewer iterations
                self.ksp.setUp()
            finally:
                remove_options(names)
        self.rtol = float(self.ksp.getTolerances()[0])  # the full tolerance of a solve

    def _split_fields(self) -> None:
        """Hand the velocity and pressure dofs (owned, global numbers) to PCFIELDSPLIT; the
        velocity set carries the block size gdim, so GAMG aggregates nodes and takes one
        constant per component as near null space."""
        W = self.W
        imap = W.dofmap.index_map
        owned = imap.size_local * W.dofmap.index_map_bs
        pc = self.ksp.getPC()
        pc.setType("fieldsplit")
        sets = []
        for k, name in enumerate(("velocity", "pressure")):
            _, sub_map = W.sub(k).collapse()
            local = np.asarray(sub_map, dtype=np.int64)
            local = local[local < owned]
            glob = imap.local_to_global(local.astype(np.int32)).astype(PETSc.IntType)
            index_set = PETSc.IS().createGeneral(glob, comm=self.domain.mesh.comm)
            if k == 0:
                index_set.setBlockSize(self.domain.mesh.geometry.dim)
            sets.append((name, index_set))
        pc.setFieldSplitIS(*sets)
        self._index_sets = [s for _, s in sets]

    @property
    def iterations(self) -> int:
        """Krylov iterations of the last solve (0 with LU)."""
        return int(self.ksp.getIterationNumber())

    def _slip_terms(self, u, p, v, q, weight) -> ufl.Form:
        """Navier slip on `slip_walls`, from the electrolyte side of each wall facet (an
        interior facet when the membrane is on its other side)."""
        d = self.domain
        mesh = d.mesh
        indicator = fem.Function(fem.functionspace(mesh, ("DG", 0)))
        for tag in d.electrolyte_tags:
            indicator.x.array[indicator.function_space.dofmap.list[d.cell_tags.find(tag)]] = 1.0
        indicator.x.scatter_forward()
        normal, size = ufl.FacetNormal(mesh), ufl.CellDiameter(mesh)
        ds = ufl.Measure("ds", domain=mesh, subdomain_data=d.facet_tags)
        dS = ufl.Measure("dS", domain=mesh, subdomain_data=d.facet_tags)
        tags = tuple(d.boundaries[w] for w in self.slip_walls)

        def wall(side=None):
            def at(f):
                return f if side is None else f(side)

            w = weight if isinstance(weight, float) else at(weight)
            return navier_slip(
                at(u),
                at(p),
                at(v),
                at(q),
                normal=at(normal),
                size=at(size),
                friction=self.friction,
                weight=w,
            )

        form = wall() * ds(tags)
        for side in ("+", "-"):
            form += indicator(side) * wall(side) * dS(tags)
        return form

    def set_slip_length(self, scaled: float) -> None:
        """Slip length b / L0 of the slip walls (> 0)."""
        self.friction.value = 1.0 / scaled

    def _boundary_conditions(self) -> list[fem.DirichletBC]:
        d, W = self.domain, self.W
        tdim = d.dim
        fdim = tdim - 1
        d.mesh.topology.create_connectivity(fdim, tdim)
        cells = np.concatenate([d.cell_tags.find(t) for t in d.electrolyte_tags])
        bcs = []
        for k in range(2):
            sub, sub_map = W.sub(k).collapse()
            zero = fem.Function(sub)
            inside = electrolyte_dofs(sub, cells)
            local = np.flatnonzero(~inside).astype(np.int32)
            parent = np.asarray(sub_map, dtype=np.int32).reshape(-1)[local]
            bcs.append(fem.dirichletbc(zero, [parent, local], W.sub(k)))
        velocity, _ = W.sub(0).collapse()
        noslip = fem.Function(velocity)
        for role in FLOW_WALLS:
            if role not in d.boundaries or role in self.slip_walls:
                continue
            facets = d.facet_tags.find(d.boundaries[role])
            dofs = fem.locate_dofs_topological((W.sub(0), velocity), fdim, facets)
            bcs.append(fem.dirichletbc(noslip, dofs, W.sub(0)))
        if self.axisymmetric:
            radial, _ = W.sub(0).sub(0).collapse()
            tol = 1e-10 * max(1.0, float(np.abs(d.mesh.geometry.x).max(initial=1.0)))
            dofs = fem.locate_dofs_geometrical(
                (W.sub(0).sub(0), radial), lambda x: np.abs(x[0]) <= tol
            )
            bcs.append(fem.dirichletbc(fem.Function(radial), dofs, W.sub(0).sub(0)))
        return bcs

    def set_pressures(self, inside: float, outside: float) -> None:
        self.pressure_inside.value = inside
        self.pressure_outside.value = outside

    @property
    def iterative(self) -> bool:
        return self.P is not None

    def solve(self, rtol: float | None = None, reference: np.ndarray | None = None) -> float:
        """Solve for the current force; return the largest change of the velocity and
        pressure dofs from `reference` (local array; default: the current flow) relative to
        the largest new value (global; 0 for a zero flow; inf: the solve failed).

        `rtol` loosens the relative tolerance of an iterative solve (never below its full
        tolerance `self.rtol`; LU ignores it); the iteration starts from the current flow."""
        old = self.state.x.array.copy()
        if reference is None:
            reference = old
        if self.iterative:
            self.ksp.setTolerances(rtol=self.rtol if rtol is None else max(rtol, self.rtol))
        if float(self.friction.value) != self._assembled_friction:  # a new slip length
            self.A.zeroEntries()
            fem_petsc.assemble_matrix(self.A, self.a, bcs=self.bcs)
            self.A.assemble()
            if self.P is not None:
                self.P.zeroEntries()
                fem_petsc.assemble_matrix(self.P, self.a_preconditioner, bcs=self.bcs)
                self.P.assemble()
            self._assembled_friction = float(self.friction.value)
            self.ksp.setOperators(self.A, self.P if self.P is not None else self.A)
        with self.b.localForm() as local:
            local.set(0.0)
        fem_petsc.assemble_vector(self.b, self.L)
        # Every Dirichlet value is 0 (no slip, the axis, the pinned dofs): no lifting.
        self.b.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
        fem_petsc.set_bc(self.b, self.bcs)
        self.ksp.solve(self.b, self.state.x.petsc_vec)
        reason = self.ksp.getConvergedReason()
        self.state.x.scatter_forward()
        comm = self.domain.mesh.comm
        owned = self.W.dofmap.index_map.size_local * self.W.dofmap.index_map_bs
        new = self.state.x.array[:owned]
        change = comm.allreduce(float(np.abs(new - reference[:owned]).max(initial=0.0)), op=MPI.MAX)
        size = comm.allreduce(float(np.abs(new).max(initial=0.0)), op=MPI.MAX)
        finite = comm.allreduce(bool(np.isfinite(new).all()), op=MPI.LAND)
        if reason < 0 or not finite:  # keep the last good flow for the next attempt
            self.state.x.array[:] = old
            return float("inf")
        return change / size if size > 0.0 else 0.0

    def destroy(self) -> None:
        for obj in (self.ksp, self.A, self.P, self.b, *getattr(self, "_index_sets", ())):
            if obj is not None:
                obj.destroy()
