"""The `Reader` that reads typed values out of case tables, and message helpers.

A `Reader` collects every problem as a ``(dotted key, detail)`` pair instead of
raising, so that one `CaseError` can report them all.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pnp.case.validate.bounds import BOUNDS, MAX_INTEGER

_UNITS = (
    ("_m2_per_s", "m^2/s"),
    ("_C_per_m2", "C/m^2"),
    ("_nm", "nm"),
    ("_mM", "mM"),
    ("_mV", "mV"),
    ("_M", "M"),
    ("_K", "K"),
    ("_Pa_s", "Pa s"),
    ("_Pa", "Pa"),
    ("_s", "s"),
)
MISSING = object()  # marks a key absent from its table


def _closest(word: str, choices: Sequence[str]) -> str | None:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return close[0] if close else None


def suggest(word: str, choices: Sequence[str]) -> str:
    """'did you mean 'x'?' for a close match, else the list of valid choices."""
    close = _closest(word, choices)
    if close is not None:
        return f"did you mean {close!r}?"
    return "valid: " + ", ".join(choices)


def did_you_mean(word: str, choices: Sequence[str]) -> str:
    """'did you mean 'x'? ' for a close match, else ''."""
    close = _closest(word, choices)
    return f"did you mean {close!r}? " if close is not None else ""


def _unit(key: str) -> str:
    key = re.sub(r"\[\d+\]$", "", key)  # voltages_mV[2] is in mV (not the pairs of a table)
    for suffix, unit in _UNITS:
        if key.endswith(suffix):
            return " " + unit
    return ""


def describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list | tuple):
        return "an array"
    return f"{value!r} ({type(value).__name__})"


def fmt(x: float) -> str:
    try:
        return f"{x:.6g}"
    except OverflowError:  # an integer beyond any float
        return f"a {len(str(abs(x)))}-digit integer"


class Reader:
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
            self.problem(key, f"expected a table [{key}], got {describe(value)}")
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

    def _get(
        self, table: Mapping[str, Any], name: str, key: str, default: Any, example: str
    ) -> tuple[bool, Any]:
        """``(True, value)`` if `name` is in `table`, else ``(False, default)``; without a
        default the key is required: reported as missing, and ``(False, None)``."""
        value = table.get(name, MISSING)
        if value is not MISSING:
            return True, value
        if default is MISSING:
            section = key.rsplit(".", 1)[0]
            self.problem(key, f"missing required key; add {name} = {example} to [{section}]")
            return False, None
        return False, default

    def number(
        self,
        table: Mapping[str, Any],
        name: str,
        prefix: str,
        *,
        default: Any = MISSING,
        example: str = "1.0",
        gt: float | None = None,
        ge: float | None = None,
        lt: float | None = None,
        le: float | None = None,
        within: str | None = None,
        or_zero: bool = False,
    ) -> float | None:
        key = f"{prefix}.{name}"
        found, value = self._get(table, name, key, default, example)
        if not found:
            return value
        return self.check_number(
            value, key, gt=gt, ge=ge, lt=lt, le=le, within=within, or_zero=or_zero
        )

    def check_number(
        self,
        value: Any,
        key: str,
        *,
        gt: float | None = None,
        ge: float | None = None,
        lt: float | None = None,
        le: float | None = None,
        within: str | None = None,
        or_zero: bool = False,
    ) -> float | None:
        """`value` as a float, or None with the problem recorded. Beyond the comparisons,
        `within` names the physical bound of `BOUNDS` it must respect (not checked for 0
        if `or_zero`: a length that may be absent)."""
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
                key, f"expected a number{unit and ' in' + unit}, got {describe(value)}{hint}"
            )
            return None
        try:
            value = float(value)
        except OverflowError:
            digits = len(str(abs(value)))
            self.problem(
                key, f"a {digits}-digit integer is too large for a number{unit and ' in' + unit}"
            )
            return None
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
                self.problem(key, f"must be {op} {fmt(bound)}{unit}, got {fmt(value)}")
                return None
        if within is not None and not (or_zero and value == 0.0):
            return self.check_bound(value, key, within)
        return value

    def check_bound(self, value: float, key: str, quantity: str) -> float | None:
        """`value` if it lies within ``BOUNDS[quantity]``, else None with the problem."""
        bound, unit = BOUNDS[quantity], _unit(key)
        if (bound.low is None or value >= bound.low) and value <= bound.high:
            return value
        if bound.low is None:
            span = f"<= {fmt(bound.high)}{unit}"
        else:
            span = f"between {fmt(bound.low)} and {fmt(bound.high)}{unit}"
        hint = f"; {bound.hint}" if bound.hint else ""
        self.problem(key, f"must be {span} ({bound.reason}), got {fmt(value)}{hint}")
        return None

    def integer(
        self,
        table: Mapping[str, Any],
        name: str,
        prefix: str,
        *,
        default: Any = MISSING,
        example: str = "1",
        ge: int | None = None,
        choices: Sequence[int] | None = None,
    ) -> int | None:
        key = f"{prefix}.{name}"
        found, value = self._get(table, name, key, default, example)
        if not found:
            return value
        result = as_int(value)
        if result is None:
            self.problem(key, f"expected an integer, got {describe(value)}")
            return None
        if abs(result) > MAX_INTEGER:
            self.problem(
                key, f"must be at most {MAX_INTEGER}, got a {len(str(abs(result)))}-digit integer"
            )
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
            self.problem(key, f"expected true or false, got {describe(value)}")
            return None
        return value

    def string(
        self,
        table: Mapping[str, Any],
        name: str,
        prefix: str,
        *,
        default: Any = MISSING,
        example: str = '"..."',
        choices: Sequence[str] | None = None,
    ) -> str | None:
        key = f"{prefix}.{name}" if prefix else name
        found, value = self._get(table, name, key, default, example)
        if not found:
            return value
        if not isinstance(value, str):
            self.problem(key, f"expected a string, got {describe(value)}")
            return None
        if choices is not None and value not in choices:
            hint = did_you_mean(value, choices)
            self.problem(key, f"unknown value {value!r}; {hint}(one of {', '.join(choices)})")
            return None
        return value


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return None
