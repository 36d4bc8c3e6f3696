"""Ionic strength and Debye screening length of an electrolyte."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike

from pnp.constants import (
    DEFAULT_TEMPERATURE,
    ELEMENTARY_CHARGE,
    FARADAY,
    GAS_CONSTANT,
    VACUUM_PERMITTIVITY,
)
from pnp.theory import _validation as check

#: Relative permittivity of water used as the package-wide default.
WATER_RELATIVE_PERMITTIVITY = 78.5


def ionic_strength(
    concentrations_mM: Mapping[str, float] | Sequence[float],
    charges: Mapping[str, float] | Sequence[float],
) -> float:
    """Ionic strength ``I = 1/2 sum_i z_i^2 c_i`` in mM.

    Args:
        concentrations_mM: species -> concentration in mM, or a sequence.
        charges: species -> signed valence, or a sequence of the same length.

    Raises:
        ValueError: for negative concentrations, mismatched species or lengths.
    """
    if isinstance(concentrations_mM, Mapping) or isinstance(charges, Mapping):
        names = check.same_keys({"concentrations_mM": concentrations_mM, "charges": charges})
        c = [concentrations_mM[n] for n in names]  # type: ignore[index]
        z = [charges[n] for n in names]  # type: ignore[index]
    else:
        c, z = list(concentrations_mM), list(charges)
        if len(c) != len(z):
            raise ValueError(
                f"charges must have one entry per concentration ({len(c)}), got {len(z)}"
            )
        if not c:
            raise ValueError("concentrations_mM must name at least one species")
    cc = check.non_negative("concentrations_mM", c, "mM")
    zz = check.finite("charges", z)
    return float(0.5 * np.sum(zz * zz * cc))


def debye_length(
    ionic_strength_mM: ArrayLike,
    relative_permittivity: float = WATER_RELATIVE_PERMITTIVITY,
    temperature: float = DEFAULT_TEMPERATURE,
) -> float | np.ndarray:
    """Debye screening length in metres.

    ``lambda_D = sqrt(eps0 eps_r k T / (2 e^2 N_A I)) = sqrt(eps0 eps_r R T / (2 F^2 I))``
    with the ionic strength ``I`` in mol/m^3 (numerically equal to mM).  For a
    1:1 salt ``I`` is the salt concentration: 100 mM, eps_r = 78.5, 298.15 K
    gives 0.962 nm.

    Raises:
        ValueError: for non-positive ionic strength, permittivity or temperature.
    """
    ion = check.positive("ionic_strength_mM", ionic_strength_mM, "mM")
    eps_r = float(check.positive("relative_permittivity", relative_permittivity))
    t = check.temperature(temperature)
    eps = VACUUM_PERMITTIVITY * eps_r
    return check.scalar(np.sqrt(eps * GAS_CONSTANT * t / (2.0 * FARADAY**2 * ion)))


def water_relative_permittivity(temperature: float = DEFAULT_TEMPERATURE) -> float:
    """Static relative permittivity of liquid water at 1 atm (dimensionless).

    Malmberg & Maryott (1956) fit, ``t`` in degrees Celsius, valid 0–100 °C::

        eps_r = 87.740 - 0.40008 t + 9.398e-4 t^2 - 1.410e-6 t^3

    (78.30 at 25 °C, 74.1 at 37 °C).  Useful for a temperature-consistent
    Debye–Hückel constant; the package default elsewhere is 78.5.

    Raises:
        ValueError: outside 273.15–373.15 K.
    """
    t_k = check.temperature(temperature)
    if not 273.15 <= t_k <= 373.15:
        raise ValueError(f"temperature must be within 273.15–373.15 K for water, got {t_k}")
    t = t_k - 273.15
    return 87.740 - 0.40008 * t + 9.398e-4 * t**2 - 1.410e-6 * t**3


def bjerrum_length(
    relative_permittivity: float = WATER_RELATIVE_PERMITTIVITY,
    temperature: float = DEFAULT_TEMPERATURE,
) -> float:
    """Bjerrum length ``e^2 / (4 pi eps0 eps_r k T)`` in metres (0.714 nm in water at 25 °C)."""
    eps_r = float(check.positive("relative_permittivity", relative_permittivity))
    t = check.temperature(temperature)
    # e^2 / (k T) = e F / (R T)
    return (
        ELEMENTARY_CHARGE
        * FARADAY
        / (4.0 * math.pi * VACUUM_PERMITTIVITY * eps_r * GAS_CONSTANT * t)
    )
