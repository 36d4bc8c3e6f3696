"""Validation of the [regions] and [surfaces] tables: permittivities, fixed and
surface charges, diffusion factors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pnp.case.schema import (
    BOUNDARY_ROLES,
    DEFAULT_PERMITTIVITY,
    REGION_NAMES,
    SURFACE_NAMES,
    FrozenMap,
    Region,
    Surface,
)
from pnp.case.validate.reader import Reader, did_you_mean

REGION_KEYS = ("permittivity", "fixed_charge_M", "diffusion_factor")
SURFACE_KEYS = ("charge_C_per_m2",)


def read_regions(r: Reader, data: Mapping[str, Any]) -> FrozenMap | None:
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
        eps = r.number(t, "permittivity", p, default=default_eps, within="permittivity")
        charge = r.number(t, "fixed_charge_M", p, default=0.0, within="fixed_charge_M")
        if name == "bath" and charge:
            r.problem(
                "regions.bath.fixed_charge_M",
                "must be 0: the baths are electroneutral bulk electrolyte (the electrodes "
                "impose the bath concentrations); put fixed charge in pore, filter or membrane",
            )
        factor = None
        if name != "membrane":
            factor = r.number(t, "diffusion_factor", p, default=1.0, within="diffusion_factor")
        regions[name] = Region(permittivity=eps, fixed_charge_M=charge, diffusion_factor=factor)
    return FrozenMap(regions)


def read_surfaces(r: Reader, data: Mapping[str, Any], kind: str | None) -> FrozenMap | None:
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
        sigma = r.number(t, "charge_C_per_m2", p, default=0.0, within="charge_C_per_m2")
        if kind == "slab" and sigma:
            r.problem(
                f"{p}.charge_C_per_m2",
                "a slab (1D) geometry has no walls; remove the surface charge or "
                "use regions.pore.fixed_charge_M for charge in 1D",
            )
        surfaces[name] = Surface(charge_C_per_m2=sigma)
    return FrozenMap(surfaces)
