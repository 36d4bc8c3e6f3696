"""Single-ion activity coefficients from Debye–Hückel theory and its extensions.

All three models share ``log10 gamma = -A z^2 f(I)`` with the ionic strength
``I`` in mol/L.  The constants are computed from the temperature and the
relative permittivity rather than taken from a table::

    A = l_B kappa_1 / (2 ln 10),   B = kappa_1,   kappa_1 = sqrt(8 pi l_B N_A 1000 m^-3)

where ``l_B`` is the Bjerrum length and ``kappa_1`` the inverse Debye length
at I = 1 M.  With the package default eps_r = 78.5 at 298.15 K this gives
A = 0.5094 (L/mol)^1/2 (the tabulated 0.509) and B = 3.287 nm^-1 (L/mol)^1/2
(0.3287 per ångström).  For a temperature-consistent A pass
``relative_permittivity=water_relative_permittivity(T)``.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from pnp.constants import AVOGADRO, DEFAULT_TEMPERATURE, M_TO_MOL_PER_M3
from pnp.theory import _validation as check
from pnp.theory.debye import WATER_RELATIVE_PERMITTIVITY, bjerrum_length

#: Valid values of the `model` argument of :func:`activity_coefficient`.
ACTIVITY_MODELS = ("debye-huckel", "extended", "davies")

#: Default ion-size (closest-approach) parameter of the extended model, metres.
#: 0.3 nm is Kielland's value for K+ and Cl- (Na+ 0.45 nm, Ca2+ 0.6 nm).
DEFAULT_ION_SIZE_M = 0.3e-9

#: Coefficient of the linear term of the Davies equation.
DAVIES_LINEAR_COEFFICIENT = 0.3


def debye_huckel_b(
    temperature: float = DEFAULT_TEMPERATURE,
    relative_permittivity: float = WATER_RELATIVE_PERMITTIVITY,
) -> float:
    """Debye–Hückel B constant: inverse Debye length at I = 1 mol/L, in 1/m per (mol/L)^1/2."""
    l_b = bjerrum_length(relative_permittivity, temperature)
    return math.sqrt(8.0 * math.pi * l_b * AVOGADRO * M_TO_MOL_PER_M3)


def debye_huckel_a(
    temperature: float = DEFAULT_TEMPERATURE,
    relative_permittivity: float = WATER_RELATIVE_PERMITTIVITY,
) -> float:
    """Debye–Hückel A constant (base-10, ionic strength in mol/L), in (L/mol)^1/2.

    ``log10 gamma = -A z^2 sqrt(I)`` in the limiting law; A ~ (eps_r T)^(-3/2).
    0.5094 at 298.15 K and eps_r = 78.5.
    """
    l_b = bjerrum_length(relative_permittivity, temperature)
    return l_b * debye_huckel_b(temperature, relative_permittivity) / (2.0 * math.log(10.0))


def activity_coefficient(
    z: ArrayLike,
    ionic_strength_mM: ArrayLike,
    model: str = "davies",
    temperature: float = DEFAULT_TEMPERATURE,
    relative_permittivity: float = WATER_RELATIVE_PERMITTIVITY,
    ion_size_m: float = DEFAULT_ION_SIZE_M,
) -> float | np.ndarray:
    """Single-ion activity coefficient ``gamma`` (dimensionless).

    Models (``I`` in mol/L, ``A`` and ``B`` from :func:`debye_huckel_a` and
    :func:`debye_huckel_b`):

    * ``"debye-huckel"`` — limiting law, ``log10 gamma = -A z^2 sqrt(I)``
      (dilute solutions, I below ~5 mM);
    * ``"extended"`` — extended Debye–Hückel,
      ``log10 gamma = -A z^2 sqrt(I) / (1 + B a sqrt(I))`` with the ion-size
      parameter ``a = ion_size_m`` (default 0.3 nm; up to ~0.1 M);
    * ``"davies"`` — ``log10 gamma = -A z^2 (sqrt(I) / (1 + sqrt(I)) - 0.3 I)``
      (up to ~0.5 M).

    Args:
        z: signed valence (0 gives gamma = 1).
        ionic_strength_mM: ionic strength in mM (>= 0), see
            :func:`pnp.theory.ionic_strength`.
        model: one of :data:`ACTIVITY_MODELS`.
        temperature: absolute temperature in K (enters A and B).
        relative_permittivity: solvent relative permittivity (enters A and B).
        ion_size_m: ion-size parameter of the extended model, in metres (> 0).

    Raises:
        ValueError: for an unknown `model` or invalid numbers.
    """
    if model not in ACTIVITY_MODELS:
        valid = ", ".join(repr(m) for m in ACTIVITY_MODELS)
        raise ValueError(f"model must be one of {valid}, got {model!r}")
    zz = check.finite("z", z)
    ion = check.non_negative("ionic_strength_mM", ionic_strength_mM, "mM")
    t = check.temperature(temperature)
    eps_r = float(check.positive("relative_permittivity", relative_permittivity))
    a_const = debye_huckel_a(t, eps_r)
    sqrt_i = np.sqrt(ion / M_TO_MOL_PER_M3)
    if model == "debye-huckel":
        f = sqrt_i
    elif model == "extended":
        size = float(check.positive("ion_size_m", ion_size_m, "m"))
        f = sqrt_i / (1.0 + debye_huckel_b(t, eps_r) * size * sqrt_i)
    else:
        f = sqrt_i / (1.0 + sqrt_i) - DAVIES_LINEAR_COEFFICIENT * ion / M_TO_MOL_PER_M3
    return check.scalar(10.0 ** (-a_const * zz * zz * f))
