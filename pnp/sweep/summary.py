"""The summary table of a sweep: one row per finished case, as `summary.csv`.

Columns: ``case_id``, one column per axis key (named exactly as the key), then
`RESULT_COLUMNS`, the last of which are ``group_<name>``, the dimensionless groups of the
case (`pnp.post.groups`; from the case itself, so failed cases have them too), then the
per-voltage columns of the I-V curves, ``current_pA@100mV``, ``rectification@100mV``,
... (`pnp.sweep.voltage`: they depend on the voltages and species of the cases, so the
header is the union over the rows). Rows are
built from a case's results (`case_row`), appended as cases finish (`append_row`) and
rewritten sorted by case id (`write_summary`).
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pnp.case import Case
from pnp.case.screening import bath_screening
from pnp.folders import write_atomic
from pnp.post.groups import GROUP_NAMES, dimensionless_groups
from pnp.sweep.expand import SweepPoint, format_value
from pnp.sweep.voltage import ordered_columns, voltage_columns

SUMMARY_NAME = "summary.csv"
STATUSES = ("ok", "partial", "failed")
RESULT_COLUMNS = (
    "status",
    "max_fold_factor",  # GHK off by at most this factor (>= 1), from results["ghk_comparison"]
    "max_fold_error",  # its natural log; both empty (infinite) if sign_disagreements > 0
    "sign_disagreements",  # voltages where the GHK current has the opposite sign
    "max_relative_current_error",  # fraction; tends to 1 as GHK -> 0 (older metric)
    "reversal_potential_error_mV",  # GHK minus PNP
    "reversal_potential_mV",
    "ghk_reversal_potential_mV",
    "field_nonuniformity_max",
    "peak_space_charge_M",
    "ionic_strength_mM",  # of the more concentrated bath
    "debye_length_nm",  # of the more concentrated bath (the shorter one)
    "debye_over_length",  # debye_length_nm / pore_length_nm: GHK needs >> 1
    "failed_points",
    "seconds",
    "folder",
    "error",
    *(f"group_{name}" for name in GROUP_NAMES),
)
TEXT_COLUMNS = ("case_id", "status", "folder", "error")
_INTEGER = re.compile(r"[+-]?\d+")


def summary_columns(axis_keys: Sequence[str]) -> list[str]:
    return ["case_id", *axis_keys, *RESULT_COLUMNS]


def case_row(
    point: SweepPoint,
    case: Case,
    results: Mapping[str, Any] | None,
    *,
    error: str | None,
    seconds: float,
    folder: str,
) -> dict[str, Any]:
    """The summary row of one case from its results dict (or the partial results.json of a
    failed case, or None) and the error that stopped it, if any."""
    results = results or {}
    comparison = results.get("ghk_comparison") or {}
    points = results.get("points", [])
    failed = [p for p in points if not p.get("converged", False)]
    if error is None and "error" in results:
        error = results["error"].get("message", "the case failed")
    if error is not None:
        status = "failed"
    elif failed:
        status = "partial"
        first = failed[0].get("error") or {}
        error = (
            f"{len(failed)} of {len(points)} voltage points failed; first at "
            f"{failed[0]['voltage_mV']} mV: {first.get('message', first.get('reason', '?'))}"
        )
    else:
        status = "ok"
    strength, debye_nm = bath_screening(case)
    row: dict[str, Any] = {"case_id": point.case_id, **point.values}
    row.update(
        status=status,
        max_fold_factor=comparison.get("max_fold_factor"),
        max_fold_error=comparison.get("max_fold_error"),
        sign_disagreements=comparison.get("sign_disagreements"),
        max_relative_current_error=comparison.get("max_relative_current_error"),
        reversal_potential_error_mV=comparison.get("reversal_potential_error_mV"),
        reversal_potential_mV=results.get("reversal_potential_mV"),
        ghk_reversal_potential_mV=(results.get("ghk") or {}).get("reversal_potential_mV"),
        field_nonuniformity_max=comparison.get("field_nonuniformity_max"),
        peak_space_charge_M=comparison.get("peak_space_charge_M"),
        ionic_strength_mM=strength,
        debye_length_nm=debye_nm,
        debye_over_length=debye_nm / case.geometry.pore_length_nm,
        failed_points=None if status == "failed" else len(failed),
        seconds=round(seconds, 3),
        folder=folder,
        error=None if error is None else " ".join(str(error).split()),
    )
    row.update({f"group_{k}": v for k, v in dimensionless_groups(case).items()})
    row.update(voltage_columns(results))
    return row


def all_columns(columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """`columns`, then the other columns of the rows (the per-voltage ones, ordered)."""
    known = set(columns)
    extra = [c for row in rows for c in row if c not in known]
    return [*columns, *ordered_columns(extra)]


def format_cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    return format_value(value)


def parse_cell(column: str, text: str) -> Any:
    """A CSV cell back to a value: text columns stay text; numbers, booleans, lists are parsed."""
    if column == "case_id":
        return text
    if column in TEXT_COLUMNS:
        return text or None
    if text == "":
        return None
    if text in ("true", "false"):
        return text == "true"
    if _INTEGER.fullmatch(text):
        return int(text)
    try:
        return float(text)
    except ValueError:
        pass
    if text[0] in "[{":
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            pass
    return text


def render(columns: Sequence[str], rows: Iterable[Mapping[str, Any]], *, header: bool) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if header:
        writer.writerow(columns)
    for row in rows:
        writer.writerow([format_cell(row.get(column)) for column in columns])
    return buffer.getvalue()


def write_summary(path: Path, columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> None:
    """Write the whole summary sorted by case id (atomically), with `columns` and any
    other column of the rows after them."""
    ordered = sorted(rows, key=lambda row: row["case_id"])
    write_atomic(path, render(all_columns(columns, ordered), ordered, header=True))


def append_row(path: Path, columns: Sequence[str], row: Mapping[str, Any]) -> None:
    """Append one row (the caller holds the folder lock); starts the file with its header,
    and rewrites the file if the row brings new columns (other voltages or species)."""
    header = _header(path)
    if header is None:
        with path.open("w", encoding="utf-8", newline="") as handle:
            handle.write(render(all_columns(columns, [row]), [row], header=True))
    elif all(c in header for c in row) and all(c in header for c in columns):
        with path.open("a", encoding="utf-8", newline="") as handle:
            handle.write(render(header, [row], header=False))
    else:
        rows = read_summary(path)
        write_summary(path, all_columns(columns, [*rows, row]), [*rows, row])


def _header(path: Path) -> list[str] | None:
    """The column names of an existing, non-empty summary file (None otherwise)."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            first = next(csv.reader(handle), None)
    except FileNotFoundError:
        return None
    return first or None


def read_summary(path: Path) -> list[dict[str, Any]]:
    """The rows of a summary CSV, values parsed, in file order."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return [
            {column: parse_cell(column, text or "") for column, text in row.items()}
            for row in reader
        ]
