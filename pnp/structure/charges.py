"""Partial charges of a structure as fixed charge on a DOLFINx mesh.

Every atom is given to exactly one rank: the one that owns a cell containing it
(`dolfinx.geometry.determine_point_ownership`), so no charge is counted twice on ghost
cells. Two representations, both conserving the total charge to rounding:

- `cell_charge_density`: a DG0 volume density, each charge spread uniformly over its
  cell (q / |cell|); usable directly as a fixed-charge coefficient. The dipole moment
  moves each charge to its cell's centroid (error below one cell size times |q|).
- `point_charge_vector`: the P1 load vector b_j = sum_a q_a phi_j(x_a) of the point
  charges, the exact weak form of a sum of Dirac charges tested with P1 functions.
  The hat functions sum to one and reproduce linear functions, so both the total charge
  and the dipole moment (sum_j b_j x_j) are those of the atoms to rounding.

- `point_charge_density`: the P1 function beta with integral(beta v) = b . v for every P1
  v (beta = M^-1 b, M the P1 mass matrix). As a fixed-charge coefficient in a P1
  Poisson form it gives exactly the point-charge load vector, with the same total
  charge and dipole moment.

Positions are in the mesh's length unit; densities are in e per unit length cubed.
"""

from __future__ import annotations

import dolfinx
import numpy as np
import ufl
from dolfinx import fem, geometry
from mpi4py import MPI

from pnp.constants import AVOGADRO
from pnp.errors import InputError

OUTSIDE_KEY = "structure.pqr_file"
# 1 e/nm^3 = 1e27 e/m^3 = 1e24 / N_A mol/L: the molar fixed charge of the case vocabulary
MOLAR_PER_E_NM3 = 1e24 / AVOGADRO


def locate_atoms(
    mesh: dolfinx.mesh.Mesh, positions: np.ndarray, *, padding: float = 1e-10
) -> tuple[np.ndarray, np.ndarray]:
    """(atom indices, owned local cells) of the atoms this rank owns.

    Every rank passes the same `positions` (all atoms); each atom ends up on exactly one
    rank. An atom outside the mesh raises `InputError` on every rank.
    """
    comm = mesh.comm
    points = np.ascontiguousarray(positions, dtype=mesh.geometry.x.dtype).reshape(-1, 3)
    gdim = mesh.geometry.dim
    sent = points[:, :gdim] if comm.rank == 0 else np.zeros((0, gdim), dtype=points.dtype)
    tdim = mesh.topology.dim
    owned_cells = np.arange(mesh.topology.index_map(tdim).size_local, dtype=np.int32)
    data = geometry.determine_point_ownership(
        mesh, np.ascontiguousarray(sent), padding, owned_cells
    )
    owner = comm.bcast(np.asarray(data.src_owner, dtype=np.int32), root=0)
    outside = np.flatnonzero(owner < 0)
    if outside.size:
        raise InputError(
            OUTSIDE_KEY,
            f"{outside.size} atom(s) lie outside the mesh (first at {points[outside[0]]}); "
            "enlarge the domain or move the structure into it",
        )
    mine = np.flatnonzero(owner == comm.rank)
    cells = np.asarray(data.dest_cells, dtype=np.int32)
    received = np.asarray(data.dest_points, dtype=points.dtype)
    received = received.reshape(len(cells), -1)[:, :gdim] if len(cells) else points[:0, :gdim]
    if len(received) != len(mine):
        raise RuntimeError("point ownership returned a different number of atoms than owned")
    # Pair the received points with the atom list by sorting both the same way (atoms
    # at identical positions are interchangeable).
    expected = points[mine, :gdim]
    order_mine = np.lexsort(expected.T[::-1])
    order_received = np.lexsort(received.T[::-1])
    if not np.array_equal(expected[order_mine], received[order_received]):
        raise RuntimeError("point ownership returned points that are not the atoms sent")
    atoms = np.empty_like(mine)
    atom_cells = np.empty_like(cells)
    atoms[:] = mine[order_mine]
    atom_cells[:] = cells[order_received]
    return atoms, atom_cells


def cell_charge_density(
    mesh: dolfinx.mesh.Mesh, positions: np.ndarray, charges: np.ndarray
) -> fem.Function:
    """DG0 density (e per unit volume) holding each charge uniformly in its cell."""
    charges = np.asarray(charges, dtype=float)
    atoms, cells = locate_atoms(mesh, positions)
    V = fem.functionspace(mesh, ("DG", 0))
    volumes = fem.assemble_vector(fem.form(ufl.TestFunction(V) * ufl.dx)).array
    density = fem.Function(V, name="structure_charge_density")
    dofs = V.dofmap.list[cells, 0]
    np.add.at(density.x.array, dofs, charges[atoms] / volumes[dofs])
    density.x.scatter_forward()
    return density


def molar_fixed_charge(density: fem.Function) -> fem.Function:
    """The density (e/nm^3, mesh in nm) as molar fixed charge (M of elementary charges),
    the unit of the materials' ``fixed_charge_M``."""
    molar = fem.Function(density.function_space, name="structure_fixed_charge_M")
    molar.x.array[:] = density.x.array * MOLAR_PER_E_NM3
    return molar


def point_charge_vector(
    V: fem.FunctionSpace, positions: np.ndarray, charges: np.ndarray
) -> fem.Function:
    """P1 load vector b_j = sum_a q_a phi_j(x_a) (e) of point charges, ghosts summed.

    `V` is a scalar degree-1 Lagrange space on an affine simplex mesh.
    """
    mesh = V.mesh
    element = V.element.basix_element
    if (
        V.dofmap.index_map_bs != 1
        or element.degree != 1
        or mesh.geometry.cmaps[0].degree != 1
        or mesh.topology.cell_type.name not in ("interval", "triangle", "tetrahedron")
    ):
        raise ValueError("point_charge_vector needs a scalar P1 space on an affine simplex mesh")
    charges = np.asarray(charges, dtype=float)
    points = np.asarray(positions, dtype=float).reshape(-1, 3)
    atoms, cells = locate_atoms(mesh, points)
    gdim = mesh.geometry.dim
    vertices = mesh.geometry.x[mesh.geometry.dofmaps[0][cells]][:, :, :gdim]  # (m, tdim+1, gdim)
    # Barycentric coordinates: x - v0 = J lambda_{1..d}, lambda_0 = 1 - sum.
    jacobian = np.transpose(vertices[:, 1:, :] - vertices[:, :1, :], (0, 2, 1))
    rhs = points[atoms, :gdim] - vertices[:, 0, :]
    tail = np.linalg.solve(jacobian, rhs[:, :, None])[:, :, 0] if len(atoms) else rhs
    weights = np.column_stack([1.0 - tail.sum(axis=1), tail])
    b = fem.Function(V, name="structure_point_charges")
    dofs = V.dofmap.list[cells]
    np.add.at(b.x.array, dofs.ravel(), (weights * charges[atoms, None]).ravel())
    b.x.scatter_reverse(dolfinx.la.InsertMode.add)
    b.x.scatter_forward()
    return b


def point_charge_density(
    V: fem.FunctionSpace, positions: np.ndarray, charges: np.ndarray, *, rtol: float = 1e-14
) -> fem.Function:
    """P1 density (e per unit volume) whose P1 moments are the point charges' load vector:
    the solution beta of M beta = b (conjugate gradients, Jacobi preconditioner)."""
    from dolfinx.fem import petsc
    from petsc4py import PETSc

    load = point_charge_vector(V, positions, charges)
    u, v = ufl.TrialFunction(V), ufl.TestFunction(V)
    mass = petsc.assemble_matrix(fem.form(u * v * ufl.dx))
    mass.assemble()
    rhs = load.x.petsc_vec.copy()
    density = fem.Function(V, name="structure_charge_density")
    ksp = PETSc.KSP().create(V.mesh.comm)
    try:
        ksp.setOperators(mass)
        ksp.setType("cg")
        ksp.getPC().setType("jacobi")
        ksp.setTolerances(rtol=rtol, atol=0.0, max_it=1000)
        ksp.solve(rhs, density.x.petsc_vec)
        if ksp.getConvergedReason() <= 0:
            raise RuntimeError(
                f"mass-matrix solve for the point-charge density did not converge "
                f"(reason {ksp.getConvergedReason()})"
            )
    finally:
        ksp.destroy()
        mass.destroy()
        rhs.destroy()
    density.x.scatter_forward()
    return density


def total_charge(density: fem.Function) -> float:
    """Integral of a charge density over the mesh (collective)."""
    local = fem.assemble_scalar(fem.form(density * ufl.dx))
    return density.function_space.mesh.comm.allreduce(local, op=MPI.SUM)


def dipole_moment(density: fem.Function) -> np.ndarray:
    """Integral of x rho over the mesh (collective)."""
    x = ufl.SpatialCoordinate(density.function_space.mesh)
    comm = density.function_space.mesh.comm
    local = np.array(
        [fem.assemble_scalar(fem.form(x[i] * density * ufl.dx)) for i in range(len(x))]
    )
    total = np.zeros_like(local)
    comm.Allreduce(local, total, op=MPI.SUM)
    return total


def load_vector_moments(b: fem.Function) -> tuple[float, np.ndarray]:
    """(sum_j b_j, sum_j b_j x_j) over owned dofs of a P1 load vector (collective)."""
    V = b.function_space
    n = V.dofmap.index_map.size_local
    x = V.tabulate_dof_coordinates()[:n, : V.mesh.geometry.dim]
    local = np.concatenate([[b.x.array[:n].sum()], b.x.array[:n] @ x])
    total = np.zeros_like(local)
    V.mesh.comm.Allreduce(local, total, op=MPI.SUM)
    return float(total[0]), total[1:]
