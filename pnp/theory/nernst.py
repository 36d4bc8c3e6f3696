"""Nernst (equilibrium) potential of a single ion species."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from pnp.constants import DEFAULT_TEMPERATURE, thermal_voltage
from pnp.theory import _validation as check


def nernst_potential(
    z: float,
    c_in: ArrayLike,
    c_out: ArrayLike,
    temperature: float = DEFAULT_TEMPERATURE,
    gamma_in: ArrayLike = 1.0,
    gamma_out: ArrayLike = 1.0,
) -> float | np.ndarray:
    """Equilibrium (Nernst) potential of one ion species, in volts.

    ``E = (V_T / z) ln(a_out / a_in)`` with activities ``a = gamma c`` and the
    thermal voltage ``V_T = R T / F``.  The sign follows the membrane-potential
    convention ``V = phi_in - phi_out``: at ``V = E`` the ion is in equilibrium.

    Args:
        z: signed valence of the ion (non-zero; +1 for K+, -1 for Cl-, +2 for Ca2+).
        c_in: inside concentration in mM (= mol/m^3), > 0.
        c_out: outside concentration in mM, > 0.
        temperature: absolute temperature in K.
        gamma_in: inside activity coefficient (dimensionless, > 0).
        gamma_out: outside activity coefficient (dimensionless, > 0).

    Returns:
        The Nernst potential in volts (a float, or an array if any argument is one).

    Raises:
        ValueError: for ``z = 0``, non-positive concentrations, activity
            coefficients or temperature.
    """
    zz = check.valence("z", z)
    cin = check.positive("c_in", c_in, "mM")
    cout = check.positive("c_out", c_out, "mM")
    gin = check.positive("gamma_in", gamma_in)
    gout = check.positive("gamma_out", gamma_out)
    vt = thermal_voltage(check.temperature(temperature))
    return check.scalar(vt / zz * np.log((gout * cout) / (gin * cin)))
