"""Validation of the [flow] table: Stokes flow of the electrolyte coupled to PNP."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pnp.case.schema import WATER_VISCOSITY_PA_S, Flow, Geometry, Transient
from pnp.case.validate.reader import Reader

FLOW_KEYS = ("viscosity_Pa_s", "pressure_difference_Pa")
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
    if viscosity is None or pressure is None:
        return None
    return Flow(viscosity_Pa_s=viscosity, pressure_difference_Pa=pressure)
