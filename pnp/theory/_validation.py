"""Input checks shared by the closed-form theory modules.

Every check raises :class:`ValueError` with a message that starts with the name
of the offending argument, so that callers (for example the command line) can
map it back to the option the user typed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike


def _describe(value: ArrayLike) -> str:
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 0:
        return repr(float(arr))
    return np.array2string(arr, threshold=6)


def as_float_array(name: str, value: ArrayLike) -> np.ndarray:
    """`value` as a float array; non-numeric or non-finite values are rejected."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {_describe(arr)}")
    return arr


def finite(name: str, value: ArrayLike) -> np.ndarray:
    """Any finite real number (or array of them)."""
    return as_float_array(name, value)


def positive(name: str, value: ArrayLike, unit: str = "") -> np.ndarray:
    """Strictly positive finite number(s)."""
    arr = as_float_array(name, value)
    if np.any(arr <= 0.0):
        bad = arr[arr <= 0.0] if arr.ndim else arr
        suffix = f" {unit}" if unit else ""
        raise ValueError(f"{name} must be > 0{suffix}, got {_describe(bad)}")
    return arr


def non_negative(name: str, value: ArrayLike, unit: str = "") -> np.ndarray:
    """Finite number(s) >= 0."""
    arr = as_float_array(name, value)
    if np.any(arr < 0.0):
        bad = arr[arr < 0.0] if arr.ndim else arr
        suffix = f" {unit}" if unit else ""
        raise ValueError(f"{name} must be >= 0{suffix}, got {_describe(bad)}")
    return arr


def valence(name: str, value: ArrayLike) -> np.ndarray:
    """A non-zero finite valence (signed)."""
    arr = as_float_array(name, value)
    if np.any(arr == 0.0):
        raise ValueError(f"{name} must be a non-zero valence, got {_describe(arr)}")
    return arr


def temperature(value: float) -> float:
    """A positive absolute temperature in kelvin."""
    return float(positive("temperature", value, "K"))


def scalar(arr: np.ndarray) -> float | np.ndarray:
    """Return a Python float for 0-d arrays, the array otherwise."""
    return float(arr) if np.ndim(arr) == 0 else arr


def same_keys(names: Mapping[str, Mapping[str, object]]) -> list[str]:
    """Check that the given mappings share one set of keys; return the keys in order.

    `names` maps argument name -> mapping.  The first mapping fixes the reference
    key set; any mismatch raises a ValueError naming the argument that differs.
    """
    items = list(names.items())
    ref_name, ref = items[0]
    if not isinstance(ref, Mapping):
        raise ValueError(f"{ref_name} must be a mapping species -> value")
    keys = list(ref.keys())
    if not keys:
        raise ValueError(f"{ref_name} must name at least one species")
    for arg, mapping in items[1:]:
        if not isinstance(mapping, Mapping):
            raise ValueError(f"{arg} must be a mapping species -> value")
        if set(mapping.keys()) != set(keys):
            missing = sorted(set(keys) - set(mapping.keys()))
            extra = sorted(set(mapping.keys()) - set(keys))
            parts = []
            if missing:
                parts.append(f"missing {missing}")
            if extra:
                parts.append(f"unexpected {extra}")
            raise ValueError(f"{arg} must have the same species as {ref_name}: " + ", ".join(parts))
    return keys


def finite_float(name: str, value: object) -> float:
    """A single finite float."""
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(out):
        raise ValueError(f"{name} must be finite, got {out!r}")
    return out
