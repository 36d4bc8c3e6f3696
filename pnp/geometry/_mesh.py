"""From the gmsh model on the root rank to a distributed, tagged `Domain` (collective)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path

import numpy as np
from mpi4py import MPI

from pnp.fem import dolfinx  # never import dolfinx directly: see pnp.fem
from pnp.geometry._gmsh import ROOT, gmsh_session, run_on_root
from pnp.geometry.domain import BOUNDARY_TAGS, ION_FREE_REGIONS, REGION_TAGS, Domain


def build_on_root(
    comm: MPI.Comm,
    construct: Callable[[], int],
    *,
    model_name: str,
    msh_path: str | None = None,
    verbose: bool = False,
) -> tuple[dolfinx.io.gmsh.MeshData, int]:
    """Run `construct` (gmsh model + mesh, returns gdim) on the root and distribute the mesh.

    All ranks call this. Only the root initialises gmsh and runs `construct`;
    it writes `msh_path` if given. The mesh is ghosted by shared facet, so
    interior-facet integrals (dS over pore walls and membrane faces) are correct
    in parallel.
    """
    session = gmsh_session(model_name, verbose=verbose) if comm.rank == ROOT else nullcontext()
    with session as gmsh:

        def work() -> int:
            gdim = construct()
            if msh_path is not None:
                Path(msh_path).parent.mkdir(parents=True, exist_ok=True)
                gmsh.write(str(msh_path))
            return gdim

        gdim = run_on_root(comm, work)
        partitioner = dolfinx.mesh.create_cell_partitioner(dolfinx.mesh.GhostMode.shared_facet, 2)
        model = gmsh.model if comm.rank == ROOT else None
        data = dolfinx.io.gmsh.model_to_mesh(model, comm, ROOT, gdim=gdim, partitioner=partitioner)
    return data, gdim


def _present(comm: MPI.Comm, tags: dolfinx.mesh.MeshTags | None, table: dict[str, int]) -> dict:
    local = set() if tags is None else {int(v) for v in np.unique(tags.values)}
    found = set().union(*comm.allgather(local))
    return {name: tag for name, tag in table.items() if tag in found}


def min_cell_size(mesh: dolfinx.mesh.Mesh) -> float:
    """Smallest cell diameter (largest vertex distance) over all ranks, in nm."""
    tdim = mesh.topology.dim
    num_cells = mesh.topology.index_map(tdim).size_local
    sizes = mesh.h(tdim, np.arange(num_cells, dtype=np.int32))
    local = float(sizes.min()) if sizes.size else np.inf
    return float(mesh.comm.allreduce(local, op=MPI.MIN))


def region_extent(
    mesh: dolfinx.mesh.Mesh,
    cell_tags: dolfinx.mesh.MeshTags,
    tags: list[int],
    axis: int | None = None,
) -> tuple[float, float] | None:
    """(lowest, highest) coordinate `axis` (default: the transport axis) of the vertices of
    the cells with `tags`, over all ranks; None if no such cell exists. Collective."""
    tdim = mesh.topology.dim
    cells = np.concatenate([cell_tags.find(t) for t in tags]) if tags else np.zeros(0, np.int32)
    axis = tdim - 1 if axis is None else axis
    if cells.size:
        nodes = dolfinx.mesh.entities_to_geometry(mesh, tdim, cells.astype(np.int32))
        z = mesh.geometry.x[nodes.ravel(), axis]
        lo, hi = float(z.min()), float(z.max())
    else:
        lo, hi = np.inf, -np.inf
    lo = mesh.comm.allreduce(lo, op=MPI.MIN)
    hi = mesh.comm.allreduce(hi, op=MPI.MAX)
    return (lo, hi) if lo <= hi else None


def make_domain(
    data: dolfinx.io.gmsh.MeshData,
    *,
    kind: str,
    axisymmetric: bool,
    pore_length_nm: float,
    pore_radius_nm: float | None,
    msh_path: str | None,
    tags: dict[str, int] | None = None,
) -> Domain:
    """Wrap distributed mesh data (cells tagged per `tags`, default `REGION_TAGS`; facets
    per `BOUNDARY_TAGS`). The pore is the pore, filter and segment cells."""
    mesh = data.mesh
    comm = mesh.comm
    tdim = mesh.topology.dim
    mesh.topology.create_connectivity(tdim - 1, tdim)
    cell_tags = data.cell_tags
    facet_tags = data.facet_tags
    if facet_tags is None:
        empty = np.zeros(0, dtype=np.int32)
        facet_tags = dolfinx.mesh.meshtags(mesh, tdim - 1, empty, empty)
    cell_tags.name = "regions"
    facet_tags.name = "boundaries"
    regions = _present(comm, cell_tags, dict(REGION_TAGS if tags is None else tags))
    pore_tags = [t for r, t in regions.items() if r not in ("bath", *ION_FREE_REGIONS)]
    electrolyte_tags = [t for r, t in regions.items() if r not in ION_FREE_REGIONS]
    pore_extent = region_extent(mesh, cell_tags, pore_tags) or region_extent(
        mesh, cell_tags, electrolyte_tags
    )
    filter_tags = [regions["filter"]] if "filter" in regions else []
    across = region_extent(mesh, cell_tags, pore_tags or electrolyte_tags, axis=0)
    pore_width = across[1] - across[0] if tdim > 1 and across is not None else 0.0
    return Domain(
        mesh=mesh,
        cell_tags=cell_tags,
        facet_tags=facet_tags,
        kind=kind,
        axisymmetric=axisymmetric,
        pore_length_nm=float(pore_length_nm),
        pore_radius_nm=None if pore_radius_nm is None else float(pore_radius_nm),
        regions=regions,
        boundaries=_present(comm, facet_tags, dict(BOUNDARY_TAGS)),
        min_cell_size_nm=min_cell_size(mesh),
        msh_path=None if msh_path is None else str(msh_path),
        pore_extent_nm=pore_extent,
        filter_extent_nm=region_extent(mesh, cell_tags, filter_tags),
        pore_width_nm=pore_width,
    )
