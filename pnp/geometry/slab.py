"""1D slab: inside bath | pore [| filter | pore] | outside bath along x, in nm.

In 1D the permeable membrane layer is the ion pathway (the classic GHK set-up),
so the middle layer of thickness ``pore_length_nm`` is region "pore" (its central
``filter_length_nm`` region "filter" if given) and the two bath layers are region
"bath"; with axial segments the pore is their stack, each segment a region of its
own name. With ``bath_length_nm = 0`` the electrodes sit on the pore faces and there
is no bath region. The end points are tagged electrode_inside (left, x < 0) and
electrode_outside (right); the interfaces between layers are untagged.

The cell size is ``wall_size_nm`` at every layer interface and electrode and grows
as ``min(wall + 0.2 d, mesh_size_nm)`` with the distance d from the nearest one
(Debye layers sit at interfaces and electrodes). ``refine = k`` splits every
cell of the unrefined mesh into ``2**k`` equal cells, so the cell count doubles
exactly per step.
"""

from __future__ import annotations

import math

import numpy as np
from mpi4py import MPI

from pnp.geometry._gmsh import add_discrete_mesh, add_physical_groups
from pnp.geometry._mesh import build_on_root, make_domain
from pnp.geometry.domain import Domain, region_tags
from pnp.geometry.params import MeshSizes, PoreGeometry


def layers(geom: PoreGeometry) -> list[tuple[float, float, str]]:
    """(x0, x1, region) of each layer from the inside to the outside electrode."""
    h, f = geom.half_length_nm, 0.5 * geom.filter_length_nm
    inside, outside = geom.bath_lengths_nm
    if geom.segments:
        stack = [(z0, z1, seg.name) for z0, z1, seg in geom.segment_layers()]
    elif geom.has_filter:
        stack = [(-h, -f, "pore"), (-f, f, "filter"), (f, h, "pore")]
    else:
        stack = [(-h, h, "pore")]
    if geom.bath_length_nm > 0.0:
        stack = [(-h - inside, -h, "bath"), *stack, (h, h + outside, "bath")]
    return stack


def graded_nodes(length: float, wall: float, largest: float, grading: float) -> np.ndarray:
    """Nodes on [0, length], size ``min(wall + grading * d, largest)``, d = distance to an end."""
    s = np.linspace(0.0, length, 4001)
    size = np.minimum(wall + grading * np.minimum(s, length - s), largest)
    inverse = 1.0 / size
    count = np.concatenate(([0.0], np.cumsum(0.5 * (inverse[1:] + inverse[:-1]) * np.diff(s))))
    n = max(1, math.ceil(count[-1] - 1e-9))
    nodes = np.interp(np.linspace(0.0, count[-1], n + 1), count, s)
    nodes[0], nodes[-1] = 0.0, length
    return nodes


def slab_nodes(geom: PoreGeometry, sizes: MeshSizes) -> tuple[np.ndarray, list[str]]:
    """Node coordinates and the region of each cell, after refinement."""
    parts, regions = [], []
    for x0, x1, region in layers(geom):
        base = x0 + graded_nodes(
            x1 - x0, sizes.base_wall_size_nm, sizes.base_mesh_size_nm, sizes.grading
        )
        split = 2**sizes.refine
        frac = np.arange(split) / split
        fine = (base[:-1, None] + np.diff(base)[:, None] * frac[None, :]).ravel()
        parts.append(fine)
        regions += [region] * fine.size
    nodes = np.concatenate([*parts, [geom.electrodes_nm[1]]])
    return nodes, regions


def build_slab(
    comm: MPI.Comm,
    geom: PoreGeometry,
    sizes: MeshSizes,
    *,
    kind: str = "slab",
    msh_path: str | None = None,
    verbose: bool = False,
) -> Domain:
    """Build the 1D mesh on the root rank and distribute it (collective). `kind` is "slab",
    or "channel_1d" for the same mesh solved with the segments' cross-sections."""
    tags = region_tags([seg.name for seg in geom.segments])

    def construct() -> int:
        nodes, regions = slab_nodes(geom, sizes)
        points = np.zeros((nodes.size, 3))
        points[:, 0] = nodes
        cells = np.column_stack([np.arange(nodes.size - 1), np.arange(1, nodes.size)])
        region_of = np.array(regions)
        blocks = [(1, name, "line", cells[region_of == name]) for name in dict.fromkeys(regions)]
        blocks += [
            (0, "electrode_inside", "vertex", np.array([[0]])),
            (0, "electrode_outside", "vertex", np.array([[nodes.size - 1]])),
        ]
        entities = add_discrete_mesh(points, blocks)
        add_physical_groups(
            1,
            {name: ents for (dim, name), ents in entities.items() if dim == 1},
            {name: ents for (dim, name), ents in entities.items() if dim == 0},
            tags,
        )
        return 1

    data, _ = build_on_root(
        comm, construct, model_name="pnp_slab", msh_path=msh_path, verbose=verbose
    )
    return make_domain(
        data,
        kind=kind,
        axisymmetric=False,
        pore_length_nm=geom.pore_length_nm,
        pore_radius_nm=None,
        msh_path=msh_path,
        tags=tags,
    )
