"""Per-voltage quantities of a case's I-V curve as summary columns and map metrics.

Every case of a sweep solves the voltages ``conditions.voltages_mV``. Its summary row
gets one column per quantity and voltage, named ``<quantity>@<V>mV``:

    current_pA@100mV          total current at +100 mV (the run's current unit:
                              current_pA for pores, current_per_depth_pA_per_nm for
                              planar 2D meshes, current_density_A_per_m2 in 1D)
    conductance_nS@-50mV      chord conductance I / V (nS, nS_per_nm or S_per_m2)
    rectification@100mV       |I(+100 mV) / I(-100 mV)| (V > 0, both solved)
    transference_K@100mV      I_K / I, the transference number of species K
    ghk_current_pA@100mV      the constant-field (GHK) current of the same pore

and the scalar ``slope_conductance_<unit>`` (dI/dV at 0 mV). The values are those of
results.json (``points``, ``nanopore`` and ``ghk``, `pnp.post.nanopore`); a voltage
whose solve did not converge has no value.

A map over the voltages of the I-V curves takes the quantity without its voltage as
the metric and ``voltage_mV`` as an axis (``pnp map DIR --x voltage_mV --metric
current_pA``): `voltage_view` turns every case into one cell per voltage.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pnp.sweep.errors import SweepError

VOLTAGE_AXIS = "voltage_mV"  # the pseudo-axis of `pnp map` over the I-V voltages
# a sweep axis of single voltages: each case solves conditions.voltages_mV = [value]
SINGLE_VOLTAGE_KEY = "conditions.voltage_mV"
VOLTAGES_KEY = "conditions.voltages_mV"
_METRIC = re.compile(r"(?P<quantity>[A-Za-z_][A-Za-z0-9_]*)@(?P<voltage>[^@]*?)(?:mV)?")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
# column order of the quantities (prefixes); the voltages increase within each
_ORDER = ("current_", "conductance_", "rectification", "transference_", "ghk_current_")


def voltage_text(voltage_mV: float) -> str:
    """``100``, ``-50``, ``2.5``: the voltage as written in a column name."""
    v = float(voltage_mV)
    return str(int(v)) if v.is_integer() else repr(v)


def column_name(quantity: str, voltage_mV: float) -> str:
    return f"{quantity}@{voltage_text(voltage_mV)}mV"


def split_column(name: str) -> tuple[str, float] | None:
    """(quantity, voltage) of a ``<quantity>@<V>mV`` column; None for any other name."""
    match = _METRIC.fullmatch(name)
    if match is None or not name.endswith("mV") or not _NUMBER.fullmatch(match["voltage"]):
        return None
    return match["quantity"], float(match["voltage"])


def voltage_columns(results: Mapping[str, Any]) -> dict[str, float | None]:
    """The per-voltage columns of a case from its results.json (empty without points)."""
    nanopore = results.get("nanopore") or {}
    key = nanopore.get("current_key")
    if key is None:
        return {}
    unit = nanopore["conductance_unit"]
    values: dict[str, float | None] = {}
    for point in results.get("points", []):
        if point.get("converged") and point.get(key) is not None:
            values[column_name(key, point["voltage_mV"])] = float(point[key])
    for point in nanopore.get("points", []):
        v = point["voltage_mV"]
        if point.get("chord_conductance") is not None:
            values[column_name(f"conductance_{unit}", v)] = point["chord_conductance"]
        for name, t in (point.get("transference_numbers") or {}).items():
            if t is not None:
                values[column_name(f"transference_{name}", v)] = t
    for pair in nanopore.get("rectification", []):
        if pair.get("ratio") is not None:
            values[column_name("rectification", pair["voltage_mV"])] = pair["ratio"]
    for point in (results.get("ghk") or {}).get("points", []):
        if point.get(key) is not None:
            values[column_name(f"ghk_{key}", point["voltage_mV"])] = float(point[key])
    values[f"slope_conductance_{unit}"] = nanopore.get("slope_conductance_at_0mV")
    return values


def ordered_columns(names: Iterable[str]) -> list[str]:
    """Per-voltage columns by quantity (`_ORDER`), then voltage; other names first, as given."""
    plain, voltage = [], []
    for name in dict.fromkeys(names):
        parts = split_column(name)
        (plain if parts is None else voltage).append((name, parts))

    def rank(item):
        _, (quantity, v) = item
        first = next((k for k, p in enumerate(_ORDER) if quantity.startswith(p)), len(_ORDER))
        return first, quantity, v

    return [n for n, _ in plain] + [n for n, _ in sorted(voltage, key=rank)]


def quantities(columns: Iterable[str]) -> dict[str, list[float]]:
    """Each per-voltage quantity of `columns` and its voltages, sorted."""
    found: dict[str, set[float]] = {}
    for name in columns:
        parts = split_column(name)
        if parts is not None:
            found.setdefault(parts[0], set()).add(parts[1])
    return {q: sorted(vs) for q, vs in found.items()}


def metric_problem(metric: str, columns: Sequence[str]) -> str | None:
    """Why `metric` is not one of the numeric `columns` (None if it is), with the
    closest names; a per-voltage metric names the voltages that exist."""
    if metric in columns:
        return None
    per_voltage = quantities(columns)
    if "@" in metric:
        parts = split_column(metric)
        if parts is None:
            return f"{metric!r} is not of the form QUANTITY@VOLTAGEmV, e.g. {_example(per_voltage)}"
        quantity, v = parts
        if quantity in per_voltage:
            listed = ", ".join(voltage_text(x) for x in per_voltage[quantity])
            near = min(per_voltage[quantity], key=lambda x: abs(x - v))
            return (
                f"no {quantity} at {voltage_text(v)} mV in this sweep (its voltages: {listed} "
                f"mV); did you mean {column_name(quantity, near)!r}?"
            )
        return f"unknown per-voltage quantity {quantity!r}; " + _suggest(
            quantity, list(per_voltage), what="quantities"
        )
    plain = [c for c in columns if split_column(c) is None]
    return f"{metric!r} is not a numeric summary column; " + _suggest(
        metric, [*plain, *(column_name(q, vs[-1]) for q, vs in per_voltage.items())]
    )


def _suggest(word: str, choices: Sequence[str], what: str = "columns") -> str:
    close = difflib.get_close_matches(word, list(choices), n=3, cutoff=0.5)
    listed = ", ".join(choices) if choices else "none"
    if close:
        return f"did you mean {' or '.join(repr(c) for c in close)}? ({what}: {listed})"
    return f"valid {what}: {listed}"


def _example(per_voltage: Mapping[str, list[float]]) -> str:
    if not per_voltage:
        return "'current_pA@100mV'"
    quantity, voltages = next(iter(per_voltage.items()))
    return repr(column_name(quantity, voltages[-1]))


def single_voltage_rows(
    rows: Mapping[str, Mapping[str, Any]], metric: str
) -> dict[str, dict[str, Any]] | None:
    """Rows with column `metric` set to the case's value of per-voltage quantity `metric`,
    for sweeps whose cases each solve one voltage (an axis of conditions.voltages_mV);
    None if `metric` is not a per-voltage quantity. A case with several voltages is an
    error naming the way out."""
    found = {
        cid: quantities(c for c, v in row.items() if v is not None) for cid, row in rows.items()
    }
    if not any(metric in q for q in found.values()):
        return None
    result = {}
    for cid, row in rows.items():
        voltages = found[cid].get(metric, [])
        if len(voltages) > 1:
            raise SweepError(
                "--metric",
                f"case {cid} has {metric} at {len(voltages)} voltages; name one, e.g. "
                f"{column_name(metric, voltages[-1])!r}, or map it over the voltages with "
                f"--x {VOLTAGE_AXIS}",
            )
        value = row.get(column_name(metric, voltages[0])) if voltages else None
        result[cid] = {**row, metric: value}
    return result


def voltage_view(
    record: Mapping[str, Any],
    rows: Mapping[str, Mapping[str, Any]],
    metric: str | None,
    columns: Sequence[str],
) -> tuple[dict[str, Any], dict[str, dict[str, Any]], str]:
    """The sweep with the voltages of the I-V curves as one more (last) axis
    ``voltage_mV``: every case becomes one cell per voltage, its id ``<case>@<V>mV``,
    its value of quantity `metric` that of column ``<metric>@<V>mV`` (default: the
    current). Returns the record, the rows and the metric."""
    per_voltage = quantities(columns)
    if not per_voltage:
        raise SweepError(
            "--x",
            f"{VOLTAGE_AXIS}: the summary has no per-voltage columns (no converged case, or "
            "written by an older version of pnp); run the sweep again into a new --out folder",
        )
    if metric is None:
        metric = next((q for q in per_voltage if q.startswith("current_")), next(iter(per_voltage)))
    if metric not in per_voltage:
        if split_column(metric) is not None:
            detail = (
                f"with --x/--y {VOLTAGE_AXIS} the metric is a quantity without its voltage, "
                f"e.g. {split_column(metric)[0]!r}"
            )
        else:
            detail = f"{metric!r} has no value per voltage; " + _suggest(
                metric, list(per_voltage), what="per-voltage quantities"
            )
        raise SweepError("--metric", detail)
    voltages = per_voltage[metric]
    if any(VOLTAGE_AXIS in axis["keys"] for axis in record["axes"]):
        raise SweepError("--x", f"{VOLTAGE_AXIS} is already a key of the sweep")
    cases, cells = [], {}
    for entry in record["cases"]:
        row = rows.get(entry["case_id"])
        for v in voltages:
            cell_id = f"{entry['case_id']}@{voltage_text(v)}mV"
            cases.append({**entry, "case_id": cell_id})
            if row is None:
                continue
            value = row.get(column_name(metric, v))
            # the GHK sign count of a case concerns its whole I-V curve, not one voltage
            cell = {**row, "case_id": cell_id, "sign_disagreements": None, metric: value}
            cells[cell_id] = cell
    view = {
        **record,
        "axes": [*record["axes"], {"keys": [VOLTAGE_AXIS], "values": [list(voltages)]}],
        "shape": [*record["shape"], len(voltages)],
        "keys": [*record["keys"], VOLTAGE_AXIS],
        "cases": cases,
    }
    return view, cells, metric
