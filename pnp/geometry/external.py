"""Import an external mesh (gmsh ``.msh``, or any format meshio reads with named cell groups).

The file's physical groups (named cell sets for meshio formats) give the roles:
a group named like a region ("bath", "pore", "membrane", "filter") or a boundary
role ("electrode_inside", "pore_wall", ...) takes that role; ``groups`` =
{file group name: role} adds to or overrides this (an unnamed group is
addressed as "<dim>D:<number>", e.g. {"2D:3": "pore", "1D:7": "pore_wall"}).
Every cell must end up in exactly one region; at least one electrolyte region and both electrodes
are required. Coordinates are taken as nm; a 2D mesh lies in the z = 0 plane
(x = r >= 0, y = z when axisymmetric), a 1D mesh along x.

The mesh is read on the root rank into gmsh, its groups renumbered to
`REGION_TAGS`/`BOUNDARY_TAGS` (so ``msh_path`` gets a normalised copy), each
``refine`` step splits every cell uniformly (gmsh ``refine``), and DOLFINx
distributes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
from mpi4py import MPI

from pnp.case import CaseError
from pnp.geometry._gmsh import GMSH_ELEMENT_TYPES, add_discrete_mesh, add_physical_groups
from pnp.geometry._mesh import build_on_root, make_domain
from pnp.geometry.domain import BOUNDARY_TAGS, ELECTROLYTE_REGIONS, REGION_TAGS, Domain

ROLES = (*REGION_TAGS, *BOUNDARY_TAGS)
_CELL_DIM = {"vertex": 0, "line": 1, "triangle": 2, "quad": 2, "tetra": 3, "hexahedron": 3}


def role_map(groups: Mapping[str, str] | None) -> dict[str, str]:
    """File group name -> role: the role names themselves, updated with `groups`."""
    mapping = {name: name for name in ROLES}
    for file_name, role in (groups or {}).items():
        if role not in ROLES:
            raise ValueError(
                f"geometry.groups maps {file_name!r} to unknown role {role!r}; "
                f"roles are: {', '.join(ROLES)}"
            )
        mapping[str(file_name)] = role
    return mapping


def _load_meshio(path: Path) -> None:
    """Put a meshio-readable mesh with named cell groups into the current gmsh model."""
    import meshio

    data = meshio.read(path)
    points = np.zeros((len(data.points), 3))
    points[:, : data.points.shape[1]] = data.points
    blocks: list[tuple[int, str | None, str, np.ndarray]] = []
    sets = {k: v for k, v in data.cell_sets.items() if not k.startswith(("gmsh:", "medit:"))}
    if sets:
        per_block = [(name, list(arrays)) for name, arrays in sets.items()]
    else:
        per_block = _groups_from_cell_data(data)
    tdim = max(_CELL_DIM.get(block.type, -1) for block in data.cells)
    for i, block in enumerate(data.cells):
        if block.type not in GMSH_ELEMENT_TYPES:
            raise ValueError(
                f"{path.name}: cell type {block.type!r} is not supported; "
                f"use linear cells ({', '.join(GMSH_ELEMENT_TYPES)})"
            )
        dim = _CELL_DIM[block.type]
        covered = np.zeros(len(block.data), dtype=int)
        for name, arrays in per_block:
            index = arrays[i] if i < len(arrays) else None
            if index is None or len(index) == 0:
                continue
            index = np.asarray(index, dtype=np.int64)
            np.add.at(covered, index, 1)
            blocks.append((dim, name, block.type, block.data[index]))
        if dim == tdim:
            if np.any(covered > 1):
                raise ValueError(f"{path.name}: some cells belong to more than one cell group")
            if np.any(covered == 0):  # kept without a group; reported by the role check
                blocks.append((dim, None, block.type, block.data[covered == 0]))
    entities = add_discrete_mesh(points, blocks)
    import gmsh

    for (dim, name), ents in entities.items():
        if name is not None:
            gmsh.model.addPhysicalGroup(dim, ents, name=name)


def _groups_from_cell_data(data) -> list[tuple[str, list]]:
    """Cell groups from an integer cell-data array named through ``field_data``."""
    names = {(int(v[1]), int(v[0])): k for k, v in data.field_data.items() if len(v) >= 2}
    keys = [k for k in data.cell_data if k == "gmsh:physical"] or [
        k for k, v in data.cell_data.items() if np.issubdtype(np.asarray(v[0]).dtype, np.integer)
    ]
    if not keys:
        raise ValueError(
            "the mesh file has no named cell groups (cell sets, or integer cell data with "
            "field data naming the values); export it from gmsh as .msh with physical groups"
        )
    groups: dict[str, list] = {}
    for i, (block, values) in enumerate(zip(data.cells, data.cell_data[keys[0]], strict=True)):
        dim = _CELL_DIM.get(block.type, -1)
        values = np.asarray(values).ravel()
        for tag in np.unique(values):
            name = names.get((dim, int(tag)), f"{dim}D:{int(tag)}")
            arrays = groups.setdefault(name, [None] * len(data.cells))
            arrays[i] = np.flatnonzero(values == tag)
    return list(groups.items())


def group_name(dim: int, tag: int) -> str:
    """Name of a physical group; an unnamed one is called "<dim>D:<tag>", e.g. "2D:3"."""
    import gmsh

    return gmsh.model.getPhysicalName(dim, tag) or f"{dim}D:{tag}"


def assign_roles(mapping: dict[str, str], explicit: set[str], source: str) -> int:
    """Renumber the current gmsh model's physical groups to the package roles; returns tdim."""
    import gmsh

    tdim = gmsh.model.getDimension()
    in_file: dict[str, list[tuple[int, int]]] = {}
    for dim, tag in gmsh.model.getPhysicalGroups():
        in_file.setdefault(group_name(dim, tag), []).append((dim, tag))
    listing = ", ".join(repr(n) for n in sorted(in_file)) or "none"
    missing = sorted(explicit - set(in_file))
    if missing:
        raise ValueError(
            f"geometry.groups names {missing[0]!r}, but {source} has no physical group of "
            f"that name; its groups are: {listing}"
        )
    owner: dict[tuple[int, int], str] = {}
    for name, dim, tag in ((n, d, t) for n, dts in in_file.items() for d, t in dts):
        role = mapping.get(name)
        if role is None:
            continue
        need = tdim if role in REGION_TAGS else tdim - 1
        if dim != need:
            if name in explicit:
                raise ValueError(
                    f"geometry.groups maps {name!r} (a {dim}D group of {source}) to {role!r}, "
                    f"which needs a {need}D group"
                )
            continue
        for entity in gmsh.model.getEntitiesForPhysicalGroup(dim, tag):
            key = (dim, int(entity))
            if owner.setdefault(key, role) != role:
                raise ValueError(
                    f"{source}: group {name!r} overlaps another group with role "
                    f"{owner[key]!r}; a cell or facet can have only one role"
                )
    for _, entity in gmsh.model.getEntities(tdim):
        if (tdim, entity) not in owner and len(gmsh.model.mesh.getElements(tdim, entity)[1]):
            names = [
                group_name(tdim, t) for t in gmsh.model.getPhysicalGroupsForEntity(tdim, entity)
            ]
            if not names:
                raise ValueError(f"{source} has cells outside any physical group")
            raise ValueError(
                f"cells of group {names[0]!r} in {source} have no region; name the group "
                f"after a region ({', '.join(REGION_TAGS)}) or map it with "
                f"geometry.groups = {{{names[0]!r}: 'bath'}}"
            )
    roles: dict[str, list[int]] = {}
    for (_, entity), role in owner.items():
        roles.setdefault(role, []).append(entity)
    required = ["electrode_inside", "electrode_outside"]
    if not any(r in roles for r in ELECTROLYTE_REGIONS):
        required.insert(0, "bath")
    for role in required:
        if role not in roles:
            raise ValueError(
                f"{source} has no physical group for role {role!r} (its groups: {listing}); "
                f"name a group {role!r} or map one with geometry.groups = "
                f"{{'<group name>': {role!r}}}"
            )
    for dim, tag in gmsh.model.getPhysicalGroups():  # names outlive groups; drop both
        if gmsh.model.getPhysicalName(dim, tag):
            gmsh.model.removePhysicalName(gmsh.model.getPhysicalName(dim, tag))
    gmsh.model.removePhysicalGroups()
    add_physical_groups(
        tdim,
        {r: e for r, e in roles.items() if r in REGION_TAGS},
        {r: e for r, e in roles.items() if r in BOUNDARY_TAGS},
    )
    return tdim


def _check_plane(tdim: int, source: str) -> None:
    import gmsh

    x = gmsh.model.mesh.getNodes()[1].reshape(-1, 3)
    scale = max(1.0, float(np.abs(x).max()))
    if tdim < 3 and np.abs(x[:, tdim:]).max() > 1e-9 * scale:
        where = "the z = 0 plane" if tdim == 2 else "the x axis"
        raise ValueError(f"{source}: a {tdim}D mesh must lie in {where}")


def read_mesh(
    comm: MPI.Comm,
    mesh_file: str | Path,
    *,
    pore_length_nm: float,
    pore_radius_nm: float | None = None,
    groups: Mapping[str, str] | None = None,
    axisymmetric: bool | None = None,
    refine: int = 0,
    msh_path: str | None = None,
    verbose: bool = False,
) -> Domain:
    """Read, tag and distribute an external mesh (collective).

    `axisymmetric` must be given for a 2D mesh (True: the r-z half-plane; False: a
    planar section); for 1D and 3D meshes it is None or False.
    """
    path = Path(mesh_file)
    mapping = role_map(groups)
    explicit = set(map(str, groups or {}))

    def construct() -> int:
        import gmsh

        if not path.is_file():
            raise FileNotFoundError(f"mesh_file {str(path)!r} does not exist")
        if path.suffix.lower() == ".msh":
            gmsh.merge(str(path))
        else:
            _load_meshio(path)
        tdim = assign_roles(mapping, explicit, path.name)
        _check_plane(tdim, path.name)
        for _ in range(refine):
            gmsh.model.mesh.refine()
        return tdim

    data, tdim = build_on_root(
        comm, construct, model_name="pnp_external", msh_path=msh_path, verbose=verbose
    )
    if axisymmetric is None and tdim == 2:
        raise CaseError(
            "geometry.axisymmetric",
            f"{path.name} is a 2D mesh: say how to read it, axisymmetric = true for an r-z "
            "half-plane (x = r >= 0, y = z; currents in pA) or axisymmetric = false for a "
            "planar section (currents per nm of depth)",
        )
    axi = bool(axisymmetric)
    if axi and tdim != 2:
        raise ValueError(f"axisymmetric=True needs a 2D (r-z) mesh; {path.name} is {tdim}D")
    if axi:
        x = data.mesh.geometry.x
        r_min = comm.allreduce(float(x[:, 0].min()) if len(x) else np.inf, op=MPI.MIN)
        if r_min < -1e-9 * max(1.0, pore_length_nm):
            raise ValueError(
                f"{path.name}: an axisymmetric mesh needs x = r >= 0 (found r = {r_min:g}); "
                "set axisymmetric=False for a planar 2D mesh"
            )
    return make_domain(
        data,
        kind="mesh",
        axisymmetric=axi,
        pore_length_nm=pore_length_nm,
        pore_radius_nm=pore_radius_nm,
        msh_path=msh_path,
    )
