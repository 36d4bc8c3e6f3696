"""Manufactured solutions of the coupled nonlinear PNP system converge at the design rate.

P1 (P2) must converge at rate 2 (3) in L2 for psi and every concentration, in 1D,
2D axisymmetric (r-weighted) and 3D; see `pnp.validation.mms` for the solutions.
"""

from __future__ import annotations

import numpy as np
import pytest
from mpi4py import MPI

from pnp.validation.mms import convergence_rates


@pytest.mark.parametrize(
    ("kind", "sizes"),
    [("1d", (16, 32, 64, 128)), ("2d-axisymmetric", (6, 12, 24)), ("3d", (3, 6, 12))],
)
def test_p1_converges_at_rate_two(kind, sizes):
    errors, rates = convergence_rates(MPI.COMM_WORLD, kind, sizes)
    assert np.all(np.diff(errors, axis=0) < 0), f"errors do not decrease:\n{errors}"
    # the finest pair decides: every field (psi and each c_i) at rate >= 1.9
    assert np.all(rates[-1] >= 1.9), f"observed L2 rates per refinement (psi, c_1..c_n):\n{rates}"


@pytest.mark.parametrize(("kind", "sizes"), [("1d", (8, 16, 32)), ("2d-axisymmetric", (4, 8, 16))])
def test_p2_converges_at_rate_three(kind, sizes):
    errors, rates = convergence_rates(MPI.COMM_WORLD, kind, sizes, degree=2)
    assert np.all(np.diff(errors, axis=0) < 0), f"errors do not decrease:\n{errors}"
    assert np.all(rates[-1] >= 2.85), f"observed L2 rates per refinement (psi, c_1..c_n):\n{rates}"


@pytest.mark.parametrize(
    ("kind", "sizes", "degree"),
    [
        ("1d", (16, 32, 64, 128), 1),
        ("1d-channel", (16, 32, 64, 128), 1),
        ("1d-channel", (8, 16, 32), 2),
        ("2d-axisymmetric", (6, 12, 24), 1),
    ],
)
def test_steric_and_area_weighted_forms_keep_the_design_rate(kind, sizes, degree):
    """The finite-size excess potential (and, for 1d-channel, the cross-section A(x) of
    the 1D channel model) in the fluxes and their manufactured sources: rate >= p + 1 - 0.1."""
    errors, rates = convergence_rates(MPI.COMM_WORLD, kind, sizes, degree=degree, steric=True)
    assert np.all(np.diff(errors, axis=0) < 0), f"errors do not decrease:\n{errors}"
    assert np.all(rates[-1] >= degree + 1 - 0.1), f"observed L2 rates (psi, c_1..c_n):\n{rates}"
