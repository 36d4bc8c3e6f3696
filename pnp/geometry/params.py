"""Validated geometry and mesh-size parameters shared by the builders (pure, no DOLFINx/gmsh).

Mesh sizes (all in nm, before refinement):

- ``wall_size_nm``: cell size at the electrolyte|membrane interfaces (pore wall,
  filter wall, membrane faces), at the pore mouths and everywhere inside the pore
  and filter (or segments). Default ``min(debye_length_nm / 2, pore_radius_nm / 4,
  filter_radius_nm / 4, pore_length_nm / 10)`` in 2D/3D, with segments
  ``min(debye_length_nm / 2, narrowest radius / 4, shortest length / 4,
  pore_length_nm / 10)`` (four cells across and along every segment); in 1D, where
  cells are cheap, ``min(debye_length_nm / 4, pore_length_nm / 20, filter_length_nm / 8,
  shortest segment / 8)``; never more than a given ``mesh_size_nm``.
- ``mesh_size_nm``: the largest cells, far from the pore in the baths. Default
  ``max(wall, min(bath_radius_nm, bath_length_nm) / 4)`` in 2D/3D and
  ``max(wall, total_length / 40)`` in 1D.

Between the two the size grows linearly with the distance d from the walls,
``h(d) = min(wall + GRADING * d, mesh)``. ``refine = k`` divides both sizes by
``2**k`` and keeps the grading distances, so the size field halves everywhere.

Before any mesh is built, `check_cell_count` compares the cells a mesh would have
(`estimated_cells`) with `cell_limit()`, so a size or refinement that cannot fit in
memory is refused at once instead of exhausting it.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np

from pnp.errors import InputError

ENTRANCES = ("sharp", "rounded", "conical")
SHAPES = ("cylindrical", "conical", "double_conical", "bullet", "profile")
TIPS = ("inside", "outside")
# vertices of the drawn bullet wall: equal steps of radius from the tip to the base
BULLET_VERTICES = 16

# Growth of the cell size per unit distance from the walls (2D/3D) or the
# region interfaces and electrodes (1D).
GRADING = 0.3
GRADING_1D = 0.2


class SegmentShape(NamedTuple):
    """One axial segment of the pore: its region name, length and radius (None in 1D)."""

    name: str
    length_nm: float | None  # None: an imported mesh's segment (the file gives its shape)
    radius_nm: float | None = None


@dataclass(frozen=True)
class PoreGeometry:
    """Dimensions of the membrane-pore-bath stack, in nm.

    The pore runs along z from -pore_length/2 to +pore_length/2. With an
    entrance of size ``entrance_radius_nm`` (e) the last e of each pore end
    widens from ``pore_radius_nm`` to ``pore_radius_nm + e`` at the mouth
    (z = +-pore_length/2): a quarter-circle fillet of radius e ("rounded") or a
    45-degree chamfer ("conical"). The central ``filter_length_nm`` of the pore
    is the filter region of radius ``filter_radius_nm``.

    With ``wall_nm`` (a shaped pore, `wall_outline`) the wall is the polyline through
    its (z, r) vertices and ``pore_radius_nm`` is the narrowest radius.

    With ``segments`` the pore is their stack instead, listed from the inside: segment
    k fills z_k < z < z_k+1 (radius r_k in 2D/3D); ``pore_length_nm`` is the sum of
    the lengths and ``pore_radius_nm`` the narrowest radius.

    ``membrane_offset_nm`` d places the membrane d closer to the outside electrode: the
    electrodes are at z = -(L/2 + Lb + d) and z = L/2 + Lb - d.
    """

    pore_length_nm: float
    bath_length_nm: float
    pore_radius_nm: float = 0.0
    bath_radius_nm: float = 0.0
    entrance: str = "sharp"
    entrance_radius_nm: float = 0.0
    filter_length_nm: float = 0.0
    filter_radius_nm: float = 0.0
    segments: tuple[SegmentShape, ...] = ()
    # (z, r) vertices of a shaped pore wall from z = -L/2 to z = +L/2 (`wall_outline`);
    # empty: the cylinder with its entrances and filter
    wall_nm: tuple[tuple[float, float], ...] = ()
    membrane_offset_nm: float = 0.0

    @property
    def half_length_nm(self) -> float:
        return 0.5 * self.pore_length_nm

    @property
    def z_max_nm(self) -> float:
        """The farther electrode's distance from the membrane centre z = 0."""
        return self.half_length_nm + self.bath_length_nm + abs(self.membrane_offset_nm)

    @property
    def bath_lengths_nm(self) -> tuple[float, float]:
        """Depths of the inside and the outside bath."""
        d = self.membrane_offset_nm
        return self.bath_length_nm + d, self.bath_length_nm - d

    @property
    def electrodes_nm(self) -> tuple[float, float]:
        """z of the inside and the outside electrode."""
        inside, outside = self.bath_lengths_nm
        return -self.half_length_nm - inside, self.half_length_nm + outside

    @property
    def mouth_radius_nm(self) -> float:
        """The wider of the two mouth radii."""
        if self.wall_nm:
            return max(self.wall_nm[0][1], self.wall_nm[-1][1])
        return self.pore_radius_nm + self.entrance_radius_nm

    @property
    def has_filter(self) -> bool:
        return self.filter_length_nm > 0.0

    def segment_layers(self) -> list[tuple[float, float, SegmentShape]]:
        """(z0, z1, segment) of each segment, the stack centred on z = 0."""
        h = self.half_length_nm
        ends = -h + np.concatenate(([0.0], np.cumsum([s.length_nm for s in self.segments])))
        ends[-1] = h
        return [
            (float(a), float(b), seg)
            for seg, a, b in zip(self.segments, ends[:-1], ends[1:], strict=True)
        ]


@dataclass(frozen=True)
class MeshSizes:
    """Unrefined cell sizes in nm, the growth rate between them and the refinement level."""

    base_wall_size_nm: float
    base_mesh_size_nm: float
    grading: float
    refine: int = 0

    @property
    def scale(self) -> float:
        """Factor applied to every size: 2**-refine."""
        return 0.5**self.refine

    @property
    def wall_size_nm(self) -> float:
        return self.base_wall_size_nm * self.scale

    @property
    def mesh_size_nm(self) -> float:
        return self.base_mesh_size_nm * self.scale

    @property
    def grading_distance_nm(self) -> float:
        """Distance from the walls at which the largest size is reached (refinement-independent)."""
        return (self.base_mesh_size_nm - self.base_wall_size_nm) / self.grading


def positive(name: str, value: float | None, *, allow_zero: bool = False) -> float:
    key = f"geometry.{name}"
    if value is None:
        raise InputError(key, "is required; set it to a length in nm")
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise InputError(key, f"must be a number in nm, got {value!r}") from None
    if not math.isfinite(number) or number < 0.0 or (number == 0.0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise InputError(key, f"must be {bound} (nm), got {value!r}")
    return number


def validate_refine(refine: int) -> int:
    if isinstance(refine, bool) or not isinstance(refine, int) or refine < 0:
        raise InputError(
            "geometry.refine", f"must be an integer >= 0 (halvings of all sizes), got {refine!r}"
        )
    return refine


def mesh_segments(kind: str, segments: Sequence) -> tuple[SegmentShape, ...]:
    """The part of each segment (with `name`, `length_nm`, `radius_nm`) that shapes the mesh
    of `kind`: the radius only in 2D/3D, the name only for an imported mesh (which gives
    the shape). Everything else is a material value, loaded into an existing problem."""
    if kind == "mesh":
        return tuple(SegmentShape(s.name, None) for s in segments)
    solid = kind in ("axisymmetric", "3d")
    return tuple(
        SegmentShape(s.name, s.length_nm, s.radius_nm if solid else None) for s in segments
    )


def segment_shapes(segments: Sequence[Sequence], *, with_radius: bool) -> tuple[SegmentShape, ...]:
    """Validate (name, length[, radius]) entries; the radius is required `with_radius`."""
    shapes = []
    for entry in segments:
        seg = SegmentShape(*entry)
        length = positive(f"segments.{seg.name}.length_nm", seg.length_nm)
        radius = None
        if with_radius:
            key = f"segments.{seg.name}.radius_nm"
            if seg.radius_nm is None:
                raise InputError(key, "is required for a 2D/3D pore; give the segment's radius")
            radius = positive(key, seg.radius_nm)
        shapes.append(SegmentShape(seg.name, length, radius))
    return tuple(shapes)


def slab_geometry(
    *,
    pore_length_nm: float,
    bath_length_nm: float,
    entrance: str,
    filter_length_nm: float,
    segments: Sequence[Sequence] = (),
    membrane_offset_nm: float = 0.0,
) -> PoreGeometry:
    """Validate the 1D stack: bath | pore [| filter | pore] | bath, or bath | segments | bath."""
    if segments:
        shapes = segment_shapes(segments, with_radius=False)
        bath = positive("bath_length_nm", bath_length_nm, allow_zero=True)
        return PoreGeometry(
            pore_length_nm=sum(s.length_nm for s in shapes),
            bath_length_nm=bath,
            segments=shapes,
            membrane_offset_nm=offset(membrane_offset_nm, bath),
        )
    length = positive("pore_length_nm", pore_length_nm)
    bath = positive("bath_length_nm", bath_length_nm, allow_zero=True)
    if entrance != "sharp":
        raise InputError(
            "geometry.entrance",
            f"entrance={entrance!r} needs a 2D or 3D pore; use entrance='sharp' for kind='slab'",
        )
    flen = positive("filter_length_nm", filter_length_nm, allow_zero=True)
    if flen >= length:
        raise InputError(
            "geometry.filter_length_nm",
            f"{flen} nm must be < pore_length_nm ({length} nm); shorten the filter",
        )
    return PoreGeometry(
        pore_length_nm=length,
        bath_length_nm=bath,
        filter_length_nm=flen,
        membrane_offset_nm=offset(membrane_offset_nm, bath),
    )


def offset(membrane_offset_nm: float, bath_length_nm: float) -> float:
    """The membrane offset, checked: both baths keep a positive length."""
    d = float(membrane_offset_nm)
    if not math.isfinite(d) or (d != 0.0 and abs(d) >= bath_length_nm):
        raise InputError(
            "geometry.membrane_offset_nm",
            f"must be between -bath_length_nm and bath_length_nm ({bath_length_nm:g} nm), "
            f"got {membrane_offset_nm!r}; lengthen the baths or reduce the offset",
        )
    return d


def pore_geometry(
    *,
    pore_length_nm: float,
    pore_radius_nm: float | None,
    bath_radius_nm: float | None,
    bath_length_nm: float,
    entrance: str,
    entrance_radius_nm: float,
    filter_length_nm: float,
    filter_radius_nm: float | None,
    segments: Sequence[Sequence] = (),
    shape: str = "cylindrical",
    tip_radius_nm: float | None = None,
    base_radius_nm: float | None = None,
    tip: str = "inside",
    bullet_exponent: float = 0.5,
    profile_nm: Sequence[Sequence[float]] = (),
    membrane_offset_nm: float = 0.0,
) -> PoreGeometry:
    """Validate the 2D/3D pore. ``entrance_radius_nm`` is ignored for a sharp entrance,
    ``filter_radius_nm`` without a filter; ``bath_radius_nm`` defaults to five
    mouth radii. With `segments` (name, length, radius) the pore is their stack and
    ``pore_length_nm``/``pore_radius_nm`` are taken from them."""
    bath = positive("bath_length_nm", bath_length_nm, allow_zero=True)
    if bath == 0.0:
        raise InputError(
            "geometry.bath_length_nm",
            "must be > 0 for a 2D/3D pore (the electrodes sit at the far "
            "ends of the baths); set bath_length_nm, e.g. to a few pore lengths",
        )
    d = offset(membrane_offset_nm, bath)
    if segments:
        return replace(
            _segmented_pore(segments, bath_radius_nm, bath, entrance, filter_length_nm),
            membrane_offset_nm=d,
        )
    if shape not in SHAPES:
        raise InputError("geometry.shape", f"must be one of {SHAPES}, got {shape!r}")
    if shape != "cylindrical":
        if entrance != "sharp" or filter_length_nm:
            key = "entrance" if entrance != "sharp" else "filter_length_nm"
            raise InputError(
                f"geometry.{key}", f"applies to shape='cylindrical' only, not {shape!r}"
            )
        wall = wall_outline(
            shape,
            pore_length_nm=pore_length_nm,
            tip_radius_nm=tip_radius_nm,
            base_radius_nm=base_radius_nm,
            tip=tip,
            bullet_exponent=bullet_exponent,
            profile_nm=profile_nm,
        )
        widest = max(r for _, r in wall)
        brad = (
            5.0 * widest if bath_radius_nm is None else positive("bath_radius_nm", bath_radius_nm)
        )
        if widest >= brad:
            raise InputError(
                "geometry.bath_radius_nm",
                f"the widest pore radius ({widest:g} nm) must be < bath_radius_nm ({brad:g} nm); "
                "widen the bath or narrow the pore",
            )
        return PoreGeometry(
            pore_length_nm=wall[-1][0] - wall[0][0],
            bath_length_nm=bath,
            pore_radius_nm=min(r for _, r in wall),
            bath_radius_nm=brad,
            wall_nm=wall,
            membrane_offset_nm=d,
        )
    length = positive("pore_length_nm", pore_length_nm)
    radius = positive("pore_radius_nm", pore_radius_nm)
    if entrance not in ENTRANCES:
        raise InputError("geometry.entrance", f"must be one of {ENTRANCES}, got {entrance!r}")
    ent = 0.0
    if entrance != "sharp":
        ent = positive("entrance_radius_nm", entrance_radius_nm)
    flen = positive("filter_length_nm", filter_length_nm, allow_zero=True)
    frad = radius
    if flen > 0.0:
        frad = (
            radius if filter_radius_nm is None else positive("filter_radius_nm", filter_radius_nm)
        )
        if frad > radius:
            raise InputError(
                "geometry.filter_radius_nm",
                f"{frad} nm must be <= pore_radius_nm ({radius} nm); "
                "the membrane fills the space around a narrower filter",
            )
    if flen + 2.0 * ent >= length:
        what = "filter_length_nm" if ent == 0.0 else "filter_length_nm + 2 * entrance_radius_nm"
        raise InputError(
            "geometry.filter_length_nm" if ent == 0.0 else "geometry.entrance_radius_nm",
            f"{what} ({flen + 2.0 * ent} nm) must be < pore_length_nm ({length} nm); "
            "shorten the filter or the entrance",
        )
    mouth = radius + ent
    brad = 5.0 * mouth if bath_radius_nm is None else positive("bath_radius_nm", bath_radius_nm)
    if mouth >= brad:
        what = "pore_radius_nm" if ent == 0.0 else "pore_radius_nm + entrance_radius_nm"
        raise InputError(
            "geometry.bath_radius_nm",
            f"{what} ({mouth} nm) must be < bath_radius_nm ({brad} nm); "
            "increase bath_radius_nm or narrow the pore",
        )
    return PoreGeometry(
        pore_length_nm=length,
        bath_length_nm=bath,
        pore_radius_nm=radius,
        bath_radius_nm=brad,
        entrance=entrance,
        entrance_radius_nm=ent,
        filter_length_nm=flen,
        filter_radius_nm=frad if flen > 0.0 else 0.0,
        membrane_offset_nm=d,
    )


def wall_outline(
    shape: str,
    *,
    pore_length_nm: float | None = None,
    tip_radius_nm: float | None = None,
    base_radius_nm: float | None = None,
    tip: str = "inside",
    bullet_exponent: float = 0.5,
    profile_nm: Sequence[Sequence[float]] = (),
) -> tuple[tuple[float, float], ...]:
    """(z, r) vertices of a shaped pore wall from the inside mouth z = -L/2 to the outside
    mouth z = +L/2, joined by straight lines.

    - conical: r_tip at the `tip` mouth ("inside" or "outside"), r_base at the other;
    - double_conical: r_tip at z = 0, r_base at both mouths (an hourglass);
    - bullet: r(s) = r_tip + (r_base - r_tip) (s / L)^p with s the distance from the
      tip mouth and p = `bullet_exponent` (p < 1: a narrow tip opening quickly into a
      nearly cylindrical body; p = 1 is the cone), drawn through `BULLET_VERTICES` + 1
      vertices at equal steps of radius;
    - profile: the table [[z, r], ...] with z strictly increasing from the inside mouth
      (the pore length is z_last - z_first).
    """
    if shape == "profile":
        return _profile_outline(profile_nm)
    length = positive("pore_length_nm", pore_length_nm)
    r_tip = positive("tip_radius_nm", tip_radius_nm)
    r_base = positive("base_radius_nm", base_radius_nm)
    if r_tip >= r_base:
        raise InputError(
            "geometry.tip_radius_nm",
            f"{r_tip:g} nm must be < base_radius_nm ({r_base:g} nm); the tip is the narrow end",
        )
    if tip not in TIPS:
        raise InputError("geometry.tip", f"must be one of {TIPS}, got {tip!r}")
    h = 0.5 * length
    if shape == "double_conical":
        return ((-h, r_base), (0.0, r_tip), (h, r_base))
    if shape == "conical":
        fractions = np.array([0.0, 1.0])
    elif shape == "bullet":
        p = float(bullet_exponent)
        if not (math.isfinite(p) and p > 0.0):
            raise InputError(
                "geometry.bullet_exponent", f"must be a number > 0 (1: a cone), got {p!r}"
            )
        fractions = np.linspace(0.0, 1.0, BULLET_VERTICES + 1)
    else:
        raise InputError("geometry.shape", f"must be one of {SHAPES}, got {shape!r}")
    # distance s from the tip at which r reaches r_tip + fraction (r_base - r_tip)
    s = length * fractions ** (1.0 / (bullet_exponent if shape == "bullet" else 1.0))
    radii = r_tip + (r_base - r_tip) * fractions
    z = np.clip(-h + s, -h, h)
    z[-1] = h  # exactly at the mouth
    if tip == "outside":  # the mirror image: the tip at z = +L/2
        z, radii = -z[::-1], radii[::-1]
    return tuple((float(a), float(b)) for a, b in zip(z, radii, strict=True))


def _profile_outline(profile_nm: Sequence[Sequence[float]]) -> tuple[tuple[float, float], ...]:
    key = "geometry.profile_nm"
    try:
        table = [(float(z), float(r)) for z, r in profile_nm]
    except (TypeError, ValueError):
        raise InputError(key, "must be a table [[z, r], ...] of numbers in nm") from None
    if len(table) < 2:
        raise InputError(key, "needs at least two [z, r] points (the two mouths)")
    for i, (z, r) in enumerate(table):
        if not (math.isfinite(z) and math.isfinite(r)) or r <= 0.0:
            raise InputError(f"{key}[{i}]", f"radius must be > 0 nm, got [{z:g}, {r:g}]")
        if i and z <= table[i - 1][0]:
            raise InputError(
                f"{key}[{i}]",
                f"z = {z:g} nm must be > the previous z ({table[i - 1][0]:g} nm); list the "
                "points from the inside mouth to the outside mouth",
            )
    z0, h = table[0][0], 0.5 * (table[-1][0] - table[0][0])
    return tuple((z - z0 - h, r) for z, r in table)


def _segmented_pore(
    segments: Sequence[Sequence],
    bath_radius_nm: float | None,
    bath_length_nm: float,
    entrance: str,
    filter_length_nm: float,
) -> PoreGeometry:
    """The 2D/3D pore as a stack of coaxial cylinders (sharp steps, no filter)."""
    if entrance != "sharp":
        raise InputError(
            "geometry.entrance",
            f"entrance={entrance!r} does not apply to a segment stack; shape the mouths "
            "with short segments instead",
        )
    if filter_length_nm:
        raise InputError(
            "geometry.filter_length_nm",
            "a segment stack has no separate filter; make the filter one of the segments",
        )
    shapes = segment_shapes(segments, with_radius=True)
    widest = max(s.radius_nm for s in shapes)
    brad = 5.0 * widest if bath_radius_nm is None else positive("bath_radius_nm", bath_radius_nm)
    for seg in shapes:
        if seg.radius_nm >= brad:
            raise InputError(
                f"segments.{seg.name}.radius_nm",
                f"{seg.radius_nm} nm must be < bath_radius_nm ({brad} nm); "
                "narrow the segment or widen the bath",
            )
    return PoreGeometry(
        pore_length_nm=sum(s.length_nm for s in shapes),
        bath_length_nm=bath_length_nm,
        pore_radius_nm=min(s.radius_nm for s in shapes),
        bath_radius_nm=brad,
        segments=shapes,
    )


def mesh_sizes(
    geom: PoreGeometry,
    *,
    dim: int,
    debye_length_nm: float,
    mesh_size_nm: float | None,
    wall_size_nm: float | None,
    refine: int,
) -> MeshSizes:
    """Resolve the default sizes (see module docstring) and apply ``refine`` halvings."""
    try:
        debye = float(debye_length_nm)
    except (TypeError, ValueError, OverflowError):
        debye = math.nan
    if not (math.isfinite(debye) and debye > 0.0):
        raise InputError(
            "species", f"the bath Debye length must be > 0 nm, got {debye_length_nm!r}"
        )
    refine = validate_refine(refine)
    if dim == 1:
        candidates = [debye / 4.0, geom.pore_length_nm / 20.0]
        if geom.has_filter:
            candidates.append(geom.filter_length_nm / 8.0)
        candidates += [seg.length_nm / 8.0 for seg in geom.segments]
        grading = GRADING_1D
    else:
        candidates = [debye / 2.0, geom.pore_radius_nm / 4.0, geom.pore_length_nm / 10.0]
        if geom.has_filter:
            candidates.append(geom.filter_radius_nm / 4.0)
        candidates += [seg.length_nm / 4.0 for seg in geom.segments]
        grading = GRADING
    wall = min(candidates) if wall_size_nm is None else positive("wall_size_nm", wall_size_nm)
    if mesh_size_nm is None:
        if dim == 1:
            far = (geom.pore_length_nm + 2.0 * geom.bath_length_nm) / 40.0
        else:
            far = min(geom.bath_radius_nm, geom.bath_length_nm) / 4.0
        mesh = max(wall, far)
    else:
        mesh = positive("mesh_size_nm", mesh_size_nm)
        if wall_size_nm is None:  # a default wall size never exceeds a given mesh size
            wall = min(wall, mesh)
    if wall > mesh:
        raise InputError(
            "geometry.wall_size_nm",
            f"{wall:g} nm must be <= mesh_size_nm ({mesh:g} nm); "
            "raise mesh_size_nm or lower wall_size_nm",
        )
    return MeshSizes(base_wall_size_nm=wall, base_mesh_size_nm=mesh, grading=grading, refine=refine)


# -- how large a mesh may be -------------------------------------------------------

# The largest mesh a run builds, in cells. An iterative solve of two species holds
# about 2.5 kB per cell (the 3D pore with 2e6 cells peaked at 4.3 GB in scripts/bench,
# gmsh about 1 kB per cell while meshing), so 1e7 cells fill a 24 GB machine.
MAX_CELLS = 10_000_000
MAX_CELLS_VARIABLE = "PNP_MAX_CELLS"  # raises (or lowers) the limit on bigger machines

# Cells per unit area (volume) of a mesh of size h: h^-2 (h^-3) times these, fitted
# to gmsh's meshes of the shipped cases (the estimates fall within 20 % of the counts).
CELLS_PER_H2 = 2.6
CELLS_PER_H3 = 6.0


def cell_limit() -> int:
    """`MAX_CELLS`, or the value of the environment variable `MAX_CELLS_VARIABLE`."""
    text = os.environ.get(MAX_CELLS_VARIABLE, "").strip()
    if not text:
        return MAX_CELLS
    try:
        limit = int(float(text))
    except (ValueError, OverflowError):
        limit = 0
    if limit < 1:
        raise InputError(
            MAX_CELLS_VARIABLE, f"must be a positive cell count such as 2e7, got {text!r}"
        )
    return limit


def _graded_integral(
    extent: float, wall: float, largest: float, grading: float, power: int, weight=None
) -> float:
    """Integral over t in [0, extent] of weight(t) / h(t)**power, h(t) = min(wall + grading t,
    largest): cells per unit cross-section of a layer graded away from a wall at t = 0."""
    if extent <= 0.0:
        return 0.0
    t = np.concatenate(([0.0], np.geomspace(1e-3 * wall, extent, 400)))
    t = t[t <= extent]
    f = 1.0 / np.minimum(wall + grading * t, largest) ** power
    if weight is not None:
        f = f * weight(t)
    return float(np.sum(0.5 * (f[1:] + f[:-1]) * np.diff(t)))


def _slab_cells(geom: PoreGeometry, sizes: MeshSizes) -> float:
    """Cells of the unrefined slab: each layer graded from both ends (`pnp.geometry.slab`)."""
    h, f = geom.half_length_nm, 0.5 * geom.filter_length_nm
    if geom.segments:
        lengths = [seg.length_nm for seg in geom.segments]
    else:
        lengths = [h - f, 2.0 * f, h - f] if geom.has_filter else [2.0 * h]
    lengths = [*lengths, *geom.bath_lengths_nm] if geom.bath_length_nm > 0.0 else lengths
    wall, largest, grading = sizes.base_wall_size_nm, sizes.base_mesh_size_nm, sizes.grading
    return sum(
        max(1.0, math.ceil(2.0 * _graded_integral(0.5 * x, wall, largest, grading, 1)))
        for x in lengths
        if x > 0.0
    )


def _pore_cells(geom: PoreGeometry, sizes: MeshSizes, dim: int) -> float:
    """Cells of the unrefined 2D (r-z) or 3D pore model (`pnp.geometry.profile`): the pore
    at the wall size, the baths graded away from the membrane plane, the membrane graded
    away from its faces and the pore wall (the entrance and a filter change little; a
    segment stack or a shaped wall counts as its r-z area or volume, the membrane around
    its mean radius)."""
    wall, largest, grading = sizes.base_wall_size_nm, sizes.base_mesh_size_nm, sizes.grading
    rp, rb = geom.pore_radius_nm, geom.bath_radius_nm
    section, volume = rp * geom.pore_length_nm, math.pi * rp**2 * geom.pore_length_nm
    if geom.segments:
        section = sum(s.radius_nm * s.length_nm for s in geom.segments)
        volume = sum(math.pi * s.radius_nm**2 * s.length_nm for s in geom.segments)
        rp = section / geom.pore_length_nm
    if geom.wall_nm:  # trapezoids and frusta between the wall vertices
        z, r = np.array(geom.wall_nm).T
        dz, r0, r1 = np.diff(z), r[:-1], r[1:]
        section = float(np.sum(0.5 * (r0 + r1) * dz))
        volume = float(np.sum(math.pi / 3.0 * (r0**2 + r0 * r1 + r1**2) * dz))
        rp = section / geom.pore_length_nm
    half, depth = geom.half_length_nm, rb - rp
    span = min(half, depth)
    if dim == 2:
        pore = section / wall**2
        baths = sum(
            rb * _graded_integral(lb, wall, largest, grading, 2) for lb in geom.bath_lengths_nm
        )
        # points at distance t from the nearest face or pore wall form a line of length
        # (half - t) + (depth - t) in each half of the membrane
        membrane = 2.0 * _graded_integral(
            span, wall, largest, grading, 2, lambda t: half + depth - 2.0 * t
        )
        return CELLS_PER_H2 * (pore + baths + membrane)
    pore = volume / wall**3
    baths = sum(
        math.pi * rb**2 * _graded_integral(lb, wall, largest, grading, 3)
        for lb in geom.bath_lengths_nm
    )

    def ring(t):  # the same set of points, revolved about the axis
        face = math.pi * (rb**2 - (rp + t) ** 2)
        return face + 2.0 * math.pi * (rp + t) * (half - t)

    membrane = 2.0 * _graded_integral(span, wall, largest, grading, 3, ring)
    return CELLS_PER_H3 * (pore + baths + membrane)


def estimated_cells(geom: PoreGeometry, sizes: MeshSizes, dim: int) -> tuple[float, int]:
    """Cells of the built-in mesh before refinement, and the refinement doubling count:
    the mesh has about ``cells * 2**doublings`` cells."""
    base = _slab_cells(geom, sizes) if dim == 1 else _pore_cells(geom, sizes, dim)
    return base, dim * sizes.refine


def check_cell_count(cells: float, doublings: int, *, key: str, fix: str) -> None:
    """Refuse a mesh of ``cells * 2**doublings`` cells beyond `cell_limit()`.

    `key` and `fix` name the setting to change and how, for the message.
    """
    limit = cell_limit()
    log2 = math.log2(max(cells, 1.0)) + doublings
    if log2 <= math.log2(limit):
        return
    size = _count(2.0**log2) if log2 < 1000 else f"10^{log2 * math.log10(2.0):.0f}"
    if limit == MAX_CELLS:
        most = f"the {_count(limit)} cells that fit in 24 GB of memory"
    else:
        most = f"{MAX_CELLS_VARIABLE} = {_count(limit)} cells"
    raise InputError(
        key,
        f"the mesh would have about {size} cells, more than {most}; {fix} "
        f"(or set {MAX_CELLS_VARIABLE} on a larger machine)",
    )


def _count(n: float) -> str:
    """1.9e18, 1e7, 5300."""
    return f"{n:.2g}".replace("e+0", "e").replace("e+", "e")
