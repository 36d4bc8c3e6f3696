"""Charged planar wall in a 1:1 electrolyte: Gouy–Chapman and Grahame.

The wall sits at x = 0 with the electrolyte at x > 0; potentials are relative
to the bulk electrolyte (phi -> 0 far away).  With ``n`` the bulk number
density of each ion (``n = c N_A``, c in mol/m^3 = mM) and ``eps = eps0 eps_r``::

    phi(x) = 4 V_T artanh( tanh(phi0 / (4 V_T)) exp(-x / lambda_D) )      (Gouy–Chapman)
    sigma  = sqrt(8 n eps k T) sinh(phi0 / (2 V_T))                      (Grahame)

Grahame is Gauss's law at the wall, ``sigma = -eps dphi/dx`` at x = 0 (the
outward normal of the electrolyte points into the wall), so a negative surface
charge gives a negative surface potential.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from pnp.constants import (
    AVOGADRO,
    BOLTZMANN,
    DEFAULT_TEMPERATURE,
    VACUUM_PERMITTIVITY,
    thermal_voltage,
)
from pnp.theory import _validation as check
from pnp.theory.debye import WATER_RELATIVE_PERMITTIVITY, debye_length


def _grahame_scale(salt_mM: float, relative_permittivity: float, temperature: float) -> float:
    """``sqrt(8 n eps k T)`` in C/m^2."""
    c = float(check.positive("salt_mM", salt_mM, "mM"))
    eps_r = float(check.positive("relative_permittivity", relative_permittivity))
    t = check.temperature(temperature)
    n = c * AVOGADRO  # 1/m^3 (mM = mol/m^3)
    return float(np.sqrt(8.0 * n * VACUUM_PERMITTIVITY * eps_r * BOLTZMANN * t))


def grahame_surface_charge(
    potential: ArrayLike,
    salt_mM: float,
    relative_permittivity: float = WATER_RELATIVE_PERMITTIVITY,
    temperature: float = DEFAULT_TEMPERATURE,
) -> float | np.ndarray:
    """Surface charge density (C/m^2) of a planar wall at surface potential `potential` (V).

    Grahame equation for a 1:1 salt of concentration `salt_mM`:
    ``sigma = sqrt(8 n eps k T) sinh(phi0 / (2 V_T))``.
    """
    phi0 = check.finite("potential", potential)
    scale = _grahame_scale(salt_mM, relative_permittivity, temperature)
    vt = thermal_voltage(temperature)
    return check.scalar(scale * np.sinh(phi0 / (2.0 * vt)))


def grahame_surface_potential(
    sigma: ArrayLike,
    salt_mM: float,
    relative_permittivity: float = WATER_RELATIVE_PERMITTIVITY,
    temperature: float = DEFAULT_TEMPERATURE,
) -> float | np.ndarray:
    """Surface potential (V, relative to bulk) of a planar wall of charge density `sigma` (C/m^2).

    Inverse Grahame equation for a 1:1 salt:
    ``phi0 = 2 V_T asinh(sigma / sqrt(8 n eps k T))``.
    """
    s = check.finite("sigma", sigma)
    scale = _grahame_scale(salt_mM, relative_permittivity, temperature)
    vt = thermal_voltage(temperature)
    return check.scalar(2.0 * vt * np.arcsinh(s / scale))


def gouy_chapman_potential(
    x: ArrayLike,
    surface_potential: float,
    salt_mM: float,
    relative_permittivity: float = WATER_RELATIVE_PERMITTIVITY,
    temperature: float = DEFAULT_TEMPERATURE,
) -> float | np.ndarray:
    """Gouy–Chapman potential (V) at distance `x` (m, >= 0) from a planar wall.

    ``phi(x) = 4 V_T artanh(tanh(phi0 / (4 V_T)) exp(-x / lambda_D))`` for a 1:1
    salt, the exact solution of the planar Poisson–Boltzmann equation; it
    reduces to ``phi0 exp(-x / lambda_D)`` for ``|phi0| << V_T``.
    """
    xx = check.non_negative("x", x, "m")
    phi0 = float(check.finite("surface_potential", surface_potential))
    lam = debye_length(salt_mM, relative_permittivity, temperature)
    vt = thermal_voltage(temperature)
    return check.scalar(4.0 * vt * np.arctanh(np.tanh(phi0 / (4.0 * vt)) * np.exp(-xx / lam)))


def boltzmann_concentration(
    c_bulk: ArrayLike,
    z: ArrayLike,
    potential: ArrayLike,
    temperature: float = DEFAULT_TEMPERATURE,
) -> float | np.ndarray:
    """Local concentration (mM) ``c_bulk exp(-z phi / V_T)`` at potential `potential` (V) vs bulk.

    E.g. the cation concentration at the mouth of a channel under a negative
    surface potential is enriched over the bulk.
    """
    c = check.non_negative("c_bulk", c_bulk, "mM")
    zz = check.finite("z", z)
    phi = check.finite("potential", potential)
    vt = thermal_voltage(check.temperature(temperature))
    return check.scalar(c * np.exp(-zz * phi / vt))
