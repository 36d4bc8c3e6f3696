"""Assemble the PNP problem for a case on a tagged domain.

One blocked P1 space holds (psi, u_1..u_n). Region data become DG0 functions,
the applied voltage and the fixed-charge continuation fraction are Constants,
so the compiled forms, sparsity and SNES are built once per case and reused
for every voltage point.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping

import basix.ufl
import numpy as np
import ufl
from mpi4py import MPI

from pnp.case import Case
from pnp.case.materials import region_materials
from pnp.constants import NM
from pnp.fem import PETSc, dolfinx
from pnp.geometry.domain import Domain
from pnp.solver.excess import excess_key, excess_term, quadrature_degree
from pnp.solver.flow.problem import StokesFlow
from pnp.solver.forms import VERTEX_RULE, Coefficients, Measures, pnp_residual, split_state
from pnp.solver.material_fields import MaterialFields
from pnp.solver.newton import NewtonSolver, SolveReport
from pnp.solver.options import merged_options
from pnp.solver.scaling import Scales

fem = dolfinx.fem
CHARGED_SURFACES = ("pore_wall", "membrane_face", "filter_wall")
# Staggered PNP | Stokes coupling: a solve has converged when the Stokes solution
# computed from the converged PNP state changed its velocity and pressure dofs by at
# most this fraction of their largest value (the PNP state was then solved with that
# velocity to within this tolerance).
FLOW_COUPLING_RTOL = 1e-6
FLOW_COUPLING_MAX_ITERATIONS = 60
FLOW_INNER_NEWTON_STEPS = 1
# An iterative Stokes solve within the rounds stops at this fraction of the last round's
# change (relative residual, at most FLOW_KRYLOV_MAX_RTOL): the flow is about to change
# by about that much anyway. The round that meets FLOW_COUPLING_RTOL is confirmed by a
# solve to the full Krylov tolerance.
FLOW_KRYLOV_FORCING = 1e-2
FLOW_KRYLOV_MAX_RTOL = 1e-4


def case_scales(case: Case) -> Scales:
    bath = [c for s in case.species for c in (s.inside_mM, s.outside_mM)]
    return Scales(
        temperature_K=case.conditions.temperature_K,
        concentration_mM=max(bath),
        diffusion_m2_per_s=max(s.diffusion_m2_per_s for s in case.species),
    )


def ion_free_mask(space: fem.FunctionSpace, dx_electrolyte) -> np.ndarray:
    """True at the dofs of a scalar space that touch no electrolyte cell (ghosts included).

    Found by assembling the electrolyte measure of each basis function, which
    is exact across process boundaries (ghost contributions are summed).
    """
    indicator = fem.assemble_vector(fem.form(ufl.TestFunction(space) * dx_electrolyte))
    indicator.scatter_reverse(dolfinx.la.InsertMode.add)
    indicator.scatter_forward()
    return indicator.array == 0.0


class PnpProblem:
    """Steady PNP on `domain` for `case`, solvable at any voltage and charge fraction.

    Every case-dependent number enters the forms as a Constant or a DG0 function,
    so cases that differ only in their values (a parameter sweep) share the
    compiled forms from the JIT cache.
    """

    def __init__(
        self,
        domain: Domain,
        case: Case,
        *,
        cli_petsc_options: Mapping[str, object] | None = None,
        jit_options: Mapping[str, object] | None = None,
        degree: int = 1,
    ) -> None:
        self.domain = domain
        self.case = case
        self.scales = case_scales(case)
        mesh = domain.mesh
        n = len(case.species)
        element = basix.ufl.element("Lagrange", mesh.basix_cell(), degree, shape=(n + 1,))
        self.V = fem.functionspace(mesh, element)
        self.degree = degree
        # The blocked layout stores component k of node j at j * (n + 1) + k; the
        # collapsed scalar space numbers the nodes the same way.
        self.scalar_space, _ = self.V.sub(0).collapse()
        self.state = fem.Function(self.V, name="state")

        self.voltage = fem.Constant(mesh, 0.0)  # scaled psi at the inside electrode
        self.charge_fraction = fem.Constant(mesh, 1.0)  # continuation in fixed charges
        self.measures = self._measures()
        self.ion_free = ion_free_mask(self.scalar_space, self.measures.dx_electrolyte)
        self.coefficients = self._coefficients()
        self.flow: StokesFlow | None = None
        if case.flow is not None:
            psi, us = split_state(self.state, n)
            slip = case.flow.slip_walls if case.flow.slip_length_nm > 0.0 else ()
            self.flow = StokesFlow(
                domain,
                psi,
                us,
                self.coefficients,
                self.measures.dx_electrolyte,
                slip,
                preset=case.solver.preset,
            )
            self._peclet = fem.Constant(mesh, 0.0)
            self.coefficients = dataclasses.replace(
                self.coefficients, advection=self._peclet * self.flow.velocity
            )
        residual = pnp_residual(
            self.state, ufl.TestFunction(self.V), self.coefficients, self.measures
        )
        self.bcs = self._boundary_conditions()
        self._load(case)
        solver = case.solver
        options = merged_options(
            solver.preset,
            solver.petsc_options,
            cli_petsc_options,
            tolerances={
                "snes_rtol": solver.rtol,
                "snes_atol": solver.atol,
                "snes_max_it": solver.max_iterations,
            },
            n_fields=n + 1,
        )
        self.petsc_options = options
        self.newton = NewtonSolver(
            residual,
            self.state,
            self.bcs,
            options,
            jit_options=jit_options,
            update_size=self.update_size,
        )

    def _reference_concentrations(self) -> np.ndarray:
        sc = self.scales
        return np.array(
            [sc.log_concentration(max(s.inside_mM, s.outside_mM)) for s in self.case.species]
        )

    def retarget(self, case: Case) -> None:
        """Take the values of `case`, which must have this problem's set-up (same mesh,
        species, charged surfaces and solver settings: see `pnp.problem_cache.setup_key`).

        Every case value is a Constant or a DG0 function of the forms, so forms,
        sparsity, matrices and the solver are reused; the state is left as is
        (the charge ramp starts from a fresh initial guess).
        """
        self._load(case)
        self.newton.residual_scale = 0.0
        self.set_voltage(0.0)
        self.set_charge_fraction(1.0)

    def _load(self, case: Case) -> None:
        """Put the values of `case` into the Constants and DG0 functions of the forms: the
        one place where case values enter the problem."""
        self.case = case
        self.scales = sc = case_scales(case)
        for name, constant in self._surface_charges.items():
            constant.value = sc.surface_charge(case.surfaces[name].charge_C_per_m2)
        self.materials.load(case, sc)
        self._kappa.value = sc.kappa
        if self.excess is not None:
            self.excess.load(case, sc)
        for constant, value in zip(self._bath_values, self.bath_unknowns(), strict=True):
            constant.value = value
        self.reference_concentrations = self._reference_concentrations()
        if self.flow is not None:
            self._load_flow(case)

    def _load_flow(self, case: Case) -> None:
        """Pe and the electrode pressures. The flow's pressure unknown is p - Pi (see
        `pnp.solver.flow.forms`): each electrode holds the bath pressure less the bath's
        osmotic pressure, kappa * sum_i c_i / c0 in scaled units, plus the excess term's
        share for finite-size ions."""
        sc = self.scales
        flow = case.flow
        self._peclet.value = sc.peclet(flow.viscosity_Pa_s)
        c0 = sc.concentration_mM
        osmotic = []
        for side in ("inside_mM", "outside_mM"):
            c = [getattr(s, side) / c0 for s in case.species]
            excess = 0.0 if self.excess is None else self.excess.bath_osmotic_pressure(c)
            osmotic.append(sc.kappa * (sum(c) + excess))
        inside = flow.pressure_difference_Pa / sc.pressure - osmotic[0]
        self.flow.set_pressures(inside, -osmotic[1])
        if self.flow.slip_walls:
            self.flow.set_slip_length(flow.slip_length_nm * NM / sc.length_m)

    def bath_unknowns(self) -> list[float]:
        """The species unknowns in the inside and outside baths: ln(c/c0), or the
        chemical-potential variables of the excess term (inside..., outside...)."""
        sc = self.scales
        values = []
        for side in ("inside_mM", "outside_mM"):
            c = [getattr(s, side) / sc.concentration_mM for s in self.case.species]
            if self.excess is None:
                values += [math.log(ci) for ci in c]
            else:
                values += self.excess.chemical_potentials(c)
        return values

    def concentrations(self, values: np.ndarray | None = None) -> np.ndarray:
        """c_i / c0 from species unknowns (an array whose last axis runs over the species;
        default: the local nodes of the current state, ghosts included)."""
        if values is None:
            values = self.state.x.array.reshape(-1, self.V.dofmap.index_map_bs)[:, 1:]
        if self.excess is None:
            return np.exp(values)
        return self.excess.nodal_concentrations(values)

    # -- set-up ---------------------------------------------------------------------------
    @property
    def weight(self):
        """r in the axisymmetric r-z section, the cross-section A(x) in the 1D channel."""
        if self.domain.axisymmetric:
            return ufl.SpatialCoordinate(self.domain.mesh)[0]
        if self.materials.area is not None:
            return self.materials.area
        return 1.0

    def _measures(self) -> Measures:
        d = self.domain
        self._surface_charges: dict[str, fem.Constant] = {}
        dx = ufl.Measure("dx", domain=d.mesh, subdomain_data=d.cell_tags)
        electrolyte = tuple(d.electrolyte_tags)
        dx_electrolyte = dx(electrolyte)
        if self.case.solver.quadrature == "vertex":
            dx = dx(metadata=VERTEX_RULE)
            dx_electrolyte = dx(electrolyte, metadata=VERTEX_RULE)
        elif excess_key(self.case):
            order = quadrature_degree(self.degree, weighted=d.axisymmetric)
            dx_electrolyte = dx(electrolyte, metadata={"quadrature_degree": order})
        ds = ufl.Measure("ds", domain=d.mesh, subdomain_data=d.facet_tags)
        dS = ufl.Measure("dS", domain=d.mesh, subdomain_data=d.facet_tags)
        walls = []
        for name, surface in self.case.surfaces.items():
            if surface.charge_C_per_m2 == 0.0 or name not in d.boundaries:
                continue
            scaled = fem.Constant(d.mesh, self.scales.surface_charge(surface.charge_C_per_m2))
            self._surface_charges[name] = scaled
            sigma = self.charge_fraction * scaled
            tag = d.boundaries[name]
            walls.append((sigma, ds(tag), dS(tag)))
        return Measures(dx=dx, dx_electrolyte=dx_electrolyte, charged_walls=tuple(walls))

    def _coefficients(self) -> Coefficients:
        """The forms' coefficients as Constants and DG0 functions (filled by `_load`)."""
        mesh = self.domain.mesh
        self.materials = MaterialFields(self.domain, len(self.case.species))
        self.permittivity = self.materials.permittivity
        self.fixed_charge = self.materials.fixed_charge
        if self.materials.atom_charge is not None:
            self.fixed_charge = self.fixed_charge + self.materials.atom_charge
        self._kappa = fem.Constant(mesh, 0.0)
        self.excess = excess_term(mesh, self.case, self.scales)
        return Coefficients(
            permittivity=self.permittivity,
            fixed_charge=self.charge_fraction * self.fixed_charge,
            diffusion=self.materials.diffusion,
            charges=[s.charge for s in self.case.species],
            kappa=self._kappa,
            weight=self.weight,
            excess=self.excess,
        )

    def _boundary_conditions(self) -> list[fem.DirichletBC]:
        d, V = self.domain, self.V
        fdim = d.dim - 1
        d.mesh.topology.create_connectivity(fdim, d.dim)
        bcs = []

        def on(role: str, component: int, value) -> None:
            if role not in d.boundaries:
                return
            facets = d.facet_tags.find(d.boundaries[role])
            dofs = fem.locate_dofs_topological(V.sub(component), fdim, facets)
            bcs.append(fem.dirichletbc(value, dofs, V.sub(component)))

        on("electrode_inside", 0, self.voltage)
        on("electrode_outside", 0, fem.Constant(d.mesh, 0.0))
        n = len(self.case.species)
        self._bath_values = [fem.Constant(d.mesh, 0.0) for _ in range(2 * n)]
        for i in range(1, n + 1):
            inside, outside = self._bath_values[i - 1], self._bath_values[n + i - 1]
            on("electrode_inside", i, inside)
            on("electrode_outside", i, outside)
            pinned = (np.flatnonzero(self.ion_free) * V.dofmap.index_map_bs + i).astype(np.int32)
            bcs.append(fem.dirichletbc(fem.Constant(d.mesh, 0.0), pinned, V.sub(i)))
        return bcs

    @property
    def has_fixed_charge(self) -> bool:
        materials = region_materials(self.case)
        volume = any(materials[r].fixed_charge_M != 0.0 for r in self.domain.regions)
        charges = self.domain.atom_charges_e
        volume = volume or (charges is not None and bool(np.any(charges != 0.0)))
        return volume or bool(self.measures.charged_walls)

    # -- state ----------------------------------------------------------------------------
    def set_voltage(self, voltage_mV: float) -> None:
        self.voltage.value = self.scales.potential(voltage_mV * 1e-3)

    def set_charge_fraction(self, fraction: float) -> None:
        self.charge_fraction.value = fraction

    def initial_guess(self) -> None:
        """psi linear between the electrodes, the species unknowns (ln c) stepping linearly
        across the pore."""
        d = self.domain
        lo, hi = d.pore_extent_nm
        axis = d.axis
        z_min, z_max = axis_bounds(d)
        psi_in = float(self.voltage.value)

        def ramp(x, inside: float, outside: float) -> np.ndarray:
            t = np.clip((x[axis] - lo) / max(hi - lo, 1e-30), 0.0, 1.0)
            return inside + (outside - inside) * t

        def psi0(x):
            t = np.clip((x[axis] - z_min) / (z_max - z_min), 0.0, 1.0)
            return psi_in * (1.0 - t)

        self.state.sub(0).interpolate(psi0)
        baths = self.bath_unknowns()
        n = len(self.case.species)
        for i in range(1, n + 1):
            lin, lout = baths[i - 1], baths[n + i - 1]
            self.state.sub(i).interpolate(lambda x, a=lin, b=lout: ramp(x, a, b))
        self.state.x.scatter_forward()
        if self.flow is not None:
            self.flow.state.x.array[:] = 0.0

    def solve(self) -> SolveReport:
        if self.flow is None:
            return self.newton.solve()
        return self._solve_with_flow()

    def _solve_with_flow(self) -> SolveReport:
        """Staggered PNP | Stokes iteration (Picard): PNP with the velocity frozen, then
        Stokes with the force of the new PNP state, until the Stokes solution stops
        changing (`FLOW_COUPLING_RTOL`) after a PNP solve that converged.

        The PNP solves are inexact: each round takes at most `FLOW_INNER_NEWTON_STEPS`
        Newton steps, since the velocity it is solved with is about to change; a round
        whose Newton solve converged within them and whose Stokes solve then changed the
        flow by at most `FLOW_COUPLING_RTOL` ends the iteration, which is the criterion
        of the exact staggered iteration. A PNP failure other than running out of steps,
        a failed Stokes solve or no convergence within `FLOW_COUPLING_MAX_ITERATIONS`
        rounds is reported as not converged."""
        snes = self.newton.snes
        max_it = snes.getTolerances()[3]
        out_of_steps_reason = PETSc.SNES.ConvergedReason.DIVERGED_MAX_IT
        iterations = 0
        report = None
        change = math.inf
        try:
            snes.setTolerances(max_it=min(max_it, FLOW_INNER_NEWTON_STEPS))
            for _ in range(FLOW_COUPLING_MAX_ITERATIONS):
                report = self.newton.solve()
                iterations += report.iterations
                out_of_steps = snes.getConvergedReason() == out_of_steps_reason
                if not (report.converged or out_of_steps):
                    return dataclasses.replace(report, iterations=iterations)
                loose = None
                if self.flow.iterative:
                    loose = min(FLOW_KRYLOV_MAX_RTOL, FLOW_KRYLOV_FORCING * change)
                    before = self.flow.state.x.array.copy()
                change = self.flow.solve(loose)
                if loose is not None and report.converged and change <= FLOW_COUPLING_RTOL:
                    change = self.flow.solve(reference=before)  # confirm at full tolerance
                if not math.isfinite(change):
                    return SolveReport(False, "FLOW_SOLVE_FAILED", iterations, report.residual_norm)
                if report.converged and change <= FLOW_COUPLING_RTOL:
                    return dataclasses.replace(report, iterations=iterations)
        finally:
            snes.setTolerances(max_it=max_it)
        return SolveReport(False, "FLOW_COUPLING_NOT_CONVERGED", iterations, report.residual_norm)

    def update_size(self, update: np.ndarray) -> float:
        """Size of a Newton update (owned entries): the largest of |d psi| and, for
        each species, |d u| weighted by min(1, c / c_ref), c_ref its larger bath value.

        That is the relative change of the concentration where the species is at
        least as abundant as in its richer bath, and the change relative to c_ref
        where it is scarcer: a vertex where a species is depleted to exp(-300)
        must not hold up convergence.
        """
        bs = self.V.dofmap.index_map_bs
        step = update.reshape(-1, bs)
        log_ratio = self.state.x.array[: update.size].reshape(-1, bs)[:, 1:]
        weight = np.exp(np.minimum(log_ratio - self.reference_concentrations, 0.0))
        return float(
            max(
                np.abs(step[:, 0]).max(initial=0.0),
                (np.abs(step[:, 1:]) * weight).max(initial=0.0),
            )
        )

    def destroy(self) -> None:
        """Free the solver's PETSc objects (collective over the mesh communicator)."""
        self.newton.destroy()
        if self.flow is not None:
            self.flow.destroy()

    def component(self, k: int) -> np.ndarray:
        """Local values (ghosts included) of component k: 0 = psi, i = u_i."""
        return self.state.x.array.reshape(-1, self.V.dofmap.index_map_bs)[:, k]

    def copy_state(self) -> np.ndarray:
        """The local state (ghosts included); with flow, the velocity and pressure after
        the PNP unknowns, so that a restored state has its own flow."""
        if self.flow is None:
            return self.state.x.array.copy()
        return np.concatenate([self.state.x.array, self.flow.state.x.array])

    def restore_state(self, values: np.ndarray) -> None:
        n = self.state.x.array.size
        self.state.x.array[:] = values[:n]
        self.state.x.scatter_forward()
        if self.flow is not None:
            self.flow.state.x.array[:] = values[n:]
            self.flow.state.x.scatter_forward()


def axis_bounds(domain: Domain) -> tuple[float, float]:
    x = domain.mesh.geometry.x[:, domain.axis]
    comm = domain.mesh.comm
    lo = comm.allreduce(float(x.min()) if x.size else math.inf, op=MPI.MIN)
    hi = comm.allreduce(float(x.max()) if x.size else -math.inf, op=MPI.MAX)
    return lo, hi
