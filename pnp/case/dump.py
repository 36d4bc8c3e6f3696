"""A `Case` back to plain data: the TOML-shaped dict, and TOML text."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any

from pnp.case.schema import (
    REGION_NAMES,
    SURFACE_NAMES,
    Case,
    Geometry,
    Segment,
    Species,
    StructureInput,
    Transient,
)
from pnp.case.validate import TOP_KEYS


def case_to_dict(case: Case) -> dict[str, Any]:
    """The resolved case as a plain, JSON-serialisable dict in the TOML shape.

    Defaults are filled in, paths are absolute strings and species form a list
    of tables, so ``case_from_dict(case_to_dict(case)) == case``.
    """
    g = case.geometry
    geometry: dict[str, Any] = {"kind": g.kind}
    shaped = g.shape != "cylindrical"  # its wall gives the narrowest radius (and length)
    if (not case.segments or g.kind == "mesh") and g.shape != "profile":
        geometry["pore_length_nm"] = g.pore_length_nm
        # a structure's narrowest radius is derived from its atoms
        if g.pore_radius_nm is not None and not shaped and g.kind != "structure":
            geometry["pore_radius_nm"] = g.pore_radius_nm
    if g.kind in ("channel_1d", "structure"):
        geometry.update(bath_radius_nm=g.bath_radius_nm, bath_length_nm=g.bath_length_nm)
        if g.kind == "channel_1d":
            geometry["transition_nm"] = g.transition_nm
        for key in ("mesh_size_nm", "wall_size_nm"):
            if getattr(g, key) is not None:
                geometry[key] = getattr(g, key)
    elif g.kind == "mesh":
        geometry["mesh_file"] = str(g.mesh_file)
        if g.axisymmetric is not None:
            geometry["axisymmetric"] = g.axisymmetric
        geometry["groups"] = dict(g.groups)
    else:
        if g.bath_radius_nm is not None:
            geometry["bath_radius_nm"] = g.bath_radius_nm
        geometry["bath_length_nm"] = g.bath_length_nm
        if shaped:
            geometry.update(_shape_to_dict(g))
        elif not case.segments:
            geometry["entrance"] = g.entrance
            geometry["entrance_radius_nm"] = g.entrance_radius_nm
            geometry["filter_length_nm"] = g.filter_length_nm
            if g.filter_radius_nm is not None:
                geometry["filter_radius_nm"] = g.filter_radius_nm
        if g.mesh_size_nm is not None:
            geometry["mesh_size_nm"] = g.mesh_size_nm
        if g.wall_size_nm is not None:
            geometry["wall_size_nm"] = g.wall_size_nm
    if g.membrane_offset_nm:
        geometry["membrane_offset_nm"] = g.membrane_offset_nm
    geometry["refine"] = g.refine

    regions: dict[str, Any] = {}
    for name in REGION_NAMES:
        if case.segments and name in ("pore", "filter"):
            continue
        region = case.regions[name]
        table: dict[str, Any] = {
            "permittivity": region.permittivity,
            "fixed_charge_M": region.fixed_charge_M,
        }
        if region.diffusion_factor is not None:
            table["diffusion_factor"] = region.diffusion_factor
        regions[name] = table

    conditions: dict[str, Any] = {"temperature_K": case.conditions.temperature_K}
    if case.conditions.voltages_mV:  # empty only in a transient case
        conditions["voltages_mV"] = list(case.conditions.voltages_mV)

    s = case.solver
    data = {
        "name": case.name,
        "description": case.description,
        "geometry": geometry,
        "regions": regions,
        "surfaces": {
            name: {"charge_C_per_m2": case.surfaces[name].charge_C_per_m2} for name in SURFACE_NAMES
        },
        "species": [species_to_dict(sp) for sp in case.species],
        "conditions": conditions,
        "solver": {
            "preset": s.preset,
            "rtol": s.rtol,
            "atol": s.atol,
            "max_iterations": s.max_iterations,
            "max_voltage_step_mV": s.max_voltage_step_mV,
            "min_voltage_step_mV": s.min_voltage_step_mV,
            "charge_steps": s.charge_steps,
            "degree": s.degree,
            "petsc_options": dict(s.petsc_options),
        },
        "output": {
            "fields": case.output.fields,
            "profiles": case.output.profiles,
            "plots": case.output.plots,
            "sections": case.output.sections,
        },
        "permittivity_profile": {
            "kind": case.permittivity_profile.kind,
            "transition_nm": case.permittivity_profile.transition_nm,
        },
    }
    # written only when set, so the case hashes of existing sweep folders stay as they were
    if case.output.field_format != "vtx":
        data["output"]["field_format"] = case.output.field_format
    if case.solver.quadrature != "gauss":
        data["solver"]["quadrature"] = case.solver.quadrature
    if case.output.figure_format != "png":
        data["output"]["figure_format"] = case.output.figure_format
    if case.transient is not None:
        data["transient"] = transient_to_dict(case.transient)
    if case.segments:
        data["segments"] = [segment_to_dict(seg) for seg in case.segments]
    if case.flow is not None:
        data["flow"] = {**dataclasses.asdict(case.flow), "slip_walls": list(case.flow.slip_walls)}
    if case.structure is not None:
        data["structure"] = structure_to_dict(case.structure)
    return data


def structure_to_dict(structure: StructureInput) -> dict[str, Any]:
    if structure.pdb_file is None:
        table: dict[str, Any] = {"pqr_file": str(structure.pqr_file)}
    else:
        table = {"pdb_file": str(structure.pdb_file), "force_field": structure.force_field}
        if structure.neutral_termini:
            table["neutral_termini"] = True
    table |= {
        "protein_permittivity": structure.protein_permittivity,
        "ion_radius_nm": structure.ion_radius_nm,
    }
    if structure.net_charge_e is not None:
        table["net_charge_e"] = structure.net_charge_e
    if structure.axis is not None:
        table["axis"] = list(structure.axis)
    return table


def _shape_to_dict(g: Geometry) -> dict[str, Any]:
    """The keys of a shaped (not cylindrical) pore wall."""
    if g.shape == "profile":
        return {"shape": g.shape, "profile_nm": [list(point) for point in g.profile_nm]}
    table: dict[str, Any] = {
        "shape": g.shape,
        "tip_radius_nm": g.tip_radius_nm,
        "base_radius_nm": g.base_radius_nm,
    }
    if g.shape != "double_conical":
        table["tip"] = g.tip
    if g.shape == "bullet":
        table["bullet_exponent"] = g.bullet_exponent
    return table


def species_to_dict(species: Species) -> dict[str, Any]:
    table = {
        "name": species.name,
        "charge": species.charge,
        "diffusion_m2_per_s": species.diffusion_m2_per_s,
        "inside_mM": species.inside_mM,
        "outside_mM": species.outside_mM,
    }
    if species.size_nm is not None:
        table["size_nm"] = species.size_nm
    return table


def segment_to_dict(segment: Segment) -> dict[str, Any]:
    """A [[segments]] table with the resolved values (charge in M, absolute D)."""
    table: dict[str, Any] = {"name": segment.name, "length_nm": segment.length_nm}
    if segment.radius_nm is not None:
        table["radius_nm"] = segment.radius_nm
    table["permittivity"] = segment.permittivity
    table["fixed_charge_M"] = segment.fixed_charge_M
    table["diffusion_m2_per_s"] = dict(segment.diffusion_m2_per_s)
    return table


def transient_to_dict(transient: Transient) -> dict[str, Any]:
    """The [transient] table, every value resolved."""
    t = transient
    return {
        "end_time_s": t.end_time_s,
        "voltage_steps_mV": [list(step) for step in t.voltage_steps_mV],
        "rise_time_s": t.rise_time_s,
        "scheme": t.scheme,
        "adaptive": t.adaptive,
        "initial_step_s": t.initial_step_s,
        "min_step_s": t.min_step_s,
        "max_step_s": t.max_step_s,
        "rtol": t.rtol,
        "output_every": t.output_every,
    }


# -- TOML text ---------------------------------------------------------------------

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+\Z")
# TOML basic strings escape the quote, the backslash and every control character
# (U+0000-U+001F, U+007F), in the short form where TOML has one.
_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}
_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f\x7f]')


def _string(text: str) -> str:
    """`text` as a TOML basic string (every Unicode string round-trips)."""

    def escape(match: re.Match[str]) -> str:
        char = match.group()
        return _ESCAPES.get(char) or f"\\u{ord(char):04X}"

    return '"' + _NEEDS_ESCAPE.sub(escape, text) + '"'


def _key(name: str) -> str:
    return name if _BARE_KEY.match(name) else _string(name)


def toml_value(value: Any) -> str:
    """`value` (bool, number, string, list, tuple or table) as a TOML value, the text of
    a ``key=value`` override. Raises TypeError for anything else."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{_key(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _table(header: str, table: Mapping[str, Any]) -> list[str]:
    lines = [header]
    lines += [f"{_key(k)} = {toml_value(v)}" for k, v in table.items()]
    return [*lines, ""]


def case_to_toml(case: Case) -> str:
    """The resolved case as TOML text that loads back to an equal case."""
    data = case_to_dict(case)
    lines = [
        f"name = {toml_value(data['name'])}",
        f"description = {toml_value(data['description'])}",
        "",
    ]
    lines += _table("[geometry]", data["geometry"])
    for section in ("regions", "surfaces"):
        for name, table in data[section].items():
            lines += _table(f"[{section}.{name}]", table)
    for species in data["species"]:
        lines += _table("[[species]]", species)
    for segment in data.get("segments", ()):
        lines += _table("[[segments]]", segment)
    for section in TOP_KEYS[TOP_KEYS.index("conditions") :]:  # the single tables after them
        if section in data:
            lines += _table(f"[{section}]", data[section])
    return "\n".join(lines)
