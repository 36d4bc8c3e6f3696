"""The vertex quadrature rule (`solver.quadrature = "vertex"`, P1): the design rate of the
manufactured solutions, the exact limits of the physics notes, and the reason it exists
beside the speed: a Gauss rule lets one vertex's log-density run to -infinity without
its own equation noticing, the vertex rule does not."""

from __future__ import annotations

import tomllib

import numpy as np
import pytest
import ufl
from mpi4py import MPI

from pnp.case import CaseError, case_from_dict, case_to_dict, case_to_toml
from pnp.fem import dolfinx
from pnp.solver.forms import VERTEX_RULE, Coefficients, Measures, pnp_residual
from pnp.validation import limits
from pnp.validation.mms import convergence_rates

COMM = MPI.COMM_WORLD
fem = dolfinx.fem


@pytest.mark.parametrize(
    ("kind", "sizes", "steric"),
    [
        ("1d", (16, 32, 64, 128), False),
        ("1d-channel", (16, 32, 64, 128), True),
        ("2d-axisymmetric", (6, 12, 24), False),
        ("2d-axisymmetric", (6, 12, 24), True),
        ("3d", (3, 6, 12), False),
    ],
)
def test_vertex_rule_keeps_the_p1_rate(kind, sizes, steric):
    """psi and every concentration converge at L2 rate 2 with the vertex rule."""
    errors, rates = convergence_rates(COMM, kind, sizes, steric=steric, vertex=True)
    assert np.all(np.diff(errors, axis=0) < 0), f"errors do not decrease:\n{errors}"
    assert np.all(rates[-1] >= 1.9), f"observed L2 rates (psi, c_1..c_n):\n{rates}"


def test_vertex_rule_reproduces_the_dilute_ghk_limit():
    m = limits.dilute_ghk(COMM, quadrature="vertex")
    assert m["converged"]
    assert m["max_relative_species_current_error"] < 5e-3
    assert abs(m["reversal_potential_error_mV"]) < 0.05


def test_vertex_rule_is_exactly_ohmic_between_symmetric_baths():
    m = limits.symmetric_ohmic(COMM, quadrature="vertex")
    assert m["converged"]
    assert m["max_relative_current_error"] < 1e-8
    assert m["section_spread"] < 1e-8


def test_vertex_rule_follows_teorell_meyer_sievers():
    m = limits.tms_electroneutral(COMM, fixed_charge_M=-0.05, quadrature="vertex")
    assert abs(m["error_mV"]) < 0.5, m


def _collapsed_vertex_residual(metadata: dict) -> float:
    """|R| of the Nernst–Planck row of the middle vertex of a 1D mesh where that vertex
    alone has u = -1000 (c = e^-1000) and every other node u = 0, psi = 0."""
    mesh = dolfinx.mesh.create_interval(MPI.COMM_SELF, 8, [0.0, 1.0])
    V = fem.functionspace(mesh, ("Lagrange", 1, (2,)))
    w = fem.Function(V)
    x = mesh.geometry.x[:, 0]
    middle = int(np.argmin(np.abs(x - 0.5)))  # geometry and P1 nodes coincide on an interval
    node = int(np.flatnonzero(np.isclose(V.tabulate_dof_coordinates()[:, 0], x[middle]))[0])
    w.x.array[2 * node + 1] = -1000.0
    coeffs = Coefficients(
        permittivity=1.0, fixed_charge=0.0, diffusion=[1.0], charges=[1], kappa=1.0
    )
    dx = ufl.Measure("dx", domain=mesh, metadata=metadata)
    form = pnp_residual(w, ufl.TestFunction(V), coeffs, Measures(dx=dx, dx_electrolyte=dx))
    return abs(fem.assemble_vector(fem.form(form)).array[2 * node + 1])


def test_vertex_rule_has_no_root_with_one_empty_vertex():
    """With a Gauss rule exp(u_h) underflows at every point of the cells around the
    vertex, so their fluxes vanish and the vertex's own equation holds: a spurious root
    that a Newton iterate can fall into (a single node at u ~ -1000 in a case with trace
    ions). With the vertex rule each cell carries the mean of its vertices'
    concentrations, 1/2 here, and that equation is violated by D * 1000 / h * 2 / 2."""
    gauss = _collapsed_vertex_residual({"quadrature_degree": 4})
    vertex = _collapsed_vertex_residual(VERTEX_RULE)
    assert gauss < 1e-40
    h = 1.0 / 8
    assert vertex == pytest.approx(1000.0 / h, rel=1e-12)


SLAB = limits.salt_slab()


def test_vertex_rule_is_a_p1_rule():
    data = {**SLAB, "solver": {"quadrature": "vertex", "degree": 2}}
    with pytest.raises(CaseError) as info:
        case_from_dict(data)
    assert "solver.quadrature" in str(info.value) and '"gauss"' in str(info.value)
    with pytest.raises(CaseError) as info:
        case_from_dict({**SLAB, "solver": {"quadrature": "lumped"}})
    assert "solver.quadrature" in str(info.value) and "vertex" in str(info.value)


def test_quadrature_round_trips_and_the_default_is_not_written():
    default = case_from_dict(SLAB)
    assert default.solver.quadrature == "gauss"
    assert "quadrature" not in case_to_dict(default)["solver"]  # sweep hashes unchanged
    vertex = case_from_dict({**SLAB, "solver": {"quadrature": "vertex"}})
    again = case_from_dict(tomllib.loads(case_to_toml(vertex)))
    assert again.solver.quadrature == "vertex"
