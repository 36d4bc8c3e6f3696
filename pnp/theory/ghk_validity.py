"""Where GHK and each cheap model hold, predicted from the dimensionless groups by the atlas.

The atlas (cases/sweeps/atlas_*.toml, run by scripts/atlas) solved PNP for a few hundred
KCl cases on grids of the groups of `pnp.post.groups`; its results ship as
``ghk_atlas.json`` beside this module: per case the groups and, for GHK and each cheap
model of the `ghk_comparison` block, the largest fold error |ln(I_model / I_PNP)| over the
voltages (opposite signs at some voltage are stored as the cap ln 1000) and the
reversal-potential error. A prediction interpolates them at a point of group space: the
coordinates are log10 of the groups (`COORDINATES`; an absent Donnan ratio or access ratio
is the atlas's floor, a group not given takes the atlas's base value `BASE`), the
prediction the inverse-distance weighted mean of the `k` nearest atlas cases (log10 of the
fold error, |reversal error| in mV), reported with the distance (decades) to the nearest
case: beyond about one decade it is an extrapolation.

The atlas is one salt (KCl, nearly equal diffusion coefficients) and, for the slab sweeps,
one pore length; groups it does not vary (the diffusion-coefficient ratio, valences)
are outside its reach.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

MODELS = ("ghk", "donnan_ghk", "access_ghk", "electroneutral_np", "fitted_ghk")
LABELS = {
    "ghk": "GHK",
    "donnan_ghk": "Donnan-GHK",
    "access_ghk": "access-limited GHK",
    "electroneutral_np": "electroneutral NP",
    "fitted_ghk": "fitted GHK",
}
COORDINATES = (
    "debye_over_length",
    "donnan_ratio",
    "permittivity_contrast",
    "access_ratio",
    "bath_concentration_ratio",
    "max_voltage_over_thermal",
)
# the group values the atlas holds fixed where it does not vary them (10 nm slab, 5:1
# KCl, X ~ 0, eps as the baths, no mouths, +-80 mV)
BASE = {
    "debye_over_length": 0.3,
    "donnan_ratio": 1e-3,
    "permittivity_contrast": 1.0,
    "access_ratio": 1e-2,
    "bath_concentration_ratio": 0.2,
    "max_voltage_over_thermal": 80.0 / 25.693,
}
FLOOR = {"donnan_ratio": 1e-3, "access_ratio": 1e-2}  # absent (zero) values sit here
FOLD_CAP = math.log(1e3)  # opposite signs at some voltage
CURRENT_LIMIT = math.log(1.05)  # a 5 % current error
REVERSAL_LIMIT_MV = 1.0


@dataclass(frozen=True)
class AtlasCase:
    """One atlas case: its groups, and per model the largest fold error (None: the model
    does not apply) and the reversal-potential error (mV, model minus PNP)."""

    sweep: str
    groups: dict[str, float | None]
    fold_errors: dict[str, float | None]
    reversal_errors_mV: dict[str, float | None]


@dataclass(frozen=True)
class ValidityPrediction:
    """Predicted largest fold error and |reversal error| (mV) of one model; `nearest` is
    the distance (decades in group space) to the nearest atlas case that has the model."""

    model: str
    fold_error: float
    reversal_error_mV: float | None
    nearest: float

    @property
    def fold_factor(self) -> float:
        return math.exp(self.fold_error)

    @property
    def current_within_5_percent(self) -> bool:
        return bool(self.fold_error <= CURRENT_LIMIT)

    @property
    def reversal_within_1_mV(self) -> bool | None:
        return None if self.reversal_error_mV is None else bool(self.reversal_error_mV <= 1.0)


@lru_cache(maxsize=1)
def shipped_atlas() -> tuple[AtlasCase, ...]:
    """The atlas results shipped with the package."""
    text = resources.files("pnp.theory").joinpath("ghk_atlas.json").read_text()
    return tuple(atlas_from_records(json.loads(text)["cases"]))


def atlas_from_records(records: Sequence[Mapping]) -> list[AtlasCase]:
    return [
        AtlasCase(
            r["sweep"],
            dict(r["groups"]),
            {m: r["fold_errors"].get(m) for m in MODELS},
            {m: r["reversal_errors_mV"].get(m) for m in MODELS},
        )
        for r in records
    ]


def coordinates(groups: Mapping[str, float | None]) -> np.ndarray:
    """log10 of the groups that place a case in the atlas (module doc)."""
    point = []
    for name in COORDINATES:
        value = groups.get(name)
        if value is None:
            value = FLOOR.get(name, BASE[name])
        if not (math.isfinite(value) and value >= 0.0):
            raise ValueError(f"{name}: a group is a finite number >= 0, got {value!r}")
        value = max(value, FLOOR.get(name, 0.0))
        if value == 0.0:
            raise ValueError(f"{name}: must be > 0")
        point.append(math.log10(value))
    return np.array(point)


def predict_validity(
    groups: Mapping[str, float | None],
    atlas: Sequence[AtlasCase] | None = None,
    k: int = 2,
) -> dict[str, ValidityPrediction | None]:
    """Each model's predicted fold and reversal errors at `groups` (missing groups take
    `BASE`; module doc); None for a model no atlas case has."""
    unknown = set(groups) - set(COORDINATES) - {"radius_over_debye"}
    if unknown:
        raise ValueError(f"groups: unknown group {sorted(unknown)[0]!r} (known: {COORDINATES})")
    query = {**BASE, **{n: v for n, v in groups.items() if n in COORDINATES}}
    here = coordinates(query)
    cases = shipped_atlas() if atlas is None else atlas
    out: dict[str, ValidityPrediction | None] = {}
    for model in MODELS:
        usable = [c for c in cases if c.fold_errors[model] is not None]
        if not usable:
            out[model] = None
            continue
        points = np.array([coordinates(c.groups) for c in usable])
        distance = np.sqrt(np.sum((points - here) ** 2, axis=1))
        nearest = np.argsort(distance)[: max(1, k)]
        weights = 1.0 / np.maximum(distance[nearest], 1e-9) ** 2
        folds = np.array([min(usable[i].fold_errors[model], FOLD_CAP) for i in nearest])
        log_fold = float(weights @ np.log10(np.maximum(folds, 1e-6)) / weights.sum())
        reversals = [usable[i].reversal_errors_mV[model] for i in nearest]
        known = [(w, abs(r)) for w, r in zip(weights, reversals, strict=True) if r is not None]
        reversal = sum(w * r for w, r in known) / sum(w for w, _ in known) if known else None
        out[model] = ValidityPrediction(model, 10.0**log_fold, reversal, float(distance.min()))
    return out


def held_out_errors(atlas: Sequence[AtlasCase], every: int = 5, k: int = 2) -> dict[str, dict]:
    """Predict every `every`-th atlas case from the others: per model the median and 90th
    percentile of |log10 predicted / true fold error| and of the |reversal error| miss (mV),
    and the share of cases whose <= 5 % current verdict the prediction gets right."""
    held = list(atlas[::every])
    kept = [c for j, c in enumerate(atlas) if j % every]
    out = {}
    for model in MODELS:
        fold_miss, reversal_miss, verdicts = [], [], []
        for case in held:
            true = case.fold_errors[model]
            if true is None:
                continue
            guess = predict_validity(case.groups, kept, k)[model]
            if guess is None:
                continue
            true = min(true, FOLD_CAP)
            fold_miss.append(abs(math.log10(max(guess.fold_error, 1e-6) / max(true, 1e-6))))
            verdicts.append(guess.current_within_5_percent == (true <= CURRENT_LIMIT))
            rev = case.reversal_errors_mV[model]
            if rev is not None and guess.reversal_error_mV is not None:
                reversal_miss.append(abs(guess.reversal_error_mV - abs(rev)))
        if not fold_miss:
            continue
        out[model] = {
            "cases": len(fold_miss),
            "median_log10_fold_miss": float(np.median(fold_miss)),
            "p90_log10_fold_miss": float(np.percentile(fold_miss, 90)),
            "median_reversal_miss_mV": float(np.median(reversal_miss)) if reversal_miss else None,
            "current_verdict_agreement": float(np.mean(verdicts)),
        }
    return out
