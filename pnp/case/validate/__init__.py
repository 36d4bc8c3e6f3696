"""Validation of a case table (the parsed TOML) into a `Case`.

All problems found are collected and raised together as one `CaseError`; every
message starts with the dotted key and says how to fix it. Each section of the
table has its own module; `case_from_dict` runs them all on one `Reader`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pnp.case.errors import CaseError
from pnp.case.schema import DEFAULT_PERMITTIVITY, Case, FrozenMap, Geometry, Segment, Species
from pnp.case.validate.bounds import BOUNDS, Bound
from pnp.case.validate.flow import FLOW_KEYS, read_flow
from pnp.case.validate.geometry import GEOMETRY_KEYS, GEOMETRY_KEYS_BY_KIND, read_geometry
from pnp.case.validate.names import name_problem, sanitized_name
from pnp.case.validate.reader import Reader, describe, did_you_mean, suggest
from pnp.case.validate.regions import (
    REGION_KEYS,
    SURFACE_KEYS,
    read_regions,
    read_surfaces,
)
from pnp.case.validate.segments import SEGMENT_KEYS, read_segments
from pnp.case.validate.settings import (
    CONDITIONS_KEYS,
    OUTPUT_KEYS,
    PERMITTIVITY_PROFILE_KEYS,
    SOLVER_KEYS,
    read_conditions,
    read_output,
    read_permittivity_profile,
    read_solver,
)
from pnp.case.validate.species import (
    NEUTRALITY_RTOL,
    SPECIES_KEYS,
    SPECIES_NAME,
    read_species,
)
from pnp.case.validate.structure import STRUCTURE_KEYS, read_structure, resolve_channel
from pnp.case.validate.transient import TRANSIENT_KEYS, read_transient

if TYPE_CHECKING:
    from mpi4py import MPI

__all__ = [
    "BOUNDS",
    "CONDITIONS_KEYS",
    "FLOW_KEYS",
    "GEOMETRY_KEYS",
    "GEOMETRY_KEYS_BY_KIND",
    "NEUTRALITY_RTOL",
    "OUTPUT_KEYS",
    "PERMITTIVITY_PROFILE_KEYS",
    "REGION_KEYS",
    "SEGMENT_KEYS",
    "SOLVER_KEYS",
    "SPECIES_KEYS",
    "SPECIES_NAME",
    "STRUCTURE_KEYS",
    "SURFACE_KEYS",
    "TOP_KEYS",
    "TRANSIENT_KEYS",
    "Bound",
    "case_from_dict",
    "did_you_mean",
    "name_problem",
    "sanitized_name",
    "suggest",
]

TOP_KEYS = (
    "name",
    "description",
    "geometry",
    "regions",
    "surfaces",
    "species",
    "segments",
    "conditions",
    "solver",
    "output",
    "permittivity_profile",
    "transient",
    "flow",
    "structure",
)


def case_from_dict(
    data: Mapping[str, Any],
    *,
    base_dir: Path | None = None,
    source: str = "<dict>",
    comm: MPI.Comm | None = None,
) -> Case:
    """Validate a case table (the TOML shape) and build a `Case`.

    `base_dir` resolves a relative `geometry.mesh_file` (default: the current
    directory); `source` names the origin in error messages and, when it is a
    file path, gives the default case name (its stem). With an MPI `comm` (every rank
    validating the same case), a `structure.pdb_file` is converted on its rank 0 only;
    without one, by this process.
    """
    if not isinstance(data, Mapping):
        raise CaseError("", f"a case must be a table, got {describe(data)}", source=source)
    base_dir = Path.cwd() if base_dir is None else Path(base_dir)
    r = Reader()
    r.keys(data, TOP_KEYS, "")
    default_name = "case" if source.startswith("<") else sanitized_name(Path(source).stem)
    name = r.string(data, "name", "", default=default_name)
    if name is not None and (why := name_problem(name)) is not None:
        r.problem("name", why)
        name = None
    description = r.string(data, "description", "", default="")
    geometry = read_geometry(r, data, base_dir)
    regions = read_regions(r, data)
    surfaces = read_surfaces(r, data, geometry.kind if geometry else None)
    species = read_species(r, data)
    segments = _segments(r, data, geometry, species, regions)
    if geometry is not None and segments:
        geometry = _segmented_geometry(geometry, segments)
    conditions = read_conditions(r, data)
    solver = read_solver(r, data)
    output = read_output(r, data)
    profile = read_permittivity_profile(r, data)
    transient = read_transient(r, data)
    flow = read_flow(r, data, geometry, transient)
    structure = read_structure(r, data, geometry, base_dir, comm)
    if structure is not None and geometry is not None:
        geometry = resolve_channel(r, geometry, structure)
        for wall, surface in (surfaces or {}).items():
            if surface.charge_C_per_m2:
                r.problem(
                    f"surfaces.{wall}.charge_C_per_m2",
                    "a structure's walls are its atoms, whose partial charges are the fixed "
                    "charge; remove the surface charge",
                )
    if profile is not None and profile.kind == "smooth" and geometry and geometry.kind == "mesh":
        r.problem(
            "permittivity_profile.kind",
            'a smooth profile needs the built-in geometry (the pore ends); use "piecewise" '
            'with kind = "mesh"',
        )
    if r.problems:
        raise CaseError.collected(r.problems, source=source)
    return Case(
        name=name,
        description=description,
        geometry=geometry,
        regions=regions,
        surfaces=surfaces,
        species=species,
        conditions=conditions,
        solver=solver,
        output=output,
        permittivity_profile=profile,
        transient=transient,
        flow=flow,
        segments=segments,
        structure=structure,
    )


def _segments(
    r: Reader,
    data: Mapping[str, Any],
    geometry: Geometry | None,
    species: tuple[Species, ...] | None,
    regions: FrozenMap | None,
) -> tuple[Segment, ...]:
    if "segments" in data:
        for name in ("pore", "filter"):
            if name in (data.get("regions") or {}):
                r.problem(
                    f"regions.{name}",
                    "not used with [[segments]] (each segment has its own permittivity, "
                    "fixed charge and diffusion); move these values into the segments",
                )
        surfaces = data.get("surfaces")
        wall = surfaces.get("filter_wall") if isinstance(surfaces, Mapping) else None
        sigma = wall.get("charge_C_per_m2") if isinstance(wall, Mapping) else None
        charged = isinstance(sigma, int | float) and sigma != 0
        if geometry is not None and geometry.kind in ("axisymmetric", "3d") and charged:
            r.problem(
                "surfaces.filter_wall.charge_C_per_m2",
                "a segment stack has no filter wall (every segment wall is pore_wall); put "
                "the charge on surfaces.pore_wall or in a segment's fixed_charge_M",
            )
    eps = regions["pore"].permittivity if regions else DEFAULT_PERMITTIVITY["pore"]
    return read_segments(r, data, geometry, species, eps)


def _segmented_geometry(geometry: Geometry, segments: tuple[Segment, ...]) -> Geometry:
    """The pore length and, where the segments are cylinders (channel_1d, axisymmetric,
    3d), the narrowest radius (the reference section of current densities) from the
    segments. An imported mesh keeps its nominal pore length and radius."""
    if geometry.kind == "mesh":
        return geometry
    radii = [s.radius_nm for s in segments if s.radius_nm is not None]
    cylinders = geometry.kind in ("channel_1d", "axisymmetric", "3d")
    return replace(
        geometry,
        pore_length_nm=sum(s.length_nm for s in segments),
        pore_radius_nm=min(radii) if radii and cylinders else None,
    )
