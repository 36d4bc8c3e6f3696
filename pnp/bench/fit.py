"""Cost growth with problem size: the slope of log(seconds) against log(unknowns)."""

from __future__ import annotations

import math
from collections.abc import Sequence


def growth_exponent(dofs: Sequence[float], seconds: Sequence[float]) -> float | None:
    """Least-squares slope of log(seconds) on log(dofs); None with fewer than two points."""
    pairs = [(math.log(n), math.log(t)) for n, t in zip(dofs, seconds, strict=True) if t and n]
    if len(pairs) < 2:
        return None
    mx = sum(x for x, _ in pairs) / len(pairs)
    my = sum(y for _, y in pairs) / len(pairs)
    sxx = sum((x - mx) ** 2 for x, _ in pairs)
    if sxx == 0.0:
        return None
    return sum((x - mx) * (y - my) for x, y in pairs) / sxx
