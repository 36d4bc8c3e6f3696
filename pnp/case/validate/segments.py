"""Validation of the [[segments]] array: the axial stack of the pore.

Each segment has a name, a length and (in the 1D channel model and the 2D/3D
pores, where the stack is coaxial cylinders) a radius below the bath radius, a
permittivity, a fixed charge (``fixed_charge_M``, or ``fixed_charge_e``
elementary charges spread over its volume pi r^2 L) and per-species diffusion
coefficients: ``diffusion_m2_per_s`` or ``diffusion_factor``, each a number for
every species or a table by species name (a factor multiplies the species'
free D). Segments are listed from the inside bath to the outside bath.

With kind = "mesh" the file's cell groups give the segments' shapes: length and
radius are optional and serve only the a-priori GHK counterpart (lengths on every
segment or on none; none: equal shares of ``geometry.pore_length_nm``), and the
charge is given in M (the volume is the mesh's).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from pnp.case.schema import FrozenMap, Geometry, Segment, Species
from pnp.case.validate.reader import MISSING, Reader, describe, did_you_mean, fmt
from pnp.case.validate.species import SPECIES_NAME as SEGMENT_NAME
from pnp.constants import AVOGADRO

SEGMENT_KEYS = (
    "name",
    "length_nm",
    "radius_nm",
    "permittivity",
    "fixed_charge_M",
    "fixed_charge_e",
    "diffusion_m2_per_s",
    "diffusion_factor",
)
# kinds whose segments are cylinders of their radius (the others need no radius)
RADIUS_KINDS = ("channel_1d", "axisymmetric", "3d")
# the segments replace the pore and filter regions, so only these names stay taken
RESERVED = ("bath", "membrane")
LITRES_PER_NM3 = 1e-24


def charge_e_to_molar(charge_e: float, volume_nm3: float) -> float:
    """Elementary charges spread over `volume_nm3` as a volume charge in M."""
    return charge_e / (AVOGADRO * volume_nm3 * LITRES_PER_NM3)


def read_segments(
    r: Reader,
    data: Mapping[str, Any],
    geometry: Geometry | None,
    species: Sequence[Species] | None,
    pore_permittivity: float,
) -> tuple[Segment, ...]:
    raw = data.get("segments", MISSING)
    kind = geometry.kind if geometry is not None else None
    example = (
        '[[segments]] tables, e.g. name = "filter", length_nm = 1.0, radius_nm = 0.5, '
        "permittivity = 30, fixed_charge_e = -1"
    )
    if raw is MISSING:
        if kind == "channel_1d":
            r.problem("segments", f"kind = 'channel_1d' needs the pore as {example}")
        return ()
    if not isinstance(raw, list | tuple) or not raw:
        r.problem(
            "segments", f"expected a non-empty array of tables, got {describe(raw)}; {example}"
        )
        return ()
    needs_radius = kind in RADIUS_KINDS
    mesh = kind == "mesh"
    seen: set[str] = set()
    result: list[Segment] = []
    for i, entry in enumerate(raw):
        label = f"segments[{i}]"
        if not isinstance(entry, Mapping):
            r.problem(label, f"expected a [[segments]] table, got {describe(entry)}")
            continue
        name = entry.get("name")
        if not isinstance(name, str) or not SEGMENT_NAME.match(name):
            detail = "missing required key" if name is None else f"invalid name {describe(name)}"
            r.problem(
                f"{label}.name",
                f"{detail}; name each segment with letters, digits and _ starting with a letter, "
                'e.g. name = "filter"',
            )
            continue
        if name in RESERVED or name in seen:
            taken = "a region" if name in RESERVED else "another segment"
            r.problem(f"segments.{name}", f"the name is taken by {taken}; rename the segment")
            continue
        seen.add(name)
        label = f"segments.{name}"
        r.keys(entry, SEGMENT_KEYS, label)
        length = r.number(
            entry,
            "length_nm",
            label,
            default=None if mesh else MISSING,
            example="1.0",
            gt=0.0,
            within="length_nm",
        )
        radius = r.number(
            entry,
            "radius_nm",
            label,
            default=MISSING if needs_radius else None,
            example="0.5",
            gt=0.0,
            within="length_nm",
        )
        bath_radius = geometry.bath_radius_nm if geometry is not None else None
        if needs_radius and radius is not None and bath_radius is not None:
            # a 1D channel may be as wide as its baths (a uniform channel); in 2D/3D the
            # membrane must surround the pore
            channel = kind == "channel_1d"
            if radius > bath_radius or (radius == bath_radius and not channel):
                r.problem(
                    f"{label}.radius_nm",
                    f"{fmt(radius)} nm is {'wider than' if channel else 'not narrower than'} "
                    f"geometry.bath_radius_nm = {fmt(bath_radius)} nm; narrow the segment or "
                    "widen the bath",
                )
        eps = r.number(
            entry, "permittivity", label, default=pore_permittivity, within="permittivity"
        )
        if mesh and "fixed_charge_e" in entry:
            r.problem(
                f"{label}.fixed_charge_e",
                "with kind = 'mesh' the segment's volume is the mesh's; give the charge as "
                "fixed_charge_M",
            )
            continue
        charge = _fixed_charge(r, entry, label, length, radius, needs_radius)
        diffusion = _diffusion(r, entry, label, species)
        if None in (eps, charge, diffusion) or (needs_radius and radius is None):
            continue
        if length is None and not mesh:
            continue
        result.append(
            Segment(
                name=name,
                length_nm=length,
                radius_nm=radius,
                permittivity=eps,
                fixed_charge_M=charge,
                diffusion_m2_per_s=diffusion,
            )
        )
    return _nominal_lengths(r, tuple(result), geometry) if mesh else tuple(result)


def _nominal_lengths(
    r: Reader,
    segments: tuple[Segment, ...],
    geometry: Geometry | None,
) -> tuple[Segment, ...]:
    """Segments of an imported mesh: lengths on every segment or on none, then equal shares
    of the nominal pore length (the lengths only serve the GHK counterpart)."""
    missing = [s.name for s in segments if s.length_nm is None]
    if not missing:
        return segments
    if len(missing) < len(segments):
        r.problem(
            f"segments.{missing[0]}.length_nm",
            "give length_nm on every segment or on none (with kind = 'mesh' the lengths only "
            "set the GHK counterpart; none: equal shares of geometry.pore_length_nm)",
        )
        return ()
    total = geometry.pore_length_nm if geometry is not None else None
    if total is None:
        return ()
    share = total / len(segments)
    return tuple(replace(s, length_nm=share) for s in segments)


def _fixed_charge(
    r: Reader,
    entry: Mapping[str, Any],
    label: str,
    length: float | None,
    radius: float | None,
    radius_required: bool,
) -> float | None:
    if "fixed_charge_M" in entry and "fixed_charge_e" in entry:
        r.problem(f"{label}.fixed_charge_e", "give fixed_charge_M or fixed_charge_e, not both")
        return None
    if "fixed_charge_e" not in entry:
        return r.number(entry, "fixed_charge_M", label, default=0.0, within="fixed_charge_M")
    charge_e = r.number(entry, "fixed_charge_e", label)
    if charge_e is None or length is None:
        return None
    if radius is None:
        if radius_required or "radius_nm" in entry:  # its problem is reported already
            return None
        r.problem(
            f"{label}.fixed_charge_e",
            "needs radius_nm (the charge is spread over pi r^2 L); add radius_nm or give "
            "fixed_charge_M",
        )
        return None
    molar = charge_e_to_molar(charge_e, math.pi * radius**2 * length)
    return r.check_bound(molar, f"{label}.fixed_charge_e", "fixed_charge_M")


def _diffusion(
    r: Reader, entry: Mapping[str, Any], label: str, species: Sequence[Species] | None
) -> FrozenMap | None:
    """Diffusion coefficient of every species in the segment (m^2/s)."""
    if species is None:
        return None
    if "diffusion_m2_per_s" in entry and "diffusion_factor" in entry:
        r.problem(
            f"{label}.diffusion_factor", "give diffusion_m2_per_s or diffusion_factor, not both"
        )
        return None
    absolute = "diffusion_m2_per_s" in entry
    key = "diffusion_m2_per_s" if absolute else "diffusion_factor"
    within = key
    value = entry.get(key, 1.0)
    names = [s.name for s in species]
    if isinstance(value, Mapping):
        for name in value:
            if name not in names:
                r.problem(
                    f"{label}.{key}.{name}",
                    f"unknown species; {did_you_mean(str(name), names)}(species: "
                    f"{', '.join(names)})",
                )
        if absolute and (missing := [n for n in names if n not in value]):
            r.problem(
                f"{label}.{key}",
                f"missing {', '.join(missing)}; give every species a coefficient (or use "
                "diffusion_factor, which defaults to 1)",
            )
            return None
        given = {n: value.get(n, 1.0) for n in names}
    else:
        given = dict.fromkeys(names, value)
    result = {}
    for s in species:
        number = r.check_number(given[s.name], f"{label}.{key}.{s.name}", gt=0.0, within=within)
        if number is None:
            return None
        result[s.name] = number if absolute else number * s.diffusion_m2_per_s
    return FrozenMap(result)
