"""The shipped gramicidin A structure (PDB 1GRM, cases/structures/1grm.pqr): neutral,
pore axis and radius profile of the channel, its partial charges on a mesh."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import dolfinx
import numpy as np
import pytest
from mpi4py import MPI

from pnp.structure import pore_frame, radius_profile, read_pqr
from pnp.structure.charges import (
    cell_charge_density,
    dipole_moment,
    load_vector_moments,
    point_charge_density,
    point_charge_vector,
    total_charge,
)

FOLDER = Path(__file__).resolve().parents[1] / "cases" / "structures"
PQR = FOLDER / "1grm.pqr"


def test_shipped_pqr_is_neutral_per_chain_with_both_termini():
    s = read_pqr(PQR, net_charge_e=0.0, tolerance_e=1e-12)
    chains = np.array(s.chains)
    for chain in ("A", "B"):
        assert abs(s.charges_e[chains == chain].sum()) < 1e-12
        residues = {r for r, c in zip(s.residue_names, s.chains, strict=True) if c == chain}
        assert {"FOR", "ETA", "TRP", "VAL"} <= residues
    assert "OXT" not in s.atom_names
    assert np.all(s.radii_nm > 0)


def test_pore_axis_and_radius_profile():
    s = read_pqr(PQR)
    frame = pore_frame(s.positions_nm)
    # 1GRM is deposited with the channel along y (HOLE's test case uses cvect 0 1 0)
    assert abs(frame.axes[2] @ np.array([0.0, 1.0, 0.0])) > np.cos(np.deg2rad(3.0))
    local = frame.to_local(s.positions_nm)
    length = np.ptp(local[:, 2])
    assert 2.5 < length < 3.2  # nm, the head-to-head dimer
    z = np.linspace(-1.0, 1.0, 81)
    profile = radius_profile(local, s.radii_nm, z)
    # open all along: the narrowest point passes a water-sized probe's centre, no wider
    # than the 0.2 nm of the beta-helix lumen
    assert 0.05 < profile.min() < 0.2
    assert profile.max() < 0.2
    # the profile is the exact distance to the nearest atom surface on the axis
    point = frame.to_global(np.array([[0.0, 0.0, z[17]]]))[0]
    gap = np.linalg.norm(s.positions_nm - point, axis=1) - s.radii_nm
    assert profile[17] == pytest.approx(gap.min(), abs=1e-12)


def test_partial_charges_on_a_mesh():
    s = read_pqr(PQR)
    frame = pore_frame(s.positions_nm)
    local = frame.to_local(s.positions_nm)
    mesh = dolfinx.mesh.create_box(MPI.COMM_WORLD, [[-2.0] * 3, [2.0] * 3], [10, 10, 10])
    density = cell_charge_density(mesh, local, s.charges_e)
    assert abs(total_charge(density) - s.net_charge_e) < 1e-10
    exact_dipole = s.charges_e @ local
    cell_dipole = dipole_moment(density)
    h = 4.0 / 10 * np.sqrt(3)
    assert np.linalg.norm(cell_dipole - exact_dipole) < np.abs(s.charges_e).sum() * h
    V = dolfinx.fem.functionspace(mesh, ("Lagrange", 1))
    total, dipole = load_vector_moments(point_charge_vector(V, local, s.charges_e))
    assert abs(total - s.net_charge_e) < 1e-10
    np.testing.assert_allclose(dipole, exact_dipole, rtol=0, atol=1e-10)
    beta = point_charge_density(V, local, s.charges_e)
    assert abs(total_charge(beta) - s.net_charge_e) < 1e-10
    np.testing.assert_allclose(dipole_moment(beta), exact_dipole, rtol=0, atol=1e-10)


@pytest.mark.skipif(importlib.util.find_spec("pdb2pqr") is None, reason="needs pdb2pqr")
def test_shipped_pqr_is_rebuilt_by_its_script(shared_tmp):
    comm = MPI.COMM_WORLD
    same = None
    if comm.rank == 0:
        spec = importlib.util.spec_from_file_location("build", FOLDER / "build_1grm_pqr.py")
        build = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(build)
        rebuilt = build.build(target=shared_tmp / "1grm.pqr")
        same = rebuilt.read_text() == PQR.read_text()
    assert comm.bcast(same, root=0)
