"""Validated geometry and mesh-size parameters shared by the builders (pure, no DOLFINx/gmsh).

Mesh sizes (all in nm, before refinement):

- ``wall_size_nm``: cell size at the electrolyte|membrane interfaces (pore wall,
  filter wall, membrane faces), at the pore mouths and everywhere inside the pore
  and filter. Default ``min(debye_length_nm / 2, pore_radius_nm / 4,
  filter_radius_nm / 4, pore_length_nm / 10)`` in 2D/3D; in 1D, where cells are
  cheap, ``min(debye_length_nm / 4, pore_length_nm / 20, filter_length_nm / 8)``;
  never more than a given ``mesh_size_nm``.
- ``mesh_size_nm``: the largest cells, far from the pore in the baths. Default
  ``max(wall, min(bath_radius_nm, bath_length_nm) / 4)`` in 2D/3D and
  ``max(wall, total_length / 40)`` in 1D.

Between the two the size grows linearly with the distance d from the walls,
``h(d) = min(wall + GRADING * d, mesh)``. ``refine = k`` divides both sizes by
``2**k`` and keeps the grading distances, so the size field halves everywhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

ENTRANCES = ("sharp", "rounded", "conical")

# Growth of the cell size per unit distance from the walls (2D/3D) or the
# region interfaces and electrodes (1D).
GRADING = 0.3
GRADING_1D = 0.2


@dataclass(frozen=True)
class PoreGeometry:
    """Dimensions of the membrane-pore-bath stack, in nm.

    The pore runs along z from -pore_length/2 to +pore_length/2. With an
    entrance of size ``entrance_radius_nm`` (e) the last e of each pore end
    widens from ``pore_radius_nm`` to ``pore_radius_nm + e`` at the mouth
    (z = +-pore_length/2): a quarter-circle fillet of radius e ("rounded") or a
    45-degree chamfer ("conical"). The central ``filter_length_nm`` of the pore
    is the filter region of radius ``filter_radius_nm``.
    """

    pore_length_nm: float
    bath_length_nm: float
    pore_radius_nm: float = 0.0
    bath_radius_nm: float = 0.0
    entrance: str = "sharp"
    entrance_radius_nm: float = 0.0
    filter_length_nm: float = 0.0
    filter_radius_nm: float = 0.0

    @property
    def half_length_nm(self) -> float:
        return 0.5 * self.pore_length_nm

    @property
    def z_max_nm(self) -> float:
        """Position of the outside electrode (the inside one is at -z_max)."""
        return self.half_length_nm + self.bath_length_nm

    @property
    def mouth_radius_nm(self) -> float:
        return self.pore_radius_nm + self.entrance_radius_nm

    @property
    def has_filter(self) -> bool:
        return self.filter_length_nm > 0.0


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
    if value is None:
        raise ValueError(f"{name} is required; set it to a length in nm")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number in nm, got {value!r}") from None
    if not math.isfinite(number) or number < 0.0 or (number == 0.0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be {bound} (nm), got {value!r}")
    return number


def validate_refine(refine: int) -> int:
    if isinstance(refine, bool) or not isinstance(refine, int) or refine < 0:
        raise ValueError(f"refine must be an integer >= 0 (halvings of all sizes), got {refine!r}")
    return refine


def slab_geometry(
    *, pore_length_nm: float, bath_length_nm: float, entrance: str, filter_length_nm: float
) -> PoreGeometry:
    """Validate the 1D stack: bath | pore [| filter | pore] | bath."""
    length = positive("pore_length_nm", pore_length_nm)
    bath = positive("bath_length_nm", bath_length_nm, allow_zero=True)
    if entrance != "sharp":
        raise ValueError(
            f"entrance={entrance!r} needs a 2D or 3D pore; use entrance='sharp' for kind='slab'"
        )
    flen = positive("filter_length_nm", filter_length_nm, allow_zero=True)
    if flen >= length:
        raise ValueError(
            f"filter_length_nm ({flen}) must be < pore_length_nm ({length}); shorten the filter"
        )
    return PoreGeometry(pore_length_nm=length, bath_length_nm=bath, filter_length_nm=flen)


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
) -> PoreGeometry:
    """Validate the 2D/3D pore. ``entrance_radius_nm`` is ignored for a sharp entrance,
    ``filter_radius_nm`` without a filter; ``bath_radius_nm`` defaults to five
    mouth radii."""
    length = positive("pore_length_nm", pore_length_nm)
    radius = positive("pore_radius_nm", pore_radius_nm)
    bath = positive("bath_length_nm", bath_length_nm, allow_zero=True)
    if bath == 0.0:
        raise ValueError(
            "bath_length_nm must be > 0 for a 2D/3D pore (the electrodes sit at the far "
            "ends of the baths); set bath_length_nm, e.g. to a few pore lengths"
        )
    if entrance not in ENTRANCES:
        raise ValueError(f"entrance must be one of {ENTRANCES}, got {entrance!r}")
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
            raise ValueError(
                f"filter_radius_nm ({frad}) must be <= pore_radius_nm ({radius}); "
                "the membrane fills the space around a narrower filter"
            )
    if flen + 2.0 * ent >= length:
        what = "filter_length_nm" if ent == 0.0 else "filter_length_nm + 2 * entrance_radius_nm"
        raise ValueError(
            f"{what} ({flen + 2.0 * ent}) must be < pore_length_nm ({length}); "
            "shorten the filter or the entrance"
        )
    mouth = radius + ent
    brad = 5.0 * mouth if bath_radius_nm is None else positive("bath_radius_nm", bath_radius_nm)
    if mouth >= brad:
        what = "pore_radius_nm" if ent == 0.0 else "pore_radius_nm + entrance_radius_nm"
        raise ValueError(
            f"{what} ({mouth}) must be < bath_radius_nm ({brad}); "
            "increase bath_radius_nm or narrow the pore"
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
    debye = positive("debye_length_nm", debye_length_nm)
    refine = validate_refine(refine)
    if dim == 1:
        candidates = [debye / 4.0, geom.pore_length_nm / 20.0]
        if geom.has_filter:
            candidates.append(geom.filter_length_nm / 8.0)
        grading = GRADING_1D
    else:
        candidates = [debye / 2.0, geom.pore_radius_nm / 4.0, geom.pore_length_nm / 10.0]
        if geom.has_filter:
            candidates.append(geom.filter_radius_nm / 4.0)
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
        raise ValueError(
            f"wall_size_nm ({wall}) must be <= mesh_size_nm ({mesh}); "
            "raise mesh_size_nm or lower wall_size_nm"
        )
    return MeshSizes(base_wall_size_nm=wall, base_mesh_size_nm=mesh, grading=grading, refine=refine)
