"""The bench's FiPy peer: FiPy's model of the pore-only cylinder gives the ohmic conductance
kappa pi R^2 / L without wall charge, and with a charged wall its Richardson-extrapolated
conductance agrees with pnp's."""

from __future__ import annotations

import importlib.util

import pytest
from mpi4py import MPI

from pnp.bench import fipy_peer

COMM = MPI.COMM_WORLD
needs_fipy = pytest.mark.skipif(
    importlib.util.find_spec("fipy") is None,
    reason="FiPy is not installed (the 'bench' extra: pip install -e '.[bench]')",
)
serial = pytest.mark.skipif(
    COMM.size > 1, reason="FiPy's scipy suite does not run under mpiexec (the bench uses 1 rank)"
)


@needs_fipy
@serial
def test_fipy_uncharged_pore_is_an_ohmic_cylinder():
    # uniform c and linear phi are exact on any grid: only the model (units, the 2 pi of
    # the revolution, the electrode flux) can miss kappa pi R^2 / L
    g = fipy_peer.fipy_conductance(4, 0.0)["conductance_S"]
    assert g == pytest.approx(fipy_peer.ohmic_conductance_S(), rel=1e-10)


def test_pnp_uncharged_pore_is_an_ohmic_cylinder():
    g = fipy_peer.pnp_conductance(4, 0.0, COMM)["conductance_S"]
    assert g == pytest.approx(fipy_peer.ohmic_conductance_S(), rel=1e-10)


@needs_fipy
@serial
def test_charged_pore_converged_conductances_agree():
    """Finite volumes (FiPy, cell centres) and P1 elements (pnp, log-densities) on the same
    grids converge to one conductance: measured 4e-5 apart from nr = 4, 8, 16 (each 0.3 %
    from it on the middle grid); surface conduction raises it 38 % above the ohmic value."""
    sigma = fipy_peer.WALL_CHARGE_C_PER_M2
    grids = (4, 8, 16)
    ours = fipy_peer.refinement([fipy_peer.pnp_conductance(n, sigma, COMM) for n in grids])
    theirs = fipy_peer.refinement([fipy_peer.fipy_conductance(n, sigma) for n in grids])
    g_pnp, g_fipy = ours["converged_conductance_S"], theirs["converged_conductance_S"]
    assert g_pnp == pytest.approx(g_fipy, rel=5e-4)
    assert g_pnp > 1.3 * fipy_peer.ohmic_conductance_S()
    for run in (ours, theirs):
        assert 1.7 < run["observed_order"] < 2.3  # both second order


def test_richardson_recovers_the_limit_and_order():
    g, order = fipy_peer.richardson([1.0 + 3.0 * h**2 for h in (1.0, 0.5, 0.25)])
    assert g == pytest.approx(1.0, rel=1e-12)
    assert order == pytest.approx(2.0, rel=1e-12)


def test_time_to_error_interpolates_log_log():
    rows = [
        {"nr": 4, "error": 0.02, "seconds": 1.0},
        {"nr": 8, "error": 0.005, "seconds": 4.0},
    ]
    # 0.01 lies halfway in log(error) between the grids: halfway in log(seconds)
    assert fipy_peer.time_to_error(rows, 0.01)["seconds"] == pytest.approx(2.0)
    assert fipy_peer.time_to_error(rows, 0.05)["upper_bound"]
    assert fipy_peer.time_to_error(rows, 1e-3)["seconds"] is None
