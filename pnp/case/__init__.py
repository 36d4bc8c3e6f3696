"""Case files: a TOML description of one simulation, validated into frozen dataclasses.

    from pnp.case import load_case
    case = load_case("cases/default.toml", overrides=["geometry.pore_radius_nm=0.8"])
    case.geometry.pore_radius_nm, case.regions["pore"].permittivity, case.species_names

This package is pure Python (no DOLFINx/PETSc) and imports fast.
"""

from pnp.case.dump import case_to_dict, case_to_toml
from pnp.case.errors import CaseError
from pnp.case.load import apply_override, load_case, parse_override, split_key
from pnp.case.schema import (
    BOUNDARY_ROLES,
    ELECTROLYTE_REGIONS,
    ENTRANCES,
    KINDS,
    REGION_NAMES,
    SOLVER_PRESETS,
    SURFACE_NAMES,
    TRANSIENT_SCHEMES,
    Case,
    Conditions,
    FrozenMap,
    Geometry,
    OutputSettings,
    PermittivityProfile,
    Region,
    SolverSettings,
    Species,
    StructureInput,
    Surface,
    Transient,
)
from pnp.case.validate import case_from_dict

__all__ = [
    "BOUNDARY_ROLES",
    "ELECTROLYTE_REGIONS",
    "ENTRANCES",
    "KINDS",
    "REGION_NAMES",
    "SOLVER_PRESETS",
    "SURFACE_NAMES",
    "TRANSIENT_SCHEMES",
    "Case",
    "CaseError",
    "Conditions",
    "FrozenMap",
    "Geometry",
    "OutputSettings",
    "PermittivityProfile",
    "Region",
    "SolverSettings",
    "Species",
    "StructureInput",
    "Surface",
    "Transient",
    "apply_override",
    "case_from_dict",
    "case_to_dict",
    "case_to_toml",
    "load_case",
    "parse_override",
    "split_key",
]
