"""Partial charges on a mesh: total charge conserved to rounding, dipole moment of the
atoms (exact for the P1 point-charge load vector, within one cell size for the DG0
density), each atom counted on exactly one rank, on any number of ranks."""

from __future__ import annotations

import dolfinx
import numpy as np
import pytest
from mpi4py import MPI

from pnp.errors import InputError
from pnp.structure.charges import (
    cell_charge_density,
    dipole_moment,
    load_vector_moments,
    locate_atoms,
    point_charge_vector,
    total_charge,
)


def _mesh(n: int = 6) -> dolfinx.mesh.Mesh:
    return dolfinx.mesh.create_box(MPI.COMM_WORLD, [[-1.0, -1.0, -1.0], [1.0, 1.0, 1.0]], [n] * 3)


def _atoms() -> tuple[np.ndarray, np.ndarray]:
    """Random atoms plus atoms on vertices, edges, faces and corners, which touch cells of
    several ranks."""
    rng = np.random.default_rng(3)
    positions = rng.uniform(-0.95, 0.95, size=(80, 3))
    positions[:6] = [
        [0, 0, 0],
        [1 / 3, 0, 0],
        [0, 1 / 3, -1 / 3],
        [-1, -1, -1],
        [1, 1, 1],
        [0.5, 0.5, 0.1],
    ]
    charges = rng.normal(scale=0.5, size=len(positions))
    return positions, charges


def test_each_atom_is_owned_by_one_rank():
    mesh = _mesh()
    positions, _ = _atoms()
    atoms, cells = locate_atoms(mesh, positions)
    counts = np.zeros(len(positions), dtype=np.int64)
    np.add.at(counts, atoms, 1)
    total = np.zeros_like(counts)
    mesh.comm.Allreduce(counts, total, op=MPI.SUM)
    assert np.all(total == 1)
    assert np.all(cells < mesh.topology.index_map(3).size_local)
    # every owned atom is inside (or on the boundary of) its cell
    tree = dolfinx.geometry.bb_tree(mesh, 3)
    for a, c in zip(atoms, cells, strict=True):
        colliding = dolfinx.geometry.compute_colliding_cells(
            mesh,
            dolfinx.geometry.compute_collisions_points(tree, positions[a : a + 1]),
            positions[a : a + 1],
        )
        assert c in colliding.links(0)


def test_cell_density_conserves_charge_and_dipole_within_a_cell():
    positions, charges = _atoms()
    errors = []
    for n in (4, 8):
        mesh = _mesh(n)
        density = cell_charge_density(mesh, positions, charges)
        assert abs(total_charge(density) - charges.sum()) < 1e-10
        error = np.linalg.norm(dipole_moment(density) - charges @ positions)
        # each charge moves to its cell's centroid: at most one cell diameter
        tdim = mesh.topology.dim
        cells = np.arange(mesh.topology.index_map(tdim).size_local, dtype=np.int32)
        h = mesh.comm.allreduce(float(np.max(mesh.h(tdim, cells))), op=MPI.MAX)
        assert error <= np.abs(charges).sum() * h
        errors.append(error)
    # halving the cells shrinks the dipole error (first-order in h)
    assert errors[1] < 0.75 * errors[0]


def test_point_charge_vector_has_the_atoms_charge_and_dipole():
    mesh = _mesh()
    positions, charges = _atoms()
    V = dolfinx.fem.functionspace(mesh, ("Lagrange", 1))
    b = point_charge_vector(V, positions, charges)
    total, dipole = load_vector_moments(b)
    assert abs(total - charges.sum()) < 1e-10
    np.testing.assert_allclose(dipole, charges @ positions, rtol=0, atol=1e-12)


def test_point_charge_vector_is_the_weak_form_of_point_charges():
    """b . u = sum_a q_a u(x_a) for any P1 function u: checked with a linear and a
    non-linear interpolant evaluated independently at the atoms."""
    mesh = _mesh(5)
    positions, charges = _atoms()
    V = dolfinx.fem.functionspace(mesh, ("Lagrange", 1))
    b = point_charge_vector(V, positions, charges)
    u = dolfinx.fem.Function(V)
    u.interpolate(lambda x: np.sin(2 * x[0]) + x[1] * x[2] ** 2)
    n = V.dofmap.index_map.size_local
    dot = mesh.comm.allreduce(float(b.x.array[:n] @ u.x.array[:n]), op=MPI.SUM)
    atoms, cells = locate_atoms(mesh, positions)
    local = float(charges[atoms] @ u.eval(positions[atoms], cells)[:, 0]) if len(atoms) else 0.0
    assert dot == pytest.approx(mesh.comm.allreduce(local, op=MPI.SUM), abs=1e-12)


def test_atom_outside_the_mesh_is_an_input_error():
    mesh = _mesh(3)
    positions, charges = _atoms()
    positions[7] = [0.2, 0.1, 1.5]
    with pytest.raises(InputError, match="outside the mesh"):
        cell_charge_density(mesh, positions, charges)
