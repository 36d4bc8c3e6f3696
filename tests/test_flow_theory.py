"""Stokes flow in a long charged cylinder against the Debye–Hückel (Rice–Whitehead 1965)
theory: electro-osmotic profile and flow rate, the Smoluchowski plateau of a thin double
layer, and the streaming current per pascal.

The ions are in the equilibrium double layer psi_eq(r) = zeta I0(r/lambda) / I0(R/lambda)
(low zeta, so that rho = -2 sinh(psi_eq) is the Debye–Hückel -2 psi_eq to 3e-4) with an
axial field; the section is a pore-only r–z rectangle whose ends are open at equal
pressures: the flow is fully developed everywhere. Scaled units (`pnp.solver.scaling`):
with eps_r lap(psi_eq) = 2 kappa psi_eq, lambda^2 = eps_r / (2 kappa).
Rice–Whitehead: u_z(r) = -eps_r zeta E (1 - I0(r/lambda) / I0(R/lambda)) for an applied
field E = -dpsi/dz (the Helmholtz–Smoluchowski sign: a negative zeta pumps along E).
"""

from __future__ import annotations

import numpy as np
import pytest
import ufl
from mpi4py import MPI
from scipy.special import i0, i1

from pnp.fem import dolfinx
from pnp.geometry.domain import BOUNDARY_TAGS, REGION_TAGS, Domain
from pnp.solver.flow.problem import StokesFlow
from pnp.solver.forms import Coefficients

fem = dolfinx.fem
COMM = MPI.COMM_WORLD
KAPPA = 42.4  # about 100 mM
EPS_R = 78.5
LAMBDA = np.sqrt(EPS_R / (2.0 * KAPPA))  # 0.962 nm
ZETA = 0.02  # scaled: 0.5 mV


def pore_section(radius: float, length: float, nr: int, nz: int, grading: float) -> Domain:
    """Pore-only r–z rectangle; cells graded towards the wall r = R by r = R (1 - (1-s)^g)."""
    mesh = dolfinx.mesh.create_rectangle(COMM, [[0.0, 0.0], [1.0, length]], [nr, nz])
    x = mesh.geometry.x
    x[:, 0] = radius * (1.0 - (1.0 - x[:, 0]) ** grading)
    tdim = 2
    imap = mesh.topology.index_map(tdim)
    cells = np.arange(imap.size_local + imap.num_ghosts, dtype=np.int32)
    cell_tags = dolfinx.mesh.meshtags(
        mesh, tdim, cells, np.full(cells.size, REGION_TAGS["pore"], np.int32)
    )
    mesh.topology.create_connectivity(tdim - 1, tdim)
    sides = {
        "electrode_inside": lambda p: np.isclose(p[1], 0.0),
        "electrode_outside": lambda p: np.isclose(p[1], length),
        "pore_wall": lambda p: np.isclose(p[0], radius),
    }
    facets, values = [], []
    for role, where in sides.items():
        found = dolfinx.mesh.locate_entities_boundary(mesh, tdim - 1, where)
        facets.append(found)
        values.append(np.full(found.size, BOUNDARY_TAGS[role], np.int32))
    facets, values = np.concatenate(facets), np.concatenate(values)
    order = np.argsort(facets)
    facet_tags = dolfinx.mesh.meshtags(mesh, tdim - 1, facets[order], values[order])
    return Domain(
        mesh,
        cell_tags,
        facet_tags,
        "axisymmetric",
        True,
        length,
        radius,
        regions={"pore": REGION_TAGS["pore"]},
        boundaries={role: BOUNDARY_TAGS[role] for role in sides},
        pore_extent_nm=(0.0, length),
    )


def double_layer_flow(domain: Domain, field: float, pressure_drop: float):
    """Stokes flow forced by the equilibrium double layer in an axial field (scaled E)."""
    radius = domain.pore_radius_nm
    space = fem.functionspace(domain.mesh, ("Lagrange", 2))
    psi, u_plus, u_minus = (fem.Function(space) for _ in range(3))

    def eq(x):
        return ZETA * i0(x[0] / LAMBDA) / i0(radius / LAMBDA)

    psi.interpolate(lambda x: eq(x) - field * x[1])
    u_plus.interpolate(lambda x: -eq(x))  # Boltzmann: ln(c_i / c0) = -z_i psi_eq
    u_minus.interpolate(eq)
    coefficients = Coefficients(
        permittivity=EPS_R, fixed_charge=0.0, diffusion=[1.0, 1.0], charges=[1, -1], kappa=KAPPA
    )
    dx = ufl.Measure("dx", domain=domain.mesh)
    flow = StokesFlow(domain, psi, [u_plus, u_minus], coefficients, dx)
    flow.set_pressures(pressure_drop, 0.0)
    change = flow.solve()
    assert np.isfinite(change)
    return flow, [u_plus, u_minus]


def integral(expr) -> float:
    return COMM.allreduce(float(fem.assemble_scalar(fem.form(expr))), op=MPI.SUM)


def relative_l2(flow: StokesFlow, exact) -> float:
    mesh = flow.domain.mesh
    uz = flow.state.sub(0).sub(1).collapse()
    reference = fem.Function(uz.function_space)
    reference.interpolate(exact)
    r = ufl.SpatialCoordinate(mesh)[0]
    return np.sqrt(
        integral((uz - reference) ** 2 * r * ufl.dx) / integral(reference**2 * r * ufl.dx)
    )


def flow_rate(flow: StokesFlow) -> float:
    r = ufl.SpatialCoordinate(flow.domain.mesh)[0]
    return 2.0 * np.pi * integral(flow.velocity[1] * r * ufl.dx) / flow.domain.pore_length_nm


def radial_speed(flow: StokesFlow) -> float:
    ur = flow.state.sub(0).sub(0).collapse()
    return COMM.allreduce(float(np.abs(ur.x.array).max(initial=0.0)), op=MPI.MAX)


@pytest.mark.parametrize("radius", [2.0, 0.5])
def test_electro_osmotic_profile_and_flow_rate(radius):
    """R / lambda = 2.1 and 0.52: profile (L2) and flow rate within 1e-3 of Rice–Whitehead."""
    field = 0.05
    domain = pore_section(radius, 1.0, 16, 2, grading=1.0)
    flow, _ = double_layer_flow(domain, field, 0.0)
    x = radius / LAMBDA

    def exact(p):
        return -EPS_R * ZETA * field * (1.0 - i0(p[0] / LAMBDA) / i0(x))

    exact_rate = -EPS_R * ZETA * field * np.pi * radius**2 * (1.0 - 2.0 * i1(x) / (x * i0(x)))
    assert relative_l2(flow, exact) < 1e-3
    assert abs(flow_rate(flow) / exact_rate - 1.0) < 1e-3
    assert radial_speed(flow) < 1e-4 * EPS_R * ZETA * field  # fully developed


def test_smoluchowski_plateau_of_a_thin_double_layer():
    """R / lambda = 21: the core moves as a plug at -eps_r zeta E (Helmholtz–Smoluchowski)."""
    radius, field = 20.0, 0.05
    domain = pore_section(radius, 2.0, 48, 2, grading=3.0)
    flow, _ = double_layer_flow(domain, field, 0.0)
    plateau = -EPS_R * ZETA * field
    uz = flow.state.sub(0).sub(1).collapse()
    coords = uz.function_space.tabulate_dof_coordinates()
    core = coords[: uz.function_space.dofmap.index_map.size_local, 0] < radius / 2
    values = uz.x.array[: core.size][core]
    worst = COMM.allreduce(float(np.abs(values / plateau - 1.0).max(initial=0.0)), op=MPI.MAX)
    assert worst < 1e-3
    x = radius / LAMBDA
    exact_rate = plateau * np.pi * radius**2 * (1.0 - 2.0 * i1(x) / (x * i0(x)))
    assert abs(flow_rate(flow) / exact_rate - 1.0) < 1e-3


@pytest.mark.parametrize("radius", [2.0, 5.0])
def test_streaming_current_per_pressure(radius):
    """Poiseuille flow through the double layer carries the streaming current
    I / dp = -(pi R^2 eps_r zeta / (kappa L)) (1 - 2 I1(x) / (x I0(x))), x = R / lambda."""
    length, drop = 1.0, 0.3
    domain = pore_section(radius, length, 24, 2, grading=1.5)
    flow, us = double_layer_flow(domain, 0.0, drop)
    r = ufl.SpatialCoordinate(domain.mesh)[0]
    speed = flow.velocity[1]
    poiseuille_rate = np.pi * radius**4 * drop / (8.0 * length)
    assert abs(flow_rate(flow) / poiseuille_rate - 1.0) < 1e-6
    charge = ufl.exp(us[0]) - ufl.exp(us[1])
    current = 2.0 * np.pi * integral(charge * speed * r * ufl.dx) / length
    x = radius / LAMBDA
    exact = -np.pi * radius**2 * EPS_R * ZETA / (KAPPA * length) * (1 - 2 * i1(x) / (x * i0(x)))
    assert abs(current / drop / exact - 1.0) < 1e-3


@pytest.mark.parametrize("slip", [0.2, 1.0])
def test_poiseuille_flow_with_navier_slip(slip):
    """Slip length b on the wall: u = G (R^2 - r^2 + 2 b R) / 4, Q = pi R^4 G (1 + 4 b / R) / 8."""
    radius, length, drop = 2.0, 1.0, 0.3
    domain = pore_section(radius, length, 8, 2, grading=1.0)
    space = fem.functionspace(domain.mesh, ("Lagrange", 2))
    psi, u_plus, u_minus = (fem.Function(space) for _ in range(3))  # no ions' force
    coefficients = Coefficients(
        permittivity=EPS_R, fixed_charge=0.0, diffusion=[1.0, 1.0], charges=[1, -1], kappa=KAPPA
    )
    dx = ufl.Measure("dx", domain=domain.mesh)
    flow = StokesFlow(domain, psi, [u_plus, u_minus], coefficients, dx, slip_walls=("pore_wall",))
    flow.set_pressures(drop, 0.0)
    flow.set_slip_length(slip)
    flow.solve()
    gradient = drop / length

    def exact(p):
        return gradient * (radius**2 - p[0] ** 2 + 2.0 * slip * radius) / 4.0

    assert relative_l2(flow, exact) < 1e-8
    rate = np.pi * radius**4 * gradient * (1.0 + 4.0 * slip / radius) / 8.0
    assert abs(flow_rate(flow) / rate - 1.0) < 1e-8
    flow.set_slip_length(2.0 * slip)  # a new slip length re-assembles the operator
    flow.solve()
    assert (
        abs(
            flow_rate(flow) / (rate * (1.0 + 8.0 * slip / radius) / (1.0 + 4.0 * slip / radius)) - 1
        )
        < 1e-8
    )
