"""A sweep's summary arranged on two of its axes, for failure maps (`pnp map`).

    data = map_data(Path("out/sweeps/charge"), x="regions.pore.fixed_charge_M",
                    y="species.K.inside_mM", metric="max_fold_factor")
    data.panels[0].value   # (ny, nx) array, NaN where a case failed or did not run

A map axis is an axis key of the sweep (any key of a linked group) or a numeric
summary column that follows a single axis (e.g. ``debye_over_length`` when only
the concentrations vary with that axis), or ``voltage_mV``: the voltages of every
case's I-V curve, with a per-voltage quantity such as ``current_pA`` or
``rectification`` as the metric (`pnp.sweep.voltage`). A metric is a numeric summary
column, including the per-voltage ones (``current_pA@100mV``). The remaining axes give
one panel per combination of their values, unless fixed with ``where``.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pnp.case import CaseError, load_case, split_key
from pnp.sweep.errors import SweepError
from pnp.sweep.expand import format_value, position_of
from pnp.sweep.store import read_record
from pnp.sweep.summary import RESULT_COLUMNS, SUMMARY_NAME, TEXT_COLUMNS, read_summary
from pnp.sweep.voltage import VOLTAGE_AXIS, metric_problem, single_voltage_rows, voltage_view

DEFAULT_METRIC = "max_fold_factor"
SIGN_COLUMN = "sign_disagreements"  # cells where GHK has the opposite sign are marked
MAX_PANELS = 12
_CHARGE_KEY = re.compile(r"(regions\.\w+\.fixed_charge_M|surfaces\.\w+\.charge_C_per_m2)")
_PERMITTIVITY_KEY = re.compile(r"regions\.(filter|pore|bath)\.permittivity")


@dataclass(frozen=True)
class MapAxis:
    """A plotted axis: its key, the sweep axis it follows and its values in plotting order."""

    key: str
    axis: int
    positions: tuple[int, ...]  # positions along the sweep axis, sorted by value
    values: np.ndarray  # the key's value at each of those positions
    raw: tuple[Any, ...]  # the same values as written in the sweep (ints stay ints)


@dataclass
class Panel:
    """The cells of one combination of the other axes (``fixed``); arrays are (ny, nx)."""

    fixed: dict[str, Any]
    value: np.ndarray
    status: np.ndarray  # "ok" | "partial" | "failed" | "" (not run)
    case_id: np.ndarray
    debye_over_length: np.ndarray
    sign_disagreements: np.ndarray  # voltages where GHK has the opposite sign (NaN: unknown)
    lines: list[tuple[str, float, str]] = field(default_factory=list)  # ("x"|"y", at, label)


@dataclass
class MapData:
    name: str
    metric: str
    x: MapAxis
    y: MapAxis | None
    panels: list[Panel]

    def table(self) -> tuple[list[str], list[list[Any]]]:
        """The tidy table of the map: x, y, the fixed keys, the metric, the sign
        disagreements (unless that is the metric), status and case id."""
        fixed_keys = list(self.panels[0].fixed) if self.panels else []
        signs_column = self.metric != SIGN_COLUMN
        header = [self.x.key, *([self.y.key] if self.y else []), *fixed_keys, self.metric]
        header += [*([SIGN_COLUMN] if signs_column else []), "status", "case_id"]
        rows = []
        ys = self.y.raw if self.y is not None else [None]
        for panel in self.panels:
            for j, yv in enumerate(ys):
                for i, xv in enumerate(self.x.raw):
                    if not panel.case_id[j, i]:
                        continue
                    value = panel.value[j, i]
                    row = [_plain(xv), *([_plain(yv)] if self.y else [])]
                    row += [panel.fixed[k] for k in fixed_keys]
                    row.append(None if np.isnan(value) else float(value))
                    if signs_column:
                        signs = panel.sign_disagreements[j, i]
                        row.append(None if np.isnan(signs) else int(signs))
                    row.append(panel.status[j, i])
                    rows.append([*row, panel.case_id[j, i]])
        return header, rows


def map_data(
    out_dir: Path,
    *,
    x: str | None = None,
    y: str | None = None,
    metric: str | None = None,
    where: Mapping[str, Any] | None = None,
) -> MapData:
    """Read a sweep folder and arrange `metric` over the `x` and `y` axes (default: the
    first key of the first two axes; a one-axis sweep gives a one-row map with y None).
    The default metric is `DEFAULT_METRIC`, or the current over a ``voltage_mV`` axis."""
    out_dir = Path(out_dir)
    record = read_record(out_dir)
    path = out_dir / SUMMARY_NAME
    if not path.exists():
        raise SweepError("", f"{out_dir}: no {SUMMARY_NAME} yet; run the sweep first")
    rows = {row["case_id"]: row for row in read_summary(path)}
    if VOLTAGE_AXIS in (x, y, *(where or {})):
        columns = _numeric_columns(rows.values())
        record, rows, metric = voltage_view(record, rows, metric, columns)
    else:
        metric = DEFAULT_METRIC if metric is None else metric
        rows = single_voltage_rows(rows, metric) or rows
    axes = record["axes"]
    columns = _numeric_columns(rows.values())
    present = [c for c in RESULT_COLUMNS if any(c in row for row in rows.values())]
    if rows and metric in RESULT_COLUMNS and metric not in present:
        raise SweepError(
            "--metric",
            f"{path} has no {metric} column (written by an older version of pnp); map one "
            f"of its columns ({', '.join(c for c in present if c not in TEXT_COLUMNS)})"
            " or run the sweep again into a new --out folder",
        )
    problem = metric_problem(metric, columns)
    if problem is not None:
        raise SweepError("--metric", problem)
    x = x if x is not None else axes[0]["keys"][0]
    x_axis = resolve_axis("--x", x, record, rows, columns)
    if y is None and len(axes) > 1:
        fixed_voltage = VOLTAGE_AXIS in (where or {})  # the I-V voltage fixed: not plotted
        y = next(
            (
                axis["keys"][0]
                for a, axis in enumerate(axes)
                if a != x_axis.axis and not (fixed_voltage and axis["keys"] == [VOLTAGE_AXIS])
            ),
            None,
        )
    y_axis = resolve_axis("--y", y, record, rows, columns, avoid=x_axis.axis) if y else None
    if y_axis is not None and y_axis.axis == x_axis.axis:
        raise SweepError(
            "--y",
            f"{x} and {y} vary together (the same axis of the sweep); choose keys of two "
            "different axes",
        )
    used = {x_axis.axis, *([y_axis.axis] if y_axis else [])}
    others = [a for a in range(len(axes)) if a not in used]
    choices = _fixed_positions(record, others, where or {})
    if len(choices) > MAX_PANELS:
        listed = ", ".join(k for a in others for k in axes[a]["keys"][:1])
        raise SweepError(
            "--where",
            f"{len(choices)} panels (one per combination of {listed}); fix some of these axes "
            "with --where KEY=VALUE",
        )
    panels = [
        _panel(out_dir, record, rows, metric, x_axis, y_axis, others, combo) for combo in choices
    ]
    return MapData(record["name"], metric, x_axis, y_axis, panels)


def resolve_axis(
    option: str,
    key: str,
    record: Mapping[str, Any],
    rows: Mapping[str, Mapping[str, Any]],
    columns: Sequence[str],
    *,
    avoid: int | None = None,
) -> MapAxis:
    """A sweep axis key, or a numeric summary column that is a function of one sweep axis."""
    axes = record["axes"]
    for a, axis in enumerate(axes):
        if key in axis["keys"]:
            raw = [_single(v) for v in axis["values"][axis["keys"].index(key)]]
            if not all(_is_number(v) for v in raw):
                raise SweepError(option, f"the values of {key} are not all numbers: {raw}")
            return _sorted_axis(option, key, a, raw)
    if key not in columns:
        keys = [k for axis in axes for k in axis["keys"]]
        raise SweepError(
            option,
            f"{key!r} is neither an axis of the sweep ({', '.join(keys)}) nor a numeric "
            f"summary column ({', '.join(columns)})",
        )
    order = sorted(range(len(axes)), key=lambda a: a == avoid)
    for a in order:
        values = _follows(record, rows, key, a)
        if values is not None:
            return _sorted_axis(option, key, a, values)
    raise SweepError(
        option,
        f"{key} does not follow a single axis of the sweep (or some cases have no value); "
        "choose an axis key or a column that depends on one axis only",
    )


def _follows(
    record: Mapping[str, Any], rows: Mapping[str, Mapping[str, Any]], key: str, axis: int
) -> list[float] | None:
    """The values of summary column `key` by position along `axis`, if it depends on no other."""
    shape = record["shape"]
    found: dict[int, float] = {}
    for k, entry in enumerate(record["cases"]):
        row = rows.get(entry["case_id"])
        if row is None or not _is_number(row.get(key)):
            continue
        i = position_of(k, shape)[axis]
        value = float(row[key])
        if i in found and not math.isclose(found[i], value, rel_tol=1e-9, abs_tol=1e-300):
            return None
        found[i] = value
    if len(found) != shape[axis]:
        return None
    return [found[i] for i in range(shape[axis])]


def _sorted_axis(option: str, key: str, axis: int, values: Sequence[Any]) -> MapAxis:
    order = sorted(range(len(values)), key=lambda i: float(values[i]))
    ordered = np.array([float(values[i]) for i in order])
    if len(ordered) > 1 and np.any(np.diff(ordered) == 0):
        raise SweepError(option, f"{key} takes the same value twice along its axis: {values}")
    return MapAxis(key, axis, tuple(order), ordered, tuple(values[i] for i in order))


def _fixed_positions(
    record: Mapping[str, Any], others: Sequence[int], where: Mapping[str, Any]
) -> list[dict[int, int]]:
    """Combinations of positions of the other axes, narrowed by `where` (key -> value)."""
    axes = record["axes"]
    allowed = {a: list(range(record["shape"][a])) for a in others}
    for key, value in where.items():
        a = next((a for a in others if key in axes[a]["keys"]), None)
        if a is None:
            plotted = [k for b, axis in enumerate(axes) if b not in others for k in axis["keys"]]
            detail = "is plotted" if key in plotted else "is not an axis of the sweep"
            raise SweepError(f"--where {key}", f"{detail}; fix one of the other axes")
        column = axes[a]["values"][axes[a]["keys"].index(key)]
        matches = [i for i, v in enumerate(column) if _same(v, value)]
        if not matches:
            listed = ", ".join(format_value(v) for v in column)
            raise SweepError(f"--where {key}", f"{format_value(value)} is not one of {listed}")
        allowed[a] = [i for i in allowed[a] if i in matches]
    return [dict(zip(others, combo, strict=True)) for combo in itertools.product(*allowed.values())]


def _panel(
    out_dir: Path,
    record: Mapping[str, Any],
    rows: Mapping[str, Mapping[str, Any]],
    metric: str,
    x: MapAxis,
    y: MapAxis | None,
    others: Sequence[int],
    combo: Mapping[int, int],
) -> Panel:
    shape = record["shape"]
    axes = record["axes"]
    ny, nx = (len(y.positions) if y else 1), len(x.positions)
    value = np.full((ny, nx), np.nan)
    ratio = np.full((ny, nx), np.nan)
    signs = np.full((ny, nx), np.nan)
    status = np.full((ny, nx), "", dtype=object)
    ids = np.full((ny, nx), "", dtype=object)
    for j in range(ny):
        for i in range(nx):
            position = [0] * len(shape)
            for a, p in combo.items():
                position[a] = p
            position[x.axis] = x.positions[i]
            if y is not None:
                position[y.axis] = y.positions[j]
            entry = record["cases"][_index(position, shape)]
            row = rows.get(entry["case_id"])
            if row is None:
                continue
            ids[j, i] = entry["case_id"]
            status[j, i] = row["status"]
            if row["status"] != "failed" and _is_number(row.get(metric)):
                value[j, i] = float(row[metric])
            if _is_number(row.get("debye_over_length")):
                ratio[j, i] = float(row["debye_over_length"])
            if row["status"] != "failed" and _is_number(row.get(SIGN_COLUMN)):
                signs[j, i] = float(row[SIGN_COLUMN])
    fixed = {
        k: v[combo[a]]
        for a in others
        for k, v in zip(axes[a]["keys"], axes[a]["values"], strict=True)
    }
    panel = Panel(fixed, value, status, ids, ratio, signs)
    panel.lines = exact_limit_lines(out_dir, rows, panel, x, y)
    return panel


def exact_limit_lines(
    out_dir: Path,
    rows: Mapping[str, Mapping[str, Any]],
    panel: Panel,
    x: MapAxis,
    y: MapAxis | None,
) -> list[tuple[str, float, str]]:
    """Lines where a constant-field assumption holds exactly along one plotted axis:
    zero fixed charge, and uniform permittivity for a region's permittivity axis."""
    lines = []
    for name, axis in (("x", x), ("y", y)):
        if axis is None:
            continue
        low, high = axis.values.min(), axis.values.max()
        if _CHARGE_KEY.fullmatch(axis.key) and low <= 0.0 <= high:
            case = _case_on_line(out_dir, rows, panel, name, axis, 0.0)
            exact = case is not None and not case.has_fixed_charge
            lines.append((name, 0.0, "GHK exact: dilute, uncharged" if exact else "zero charge"))
        if _PERMITTIVITY_KEY.fullmatch(axis.key):
            case = _case_on_line(out_dir, rows, panel, name, axis, None)
            partner = {"filter": "pore", "pore": "bath", "bath": "pore"}[split_key(axis.key)[1]]
            uniform = None if case is None else case.regions[partner].permittivity
            if uniform is not None and low <= uniform <= high:
                lines.append((name, uniform, "uniform permittivity"))
    return lines


def _case_on_line(
    out_dir: Path,
    rows: Mapping[str, Mapping[str, Any]],
    panel: Panel,
    name: str,
    axis: MapAxis,
    at: float | None,
):
    """The case of some run cell of the panel (on the line `at`, if given)."""
    cols = range(len(axis.values)) if at is None else np.flatnonzero(axis.values == at)
    for i in cols:
        cells = panel.case_id[:, i] if name == "x" else panel.case_id[i, :]
        for case_id in cells:
            if case_id:
                try:
                    return load_case(out_dir / rows[case_id]["folder"] / "case.toml")
                except (CaseError, KeyError, TypeError):
                    continue
    return None


def _numeric_columns(rows) -> list[str]:
    """Result columns that hold numbers, then any other numeric column (derived values)."""
    columns = [c for c in RESULT_COLUMNS if c not in TEXT_COLUMNS]
    for row in rows:
        for column, value in row.items():
            if column not in columns and column not in TEXT_COLUMNS and _is_number(value):
                columns.append(column)
    return columns


def _index(position: Sequence[int], shape: Sequence[int]) -> int:
    index = 0
    for p, size in zip(position, shape, strict=True):
        index = index * size + p
    return index


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _single(value: Any) -> Any:
    """The number of a one-element list (an axis of conditions.voltages_mV = [[50], [100]])."""
    if isinstance(value, list) and len(value) == 1 and _is_number(value[0]):
        return value[0]
    return value


def _same(a: Any, b: Any) -> bool:
    if _is_number(a) and _is_number(b):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    return a == b


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value
