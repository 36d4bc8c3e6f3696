"""Validation of the [structure] table: an atomic structure (PQR file) as the channel."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from pnp.case.schema import Geometry, StructureInput
from pnp.case.validate.reader import Reader, describe
from pnp.errors import InputError

STRUCTURE_KEYS = ("pqr_file", "protein_permittivity", "ion_radius_nm", "net_charge_e", "axis")


def read_structure(
    r: Reader, data: Mapping[str, Any], geometry: Geometry | None, base_dir: Path
) -> StructureInput | None:
    kind = geometry.kind if geometry is not None else None
    if "structure" not in data:
        if kind == "structure":
            r.problem(
                "structure",
                'kind = "structure" needs a [structure] table; add one with pqr_file = '
                '"structures/1grm.pqr", protein_permittivity = 2.0 and ion_radius_nm = 0.0',
            )
        return None
    t = r.table(data["structure"], "structure")
    if t is None:
        return None
    p = "structure"
    if geometry is not None and kind != "structure":
        r.problem(p, f'[structure] needs kind = "structure", not {kind!r}; set geometry.kind')
        return None
    r.keys(t, STRUCTURE_KEYS, p)
    path = _pqr_file(r, t, base_dir)
    eps = r.number(t, "protein_permittivity", p, example="2.0", within="permittivity")
    ion_radius = r.number(
        t, "ion_radius_nm", p, example="0.0", ge=0.0, within="length_nm", or_zero=True
    )
    net = r.number(t, "net_charge_e", p, default=None)
    axis = _axis(r, t.get("axis"))
    if None in (path, eps, ion_radius) or axis is False:
        return None
    return StructureInput(
        pqr_file=path,
        protein_permittivity=eps,
        ion_radius_nm=ion_radius,
        net_charge_e=net,
        axis=axis,
    )


def resolve_channel(r: Reader, geometry: Geometry, structure: StructureInput) -> Geometry:
    """The geometry with the lumen's narrowest free radius as `pore_radius_nm` (the reference
    section of current densities), after the structure's own checks
    (`pnp.structure.channel.check_channel`)."""
    values = (geometry.pore_length_nm, geometry.bath_radius_nm, geometry.bath_length_nm)
    if None in values:
        return geometry
    from pnp.structure.channel import check_channel, load_atoms

    try:
        atoms = load_atoms(
            structure.pqr_file, axis=structure.axis, net_charge_e=structure.net_charge_e
        )
        radius = check_channel(
            atoms,
            membrane_thickness_nm=geometry.pore_length_nm,
            bath_radius_nm=geometry.bath_radius_nm,
            bath_length_nm=geometry.bath_length_nm,
            ion_radius_nm=structure.ion_radius_nm,
        )
    except InputError as exc:
        r.problem(exc.key, exc.detail)
        return geometry
    return replace(geometry, pore_radius_nm=radius)


def _pqr_file(r: Reader, t: Mapping[str, Any], base_dir: Path) -> Path | None:
    key = "structure.pqr_file"
    name = r.string(t, "pqr_file", "structure", example='"structures/1grm.pqr"')
    if name is None:
        return None
    if not name or "\0" in name:
        r.problem(key, f"is not a file path ({name!r}); give the PQR file, e.g. 1grm.pqr")
        return None
    path = Path(name).expanduser()
    path = (path if path.is_absolute() else base_dir / path).resolve()
    if not path.is_file():
        r.problem(
            key,
            f"file not found: {path} (relative paths are resolved against the case file's "
            f"directory {base_dir.resolve()}); fix the path",
        )
        return None
    return path


def _axis(r: Reader, raw: Any) -> tuple[float, float, float] | bool | None:
    """The given pore axis, None (the principal axis) or False (reported problem)."""
    if raw is None:
        return None
    values = raw if isinstance(raw, list | tuple) else ()
    numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    if len(values) != 3 or len(numbers) != 3 or not all(map(math.isfinite, numbers)):
        r.problem("structure.axis", f"expected 3 numbers, e.g. [0, 1, 0]; got {describe(raw)}")
        return False
    if not any(numbers):
        r.problem("structure.axis", "is the zero vector; give the pore direction, e.g. [0, 1, 0]")
        return False
    return (float(numbers[0]), float(numbers[1]), float(numbers[2]))
