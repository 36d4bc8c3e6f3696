"""Screening of a case's baths: ionic strength and Debye length (pure, no DOLFINx)."""

from __future__ import annotations

from pnp.case.schema import Case
from pnp.theory import debye_length


def bath_screening(case: Case) -> tuple[float, float]:
    """Ionic strength (mM) of the more concentrated bath and its Debye length (nm),
    with the bath permittivity: the shortest screening length of the two baths."""
    strength = max(
        0.5 * sum(s.charge**2 * getattr(s, side) for s in case.species)
        for side in ("inside_mM", "outside_mM")
    )
    eps = case.regions["bath"].permittivity
    return strength, 1e9 * float(debye_length(strength, eps, case.conditions.temperature_K))
