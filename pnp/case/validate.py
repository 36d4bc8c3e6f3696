"""Validation of a case table (the parsed TOML) into a `Case`.

All problems found are collected and raised together as one `CaseError`; every
message starts with the dotted key and says how to fix it.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pnp.case.errors import CaseError
from pnp.case.schema import (
    BOUNDARY_ROLES,
    DEFAULT_PERMITTIVITY,
    ENTRANCES,
    KINDS,
    PERMITTIVITY_PROFILES,
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
    Surface,
    Transient,
)
from pnp.constants import DEFAULT_TEMPERATURE

TOP_KEYS = (
    "name",
    "description",
    "geometry",
    "regions",
    "surfaces",
    "species",
    "conditions",
    "solver",
    "output",
    "permittivity_profile",
    "transient",
)
GEOMETRY_KEYS = (
    "kind",
    "pore_length_nm",
    "pore_radius_nm",
    "bath_radius_nm",
    "bath_length_nm",
    "entrance",
    "entrance_radius_nm",
    "filter_length_nm",
    "filter_radius_nm",
    "mesh_file",
    "axisymmetric",
    "groups",
    "mesh_size_nm",
    "wall_size_nm",
    "refine",
)
_MESH_ONLY = ("mesh_file", "axisymmetric", "groups")
# Keys each geometry kind accepts (the others are rejected with an explanation).
GEOMETRY_KEYS_BY_KIND = {
    "slab": tuple(k for k in GEOMETRY_KEYS if k not in _MESH_ONLY),
    "axisymmetric": tuple(k for k in GEOMETRY_KEYS if k not in _MESH_ONLY),
    "3d": tuple(k for k in GEOMETRY_KEYS if k not in _MESH_ONLY),
    "mesh": ("kind", "pore_length_nm", "pore_radius_nm", *_MESH_ONLY, "refine"),
}
REGION_KEYS = ("permittivity", "fixed_charge_M", "diffusion_factor")
SURFACE_KEYS = ("charge_C_per_m2",)
SPECIES_KEYS = ("name", "charge", "diffusion_m2_per_s", "inside_mM", "outside_mM")
CONDITIONS_KEYS = ("temperature_K", "voltages_mV")
SOLVER_KEYS = (
    "preset",
    "rtol",
    "atol",
    "max_iterations",
    "max_voltage_step_mV",
    "min_voltage_step_mV",
    "charge_steps",
    "degree",
    "petsc_options",
)
OUTPUT_KEYS = ("fields", "profiles", "plots", "sections")
PERMITTIVITY_PROFILE_KEYS = ("kind", "transition_nm")
TRANSIENT_KEYS = (
    "end_time_s",
    "voltage_steps_mV",
    "rise_time_s",
    "scheme",
    "adaptive",
    "initial_step_s",
    "min_step_s",
    "max_step_s",
    "rtol",
    "output_every",
)

NEUTRALITY_RTOL = 1e-6
MAX_SURFACE_CHARGE_C_PER_M2 = 1.0  # 6.2 e/nm^2: beyond any real interface
MAX_DIFFUSION_M2_PER_S = 1e-6  # ~500x the fastest ion (H+); larger values are unit slips
SPECIES_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")

_UNITS = (
    ("_m2_per_s", "m^2/s"),
    ("_C_per_m2", "C/m^2"),
    ("_nm", "nm"),
    ("_mM", "mM"),
    ("_mV", "mV"),
    ("_M", "M"),
    ("_K", "K"),
    ("_s", "s"),
)
_MISSING = object()


def suggest(word: str, choices: Sequence[str]) -> str:
    """'did you mean 'x'?' for a close match, else the list of valid choices."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]!r}?"
    return "valid: " + ", ".join(choices)


def did_you_mean(word: str, choices: Sequence[str]) -> str:
    """'did you mean 'x'? ' for a close match, else ''."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}? " if close else ""


def _unit(key: str) -> str:
    for suffix, unit in _UNITS:
        if key.endswith(suffix):
            return " " + unit
    return ""


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list | tuple):
        return "an array"
    return f"{value!r} ({type(value).__name__})"


def _fmt(x: float) -> str:
    return f"{x:.6g}"


class _Reader:
    """Reads typed values out of tables, collecting problems."""

    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []

    def problem(self, key: str, detail: str) -> None:
        self.problems.append((key, detail))

    # -- tables and keys ---------------------------------------------------------

    def table(self, value: Any, key: str) -> Mapping[str, Any] | None:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.problem(key, f"expected a table [{key}], got {_describe(value)}")
            return None
        return value

    def keys(
        self,
        table: Mapping[str, Any],
        allowed: Sequence[str],
        prefix: str,
        *,
        explain: Callable[[str], str | None] | None = None,
    ) -> None:
        """Reject keys not in `allowed`; `explain(key)` may give a specific reason."""
        for key in table:
            if key in allowed:
                continue
            full = f"{prefix}.{key}" if prefix else str(key)
            reason = explain(key) if explain else None
            if reason:
                self.problem(full, reason)
            else:
                self.problem(full, f"unknown key; {suggest(str(key), allowed)}")

    # -- scalars -----------------------------------------------------------------

    def _get(self, table: Mapping[str, Any], name: str, key: str, default: Any, example: str):
        value = table.get(name, _MISSING)
        if value is _MISSING:
            if default is _MISSING:
                section = key.rsplit(".", 1)[0]
                self.problem(key, f"missing required key; add {name} = {example} to [{section}]")
            return _MISSING, default
        return value, None

    def number(
        self,
        table: Mapping[str, Any],
        name: str,
        prefix: str,
        *,
        default: Any = _MISSING,
        example: str = "1.0",
        gt: float | None = None,
        ge: float | None = None,
        lt: float | None = None,
        le: float | None = None,
    ) -> float | None:
        key = f"{prefix}.{name}"
        value, fallback = self._get(table, name, key, default, example)
        if value is _MISSING:
            return None if fallback is _MISSING else fallback
        return self.check_number(value, key, gt=gt, ge=ge, lt=lt, le=le)

    def check_number(
        self,
        value: Any,
        key: str,
        *,
        gt: float | None = None,
        ge: float | None = None,
        lt: float | None = None,
        le: float | None = None,
    ) -> float | None:
        unit = _unit(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            hint = ""
            if isinstance(value, str):
                try:
                    float(value)
                    hint = "; write it without quotes"
                except ValueError:
                    pass
            self.problem(
                key, f"expected a number{unit and ' in' + unit}, got {_describe(value)}{hint}"
            )
            return None
        value = float(value)
        if not math.isfinite(value):
            self.problem(key, f"must be a finite number, got {value}")
            return None
        for bound, ok, op in (
            (gt, lambda b: value > b, ">"),
            (ge, lambda b: value >= b, ">="),
            (lt, lambda b: value < b, "<"),
            (le, lambda b: value <= b, "<="),
        ):
            if bound is not None and not ok(bound):
                self.problem(key, f"must be {op} {_fmt(bound)}{unit}, got {_fmt(value)}")
                return None
        return value

    def integer(
        self,
        table: Mapping[str, Any],
        name: str,
        prefix: str,
        *,
        default: Any = _MISSING,
        example: str = "1",
        ge: int | None = None,
        choices: Sequence[int] | None = None,
    ) -> int | None:
        key = f"{prefix}.{name}"
        value, fallback = self._get(table, name, key, default, example)
        if value is _MISSING:
            return None if fallback is _MISSING else fallback
        result = _as_int(value)
        if result is None:
            self.problem(key, f"expected an integer, got {_describe(value)}")
            return None
        if ge is not None and result < ge:
            self.problem(key, f"must be >= {ge}, got {result}")
            return None
        if choices is not None and result not in choices:
            self.problem(key, f"must be one of {', '.join(map(str, choices))}, got {result}")
            return None
        return result

    def boolean(
        self, table: Mapping[str, Any], name: str, prefix: str, *, default: bool
    ) -> bool | None:
        key = f"{prefix}.{name}"
        value = table.get(name, default)
        if not isinstance(value, bool):
            self.problem(key, f"expected true or false, got {_describe(value)}")
            return None
        return value

    def string(
        self,
        table: Mapping[str, Any],
        name: str,
        prefix: str,
        *,
        default: Any = _MISSING,
        example: str = '"..."',
        choices: Sequence[str] | None = None,
    ) -> str | None:
        key = f"{prefix}.{name}" if prefix else name
        value, fallback = self._get(table, name, key, default, example)
        if value is _MISSING:
            return None if fallback is _MISSING else fallback
        if not isinstance(value, str):
            self.problem(key, f"expected a string, got {_describe(value)}")
            return None
        if choices is not None and value not in choices:
            hint = did_you_mean(value, choices)
            self.problem(key, f"unknown value {value!r}; {hint}(one of {', '.join(choices)})")
            return None
        return value


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return None


# -- sections --------------------------------------------------------------------


def _geometry(r: _Reader, data: Mapping[str, Any], base_dir: Path) -> Geometry | None:
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

    pore_length = r.number(g, "pore_length_nm", p, example="2.0", gt=0.0)
    solid = kind in ("axisymmetric", "3d")
    pore_radius = r.number(
        g, "pore_radius_nm", p, default=_MISSING if solid else None, example="0.5", gt=0.0
    )
    refine = r.integer(g, "refine", p, default=0, ge=0)

    if kind == "mesh":
        mesh_file = _mesh_file(r, g, base_dir)
        axisymmetric = r.boolean(g, "axisymmetric", p, default=False)
        groups = _groups(r, g)
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
        bath_radius = r.number(g, "bath_radius_nm", p, example="3.0", gt=0.0)
        bath_length = r.number(g, "bath_length_nm", p, example="3.0", gt=0.0)
        if bath_radius is not None and pore_radius is not None and bath_radius <= pore_radius:
            r.problem(
                "geometry.bath_radius_nm",
                f"must be > geometry.pore_radius_nm = {_fmt(pore_radius)} nm, "
                f"got {_fmt(bath_radius)}; make the bath wider than the pore",
            )
            bath_radius = None
    else:
        bath_radius = r.number(g, "bath_radius_nm", p, default=None, gt=0.0)
        bath_length = r.number(g, "bath_length_nm", p, default=0.0, ge=0.0)

    entrance = r.string(g, "entrance", p, default="sharp", choices=ENTRANCES)
    entrance_radius = r.number(g, "entrance_radius_nm", p, default=0.0, ge=0.0)
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
                f"must be > 0 nm with entrance = {entrance!r}, got {_fmt(entrance_radius)}; "
                'set it (e.g. entrance_radius_nm = 0.3) or use entrance = "sharp"',
            )
        if entrance == "sharp" and entrance_radius > 0.0:
            r.problem(
                "geometry.entrance_radius_nm",
                f"has no effect with entrance = 'sharp' (got {_fmt(entrance_radius)}); "
                'set entrance = "rounded" or "conical", or remove entrance_radius_nm',
            )

    filter_length = r.number(g, "filter_length_nm", p, default=0.0, ge=0.0)
    if filter_length is not None and pore_length is not None and filter_length >= pore_length:
        r.problem(
            "geometry.filter_length_nm",
            f"must be < geometry.pore_length_nm = {_fmt(pore_length)} nm, got "
            f"{_fmt(filter_length)}; the filter is an inner segment of the pore",
        )
        filter_length = None
    filter_radius = r.number(g, "filter_radius_nm", p, default=pore_radius, gt=0.0)
    if (
        "filter_radius_nm" in g
        and filter_radius is not None
        and pore_radius is not None
        and filter_radius > pore_radius
    ):
        r.problem(
            "geometry.filter_radius_nm",
            f"must be <= geometry.pore_radius_nm = {_fmt(pore_radius)} nm, got "
            f"{_fmt(filter_radius)}; the filter is the narrow part of the pore",
        )

    if solid and entrance not in (None, "sharp") and entrance_radius:
        if pore_length is not None and filter_length is not None:
            room = 0.5 * (pore_length - filter_length)
            if entrance_radius > room:
                r.problem(
                    "geometry.entrance_radius_nm",
                    f"must be <= (pore_length_nm - filter_length_nm) / 2 = {_fmt(room)} nm, "
                    f"got {_fmt(entrance_radius)}; the two shaped mouths and the filter must fit "
                    "in the pore length",
                )
        if (
            pore_radius is not None
            and bath_radius is not None
            and pore_radius + entrance_radius >= bath_radius
        ):
            r.problem(
                "geometry.entrance_radius_nm",
                f"pore_radius_nm + entrance_radius_nm = {_fmt(pore_radius + entrance_radius)}"
                f" nm must be < bath_radius_nm = {_fmt(bath_radius)} nm; reduce it or "
                "widen the bath",
            )

    mesh_size = r.number(g, "mesh_size_nm", p, default=None, gt=0.0)
    wall_size = r.number(g, "wall_size_nm", p, default=None, gt=0.0)
    return Geometry(
        kind=kind,
        pore_length_nm=pore_length,
        pore_radius_nm=pore_radius,
        bath_radius_nm=bath_radius,
        bath_length_nm=bath_length,
        entrance=entrance,
        entrance_radius_nm=entrance_radius,
        filter_length_nm=filter_length,
        filter_radius_nm=filter_radius,
        axisymmetric=kind == "axisymmetric",
        mesh_size_nm=mesh_size,
        wall_size_nm=wall_size,
        refine=refine,
    )


def _mesh_file(r: _Reader, g: Mapping[str, Any], base_dir: Path) -> Path | None:
    name = r.string(g, "mesh_file", "geometry", example='"../meshes/pore.msh"')
    if name is None:
        return None
    if not name:
        r.problem("geometry.mesh_file", 'is empty; give the mesh path, e.g. "../meshes/pore.msh"')
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


def _groups(r: _Reader, g: Mapping[str, Any]) -> FrozenMap | None:
    groups = r.table(g.get("groups"), "geometry.groups")
    if groups is None:
        return None
    roles = (*REGION_NAMES, *BOUNDARY_ROLES)
    result = {}
    for name, role in groups.items():
        key = f"geometry.groups.{name}"
        if not isinstance(role, str):
            r.problem(key, f"expected a region or boundary role name, got {_describe(role)}")
        elif role not in roles:
            r.problem(
                key,
                f"unknown role {role!r}; {did_you_mean(role, roles)}(regions: "
                f"{', '.join(REGION_NAMES)}; boundaries: {', '.join(BOUNDARY_ROLES)})",
            )
        else:
            result[str(name)] = role
    return FrozenMap(result)


def _regions(r: _Reader, data: Mapping[str, Any]) -> FrozenMap | None:
    table = r.table(data.get("regions"), "regions")
    if table is None:
        return None
    for name in table:
        if name not in REGION_NAMES:
            r.problem(
                f"regions.{name}",
                f"unknown region; {did_you_mean(str(name), REGION_NAMES)}(regions: "
                + ", ".join(REGION_NAMES)
                + ")",
            )
    regions: dict[str, Region] = {}
    for name in ("bath", "pore", "membrane", "filter"):
        p = f"regions.{name}"
        t = r.table(table.get(name), p)
        if t is None:
            t = {}

        def explain(key: str, name: str = name) -> str | None:
            if name == "membrane" and key == "diffusion_factor":
                return (
                    "not allowed: the membrane holds no ions (Nernst-Planck is solved only in "
                    "bath, pore and filter); remove it"
                )
            return None

        allowed = REGION_KEYS if name != "membrane" else REGION_KEYS[:2]
        r.keys(t, allowed, p, explain=explain)
        if name == "filter":
            default_eps = regions["pore"].permittivity
        else:
            default_eps = DEFAULT_PERMITTIVITY[name]
        eps = r.number(t, "permittivity", p, default=default_eps, gt=0.0)
        charge = r.number(t, "fixed_charge_M", p, default=0.0)
        if name == "bath" and charge:
            r.problem(
                "regions.bath.fixed_charge_M",
                "must be 0: the baths are electroneutral bulk electrolyte (the electrodes "
                "impose the bath concentrations); put fixed charge in pore, filter or membrane",
            )
        factor = None
        if name != "membrane":
            factor = r.number(t, "diffusion_factor", p, default=1.0, gt=0.0)
        regions[name] = Region(permittivity=eps, fixed_charge_M=charge, diffusion_factor=factor)
    return FrozenMap(regions)


def _surfaces(r: _Reader, data: Mapping[str, Any], kind: str | None) -> FrozenMap | None:
    table = r.table(data.get("surfaces"), "surfaces")
    if table is None:
        return None
    for name in table:
        if name not in SURFACE_NAMES:
            extra = ""
            if name in BOUNDARY_ROLES:
                extra = f" ({name!r} is a boundary that cannot carry charge)"
            r.problem(
                f"surfaces.{name}",
                f"unknown surface{extra}; {did_you_mean(str(name), SURFACE_NAMES)}(charged "
                "surfaces: " + ", ".join(SURFACE_NAMES) + ")",
            )
    surfaces: dict[str, Surface] = {}
    for name in SURFACE_NAMES:
        p = f"surfaces.{name}"
        t = r.table(table.get(name), p)
        if t is None:
            t = {}
        r.keys(t, SURFACE_KEYS, p)
        limit = MAX_SURFACE_CHARGE_C_PER_M2
        sigma = r.number(t, "charge_C_per_m2", p, default=0.0)
        if sigma is not None and abs(sigma) > limit:
            r.problem(
                f"{p}.charge_C_per_m2",
                f"|{_fmt(sigma)}| C/m^2 exceeds {limit} C/m^2 (6.2 e/nm^2); the unit is C/m^2 "
                "(1 e/nm^2 = 0.1602 C/m^2, 1 mC/m^2 = 0.001 C/m^2)",
            )
            sigma = None
        if kind == "slab" and sigma:
            r.problem(
                f"{p}.charge_C_per_m2",
                "a slab (1D) geometry has no walls; remove the surface charge or "
                "use regions.pore.fixed_charge_M for charge in 1D",
            )
        surfaces[name] = Surface(charge_C_per_m2=sigma)
    return FrozenMap(surfaces)


def _species(r: _Reader, data: Mapping[str, Any]) -> tuple[Species, ...] | None:
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
            f"expected an array of tables ([[species]]), got {_describe(raw)}; write each "
            f"ion as {example}",
        )
        return None
    seen: set[str] = set()
    result: list[Species] = []
    ok = True
    for i, entry in enumerate(raw):
        label = f"species[{i}]"
        if not isinstance(entry, Mapping):
            r.problem(label, f"expected a [[species]] table, got {_describe(entry)}")
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
            r.problem(f"{label}.name", f"expected a string, got {_describe(name)}")
        else:
            r.problem(
                f"{label}.name",
                f"{name!r} is not a valid species name; use letters, digits and _ starting "
                'with a letter (e.g. "Ca", "Cl", "TEA")',
            )
        r.keys(entry, SPECIES_KEYS, label)
        charge = entry.get("charge", _MISSING)
        z: int | None = None
        if charge is _MISSING:
            r.problem(f"{label}.charge", "missing required key; add charge = 1 (the valence)")
        else:
            z = _as_int(charge)
            if z is None or z == 0:
                r.problem(
                    f"{label}.charge",
                    f"must be a nonzero integer (the valence, e.g. 1, -1, 2), "
                    f"got {_describe(charge)}",
                )
                z = None
        d = r.number(entry, "diffusion_m2_per_s", label, example="1.96e-9", gt=0.0)
        if d is not None and d > MAX_DIFFUSION_M2_PER_S:
            r.problem(
                f"{label}.diffusion_m2_per_s",
                f"{_fmt(d)} m^2/s is far above any ionic value (~1e-9 m^2/s); the unit is m^2/s "
                "(1 cm^2/s = 1e-4 m^2/s)",
            )
            d = None
        concentrations = {}
        for side in ("inside_mM", "outside_mM"):
            key = f"{label}.{side}"
            value = entry.get(side, _MISSING)
            if value is _MISSING:
                r.problem(key, f"missing required key; add {side} = 150.0 to this [[species]]")
                concentrations[side] = None
                continue
            c = r.check_number(value, key)
            if c is not None and c <= 0.0:
                r.problem(
                    key,
                    f"must be > 0 mM, got {_fmt(c)}; for an ion absent from this bath use a "
                    "small trace value such as 1e-6",
                )
                c = None
            concentrations[side] = c
        if None in (z, d, *concentrations.values()) or label.startswith("species["):
            ok = False
            continue
        result.append(
            Species(
                name=name,
                charge=z,
                diffusion_m2_per_s=d,
                inside_mM=concentrations["inside_mM"],
                outside_mM=concentrations["outside_mM"],
            )
        )
    if ok:
        _electroneutrality(r, result)
    return tuple(result)


def _electroneutrality(r: _Reader, species: Sequence[Species]) -> None:
    for bath, attr in (("inside", "inside_mM"), ("outside", "outside_mM")):
        net = sum(s.charge * getattr(s, attr) for s in species)
        scale = sum(abs(s.charge) * getattr(s, attr) for s in species)
        if abs(net) <= NEUTRALITY_RTOL * scale:
            continue
        fixes = []
        for s in species:
            target = getattr(s, attr) - net / s.charge
            if target > 0.0:
                fixes.append(f"species.{s.name}.{attr} = {_fmt(target)}")
        how = "adjust " + " or ".join(fixes) if fixes else "adjust the concentrations"
        if len(species) == 1:
            how = "add a counter-ion [[species]]"
        r.problem(
            "species",
            f"the {bath} bath is not electroneutral: sum z_i c_i = {net:+.6g} mM "
            f"(allowed {NEUTRALITY_RTOL:g} of sum |z_i| c_i = {_fmt(scale)} mM); {how}",
        )


def _conditions(r: _Reader, data: Mapping[str, Any]) -> Conditions | None:
    # A transient case takes its voltages from [transient]; voltages_mV is then optional.
    transient = "transient" in data
    if "conditions" not in data and not transient:
        r.problem(
            "conditions",
            "missing required table; add [conditions] with voltages_mV = [-100, -50, 0, 50, 100]",
        )
        return None
    t = r.table(data.get("conditions"), "conditions")
    if t is None:
        return None
    p = "conditions"
    r.keys(t, CONDITIONS_KEYS, p)
    temperature = r.number(t, "temperature_K", p, default=DEFAULT_TEMPERATURE, gt=0.0)
    key = "conditions.voltages_mV"
    raw = t.get("voltages_mV", _MISSING)
    voltages: tuple[float, ...] | None = None
    if raw is _MISSING:
        if transient:
            voltages = ()
        else:
            r.problem(
                key,
                "missing required key; add voltages_mV = [-100, -50, 0, 50, 100] (or a "
                "[transient] table for a time-dependent run)",
            )
    elif isinstance(raw, int | float) and not isinstance(raw, bool):
        v = r.check_number(raw, key)
        voltages = None if v is None else (v,)
    elif not isinstance(raw, list | tuple):
        r.problem(key, f"expected an array of numbers in mV, got {_describe(raw)}")
    elif not raw:
        r.problem(key, "is empty; give at least one voltage, e.g. voltages_mV = [0]")
    else:
        values = [r.check_number(v, f"{key}[{i}]") for i, v in enumerate(raw)]
        if None not in values:
            voltages = tuple(values)
    return Conditions(voltages_mV=voltages, temperature_K=temperature)


def _solver(r: _Reader, data: Mapping[str, Any]) -> SolverSettings | None:
    t = r.table(data.get("solver"), "solver")
    if t is None:
        return None
    p = "solver"
    r.keys(t, SOLVER_KEYS, p)
    preset = r.string(t, "preset", p, default="direct", choices=SOLVER_PRESETS)
    rtol = r.number(t, "rtol", p, default=1e-9, gt=0.0, lt=1.0)
    atol = r.number(t, "atol", p, default=1e-10, ge=0.0)
    max_iterations = r.integer(t, "max_iterations", p, default=25, ge=1)
    max_step = r.number(t, "max_voltage_step_mV", p, default=25.0, gt=0.0)
    min_step = r.number(t, "min_voltage_step_mV", p, default=0.05, gt=0.0)
    if max_step is not None and min_step is not None and min_step > max_step:
        r.problem(
            "solver.min_voltage_step_mV",
            f"must be <= solver.max_voltage_step_mV = {_fmt(max_step)} mV, got {_fmt(min_step)}",
        )
    charge_steps = r.integer(t, "charge_steps", p, default=4, ge=1)
    degree = r.integer(t, "degree", p, default=1, choices=(1, 2))
    options = _petsc_options(r, t.get("petsc_options"))
    return SolverSettings(
        preset=preset,
        rtol=rtol,
        atol=atol,
        max_iterations=max_iterations,
        max_voltage_step_mV=max_step,
        min_voltage_step_mV=min_step,
        charge_steps=charge_steps,
        degree=degree,
        petsc_options=options,
    )


def _petsc_options(r: _Reader, raw: Any) -> FrozenMap | None:
    table = r.table(raw, "solver.petsc_options")
    if table is None:
        return None
    result = {}
    for name, value in table.items():
        key = f"solver.petsc_options.{name}"
        if str(name).startswith("-"):
            r.problem(key, f"write the option name without the leading dash: {name.lstrip('-')!r}")
        elif isinstance(value, float) and not math.isfinite(value):
            r.problem(key, f"must be finite, got {value}")
        elif not isinstance(value, str | int | float):  # bool is an int
            r.problem(key, f"expected a string, number or boolean, got {_describe(value)}")
        else:
            result[str(name)] = value
    return FrozenMap(result)


def _output(r: _Reader, data: Mapping[str, Any]) -> OutputSettings | None:
    t = r.table(data.get("output"), "output")
    if t is None:
        return None
    p = "output"
    r.keys(t, OUTPUT_KEYS, p)
    return OutputSettings(
        fields=r.boolean(t, "fields", p, default=True),
        profiles=r.boolean(t, "profiles", p, default=True),
        plots=r.boolean(t, "plots", p, default=True),
        sections=r.integer(t, "sections", p, default=5, ge=1),
    )


def _permittivity_profile(r: _Reader, data: Mapping[str, Any]) -> PermittivityProfile | None:
    t = r.table(data.get("permittivity_profile"), "permittivity_profile")
    if t is None:
        return None
    p = "permittivity_profile"
    r.keys(t, PERMITTIVITY_PROFILE_KEYS, p)
    kind = r.string(t, "kind", p, default="piecewise", choices=PERMITTIVITY_PROFILES)
    if kind == "smooth":
        width = r.number(t, "transition_nm", p, example="0.5", gt=0.0)
    else:
        width = r.number(t, "transition_nm", p, default=0.0, ge=0.0)
        if width:
            r.problem(
                f"{p}.transition_nm",
                'has no effect with kind = "piecewise"; set kind = "smooth" or remove it',
            )
    if kind is None or width is None:
        return None
    return PermittivityProfile(kind=kind, transition_nm=width)


_STEPS_EXAMPLE = "voltage_steps_mV = [[0.0, 0.0], [1e-9, 100.0]]"


def _voltage_steps(r: _Reader, raw: Any) -> tuple[tuple[float, float], ...] | None:
    """[[time_s, voltage_mV], ...]: starting at t = 0, times strictly increasing."""
    key = "transient.voltage_steps_mV"
    meaning = "pairs [time_s, voltage_mV], the voltage held from that time on"
    if raw is _MISSING:
        r.problem(key, f"missing required key; add {_STEPS_EXAMPLE} ({meaning})")
        return None
    if not isinstance(raw, list | tuple) or not raw:
        got = "an empty array" if isinstance(raw, list | tuple) else _describe(raw)
        r.problem(key, f"expected an array of {meaning}, e.g. {_STEPS_EXAMPLE}; got {got}")
        return None
    steps: list[tuple[float, float]] = []
    for i, pair in enumerate(raw):
        item = f"{key}[{i}]"
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            r.problem(item, f"expected a pair [time_s, voltage_mV], got {_describe(pair)}")
            return None
        time = r.check_number(pair[0], f"{item}[0]", ge=0.0)
        voltage = r.check_number(pair[1], f"{item}[1]")
        if time is None or voltage is None:
            return None
        steps.append((time, voltage))
    if steps[0][0] != 0.0:
        r.problem(
            f"{key}[0][0]",
            f"the protocol must start at t = 0 s (the initial state is the steady state at the "
            f"first voltage), got {_fmt(steps[0][0])} s; add [0.0, V0] first",
        )
        return None
    for i in range(1, len(steps)):
        if steps[i][0] <= steps[i - 1][0]:
            r.problem(
                f"{key}[{i}][0]",
                f"step times must increase: {_fmt(steps[i][0])} s follows "
                f"{_fmt(steps[i - 1][0])} s",
            )
            return None
    return tuple(steps)


def _round(x: float) -> float:
    """`x` to 12 significant digits (a derived default that prints cleanly)."""
    return float(f"{x:.12g}")


def _transient(r: _Reader, data: Mapping[str, Any]) -> Transient | None:
    if "transient" not in data:
        return None
    t = r.table(data["transient"], "transient")
    if t is None:
        return None
    p = "transient"
    r.keys(t, TRANSIENT_KEYS, p)
    end = r.number(t, "end_time_s", p, example="2e-7", gt=0.0)
    steps = _voltage_steps(r, t.get("voltage_steps_mV", _MISSING))
    rise = r.number(t, "rise_time_s", p, default=0.0, ge=0.0)
    scheme = r.string(t, "scheme", p, default="bdf2", choices=TRANSIENT_SCHEMES)
    adaptive = r.boolean(t, "adaptive", p, default=True)
    rtol = r.number(t, "rtol", p, default=1e-3, gt=0.0, lt=1.0)
    every = r.integer(t, "output_every", p, default=10, ge=1)
    if end is None:
        return None
    # defaults scale with the run: 50 steps at least, starting 1e-5 of the way in
    max_step = r.number(t, "max_step_s", p, default=_round(end / 50), gt=0.0)
    initial = r.number(
        t, "initial_step_s", p, default=_round(min(1e-5 * end, max_step or end)), gt=0.0
    )
    min_step = r.number(t, "min_step_s", p, default=_round(1e-4 * (initial or end)), gt=0.0)
    if None in (max_step, initial, min_step):
        return None
    if not min_step <= initial <= max_step:
        r.problem(
            f"{p}.initial_step_s",
            f"must lie between min_step_s = {_fmt(min_step)} s and max_step_s = "
            f"{_fmt(max_step)} s, got {_fmt(initial)} s",
        )
    if steps is not None:
        _protocol_timing(r, steps, end, rise)
    if None in (steps, rise, scheme, adaptive, rtol, every):
        return None
    return Transient(
        end_time_s=end,
        voltage_steps_mV=steps,
        initial_step_s=initial,
        min_step_s=min_step,
        max_step_s=max_step,
        rise_time_s=rise,
        scheme=scheme,
        adaptive=adaptive,
        rtol=rtol,
        output_every=every,
    )


def _protocol_timing(
    r: _Reader, steps: Sequence[tuple[float, float]], end: float, rise: float | None
) -> None:
    """Every step lies before the end, and each ramp ends before the next step and the end."""
    last = steps[-1][0]
    if last >= end:
        r.problem(
            "transient.end_time_s",
            f"must be later than the last step at {_fmt(last)} s, got {_fmt(end)} s",
        )
        return
    if not rise:
        return
    times = [time for time, _ in steps[1:]] + [end]
    gaps = [b - a for a, b in zip([time for time, _ in steps[1:]], times[1:], strict=False)]
    shortest = min(gaps, default=end)
    if len(steps) > 1 and rise > shortest:
        r.problem(
            "transient.rise_time_s",
            f"{_fmt(rise)} s is longer than the {_fmt(shortest)} s between a step and the "
            "next one (or the end); shorten it or space the steps further apart",
        )


def case_from_dict(
    data: Mapping[str, Any], *, base_dir: Path | None = None, source: str = "<dict>"
) -> Case:
    """Validate a case table (the TOML shape) and build a `Case`.

    `base_dir` resolves a relative `geometry.mesh_file` (default: the current
    directory); `source` names the origin in error messages and, when it is a
    file path, gives the default case name (its stem).
    """
    if not isinstance(data, Mapping):
        raise CaseError("", f"a case must be a table, got {_describe(data)}", source=source)
    base_dir = Path.cwd() if base_dir is None else Path(base_dir)
    r = _Reader()
    r.keys(data, TOP_KEYS, "")
    default_name = "case" if source.startswith("<") else Path(source).stem
    name = r.string(data, "name", "", default=default_name)
    if name is not None and (not name.strip() or any(c in name for c in "/\\")):
        r.problem("name", f"must be a non-empty name without path separators, got {name!r}")
    description = r.string(data, "description", "", default="")
    geometry = _geometry(r, data, base_dir)
    regions = _regions(r, data)
    surfaces = _surfaces(r, data, geometry.kind if geometry else None)
    species = _species(r, data)
    conditions = _conditions(r, data)
    solver = _solver(r, data)
    output = _output(r, data)
    profile = _permittivity_profile(r, data)
    transient = _transient(r, data)
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
    )
