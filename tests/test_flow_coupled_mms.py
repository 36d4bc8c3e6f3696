"""Manufactured solutions of PNP coupled to Stokes flow (`pnp.validation.flow_mms`): the
advection of the ions by Pe * u and the ion body force on the fluid, solved together.

Design rates (relative L2): the ions P_k at k + 1, the pressure P1 at 2, the velocity
P2 at min(3, k + 1): the body force is built from the P_k ion fields, whose error
O(h^(k+1)) enters the velocity, so P1 ions limit it to rate 2 (P2 ions: rate 3).
Switching off either coupling term in the discrete problem, the sources kept, must
leave an error that does not fall with h.
"""

from __future__ import annotations

import numpy as np
import pytest
from mpi4py import MPI

from pnp.validation.flow_mms import (
    FIELDS,
    convergence_rates,
    divergence_of_exact_flow,
    mesh_planar,
)
from pnp.validation.mms import mesh_axisymmetric

COMM = MPI.COMM_WORLD
VELOCITY, PRESSURE = FIELDS.index("velocity"), FIELDS.index("pressure")


def design_rates(degree: int) -> np.ndarray:
    design = np.full(len(FIELDS), degree + 1.0)
    design[VELOCITY] = min(3.0, degree + 1.0)
    design[PRESSURE] = 2.0
    return design


@pytest.mark.parametrize(
    ("kind", "sizes", "degree", "steric"),
    [
        ("2d-axisymmetric", (4, 8, 16, 32), 1, False),
        ("2d-axisymmetric", (4, 8, 16), 2, False),
        ("2d-axisymmetric", (4, 8, 16, 32), 1, True),
        ("planar", (4, 8, 16), 1, False),
    ],
)
def test_coupled_flow_converges_at_the_design_rate(kind, sizes, degree, steric):
    errors, rates = convergence_rates(COMM, kind, sizes, degree, steric=steric)
    assert np.all(np.diff(errors, axis=0) < 0), f"errors do not decrease ({FIELDS}):\n{errors}"
    assert np.all(rates[-1] >= design_rates(degree) - 0.15), f"L2 rates ({FIELDS}):\n{rates}"


@pytest.mark.parametrize("make_mesh", [mesh_axisymmetric, mesh_planar])
def test_exact_flow_is_divergence_free(make_mesh):
    """No mass source is manufactured: the exact velocity must satisfy div(u) = 0."""
    axisymmetric = make_mesh is mesh_axisymmetric
    assert divergence_of_exact_flow(make_mesh(COMM, 8), axisymmetric) < 1e-10


@pytest.mark.parametrize("dropped", ["advection", "body_force"])
def test_a_dropped_coupling_term_stops_convergence(dropped):
    """Without the advection (or the body force) the discrete problem solves another
    system: its error stays at the size of the missing term, whatever the mesh."""
    errors, _ = convergence_rates(COMM, "2d-axisymmetric", (8, 16), **{dropped: False})
    worst = int(np.argmax(errors[-1]))
    assert errors[-1, worst] > 0.05, f"{FIELDS}:\n{errors}"
    assert errors[-1, worst] > 0.9 * errors[0, worst], f"{FIELDS}:\n{errors}"
