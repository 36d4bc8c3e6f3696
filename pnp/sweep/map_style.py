"""How the failure maps name and draw the summary columns and the case keys.

`STYLES` gives a summary column its threshold contours and the kind of colour scale;
names and units come from `pnp.post.labels` (``species.K.inside_mM`` -> ``K⁺ inside (mM)``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pnp.post.labels import label, name_and_unit

KINDS = ("plain", "signed", "factor", "log_factor")


@dataclass(frozen=True)
class Style:
    """How a summary column is named and drawn. `levels` (display units: value x `factor`)
    are threshold contours. Kinds: ``signed`` (diverging colours centred on 0),
    ``factor`` (a fold factor >= 1 on a log colour scale from 1), ``log_factor`` (its
    natural log, linear from 0), ``plain``."""

    title: str
    unit: str = ""
    factor: float = 1.0
    levels: tuple[float, ...] = ()
    labels: tuple[str, ...] = ()
    kind: str = "plain"

    def __post_init__(self) -> None:
        if self.kind not in KINDS or len(self.levels) != len(self.labels):
            raise ValueError(f"bad map style for {self.title!r}")

    @property
    def label(self) -> str:
        return self.title + (f" ({self.unit})" if self.unit else "")


FOLD_FACTORS = (1.05, 1.2, 2.0, 10.0)  # 1.05 and 1.2: the 5 % and 20 % thresholds
FOLD_LABELS = tuple(f"×{f:g}" for f in FOLD_FACTORS)


def _named(key: str, **drawing) -> Style:
    """The style of a summary column, named by `pnp.post.labels`."""
    title, unit = name_and_unit(key)
    return Style(title, unit, **drawing)


STYLES = {
    "max_fold_factor": _named(
        "max_fold_factor", levels=FOLD_FACTORS, labels=FOLD_LABELS, kind="factor"
    ),
    "max_fold_error": _named(
        "max_fold_error",
        levels=tuple(math.log(f) for f in FOLD_FACTORS),
        labels=FOLD_LABELS,
        kind="log_factor",
    ),
    "max_relative_current_error": _named(
        "max_relative_current_error", factor=100.0, levels=(5.0, 20.0), labels=("5 %", "20 %")
    ),
    "reversal_potential_error_mV": _named(
        "reversal_potential_error_mV",
        levels=(-5.0, -1.0, 1.0, 5.0),
        labels=("-5 mV", "-1 mV", "+1 mV", "+5 mV"),
        kind="signed",
    ),
}


def style_of(metric: str) -> Style:
    """How a summary column is drawn; named by `pnp.post.labels` (from its unit suffix when
    it is not listed there)."""
    return STYLES.get(metric) or _named(metric)


def key_label(key: str) -> str:
    """A readable axis label of a case key or summary column (`pnp.post.labels.label`)."""
    return label(key)
