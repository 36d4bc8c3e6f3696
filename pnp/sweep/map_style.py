"""How the failure maps name and draw the summary columns and the case keys.

`STYLES` gives each summary column a title with its unit, threshold contours and the
kind of colour scale; `key_label` turns a case key into an axis label
(``species.K.inside_mM`` -> ``K inside (mM)``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

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
STYLES = {
    "max_fold_factor": Style(
        "largest factor between GHK and PNP currents", "", 1.0, FOLD_FACTORS, FOLD_LABELS, "factor"
    ),
    "max_fold_error": Style(
        "largest |ln(I_GHK / I_PNP)|",
        "",
        1.0,
        tuple(math.log(f) for f in FOLD_FACTORS),
        FOLD_LABELS,
        "log_factor",
    ),
    "sign_disagreements": Style("voltages where the GHK current has the opposite sign"),
    "max_relative_current_error": Style(
        "largest |I_GHK - I_PNP| / |I_PNP|", "%", 100.0, (5.0, 20.0), ("5 %", "20 %")
    ),
    "reversal_potential_error_mV": Style(
        "GHK minus PNP reversal potential",
        "mV",
        1.0,
        (-5.0, -1.0, 1.0, 5.0),
        ("-5 mV", "-1 mV", "+1 mV", "+5 mV"),
        "signed",
    ),
    "reversal_potential_mV": Style("PNP reversal potential", "mV"),
    "ghk_reversal_potential_mV": Style("GHK reversal potential", "mV"),
    "field_nonuniformity_max": Style("largest RMS of E_z - V/L along the axis, relative to V/L"),
    "peak_space_charge_M": Style("peak space charge on the pore axis", "M"),
    "ionic_strength_mM": Style("ionic strength", "mM"),
    "debye_length_nm": Style("Debye length", "nm"),
    "debye_over_length": Style("Debye length / pore length"),
    "failed_points": Style("failed voltage points"),
    "seconds": Style("wall time", "s"),
}
UNITS = {  # unit suffixes of case keys, longest first
    "C_per_m2": "C/m²",
    "m2_per_s": "m²/s",
    "A_per_m2": "A/m²",
    "mM": "mM",
    "mV": "mV",
    "nm": "nm",
    "pA": "pA",
    "M": "M",
    "K": "K",
    "s": "s",
}
_GROUPS = ("geometry", "conditions", "species", "regions", "surfaces")


def style_of(metric: str) -> Style:
    return STYLES.get(metric) or Style(key_label(metric))


def key_label(key: str) -> str:
    """A readable axis label: ``species.K.inside_mM`` -> ``K inside (mM)``,
    ``regions.pore.fixed_charge_M`` -> ``pore fixed charge (M)``; summary columns by name."""
    if key in STYLES:
        return STYLES[key].label
    parts = key.split(".")
    if len(parts) > 1 and parts[0] in _GROUPS:
        parts = parts[1:]
    name, unit = parts[-1], ""
    for suffix, text in UNITS.items():
        if name.endswith("_" + suffix):
            name, unit = name[: -len(suffix) - 1], text
            break
    words = " ".join([*parts[:-1], name]).replace("_", " ")
    return words + (f" ({unit})" if unit else "")
