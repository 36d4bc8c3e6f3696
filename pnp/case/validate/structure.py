"""Validation of the [structure] table: an atomic structure (a PQR file, or a PDB file
with a pdb2pqr force field) as the channel."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pnp.case.schema import Geometry, StructureInput
from pnp.case.validate.reader import Reader, describe
from pnp.errors import InputError

if TYPE_CHECKING:
    from mpi4py import MPI

STRUCTURE_KEYS = (
    "pqr_file",
    "pdb_file",
    "force_field",
    "neutral_termini",
    "protein_permittivity",
    "ion_radius_nm",
    "net_charge_e",
    "axis",
)


def read_structure(
    r: Reader,
    data: Mapping[str, Any],
    geometry: Geometry | None,
    base_dir: Path,
    comm: MPI.Comm | None = None,
) -> StructureInput | None:
    """The [structure] table; a `pdb_file` is converted by pdb2pqr on rank 0 of `comm`
    (None: this process), the same error on every rank."""
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
    source = _source(r, t, base_dir, comm)
    if source is None:
        return None
    path, pdb = source
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
        **pdb,
    )


def _source(
    r: Reader, t: Mapping[str, Any], base_dir: Path, comm: MPI.Comm | None
) -> tuple[Path | None, dict[str, Any]] | None:
    """(the PQR file, the PDB fields of `StructureInput`), or None after a problem."""
    given = [key for key in ("pqr_file", "pdb_file") if key in t]
    if len(given) != 1:
        r.problem(
            "structure.pqr_file",
            "give exactly one of pqr_file and pdb_file"
            + (" (both are set)" if given else ', e.g. pqr_file = "structures/1grm.pqr"'),
        )
        return None
    if given == ["pqr_file"]:
        for key in ("force_field", "neutral_termini"):
            if key in t:
                r.problem(f"structure.{key}", "applies to a pdb_file only; remove it")
        return _file(r, t, "pqr_file", base_dir, "PQR"), {}
    from pnp.structure import pdb2pqr

    pdb = _file(r, t, "pdb_file", base_dir, "PDB")
    neutral = r.boolean(t, "neutral_termini", "structure", default=False)
    name = r.string(t, "force_field", "structure", example='"PARSE"')
    if pdb is None or name is None or neutral is None:
        return None
    try:
        allowed = pdb2pqr.force_fields()
        if name.upper() not in allowed:
            r.problem(
                "structure.force_field",
                f"unknown force field {name!r}; pdb2pqr offers {', '.join(allowed)}",
            )
            return None
        generated = pdb2pqr.generate_pqr(
            comm, pdb, force_field=name.upper(), neutral_termini=neutral
        )
    except InputError as exc:
        r.problem(exc.key, exc.detail)
        return None
    fields = dict(
        pdb_file=pdb,
        force_field=name.upper(),
        neutral_termini=neutral,
        pdb2pqr=generated.provenance,
    )
    return generated.path, fields


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
        made = structure.pdb_file is not None and str(structure.pqr_file) in exc.detail
        origin = f" (the PQR pdb2pqr made from {structure.pdb_file})" if made else ""
        r.problem(exc.key, exc.detail + origin)
        return geometry
    return replace(geometry, pore_radius_nm=radius)


def _file(r: Reader, t: Mapping[str, Any], name: str, base_dir: Path, kind: str) -> Path | None:
    key = f"structure.{name}"
    example = '"structures/1grm.pqr"' if kind == "PQR" else '"structures/1grm_single.pdb"'
    value = r.string(t, name, "structure", example=example)
    if value is None:
        return None
    if not value or "\0" in value:
        r.problem(key, f"is not a file path ({value!r}); give the {kind} file, e.g. {example}")
        return None
    path = Path(value).expanduser()
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
