"""Validation of the [[species]] array and of the electroneutrality of both baths."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from pnp.case.schema import Species
from pnp.case.validate.reader import MISSING, Reader, as_int, describe, fmt

SPECIES_KEYS = (
    "name",
    "charge",
    "diffusion_m2_per_s",
    "inside_mM",
    "outside_mM",
    "size_nm",
    "radius_nm",
)

NEUTRALITY_RTOL = 1e-6
SPECIES_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")


def read_species(r: Reader, data: Mapping[str, Any]) -> tuple[Species, ...] | None:
    example = (
        '[[species]] tables, e.g. name = "K", charge = 1, diffusion_m2_per_s = 1.96e-9, '
        "inside_mM = 150.0, outside_mM = 150.0"
    )
    raw = data.get("species")
    if raw is None or (isinstance(raw, list | tuple) and not raw):
        r.problem("species", f"no species defined; add at least a cation and an anion as {example}")
        return None
    if not isinstance(raw, list | tuple):
        r.problem(
            "species",
            f"expected an array of tables ([[species]]), got {describe(raw)}; write each "
            f"ion as {example}",
        )
        return None
    seen: set[str] = set()
    result: list[Species] = []
    ok = True
    for i, entry in enumerate(raw):
        label = f"species[{i}]"
        if not isinstance(entry, Mapping):
            r.problem(label, f"expected a [[species]] table, got {describe(entry)}")
            ok = False
            continue
        name = entry.get("name")
        if isinstance(name, str) and SPECIES_NAME.match(name):
            if name in seen:
                r.problem(
                    f"species.{name}",
                    "duplicate species name; each [[species]] needs a unique name "
                    "(merge the two entries or rename one)",
                )
                ok = False
                continue
            seen.add(name)
            label = f"species.{name}"
        elif name is None:
            r.problem(f"{label}.name", 'missing required key; add name = "K" to this [[species]]')
        elif not isinstance(name, str):
            r.problem(f"{label}.name", f"expected a string, got {describe(name)}")
        else:
            r.problem(
                f"{label}.name",
                f"{name!r} is not a valid species name; use letters, digits and _ starting "
                'with a letter (e.g. "Ca", "Cl", "TEA")',
            )
        r.keys(entry, SPECIES_KEYS, label)
        charge = entry.get("charge", MISSING)
        z: int | None = None
        if charge is MISSING:
            r.problem(f"{label}.charge", "missing required key; add charge = 1 (the valence)")
        else:
            z = as_int(charge)
            if z is None or z == 0:
                r.problem(
                    f"{label}.charge",
                    f"must be a nonzero integer (the valence, e.g. 1, -1, 2), "
                    f"got {describe(charge)}",
                )
                z = None
            elif r.check_bound(z, f"{label}.charge", "valence") is None:
                z = None
        d = r.number(
            entry, "diffusion_m2_per_s", label, example="1.96e-9", within="diffusion_m2_per_s"
        )
        concentrations = {}
        for side in ("inside_mM", "outside_mM"):
            key = f"{label}.{side}"
            value = entry.get(side, MISSING)
            if value is MISSING:
                r.problem(key, f"missing required key; add {side} = 150.0 to this [[species]]")
                concentrations[side] = None
                continue
            c = r.check_number(value, key)
            if c is not None and c <= 0.0:
                r.problem(
                    key,
                    f"must be > 0 mM, got {fmt(c)}; for an ion absent from this bath use a "
                    "small trace value such as 1e-6",
                )
                c = None
            elif c is not None:
                c = r.check_bound(c, key, "concentration_mM")
            concentrations[side] = c
        size = _size(r, entry, label)
        if (
            None in (z, d, *concentrations.values())
            or label.startswith("species[")
            or size is False
        ):
            ok = False
            continue
        result.append(
            Species(
                name=name,
                charge=z,
                diffusion_m2_per_s=d,
                inside_mM=concentrations["inside_mM"],
                outside_mM=concentrations["outside_mM"],
                size_nm=size,
            )
        )
    if ok:
        _electroneutrality(r, result)
        _packing(r, result)
    return tuple(result)


def _size(r: Reader, entry: Mapping[str, Any], label: str) -> float | bool | None:
    """The steric ion size a (nm) from size_nm or radius_nm (a = 2 r); None for a point
    ion, False after a problem."""
    if "size_nm" in entry and "radius_nm" in entry:
        r.problem(
            f"{label}.radius_nm", "give size_nm (the lattice spacing a) or radius_nm, not both"
        )
        return False
    for key, factor in (("size_nm", 1.0), ("radius_nm", 2.0)):
        if key in entry:
            value = r.check_number(entry[key], f"{label}.{key}", gt=0.0)
            if (
                value is None
                or r.check_bound(factor * value, f"{label}.{key}", "ion_size_nm") is None
            ):
                return False
            return factor * value
    return None


def packing_fraction(species: Sequence[Species], side: str) -> float:
    """sum_j a_j^3 N_A c_j in one bath (`side`: "inside_mM" or "outside_mM")."""
    return sum(s.lattice_volume_m3_per_mol * getattr(s, side) for s in species)


def _packing(r: Reader, species: Sequence[Species]) -> None:
    for bath, side in (("inside", "inside_mM"), ("outside", "outside_mM")):
        fraction = packing_fraction(species, side)
        if fraction >= 1.0:
            r.problem(
                "species",
                f"the ions fill the {bath} bath: packing fraction sum_j a_j^3 N_A c_j = "
                f"{fraction:.3g} >= 1; reduce size_nm or the {bath} concentrations",
            )


def _electroneutrality(r: Reader, species: Sequence[Species]) -> None:
    for bath, attr in (("inside", "inside_mM"), ("outside", "outside_mM")):
        net = sum(s.charge * getattr(s, attr) for s in species)
        scale = sum(abs(s.charge) * getattr(s, attr) for s in species)
        if abs(net) <= NEUTRALITY_RTOL * scale:
            continue
        fixes = []
        for s in species:
            target = getattr(s, attr) - net / s.charge
            if target > 0.0:
                fixes.append(f"species.{s.name}.{attr} = {fmt(target)}")
        how = "adjust " + " or ".join(fixes) if fixes else "adjust the concentrations"
        if len(species) == 1:
            how = "add a counter-ion [[species]]"
        r.problem(
            "species",
            f"the {bath} bath is not electroneutral: sum z_i c_i = {net:+.6g} mM "
            f"(allowed {NEUTRALITY_RTOL:g} of sum |z_i| c_i = {fmt(scale)} mM); {how}",
        )
