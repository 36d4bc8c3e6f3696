"""Partial charges on a mesh: total charge conserved to rounding, dipole moment of the
atoms (exact for the P1 point-charge load vector, within one cell size for the DG0
density), each atom counted on exactly one rank, on any number of ranks."""

from __future__ import annotations

import dolfinx
import numpy as np
import pytest
import ufl
from mpi4py import MPI

from pnp.errors import InputError
from pnp.structure.charges import (
    cell_charge_density,
    dipole_moment,
    load_vector_moments,
    locate_atoms,
    molar_fixed_charge,
    point_charge_density,
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


def test_molar_fixed_charge_conversion():
    """One e in 1 nm^3 is 1 / (N_A 1e-24 L) mol/L."""
    mesh = _mesh(2)
    density = cell_charge_density(mesh, np.array([[0.1, 0.2, 0.3]]), np.array([1.0]))
    molar = molar_fixed_charge(density)
    integral = total_charge(molar)  # M nm^3
    assert integral == pytest.approx(1.0 / (6.02214076e23 * 1e-24), rel=1e-12)


def _coulomb_error(n: int, positions: np.ndarray, charges: np.ndarray) -> float:
    """Max nodal error, more than 1 nm from the charges, of the P1 solution of
    -lap(phi) = sum_a q_a delta(x - x_a) in a 4 nm box with the Coulomb potential
    sum_a q_a / (4 pi |x - x_a|) on its boundary."""
    from dolfinx.fem import petsc
    from petsc4py import PETSc

    mesh = dolfinx.mesh.create_box(MPI.COMM_WORLD, [[-2.0] * 3, [2.0] * 3], [n] * 3)
    V = dolfinx.fem.functionspace(mesh, ("Lagrange", 1))
    u, v = ufl.TrialFunction(V), ufl.TestFunction(V)
    a = dolfinx.fem.form(ufl.inner(ufl.grad(u), ufl.grad(v)) * ufl.dx)

    def coulomb(x):
        return sum(
            q / (4 * np.pi * np.linalg.norm(x.T - p, axis=1))
            for q, p in zip(charges, positions, strict=True)
        )

    exact = dolfinx.fem.Function(V)
    exact.interpolate(coulomb)
    mesh.topology.create_connectivity(2, 3)
    facets = dolfinx.mesh.exterior_facet_indices(mesh.topology)
    bc = dolfinx.fem.dirichletbc(exact, dolfinx.fem.locate_dofs_topological(V, 2, facets))
    A = petsc.assemble_matrix(a, bcs=[bc])
    A.assemble()
    load = point_charge_vector(V, positions, charges)
    rhs = load.x.petsc_vec.copy()
    petsc.apply_lifting(rhs, [a], [[bc]])
    rhs.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
    bc.set(rhs.array_w)
    ksp = PETSc.KSP().create(mesh.comm)
    ksp.setOperators(A)
    ksp.setType("preonly")
    ksp.getPC().setType("lu")
    ksp.getPC().setFactorSolverType("mumps")
    phi = dolfinx.fem.Function(V)
    ksp.solve(rhs, phi.x.petsc_vec)
    phi.x.scatter_forward()
    ksp.destroy()
    A.destroy()
    rhs.destroy()
    owned = V.dofmap.index_map.size_local
    far = np.linalg.norm(V.tabulate_dof_coordinates()[:owned], axis=1) > 1.0
    error = np.abs(phi.x.array[:owned] - exact.x.array[:owned])[far]
    return mesh.comm.allreduce(float(error.max()) if error.size else 0.0, op=MPI.MAX)


def test_point_charges_give_the_coulomb_potential():
    positions = np.array([[0.1, 0.0, -0.05], [-0.12, 0.05, 0.1], [0.0, -0.1, 0.02]])
    charges = np.array([1.0, -0.4, 0.7])
    scale = charges.sum() / (4 * np.pi * 1.0)  # the potential 1 nm away
    coarse, fine = (_coulomb_error(n, positions, charges) for n in (12, 24))
    assert fine < 0.015 * scale
    assert coarse / fine > 1.7  # converging (first order or better in the max norm)


def test_point_charge_density_reproduces_the_load_vector():
    """integral(beta v) = b . v for P1 v; so the total charge and the dipole moment of
    beta are the atoms' (the integrands are of degree <= 2, integrated exactly)."""
    mesh = _mesh(5)
    positions, charges = _atoms()
    V = dolfinx.fem.functionspace(mesh, ("Lagrange", 1))
    beta = point_charge_density(V, positions, charges)
    assert abs(total_charge(beta) - charges.sum()) < 1e-10
    np.testing.assert_allclose(dipole_moment(beta), charges @ positions, rtol=0, atol=1e-10)
    v = ufl.TestFunction(V)
    moments = dolfinx.fem.assemble_vector(dolfinx.fem.form(beta * v * ufl.dx))
    moments.scatter_reverse(dolfinx.la.InsertMode.add)
    load = point_charge_vector(V, positions, charges)
    owned = V.dofmap.index_map.size_local
    np.testing.assert_allclose(moments.array[:owned], load.x.array[:owned], rtol=0, atol=1e-12)
