"""A channel from an atomic structure: the PQR's atoms in a cylinder of electrolyte, in nm.

The mesh frame is the structure's pore frame (`pnp.structure.pore_frame`): the atoms'
centroid at the origin, the pore axis along z. The cylinder of radius R_b runs from the
inside electrode z = -(L/2 + L_b) to the outside one z = L/2 + L_b; a membrane slab
|z| < L/2 (L = 0: none) surrounds the protein.

Every cell is classified by its centroid x (a staircase of the regions, refined where it
matters: the cells are `wall_size_nm` along the pore axis and twice that at the atoms):

- protein: inside the union of the atoms' spheres, min_a (|x - x_a| - R_a) < 0;
- membrane: in the slab, outside the lumen rho < r(z), where r(z) is the radius of the
  largest sphere centred on the axis that overlaps no atom (`pnp.structure.radius_profile`);
- ion_exclusion: electrolyte within `ion_radius_nm` of an atom's surface (ion centres
  cannot go there: APBS's ion-accessibility definition);
- pore: the rest of the lumen in the slab; bath: the rest.

The protein's and the membrane's boundaries therefore follow cell faces, and move by
at most one cell with refinement. Atoms must lie inside the cylinder.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
from mpi4py import MPI

from pnp.fem import dolfinx
from pnp.geometry._gmsh import (
    add_physical_groups,
    distance_sampling,
    run_on_root,
    threshold_field,
    use_smallest_of,
)
from pnp.geometry._mesh import build_on_root, make_domain
from pnp.geometry.domain import REGION_TAGS, STRUCTURE_REGION_TAGS, Domain
from pnp.geometry.params import GRADING
from pnp.structure.channel import PROFILE_STEP_NM, Atoms, check_channel, load_atoms

TAGS = {**REGION_TAGS, **STRUCTURE_REGION_TAGS}
DEFAULT_WALL_SIZE_NM = 0.05  # along the pore axis: a few cells across a 0.1-0.2 nm lumen
ATOM_SIZE_FACTOR = 2.0  # cells at the atoms, in units of the wall size
MAX_LINING_NM = 0.5


def build_structure_domain(
    comm: MPI.Comm,
    *,
    pqr_file: str | Path,
    axis: tuple[float, float, float] | None,
    net_charge_e: float | None,
    ion_radius_nm: float,
    membrane_thickness_nm: float,
    bath_radius_nm: float,
    bath_length_nm: float,
    mesh_size_nm: float | None = None,
    wall_size_nm: float | None = None,
    refine: int = 0,
    msh_path: str | None = None,
    verbose: bool = False,
) -> Domain:
    """Mesh the structure's channel on the root rank, distribute and tag it (collective)."""
    atoms = run_on_root(comm, lambda: load_atoms(pqr_file, axis=axis, net_charge_e=net_charge_e))
    narrowest = check_channel(
        atoms,
        membrane_thickness_nm=membrane_thickness_nm,
        bath_radius_nm=bath_radius_nm,
        bath_length_nm=bath_length_nm,
        ion_radius_nm=ion_radius_nm,
    )
    half_membrane = 0.5 * membrane_thickness_nm
    z_max = half_membrane + bath_length_nm
    scale = 0.5**refine
    wall = (DEFAULT_WALL_SIZE_NM if wall_size_nm is None else wall_size_nm) * scale
    coarse = (
        max(wall, min(bath_radius_nm, bath_length_nm) / 4 * scale)
        if mesh_size_nm is None
        else mesh_size_nm * scale
    )
    # the fine cells fill the lumen: out to its widest free radius among the atoms
    among = np.abs(atoms.profile_z_nm) <= atoms.half_span_nm + PROFILE_STEP_NM
    lining = float(np.clip(np.max(atoms.profile_r_nm[among]), 0.0, MAX_LINING_NM))

    def construct() -> int:
        _mesh_cylinder(
            atoms,
            half_membrane=half_membrane,
            z_max=z_max,
            bath_radius=bath_radius_nm,
            wall=wall,
            coarse=coarse,
            lining=lining,
        )
        return 3

    data, _ = build_on_root(
        comm, construct, model_name="pnp_structure", msh_path=msh_path, verbose=verbose
    )
    cell_tags = _classify_cells(data.mesh, atoms, half_membrane, ion_radius_nm)
    domain = make_domain(
        data._replace(cell_tags=cell_tags),
        kind="structure",
        axisymmetric=False,
        pore_length_nm=membrane_thickness_nm,
        pore_radius_nm=narrowest,
        msh_path=msh_path,
        tags=TAGS,
    )
    return dataclasses.replace(
        domain, atom_positions_nm=atoms.positions_nm, atom_charges_e=atoms.charges_e
    )


def _mesh_cylinder(
    atoms: Atoms,
    *,
    half_membrane: float,
    z_max: float,
    bath_radius: float,
    wall: float,
    coarse: float,
    lining: float,
) -> None:
    """gmsh model of the cylinder (split at the membrane faces) and its size field."""
    import gmsh

    occ = gmsh.model.occ
    volume = occ.addCylinder(0, 0, -z_max, 0, 0, 2 * z_max, bath_radius)
    if half_membrane > 0:
        slab = occ.addCylinder(0, 0, -half_membrane, 0, 0, 2 * half_membrane, bath_radius)
        occ.fragment([(3, volume)], [(3, slab)])
    centres = [occ.addPoint(*x) for x in atoms.positions_nm]
    reach = float(np.max(np.abs(atoms.positions_nm[:, 2]) + atoms.radii_nm))
    ends = [occ.addPoint(0, 0, -reach), occ.addPoint(0, 0, reach)]
    axis = occ.addLine(*ends)
    occ.synchronize()

    volumes = [tag for _, tag in gmsh.model.getEntities(3)]
    electrode_in, electrode_out, side = [], [], []
    tol = 1e-5 * z_max  # OpenCASCADE pads bounding boxes by its tolerance
    for _, tag in gmsh.model.getBoundary([(3, v) for v in volumes], oriented=False):
        _, _, z0, _, _, z1 = gmsh.model.getBoundingBox(2, tag)
        if z1 - z0 > tol:
            side.append(tag)
        elif abs(z0 + z_max) < tol:
            electrode_in.append(tag)
        elif abs(z1 - z_max) < tol:
            electrode_out.append(tag)
    add_physical_groups(
        3,
        {"bath": volumes},
        {
            "electrode_inside": electrode_in,
            "electrode_outside": electrode_out,
            "bath_wall": side,
        },
    )

    field = gmsh.model.mesh.field
    atom_distance = field.add("Distance")
    field.setNumbers(atom_distance, "PointsList", centres)
    near_atom = float(np.max(atoms.radii_nm))
    protein = min(ATOM_SIZE_FACTOR * wall, coarse)
    atom_size = threshold_field(
        atom_distance,
        size_min=protein,
        size_max=coarse,
        dist_min=near_atom,
        dist_max=near_atom + (coarse - protein) / GRADING,
    )
    axis_distance = field.add("Distance")
    field.setNumbers(axis_distance, "CurvesList", [axis])
    field.setNumber(axis_distance, "Sampling", distance_sampling(2 * reach, wall, 4000))
    axis_size = threshold_field(
        axis_distance,
        size_min=wall,
        size_max=coarse,
        dist_min=lining,
        dist_max=lining + (coarse - wall) / GRADING,
    )
    use_smallest_of([atom_size, axis_size])
    gmsh.model.mesh.generate(3)


def _classify_cells(
    mesh: dolfinx.mesh.Mesh, atoms: Atoms, half_membrane: float, ion_radius_nm: float
) -> dolfinx.mesh.MeshTags:
    """Region tag of every local cell (ghosts included) from its centroid."""
    tdim = mesh.topology.dim
    cell_map = mesh.topology.index_map(tdim)
    cells = np.arange(cell_map.size_local + cell_map.num_ghosts, dtype=np.int32)
    x = dolfinx.mesh.compute_midpoints(mesh, tdim, cells)
    surface = atoms.surface_distance(x)
    rho = np.hypot(x[:, 0], x[:, 1])
    slab = np.abs(x[:, 2]) < half_membrane
    lumen = rho < atoms.lumen_radius(x[:, 2])
    values = np.where(slab, TAGS["pore"], TAGS["bath"])
    values = np.where(surface < ion_radius_nm, TAGS["ion_exclusion"], values)
    values = np.where(slab & ~lumen, TAGS["membrane"], values)
    values = np.where(surface < 0.0, TAGS["protein"], values)
    return dolfinx.mesh.meshtags(mesh, tdim, cells, values.astype(np.int32))
