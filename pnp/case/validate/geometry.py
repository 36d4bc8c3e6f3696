"""Validation of the [geometry] table: the built-in kinds and a mesh file."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pnp.case.schema import (
    BOUNDARY_ROLES,
    ENTRANCES,
    KINDS,
    REGION_NAMES,
    SHAPES,
    TIPS,
    FrozenMap,
    Geometry,
)
from pnp.case.validate.reader import MISSING, Reader, describe, did_you_mean, fmt

LENGTH = "length_nm"  # the bound of every length and mesh size (see bounds.py)

GEOMETRY_KEYS = (
    "kind",
    "pore_length_nm",
    "pore_radius_nm",
    "bath_radius_nm",
    "bath_length_nm",
    "membrane_offset_nm",
    "entrance",
    "entrance_radius_nm",
    "filter_length_nm",
    "filter_radius_nm",
    "shape",
    "tip_radius_nm",
    "base_radius_nm",
    "tip",
    "bullet_exponent",
    "profile_nm",
    "mesh_file",
    "axisymmetric",
    "groups",
    "mesh_size_nm",
    "wall_size_nm",
    "refine",
    "transition_nm",
)
_MESH_ONLY = ("mesh_file", "axisymmetric", "groups")
_BUILT_IN_KEYS = tuple(k for k in GEOMETRY_KEYS if k not in (*_MESH_ONLY, "transition_nm"))
# the keys of each pore shape of kinds axisymmetric / 3d (the others are refused)
_CYLINDER_KEYS = (
    "pore_length_nm",
    "pore_radius_nm",
    "entrance",
    "entrance_radius_nm",
    "filter_length_nm",
    "filter_radius_nm",
)
KEYS_BY_SHAPE = {
    "cylindrical": _CYLINDER_KEYS,
    "conical": ("pore_length_nm", "tip_radius_nm", "base_radius_nm", "tip"),
    "double_conical": ("pore_length_nm", "tip_radius_nm", "base_radius_nm"),
    "bullet": ("pore_length_nm", "tip_radius_nm", "base_radius_nm", "tip", "bullet_exponent"),
    "profile": ("profile_nm",),
}
_SHAPE_KEYS = tuple(dict.fromkeys(k for keys in KEYS_BY_SHAPE.values() for k in keys))
# Keys each geometry kind accepts (the others are rejected with an explanation).
GEOMETRY_KEYS_BY_KIND = {
    "slab": tuple(
        k for k in _BUILT_IN_KEYS if k in _CYLINDER_KEYS or k not in (*_SHAPE_KEYS, "shape")
    ),
    # the [[segments]] give the pore's length and radius profile
    "channel_1d": (
        "kind",
        "bath_radius_nm",
        "bath_length_nm",
        "membrane_offset_nm",
        "transition_nm",
        "mesh_size_nm",
        "wall_size_nm",
        "refine",
    ),
    "axisymmetric": _BUILT_IN_KEYS,
    "3d": _BUILT_IN_KEYS,
    "mesh": ("kind", "pore_length_nm", "pore_radius_nm", *_MESH_ONLY, "refine"),
    # the [structure] gives the pore; pore_length_nm is the membrane's thickness
    "structure": (
        "kind",
        "pore_length_nm",
        "bath_radius_nm",
        "bath_length_nm",
        "mesh_size_nm",
        "wall_size_nm",
        "refine",
    ),
}


# Keys that [[segments]] replace in the built-in kinds (the segments' lengths and radii
# define the pore); an imported mesh keeps its nominal pore_length_nm / pore_radius_nm.
SEGMENT_REPLACED = (
    "pore_length_nm",
    "pore_radius_nm",
    "filter_length_nm",
    "filter_radius_nm",
    "entrance",
    "entrance_radius_nm",
)


def read_geometry(r: Reader, data: Mapping[str, Any], base_dir: Path) -> Geometry | None:
    """The [geometry] table; with [[segments]] in a built-in kind the pore length and
    radius stay unset here and come from the segments (`pnp.case.validate.segments`)."""
    if "geometry" not in data:
        r.problem(
            "geometry",
            'missing required table; add [geometry] with at least kind = "axisymmetric" '
            "and pore_length_nm = 2.0",
        )
        return None
    g = r.table(data["geometry"], "geometry")
    if g is None:
        return None
    p = "geometry"
    kind = r.string(
        g, "kind", p, example='"axisymmetric" (one of ' + ", ".join(KINDS) + ")", choices=KINDS
    )
    allowed = GEOMETRY_KEYS_BY_KIND.get(kind, GEOMETRY_KEYS) if kind else GEOMETRY_KEYS

    def explain(key: str) -> str | None:
        if key not in GEOMETRY_KEYS:
            return None
        users = [k for k, keys in GEOMETRY_KEYS_BY_KIND.items() if key in keys]
        why = " (the mesh file defines the shape)" if kind == "mesh" else ""
        return (
            f"not used with kind = {kind!r}{why}; remove it "
            f"(it applies to kind = {' | '.join(users)})"
        )

    r.keys(g, allowed, p, explain=explain)
    if kind == "channel_1d":
        return _channel_1d(r, g)
    if kind == "structure":
        return _structure(r, g)
    segmented = "segments" in data and kind != "mesh"
    solid = kind in ("axisymmetric", "3d")
    shape = r.string(g, "shape", p, default="cylindrical", choices=SHAPES) if solid else None
    if solid and shape is None and not segmented:
        return None  # an unknown shape: its keys cannot be judged
    if segmented and shape not in (None, "cylindrical"):
        r.problem(
            "geometry.shape",
            f"shape = {shape!r} does not apply to [[segments]] (their radii shape the pore); "
            "remove it or the segments",
        )
        shape = None
    if shape is not None:
        for key in _SHAPE_KEYS:
            if segmented and key in _CYLINDER_KEYS:  # reported below
                continue
            if key in g and key not in KEYS_BY_SHAPE[shape]:
                users = " | ".join(s for s, keys in KEYS_BY_SHAPE.items() if key in keys)
                r.problem(
                    f"geometry.{key}",
                    f"not used with shape = {shape!r}; remove it (it applies to shape = {users})",
                )
    shaped = shape not in (None, "cylindrical")
    for key in SEGMENT_REPLACED:
        if segmented and key in g and key in allowed:
            r.problem(
                f"geometry.{key}",
                "not used with [[segments]] (their lengths and radii define the pore); remove it",
            )
    pore_length = (
        None
        if segmented or shape == "profile"
        else r.number(g, "pore_length_nm", p, example="2.0", gt=0.0, within=LENGTH)
    )
    pore_radius = (
        None
        if segmented or shaped
        else r.number(
            g,
            "pore_radius_nm",
            p,
            default=MISSING if solid else None,
            example="0.5",
            gt=0.0,
            within=LENGTH,
        )
    )
    refine = r.integer(g, "refine", p, default=0, ge=0)

    if kind == "mesh":
        mesh_file = _mesh_file(r, g, base_dir)
        # required for a 2D mesh (the reader says so once the dimension is known)
        axisymmetric = (
            r.boolean(g, "axisymmetric", p, default=False) if "axisymmetric" in g else None
        )
        groups = _groups(r, g, _segment_names(data))
        return Geometry(
            kind=kind,
            pore_length_nm=pore_length,
            pore_radius_nm=pore_radius,
            filter_radius_nm=pore_radius,
            mesh_file=mesh_file,
            axisymmetric=axisymmetric,
            groups=groups,
            refine=refine,
        )

    if solid:
        bath_radius = r.number(g, "bath_radius_nm", p, example="3.0", gt=0.0, within=LENGTH)
        bath_length = r.number(g, "bath_length_nm", p, example="3.0", gt=0.0, within=LENGTH)
        if bath_radius is not None and pore_radius is not None and bath_radius <= pore_radius:
            r.problem(
                "geometry.bath_radius_nm",
                f"must be > geometry.pore_radius_nm = {fmt(pore_radius)} nm, "
                f"got {fmt(bath_radius)}; make the bath wider than the pore",
            )
            bath_radius = None
    else:
        bath_radius = r.number(g, "bath_radius_nm", p, default=None, gt=0.0, within=LENGTH)
        bath_length = r.number(
            g, "bath_length_nm", p, default=0.0, ge=0.0, within=LENGTH, or_zero=True
        )

    wall: dict[str, Any] = {}
    if segmented or shaped:
        entrance, entrance_radius, filter_length, filter_radius = "sharp", 0.0, 0.0, None
        if shaped:
            wall = _shaped_wall(r, g, shape, pore_length, bath_radius)
            pore_length, pore_radius = wall.pop("pore_length_nm"), wall.pop("pore_radius_nm")
    else:
        entrance, entrance_radius, filter_length, filter_radius = _pore_shape(
            r, g, kind, pore_length, pore_radius, bath_radius
        )
    mesh_size, wall_size = _mesh_sizes(r, g)
    return Geometry(
        kind=kind,
        pore_length_nm=pore_length,
        pore_radius_nm=pore_radius,
        bath_radius_nm=bath_radius,
        bath_length_nm=bath_length,
        membrane_offset_nm=membrane_offset(r, g, bath_length),
        entrance=entrance,
        entrance_radius_nm=entrance_radius,
        filter_length_nm=filter_length,
        filter_radius_nm=filter_radius,
        axisymmetric=kind == "axisymmetric",
        mesh_size_nm=mesh_size,
        wall_size_nm=wall_size,
        refine=refine,
        **wall,
    )


def _shaped_wall(
    r: Reader,
    g: Mapping[str, Any],
    shape: str,
    pore_length: float | None,
    bath_radius: float | None,
) -> dict[str, Any]:
    """The fields of a conical, double-conical, bullet or tabulated pore wall, with the
    resolved pore length and narrowest radius (`pore_length_nm`, `pore_radius_nm`)."""
    p = "geometry"
    fields: dict[str, Any] = {"shape": shape}
    if shape == "profile":
        table = _profile(r, g)
        fields["profile_nm"] = table
        radii = [radius for _, radius in table]
        length = table[-1][0] - table[0][0] if table else None
        widest_key = "geometry.profile_nm"
    else:
        length = pore_length
        tip = r.number(g, "tip_radius_nm", p, example="1.0", gt=0.0, within=LENGTH)
        base = r.number(g, "base_radius_nm", p, example="5.0", gt=0.0, within=LENGTH)
        fields.update(tip_radius_nm=tip, base_radius_nm=base)
        if shape != "double_conical":
            fields["tip"] = r.string(g, "tip", p, default="inside", choices=TIPS)
        if shape == "bullet":
            fields["bullet_exponent"] = r.number(g, "bullet_exponent", p, default=0.5, gt=0.0)
        radii = [x for x in (tip, base) if x is not None]
        widest_key = "geometry.base_radius_nm"
        if tip is not None and base is not None and tip >= base:
            r.problem(
                "geometry.tip_radius_nm",
                f"must be < geometry.base_radius_nm = {fmt(base)} nm, got {fmt(tip)}; the tip "
                "is the narrow end of the pore",
            )
            radii = []
    if radii and bath_radius is not None and max(radii) >= bath_radius:
        r.problem(
            widest_key,
            f"the widest pore radius {fmt(max(radii))} nm must be < geometry.bath_radius_nm = "
            f"{fmt(bath_radius)} nm; widen the bath or narrow the pore",
        )
    fields.update(pore_length_nm=length, pore_radius_nm=min(radii) if radii else None)
    return fields


def _profile(r: Reader, g: Mapping[str, Any]) -> tuple[tuple[float, float], ...]:
    """The [[z, r], ...] table of a profile pore: z strictly increasing, r > 0."""
    key = "geometry.profile_nm"
    raw = g.get("profile_nm", MISSING)
    example = "[[0.0, 1.0], [10.0, 5.0]] ([z, r] in nm from the inside mouth)"
    if raw is MISSING:
        r.problem(key, f"missing required key; add profile_nm = {example} to [geometry]")
        return ()
    if not isinstance(raw, list | tuple) or len(raw) < 2:
        r.problem(key, f"expected at least two [z, r] points, got {describe(raw)}; e.g. {example}")
        return ()
    table: list[tuple[float, float]] = []
    for i, point in enumerate(raw):
        label = f"{key}[{i}]"
        if not isinstance(point, list | tuple) or len(point) != 2:
            r.problem(label, f"expected a [z, r] pair in nm, got {describe(point)}")
            return ()
        z = r.check_number(point[0], label)
        radius = r.check_number(point[1], label, gt=0.0, within=LENGTH)
        if z is None or radius is None:
            return ()
        if table and z <= table[-1][0]:
            r.problem(
                label,
                f"z = {fmt(z)} nm must be > the previous z = {fmt(table[-1][0])} nm; the "
                "profile runs from the inside mouth to the outside mouth with z increasing",
            )
            return ()
        table.append((z, radius))
    return tuple(table)


def _pore_shape(
    r: Reader,
    g: Mapping[str, Any],
    kind: str | None,
    pore_length: float | None,
    pore_radius: float | None,
    bath_radius: float | None,
) -> tuple[str | None, float | None, float | None, float | None]:
    """The entrance and the filter of a built-in pore: (entrance, entrance radius, filter
    length, filter radius)."""
    p = "geometry"
    solid = kind in ("axisymmetric", "3d")
    entrance = r.string(g, "entrance", p, default="sharp", choices=ENTRANCES)
    entrance_radius = r.number(
        g, "entrance_radius_nm", p, default=0.0, ge=0.0, within=LENGTH, or_zero=True
    )
    if kind == "slab" and entrance not in (None, "sharp"):
        r.problem(
            "geometry.entrance",
            f"a slab (1D) has no pore mouth to shape; remove entrance = {entrance!r} "
            'or set entrance = "sharp"',
        )
    elif entrance is not None and entrance_radius is not None:
        if entrance != "sharp" and entrance_radius <= 0.0:
            r.problem(
                "geometry.entrance_radius_nm",
                f"must be > 0 nm with entrance = {entrance!r}, got {fmt(entrance_radius)}; "
                'set it (e.g. entrance_radius_nm = 0.3) or use entrance = "sharp"',
            )
        if entrance == "sharp" and entrance_radius > 0.0:
            r.problem(
                "geometry.entrance_radius_nm",
                f"has no effect with entrance = 'sharp' (got {fmt(entrance_radius)}); "
                'set entrance = "rounded" or "conical", or remove entrance_radius_nm',
            )

    filter_length = r.number(
        g, "filter_length_nm", p, default=0.0, ge=0.0, within=LENGTH, or_zero=True
    )
    if filter_length is not None and pore_length is not None and filter_length >= pore_length:
        r.problem(
            "geometry.filter_length_nm",
            f"must be < geometry.pore_length_nm = {fmt(pore_length)} nm, got "
            f"{fmt(filter_length)}; the filter is an inner segment of the pore",
        )
        filter_length = None
    filter_radius = r.number(g, "filter_radius_nm", p, default=pore_radius, gt=0.0, within=LENGTH)
    if (
        "filter_radius_nm" in g
        and filter_radius is not None
        and pore_radius is not None
        and filter_radius > pore_radius
    ):
        r.problem(
            "geometry.filter_radius_nm",
            f"must be <= geometry.pore_radius_nm = {fmt(pore_radius)} nm, got "
            f"{fmt(filter_radius)}; the filter is the narrow part of the pore",
        )

    if solid and entrance not in (None, "sharp") and entrance_radius:
        if pore_length is not None and filter_length is not None:
            room = 0.5 * (pore_length - filter_length)
            if entrance_radius > room:
                r.problem(
                    "geometry.entrance_radius_nm",
                    f"must be <= (pore_length_nm - filter_length_nm) / 2 = {fmt(room)} nm, "
                    f"got {fmt(entrance_radius)}; the two shaped mouths and the filter must fit "
                    "in the pore length",
                )
        if (
            pore_radius is not None
            and bath_radius is not None
            and pore_radius + entrance_radius >= bath_radius
        ):
            r.problem(
                "geometry.entrance_radius_nm",
                f"pore_radius_nm + entrance_radius_nm = {fmt(pore_radius + entrance_radius)}"
                f" nm must be < bath_radius_nm = {fmt(bath_radius)} nm; reduce it or "
                "widen the bath",
            )

    return entrance, entrance_radius, filter_length, filter_radius


def _channel_1d(r: Reader, g: Mapping[str, Any]) -> Geometry:
    """The baths of a 1D channel model: wide segments of `bath_radius_nm` at either end."""
    p = "geometry"
    bath_radius = r.number(g, "bath_radius_nm", p, example="5.0", gt=0.0, within=LENGTH)
    bath_length = r.number(g, "bath_length_nm", p, default=0.0, ge=0.0, within=LENGTH, or_zero=True)
    transition = r.number(g, "transition_nm", p, default=0.0, ge=0.0, within=LENGTH, or_zero=True)
    mesh_size, wall_size = _mesh_sizes(r, g)
    return Geometry(
        kind="channel_1d",
        pore_length_nm=None,
        bath_radius_nm=bath_radius,
        bath_length_nm=bath_length,
        membrane_offset_nm=membrane_offset(r, g, bath_length),
        mesh_size_nm=mesh_size,
        wall_size_nm=wall_size,
        refine=r.integer(g, "refine", p, default=0, ge=0),
        transition_nm=transition,
    )


def _structure(r: Reader, g: Mapping[str, Any]) -> Geometry:
    """A cylinder of radius `bath_radius_nm` along the structure's pore axis; the membrane
    slab is `pore_length_nm` thick (0: the protein in free solution) and each bath
    reaches `bath_length_nm` beyond it. The narrowest radius comes from the atoms."""
    p = "geometry"
    thickness = r.number(g, "pore_length_nm", p, example="2.5", ge=0.0, within=LENGTH, or_zero=True)
    bath_radius = r.number(g, "bath_radius_nm", p, example="2.5", gt=0.0, within=LENGTH)
    bath_length = r.number(g, "bath_length_nm", p, example="2.0", gt=0.0, within=LENGTH)
    mesh_size, wall_size = _mesh_sizes(r, g)
    return Geometry(
        kind="structure",
        pore_length_nm=thickness,
        bath_radius_nm=bath_radius,
        bath_length_nm=bath_length,
        mesh_size_nm=mesh_size,
        wall_size_nm=wall_size,
        refine=r.integer(g, "refine", p, default=0, ge=0),
    )


def membrane_offset(r: Reader, g: Mapping[str, Any], bath_length: float | None) -> float:
    """`membrane_offset_nm`: the membrane moved by d towards the outside electrode, the
    inside bath bath_length + d long and the outside one bath_length - d (|d| < bath)."""
    key = "geometry.membrane_offset_nm"
    offset = r.number(g, "membrane_offset_nm", "geometry", default=0.0, example="5.0")
    if offset is None or bath_length is None or offset == 0.0:
        return 0.0 if offset is None else offset
    if abs(offset) >= bath_length:
        r.problem(
            key,
            f"must be between -{fmt(bath_length)} and {fmt(bath_length)} nm (each bath keeps "
            f"some length: bath_length_nm = {fmt(bath_length)} nm +- the offset), got "
            f"{fmt(offset)}; lengthen the baths or reduce the offset",
        )
        return 0.0
    return offset


def _mesh_sizes(r: Reader, g: Mapping[str, Any]) -> tuple[float | None, float | None]:
    """`mesh_size_nm` and `wall_size_nm` of a built-in geometry (None: the default)."""
    p = "geometry"
    mesh_size = r.number(g, "mesh_size_nm", p, default=None, gt=0.0, within=LENGTH)
    wall_size = r.number(g, "wall_size_nm", p, default=None, gt=0.0, within=LENGTH)
    if mesh_size is not None and wall_size is not None and wall_size > mesh_size:
        r.problem(
            "geometry.wall_size_nm",
            f"must be <= geometry.mesh_size_nm = {fmt(mesh_size)} nm, got {fmt(wall_size)}; "
            "the wall cells are the smallest",
        )
    return mesh_size, wall_size


def _mesh_file(r: Reader, g: Mapping[str, Any], base_dir: Path) -> Path | None:
    name = r.string(g, "mesh_file", "geometry", example='"../meshes/pore.msh"')
    if name is None:
        return None
    if not name:
        r.problem("geometry.mesh_file", 'is empty; give the mesh path, e.g. "../meshes/pore.msh"')
        return None
    if "\0" in name:
        r.problem("geometry.mesh_file", f"contains a NUL character: {name!r}; fix the path")
        return None
    path = Path(name).expanduser()
    if not path.is_absolute():
        path = base_dir / path
    path = path.resolve()
    if not path.is_file():
        r.problem(
            "geometry.mesh_file",
            f"file not found: {path} (relative paths are resolved against the case "
            f"file's directory {base_dir.resolve()}); fix the path or create the mesh",
        )
        return None
    return path


def _segment_names(data: Mapping[str, Any]) -> tuple[str, ...]:
    """The names of the [[segments]] entries (read in full by `pnp.case.validate.segments`)."""
    raw = data.get("segments")
    entries = raw if isinstance(raw, list | tuple) else ()
    return tuple(
        e["name"] for e in entries if isinstance(e, Mapping) and isinstance(e.get("name"), str)
    )


def _groups(r: Reader, g: Mapping[str, Any], segments: tuple[str, ...]) -> FrozenMap | None:
    groups = r.table(g.get("groups"), "geometry.groups")
    if groups is None:
        return None
    roles = (*REGION_NAMES, *segments, *BOUNDARY_ROLES)
    result = {}
    for name, role in groups.items():
        key = f"geometry.groups.{name}"
        if not isinstance(role, str):
            r.problem(key, f"expected a region or boundary role name, got {describe(role)}")
        elif role not in roles:
            r.problem(
                key,
                f"unknown role {role!r}; {did_you_mean(role, roles)}(regions: "
                f"{', '.join((*REGION_NAMES, *segments))}; boundaries: "
                f"{', '.join(BOUNDARY_ROLES)})",
            )
        else:
            result[str(name)] = role
    return FrozenMap(result)
