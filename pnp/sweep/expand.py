"""The cases of a sweep: the cartesian product of its axes, each built and validated.

spec = load_sweep("cases/sweeps/fixed_charge_vs_ionic_strength.toml")
points = expand(spec)              # SweepPoint(index, case_id, position, values)
cases = build_cases(spec, points)  # one validated Case per point, or a SweepError
"""

from __future__ import annotations

import itertools
import json
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from pnp.case import Case, CaseError, apply_override, case_from_dict, load_case, split_key
from pnp.sweep.errors import SweepError
from pnp.sweep.spec import SweepSpec
from pnp.sweep.voltage import SINGLE_VOLTAGE_KEY, VOLTAGES_KEY


@dataclass(frozen=True)
class SweepPoint:
    """One case of the sweep: its number, stable id, position along each axis and values."""

    index: int
    case_id: str
    position: tuple[int, ...]
    values: Mapping[str, Any] = field(hash=False)

    def label(self) -> str:
        """``key=value`` for every varied key, as in ``--set``."""
        return " ".join(f"{key}={format_value(value)}" for key, value in self.values.items())


def case_id(index: int, size: int) -> str:
    """Zero-padded case number (at least 4 digits): 0000, 0001, ..."""
    return f"{index:0{max(4, len(str(max(size - 1, 0))))}d}"


def position_of(index: int, shape: Sequence[int]) -> tuple[int, ...]:
    """Position along each axis of the `index`-th case (the last axis varies fastest)."""
    position = []
    for size in reversed(shape):
        index, i = divmod(index, size)
        position.append(i)
    return tuple(reversed(position))


def expand(spec: SweepSpec) -> list[SweepPoint]:
    """Every point of the product of the sweep's axes, in case-number order."""
    points = []
    ranges = [range(axis.size) for axis in spec.axes]
    for index, position in enumerate(itertools.product(*ranges)):
        values: dict[str, Any] = {}
        for axis, i in zip(spec.axes, position, strict=True):
            values.update(axis.at(i))
        points.append(SweepPoint(index, case_id(index, spec.size), position, values))
    return points


def base_table(spec: SweepSpec) -> dict[str, Any]:
    """The base case file as a table, after checking that it is a valid case by itself."""
    try:
        load_case(spec.base)
    except CaseError as err:
        raise SweepError(
            "base",
            f"the base case {spec.base} is not valid by itself:\n{err}",
            source=spec.source,
        ) from None
    return tomllib.loads(spec.base.read_text(encoding="utf-8"))


def build_case(spec: SweepSpec, point: SweepPoint, base: Mapping[str, Any] | None = None) -> Case:
    """The validated case of one point: base, then the fixed overrides, then the axis values.

    The case is named ``<sweep name>_<case id>``. Raises `SweepError` naming the key
    and the case. A ``conditions.voltage_mV`` value V is the case's
    ``conditions.voltages_mV = [V]`` (one voltage per case).
    """
    data: Mapping[str, Any] = base_table(spec) if base is None else base
    try:
        for key, value in (*spec.fixed, *point.values.items()):
            if key == SINGLE_VOLTAGE_KEY:
                key, value = VOLTAGES_KEY, [value]
            data = apply_override(data, split_key(key), value)
        case = case_from_dict(data, base_dir=spec.base.parent, source=str(spec.base))
    except CaseError as err:
        where = "all cases" if not point.values else f"case {point.case_id} ({point.label()})"
        raise SweepError(
            err.key,
            err.detail,
            source=spec.source,
            problems=err.problems,
            context=f"(while building {where} of the sweep {spec.name!r} from {spec.base})",
        ) from None
    return replace(case, name=f"{spec.name}_{point.case_id}", source_path=spec.base)


def build_cases(spec: SweepSpec, points: Sequence[SweepPoint]) -> list[Case]:
    """Build and validate every case up front, so bad input stops the sweep before any run."""
    base = base_table(spec)
    return [build_case(spec, point, base) for point in points]


def format_value(value: Any) -> str:
    """A value as it would be written after ``--set key=`` (and in the summary CSV)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value) if isinstance(value, str) else repr(value)
    return json.dumps(value)
