"""Validation of the [conditions], [solver], [output] and [permittivity_profile] tables."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from pnp.case.schema import (
    FIELD_FORMATS,
    FIGURE_FORMATS,
    PERMITTIVITY_PROFILES,
    QUADRATURE_RULES,
    SOLVER_PRESETS,
    Conditions,
    FrozenMap,
    OutputSettings,
    PermittivityProfile,
    SolverSettings,
)
from pnp.case.validate.bounds import MAX_INTEGER
from pnp.case.validate.names import option_problem
from pnp.case.validate.reader import MISSING, Reader, describe, fmt
from pnp.constants import DEFAULT_TEMPERATURE

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
    "quadrature",
    "petsc_options",
)
OUTPUT_KEYS = ("fields", "field_format", "profiles", "plots", "sections", "figure_format")
PERMITTIVITY_PROFILE_KEYS = ("kind", "transition_nm")


NEWTON_TOLERANCE_LIMIT = 1e-4


def read_conditions(r: Reader, data: Mapping[str, Any]) -> Conditions | None:
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
    temperature = r.number(
        t, "temperature_K", p, default=DEFAULT_TEMPERATURE, within="temperature_K"
    )
    key = "conditions.voltages_mV"
    raw = t.get("voltages_mV", MISSING)
    voltages: tuple[float, ...] | None = None
    if raw is MISSING:
        if transient:
            voltages = ()
        else:
            r.problem(
                key,
                "missing required key; add voltages_mV = [-100, -50, 0, 50, 100] (or a "
                "[transient] table for a time-dependent run)",
            )
    elif isinstance(raw, int | float) and not isinstance(raw, bool):
        v = r.check_number(raw, key, within="voltage_mV")
        voltages = None if v is None else (v,)
    elif not isinstance(raw, list | tuple):
        r.problem(key, f"expected an array of numbers in mV, got {describe(raw)}")
    elif not raw:
        r.problem(key, "is empty; give at least one voltage, e.g. voltages_mV = [0]")
    else:
        values = [r.check_number(v, f"{key}[{i}]", within="voltage_mV") for i, v in enumerate(raw)]
        if None not in values:
            voltages = tuple(values)
    return Conditions(voltages_mV=voltages, temperature_K=temperature)


def read_solver(r: Reader, data: Mapping[str, Any]) -> SolverSettings | None:
    t = r.table(data.get("solver"), "solver")
    if t is None:
        return None
    p = "solver"
    r.keys(t, SOLVER_KEYS, p)
    preset = r.string(t, "preset", p, default="direct", choices=SOLVER_PRESETS)
    # looser residual tolerances accept a state that is not a solution (the update test
    # only applies after a first step): 1e-4 is already far from the defaults
    rtol = r.number(t, "rtol", p, default=1e-9, gt=0.0, le=NEWTON_TOLERANCE_LIMIT)
    atol = r.number(t, "atol", p, default=1e-10, ge=0.0, le=NEWTON_TOLERANCE_LIMIT)
    max_iterations = r.integer(t, "max_iterations", p, default=25, ge=1)
    max_step = r.number(t, "max_voltage_step_mV", p, default=25.0, gt=0.0)
    min_step = r.number(t, "min_voltage_step_mV", p, default=0.05, gt=0.0)
    if max_step is not None and min_step is not None and min_step > max_step:
        r.problem(
            "solver.min_voltage_step_mV",
            f"must be <= solver.max_voltage_step_mV = {fmt(max_step)} mV, got {fmt(min_step)}",
        )
    charge_steps = r.integer(t, "charge_steps", p, default=4, ge=1)
    degree = r.integer(t, "degree", p, default=1, choices=(1, 2))
    quadrature = r.string(t, "quadrature", p, default="gauss", choices=QUADRATURE_RULES)
    if quadrature == "vertex" and degree == 2:
        r.problem(
            "solver.quadrature",
            '"vertex" is the P1 rule and under-integrates P2; use "gauss" with degree = 2',
        )
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
        quadrature=quadrature,
        petsc_options=options,
    )


def _petsc_options(r: Reader, raw: Any) -> FrozenMap | None:
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
            r.problem(key, f"expected a string, number or boolean, got {describe(value)}")
        elif isinstance(value, int) and abs(value) > MAX_INTEGER:
            r.problem(key, f"must be at most {MAX_INTEGER} (PETSc's integers are 32-bit)")
        elif (why := option_problem(str(name), value)) is not None:
            r.problem(key, why)
        else:
            result[str(name)] = value
    return FrozenMap(result)


def read_output(r: Reader, data: Mapping[str, Any]) -> OutputSettings | None:
    t = r.table(data.get("output"), "output")
    if t is None:
        return None
    p = "output"
    r.keys(t, OUTPUT_KEYS, p)
    return OutputSettings(
        fields=r.boolean(t, "fields", p, default=True),
        field_format=r.string(t, "field_format", p, default="vtx", choices=FIELD_FORMATS),
        profiles=r.boolean(t, "profiles", p, default=True),
        plots=r.boolean(t, "plots", p, default=True),
        sections=r.integer(t, "sections", p, default=5, ge=1),
        figure_format=r.string(t, "figure_format", p, default="png", choices=FIGURE_FORMATS),
    )


def read_permittivity_profile(r: Reader, data: Mapping[str, Any]) -> PermittivityProfile | None:
    t = r.table(data.get("permittivity_profile"), "permittivity_profile")
    if t is None:
        return None
    p = "permittivity_profile"
    r.keys(t, PERMITTIVITY_PROFILE_KEYS, p)
    kind = r.string(t, "kind", p, default="piecewise", choices=PERMITTIVITY_PROFILES)
    if kind == "smooth":
        width = r.number(t, "transition_nm", p, example="0.5", gt=0.0, within="length_nm")
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
