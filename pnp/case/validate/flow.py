"""Validation of the [flow] table: Stokes flow of the electrolyte coupled to PNP."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pnp.case.schema import FLOW_WALLS, WATER_VISCOSITY_PA_S, Flow, Geometry, Transient
from pnp.case.validate.reader import Reader, describe, suggest

FLOW_KEYS = ("viscosity_Pa_s", "pressure_difference_Pa", "slip_length_nm", "slip_walls")
FLOW_KINDS = ("axisymmetric", "3d", "mesh")


def read_flow(
    r: Reader,
    data: Mapping[str, Any],
    geometry: Geometry | None,
    transient: Transient | None,
) -> Flow | None:
    if "flow" not in data:
        return None
    t = r.table(data["flow"], "flow")
    if t is None:
        return None
    p = "flow"
    r.keys(t, FLOW_KEYS, p)
    viscosity = r.number(t, "viscosity_Pa_s", p, default=WATER_VISCOSITY_PA_S, gt=0.0)
    pressure = r.number(t, "pressure_difference_Pa", p, default=0.0)
    slip = r.number(t, "slip_length_nm", p, default=0.0, ge=0.0)
    walls = _slip_walls(r, t.get("slip_walls", list(Flow.slip_walls)))
    if geometry is not None and geometry.kind not in FLOW_KINDS:
        r.problem(
            p,
            f"a {geometry.kind} geometry has no pore cross-section for the flow; use kind = "
            '"axisymmetric" or "3d", or remove [flow]',
        )
        return None
    if transient is not None:
        r.problem(p, "flow is solved in steady runs only; remove [flow] or [transient]")
        return None
    if None in (viscosity, pressure, slip, walls):
        return None
    return Flow(
        viscosity_Pa_s=viscosity,
        pressure_difference_Pa=pressure,
        slip_length_nm=slip,
        slip_walls=walls,
    )


def _slip_walls(r: Reader, raw: Any) -> tuple[str, ...] | None:
    key = "flow.slip_walls"
    if not isinstance(raw, list | tuple) or not all(isinstance(w, str) for w in raw):
        r.problem(key, f'expected an array of wall names, e.g. ["pore_wall"]; got {describe(raw)}')
        return None
    for wall in raw:
        if wall.startswith("electrode"):
            r.problem(
                key,
                f"{wall!r} is an open boundary held at the bath pressure, not a wall; "
                f"remove it (walls: {', '.join(FLOW_WALLS)})",
            )
            return None
        if wall not in FLOW_WALLS:
            r.problem(key, f"unknown wall {wall!r}; {suggest(wall, FLOW_WALLS)}")
            return None
    return tuple(dict.fromkeys(raw))
