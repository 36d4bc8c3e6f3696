"""The membrane-pore-bath model shared by the axisymmetric (r-z) and the 3D builder.

The geometry is drawn as r-z profiles with the gmsh OpenCASCADE kernel: in the
x-y plane (x = r, y = z) for the axisymmetric mesh, in the x-z plane and
revolved about the z axis in 3D. The overlapping shapes

    bath (whole cylinder) < membrane (slab |z| < L/2) < pore < filter

are fragmented into a conforming model; each piece takes the region of the
highest-priority shape containing it. A shaped pore (conical, double-conical, bullet,
profile) is the polygon through its wall vertices (`PoreGeometry.wall_nm`), its straight
edges all pore_wall. With axial segments the pore and filter are
replaced by the stack of coaxial cylinders of the segments (segment k of radius r_k
from z_k to z_k+1, listed from the inside, the stack filling |z| < L/2), each a
region of its own name. Facets are then tagged from the regions on their two sides
(interior) or their position (exterior):

- electrolyte | membrane interior facets: membrane_face if the electrolyte is
  bath, pore_wall if pore (including the flared mouths and, for a filter
  narrower than the pore, the annular steps at the filter ends), filter_wall if
  filter; pore_wall if a segment (its side and the annular steps where the radius
  changes between neighbouring segments);
- exterior bath facets: electrode_inside (z = -L/2 - Lb - d), electrode_outside
  (z = +L/2 + Lb - d), bath_wall (r = bath radius), d the membrane offset;
- untagged: electrolyte | electrolyte interfaces (pore mouths, filter ends,
  segment ends), the symmetry axis (2D) and the outer edge of the membrane.

Sizes: ``wall_size_nm`` inside pore, filter and segments, and on the tagged walls, the
membrane faces and the pore mouths; from there ``h = min(wall + 0.3 d,
mesh_size_nm)`` with the distance d (gmsh Distance + Threshold fields).
"""

from __future__ import annotations

import math

from pnp.geometry._gmsh import (
    add_physical_groups,
    distance_sampling,
    threshold_field,
    use_smallest_of,
)
from pnp.geometry.domain import region_tags
from pnp.geometry.params import MeshSizes, PoreGeometry

PRIORITY = ("bath", "membrane", "pore", "filter")
ELECTROLYTE_WALLS = {"bath": "membrane_face", "pore": "pore_wall", "filter": "filter_wall"}


def layout(geom: PoreGeometry) -> tuple[dict[str, int], dict[str, str]]:
    """The priority of every region (the highest wins where shapes overlap) and the role
    of its facets towards the membrane, for every electrolyte region."""
    if not geom.segments:
        return {name: rank for rank, name in enumerate(PRIORITY)}, ELECTROLYTE_WALLS
    names = [seg.name for seg in geom.segments]
    priority = {"bath": 0, "membrane": 1, **dict.fromkeys(names, 2)}  # segments never overlap
    return priority, {"bath": "membrane_face", **dict.fromkeys(names, "pore_wall")}


class _Profile:
    """Draws closed r-z outlines as OCC surfaces, in the plane used for `tdim`."""

    def __init__(self, tdim: int) -> None:
        import gmsh

        self.occ = gmsh.model.occ
        self.tdim = tdim

    def point(self, r: float, z: float) -> int:
        return self.occ.addPoint(r, z, 0.0) if self.tdim == 2 else self.occ.addPoint(r, 0.0, z)

    def outline(self, path: list[tuple[float, float, tuple[float, float] | None]]) -> int:
        """Surface bounded by the closed path [(r, z, arc centre or None), ...].

        Each entry is a vertex; the edge to the next vertex is a straight line,
        or a circle arc if the entry gives the arc's centre.
        """
        points = [self.point(r, z) for r, z, _ in path]
        curves = []
        for i, (_, _, centre) in enumerate(path):
            a, b = points[i], points[(i + 1) % len(points)]
            if centre is None:
                curves.append(self.occ.addLine(a, b))
            else:
                centre_point = self.point(*centre)
                curves.append(self.occ.addCircleArc(a, centre_point, b))
                self.occ.remove([(0, centre_point)])
        surface = self.occ.addPlaneSurface([self.occ.addCurveLoop(curves)])
        if self.tdim == 2:
            return surface
        out = self.occ.revolve([(2, surface)], 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 2.0 * math.pi)
        self.occ.remove([(2, surface)])
        return next(tag for dim, tag in out if dim == 3)

    def rectangle(self, r1: float, z0: float, z1: float) -> int:
        return self.outline([(0.0, z0, None), (r1, z0, None), (r1, z1, None), (0.0, z1, None)])


def pore_section(geom: PoreGeometry, z0: float, z1: float) -> list:
    """Closed r-z path of the pore between z0 and z1, with the entrance at a mouth end
    (a shaped wall: its polyline, always the whole pore)."""
    if geom.wall_nm:
        return [(0.0, z0, None), *((r, z, None) for z, r in geom.wall_nm), (0.0, z1, None)]
    h, rp, e = geom.half_length_nm, geom.pore_radius_nm, geom.entrance_radius_nm
    rm = geom.mouth_radius_nm
    rounded = geom.entrance == "rounded"
    wall: list = []
    if e > 0.0 and z0 == -h:  # inside mouth: from (rm, -h) in to (rp, -h + e)
        wall.append((rm, -h, (rm, -h + e) if rounded else None))
        wall.append((rp, -h + e, None))
    else:
        wall.append((rp, z0, None))
    if e > 0.0 and z1 == h:  # outside mouth: from (rp, h - e) out to (rm, h)
        wall.append((rp, h - e, (rm, h - e) if rounded else None))
        wall.append((rm, h, None))
    else:
        wall.append((rp, z1, None))
    return [(0.0, z0, None), *wall, (0.0, z1, None)]


def _shapes(geom: PoreGeometry, tdim: int) -> list[tuple[str, int]]:
    """The overlapping (region, shape) list, lowest priority first."""
    draw = _Profile(tdim)
    h, f = geom.half_length_nm, 0.5 * geom.filter_length_nm
    shapes = [
        ("bath", draw.rectangle(geom.bath_radius_nm, *geom.electrodes_nm)),
        ("membrane", draw.rectangle(geom.bath_radius_nm, -h, h)),
    ]
    if geom.segments:
        for z0, z1, seg in geom.segment_layers():
            shapes.append((seg.name, draw.rectangle(seg.radius_nm, z0, z1)))
    elif geom.has_filter:
        shapes.append(("pore", draw.outline(pore_section(geom, -h, -f))))
        shapes.append(("pore", draw.outline(pore_section(geom, f, h))))
        shapes.append(("filter", draw.rectangle(geom.filter_radius_nm, -f, f)))
    else:
        shapes.append(("pore", draw.outline(pore_section(geom, -h, h))))
    return shapes


def _classify_cells(
    shapes: list[tuple[str, int]], tdim: int, priority: dict[str, int]
) -> dict[int, str]:
    import gmsh

    occ = gmsh.model.occ
    inputs = [(tdim, tag) for _, tag in shapes]
    _, pieces_of = occ.fragment(inputs[:1], inputs[1:])
    occ.synchronize()
    region: dict[int, str] = {}
    for (name, _), pieces in zip(shapes, pieces_of, strict=True):
        for _, piece in pieces:
            if piece not in region or priority[name] > priority[region[piece]]:
                region[piece] = name
    return region


def _classify_facets(
    geom: PoreGeometry, tdim: int, region: dict[int, str], walls: dict[str, str]
) -> tuple[dict[str, list[int]], list[int]]:
    """Facets per boundary role (`walls`: the role of each electrolyte region's facets
    towards the membrane), and the untagged pore-mouth facets (pore or segment | bath)."""
    import gmsh

    tol = 1e-6 * max(geom.z_max_nm, geom.bath_radius_nm)
    roles: dict[str, list[int]] = {}
    mouths = []
    for _, facet in gmsh.model.getEntities(tdim - 1):
        cells = gmsh.model.getAdjacencies(tdim - 1, facet)[0]
        sides = sorted({region[int(c)] for c in cells})
        role = None
        if len(cells) == 2 and "membrane" in sides and len(sides) == 2:
            role = walls[sides[0] if sides[1] == "membrane" else sides[1]]
        elif len(cells) == 2 and "bath" in sides and len(sides) == 2:
            mouths.append(facet)
        elif len(cells) == 1 and sides == ["bath"]:
            x, y, z = gmsh.model.occ.getCenterOfMass(tdim - 1, facet)
            r, zc = (x, y) if tdim == 2 else (math.hypot(x, y), z)
            if abs(zc - geom.electrodes_nm[0]) < tol:
                role = "electrode_inside"
            elif abs(zc - geom.electrodes_nm[1]) < tol:
                role = "electrode_outside"
            elif tdim == 3 or r > 0.5 * geom.bath_radius_nm:  # not the symmetry axis
                role = "bath_wall"
        if role is not None:
            roles.setdefault(role, []).append(facet)
    return roles, mouths


def _size_fields(
    geom: PoreGeometry,
    sizes: MeshSizes,
    tdim: int,
    refined_facets: list[int],
    fine_cells: list[int],
) -> None:
    import gmsh

    field = gmsh.model.mesh.field
    wall, largest = sizes.wall_size_nm, sizes.mesh_size_nm
    extent = 2.0 * max(geom.z_max_nm, geom.bath_radius_nm)
    distance = field.add("Distance")
    field.setNumbers(distance, "CurvesList" if tdim == 2 else "SurfacesList", refined_facets)
    field.setNumber(
        distance, "Sampling", distance_sampling(extent, wall, 4000 if tdim == 2 else 150)
    )
    threshold = threshold_field(
        distance,
        size_min=wall,
        size_max=largest,
        dist_min=0.0,
        dist_max=max(sizes.grading_distance_nm, 1e-3 * wall),
    )
    inside = field.add("Constant")
    field.setNumbers(inside, "SurfacesList" if tdim == 2 else "VolumesList", fine_cells)
    field.setNumber(inside, "IncludeBoundary", 1)
    field.setNumber(inside, "VIn", wall)
    field.setNumber(inside, "VOut", largest)
    use_smallest_of([threshold, inside])


def mesh_pore_model(geom: PoreGeometry, sizes: MeshSizes, tdim: int) -> None:
    """Build, tag and mesh the pore model in the current gmsh model (root rank only)."""
    import gmsh

    priority, walls = layout(geom)
    region = _classify_cells(_shapes(geom, tdim), tdim, priority)
    roles, mouths = _classify_facets(geom, tdim, region, walls)
    regions: dict[str, list[int]] = {}
    for cell, name in region.items():
        regions.setdefault(name, []).append(cell)
    add_physical_groups(tdim, regions, roles, region_tags([s.name for s in geom.segments]))
    tagged = [f for role in set(walls.values()) for f in roles.get(role, [])]
    fine = [cell for name in walls if name != "bath" for cell in regions.get(name, [])]
    _size_fields(geom, sizes, tdim, sorted(tagged + mouths), fine)
    gmsh.model.mesh.generate(tdim)
