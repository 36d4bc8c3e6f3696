"""Import an external mesh (gmsh ``.msh``, or any format meshio reads with named cell groups).

The file's physical groups (named cell sets for meshio formats) give the roles:
a group named like a region ("bath", "pore", "membrane", "filter") or a boundary
role ("electrode_inside", "pore_wall", ...) takes that role; ``groups`` =
{file group name: role} adds to or overrides this (an unnamed group is
addressed as "<dim>D:<number>", e.g. {"2D:3": "pore", "1D:7": "pore_wall"}).
With axial segments, a group named like a segment (or mapped to its name) is that
segment's region, of any number of segments; every segment needs cells, and the
segments replace the pore and filter regions. Every cell must end up in exactly one
region; at least one electrolyte region and both electrodes are required.
Coordinates are taken as nm; a 2D mesh lies in the z = 0 plane (x = r >= 0, y = z
when axisymmetric), a 1D mesh along x. A file that cannot be read or used raises
`pnp.errors.InputError` (key ``geometry.mesh_file``, ``geometry.groups`` or
``segments.<name>``) on every rank.

The mesh is read on the root rank into gmsh, its groups renumbered to
`region_tags(segments)`/`BOUNDARY_TAGS` (so ``msh_path`` gets a normalised copy), each
``refine`` step splits every cell uniformly (gmsh ``refine``), and DOLFINx
distributes it.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from mpi4py import MPI

from pnp.errors import InputError
from pnp.geometry._gmsh import GMSH_ELEMENT_TYPES, add_discrete_mesh, add_physical_groups
from pnp.geometry._mesh import build_on_root, make_domain
from pnp.geometry.domain import BOUNDARY_TAGS, ELECTROLYTE_REGIONS, Domain, region_tags
from pnp.geometry.params import check_cell_count

FILE_KEY = "geometry.mesh_file"
GROUPS_KEY = "geometry.groups"
_FORMATS = (
    "give a gmsh .msh file with physical groups, or a mesh format meshio reads "
    "with named cell groups"
)

_CELL_DIM = {"vertex": 0, "line": 1, "triangle": 2, "quad": 2, "tetra": 3, "hexahedron": 3}


def roles(segments: Sequence[str] = ()) -> tuple[str, ...]:
    """Every region (the segments' included) and boundary role a mesh's groups can take."""
    return (*region_tags(segments), *BOUNDARY_TAGS)


def role_map(groups: Mapping[str, str] | None, segments: Sequence[str] = ()) -> dict[str, str]:
    """File group name -> role: the role names themselves, updated with `groups`."""
    known = roles(segments)
    mapping = {name: name for name in known}
    for file_name, role in (groups or {}).items():
        if role not in known:
            raise InputError(
                GROUPS_KEY,
                f"maps {file_name!r} to unknown role {role!r}; roles are: {', '.join(known)}",
            )
        mapping[str(file_name)] = role
    return mapping


def _load_meshio(path: Path) -> None:
    """Put a meshio-readable mesh with named cell groups into the current gmsh model."""
    data = _read_meshio(path)
    if not data.cells or not len(data.points):
        raise InputError(FILE_KEY, f"{path.name} has no cells; {_FORMATS}")
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
            raise InputError(
                FILE_KEY,
                f"{path.name}: cell type {block.type!r} is not supported; "
                f"use linear cells ({', '.join(GMSH_ELEMENT_TYPES)})",
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
                raise InputError(
                    FILE_KEY, f"{path.name}: some cells belong to more than one cell group"
                )
            if np.any(covered == 0):  # kept without a group; reported by the role check
                blocks.append((dim, None, block.type, block.data[covered == 0]))
    entities = add_discrete_mesh(points, blocks)
    import gmsh

    for (dim, name), ents in entities.items():
        if name is not None:
            gmsh.model.addPhysicalGroup(dim, ents, name=name)


def _read_meshio(path: Path):
    """meshio's mesh of `path`; its failures (it prints and exits on some) as InputError."""
    import meshio

    said = io.StringIO()
    try:
        with contextlib.redirect_stdout(said), contextlib.redirect_stderr(said):
            return meshio.read(path)
    except (Exception, SystemExit) as exc:
        lines = [line.strip().removeprefix("Error: ") for line in said.getvalue().splitlines()]
        if not isinstance(exc, SystemExit):
            lines.append(str(exc))
        reason = "; ".join(dict.fromkeys(line for line in lines if line))
        reason = reason.replace(str(path), path.name) or type(exc).__name__
        raise InputError(
            FILE_KEY, f"{path.name}: meshio cannot read it ({reason}); {_FORMATS}"
        ) from None


def _merge_msh(path: Path) -> None:
    """Load a gmsh .msh file into the current model; a file gmsh rejects as InputError."""
    import gmsh

    try:
        gmsh.merge(str(path))
    except Exception as exc:
        reason = str(exc).replace(f"'{path}'", "").strip(" ,:") or "not a mesh"
        raise InputError(
            FILE_KEY, f"{path.name}: gmsh cannot read it ({reason}); {_FORMATS}"
        ) from None


def _groups_from_cell_data(data) -> list[tuple[str, list]]:
    """Cell groups from an integer cell-data array named through ``field_data``."""
    names = {(int(v[1]), int(v[0])): k for k, v in data.field_data.items() if len(v) >= 2}
    keys = [k for k in data.cell_data if k == "gmsh:physical"] or [
        k for k, v in data.cell_data.items() if np.issubdtype(np.asarray(v[0]).dtype, np.integer)
    ]
    if not keys:
        raise InputError(
            FILE_KEY,
            "the mesh file has no named cell groups (cell sets, or integer cell data with "
            "field data naming the values); export it from gmsh as .msh with physical groups",
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


def assign_roles(
    mapping: dict[str, str], explicit: set[str], source: str, segments: Sequence[str] = ()
) -> int:
    """Renumber the current gmsh model's physical groups to the package roles (the segments
    are regions of their own); returns tdim."""
    import gmsh

    tags = region_tags(segments)
    region_list = ", ".join(tags)
    tdim = gmsh.model.getDimension()
    if tdim < 1 or not cell_count(tdim):
        raise InputError(FILE_KEY, f"{source} has no cells; {_FORMATS}")
    in_file: dict[str, list[tuple[int, int]]] = {}
    for dim, tag in gmsh.model.getPhysicalGroups():
        in_file.setdefault(group_name(dim, tag), []).append((dim, tag))
    if not in_file:
        raise InputError(
            FILE_KEY,
            f"{source} has no physical groups; tag its regions ({region_list}) and "
            f"boundaries (at least electrode_inside and electrode_outside) as named physical "
            "groups in gmsh, or map your group names with geometry.groups",
        )
    listing = ", ".join(repr(n) for n in sorted(in_file))
    missing = sorted(explicit - set(in_file))
    if missing:
        raise InputError(
            GROUPS_KEY,
            f"names {missing[0]!r}, but {source} has no physical group of "
            f"that name; its groups are: {listing}",
        )
    owner: dict[tuple[int, int], str] = {}
    for name, dim, tag in ((n, d, t) for n, dts in in_file.items() for d, t in dts):
        role = mapping.get(name)
        if role is None:
            continue
        need = tdim if role in tags else tdim - 1
        if dim != need:
            if name in explicit:
                raise InputError(
                    GROUPS_KEY,
                    f"maps {name!r} (a {dim}D group of {source}) to {role!r}, "
                    f"which needs a {need}D group",
                )
            continue
        for entity in gmsh.model.getEntitiesForPhysicalGroup(dim, tag):
            key = (dim, int(entity))
            if owner.setdefault(key, role) != role:
                raise InputError(
                    GROUPS_KEY,
                    f"{source}: group {name!r} overlaps another group with role "
                    f"{owner[key]!r}; a cell or facet can have only one role",
                )
    for _, entity in gmsh.model.getEntities(tdim):
        if (tdim, entity) not in owner and len(gmsh.model.mesh.getElements(tdim, entity)[1]):
            names = [
                group_name(tdim, t) for t in gmsh.model.getPhysicalGroupsForEntity(tdim, entity)
            ]
            if not names:
                raise InputError(
                    FILE_KEY,
                    f"{source} has cells outside any physical group; put every cell in a "
                    f"group named after a region ({region_list}) or mapped to one "
                    "with geometry.groups",
                )
            raise InputError(
                GROUPS_KEY,
                f"cells of group {names[0]!r} in {source} have no region; name the group "
                f"after a region ({region_list}) or map it with "
                f'geometry.groups = {{ {json.dumps(names[0])} = "bath" }} (or another region)',
            )
    found: dict[str, list[int]] = {}
    for (_, entity), role in owner.items():
        found.setdefault(role, []).append(entity)
    if segments:
        _check_segments(found, segments, source, listing)
    required = ["electrode_inside", "electrode_outside"]
    if not any(r in found for r in (*ELECTROLYTE_REGIONS, *segments)):
        required.insert(0, "bath")
    for role in required:
        if role not in found:
            raise InputError(
                GROUPS_KEY,
                f"{source} has no physical group for role {role!r} (its groups: {listing}); "
                f"name a group {role!r} or map one with geometry.groups = "
                f'{{ "<group name>" = "{role}" }}',
            )
    for dim, tag in gmsh.model.getPhysicalGroups():  # names outlive groups; drop both
        if gmsh.model.getPhysicalName(dim, tag):
            gmsh.model.removePhysicalName(gmsh.model.getPhysicalName(dim, tag))
    gmsh.model.removePhysicalGroups()
    add_physical_groups(
        tdim,
        {r: e for r, e in found.items() if r in tags},
        {r: e for r, e in found.items() if r in BOUNDARY_TAGS},
        tags,
    )
    return tdim


def _check_segments(
    found: Mapping[str, list[int]], segments: Sequence[str], source: str, listing: str
) -> None:
    """Every segment has cells, and no cells are left to the pore or filter they replace."""
    for name in segments:
        if name not in found:
            raise InputError(
                f"segments.{name}",
                f"{source} has no cells for this segment (its groups: {listing}); name a "
                f'cell group {name!r} or map one with geometry.groups = {{ "<group name>" = '
                f'"{name}" }}',
            )
    for name in ("pore", "filter"):
        if name in found and name not in segments:
            raise InputError(
                GROUPS_KEY,
                f"{source} has {name} cells but the case gives [[segments]], which replace the "
                "pore and filter; name or map those groups after segments",
            )


def cell_count(tdim: int) -> int:
    """Cells (elements of dimension `tdim`) in the current gmsh model."""
    import gmsh

    return sum(len(tags) for tags in gmsh.model.mesh.getElements(tdim)[1])


def _check_plane(tdim: int, source: str) -> None:
    import gmsh

    x = gmsh.model.mesh.getNodes()[1].reshape(-1, 3)
    scale = max(1.0, float(np.abs(x).max()))
    if tdim < 3 and np.abs(x[:, tdim:]).max() > 1e-9 * scale:
        where = "the z = 0 plane" if tdim == 2 else "the x axis"
        raise InputError(FILE_KEY, f"{source}: a {tdim}D mesh must lie in {where}")


def read_mesh(
    comm: MPI.Comm,
    mesh_file: str | Path,
    *,
    pore_length_nm: float,
    pore_radius_nm: float | None = None,
    groups: Mapping[str, str] | None = None,
    segments: Sequence[str] = (),
    axisymmetric: bool | None = None,
    refine: int = 0,
    msh_path: str | None = None,
    verbose: bool = False,
) -> Domain:
    """Read, tag and distribute an external mesh (collective).

    `axisymmetric` must be given for a 2D mesh (True: the r-z half-plane; False: a
    planar section); for 1D and 3D meshes it is None or False. `segments` names the
    axial segments, each a region of the mesh (tag `region_tags(segments)`).
    """
    path = Path(mesh_file)
    segments = tuple(segments)
    mapping = role_map(groups, segments)
    explicit = set(map(str, groups or {}))

    def construct() -> int:
        import gmsh

        if not path.is_file():
            raise FileNotFoundError(f"mesh_file {str(path)!r} does not exist")
        if path.suffix.lower() == ".msh":
            _merge_msh(path)
        else:
            _load_meshio(path)
        tdim = assign_roles(mapping, explicit, path.name, segments)
        _check_plane(tdim, path.name)
        if refine:
            key, fix = (
                "geometry.refine",
                f"lower geometry.refine (each step multiplies the cells by {2**tdim})",
            )
        else:
            key, fix = FILE_KEY, "use a coarser mesh"
        check_cell_count(cell_count(tdim), tdim * refine, key=key, fix=fix)
        for _ in range(refine):
            gmsh.model.mesh.refine()
        return tdim

    data, tdim = build_on_root(
        comm, construct, model_name="pnp_external", msh_path=msh_path, verbose=verbose
    )
    if axisymmetric is None and tdim == 2:
        raise InputError(
            "geometry.axisymmetric",
            f"{path.name} is a 2D mesh: say how to read it, axisymmetric = true for an r-z "
            "half-plane (x = r >= 0, y = z; currents in pA) or axisymmetric = false for a "
            "planar section (currents per nm of depth)",
        )
    axi = bool(axisymmetric)
    if axi and tdim != 2:
        raise InputError(
            "geometry.axisymmetric",
            f"axisymmetric=True needs a 2D (r-z) mesh; {path.name} is {tdim}D",
        )
    if axi:
        x = data.mesh.geometry.x
        r_min = comm.allreduce(float(x[:, 0].min()) if len(x) else np.inf, op=MPI.MIN)
        if r_min < -1e-9 * max(1.0, pore_length_nm):
            raise InputError(
                "geometry.axisymmetric",
                f"{path.name}: an axisymmetric mesh needs x = r >= 0 (found r = {r_min:g}); "
                "set axisymmetric=False for a planar 2D mesh",
            )
    return make_domain(
        data,
        kind="mesh",
        axisymmetric=axi,
        pore_length_nm=pore_length_nm,
        pore_radius_nm=pore_radius_nm,
        msh_path=msh_path,
        tags=region_tags(segments),
    )
