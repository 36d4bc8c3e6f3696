"""Donnan equilibrium between a fixed-charge region and an electrolyte bath.

A region carrying fixed charge ``X`` (mM of elementary charges, signed: negative
for a cation-selective region such as a negatively charged pore or gel) is in
equilibrium with a bath of mobile ions.  Each mobile species follows Boltzmann,
``c_i = c_i,bath exp(-z_i psi)`` with ``psi = phi / V_T`` and ``phi`` the
potential of the charged region minus that of the bath, and the region is
electroneutral::

    sum_i z_i c_i,bath exp(-z_i psi) + X = 0

The left side decreases monotonically with ``psi``, so the root is unique; it
is bracketed and refined with Brent's method for any number of species and
valences.  For a 1:1 salt of concentration ``c`` the closed form is
``c_+ c_- = c^2``, ``c_+ - c_- + X = 0``, ``phi = V_T ln(c / c_+) = V_T asinh(X / (2 c))``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from pnp.constants import DEFAULT_TEMPERATURE, GAS_CONSTANT, thermal_voltage
from pnp.theory import _validation as check

# Relative tolerance on the bath's net charge (sum z c) before it is rejected.
_BATH_NEUTRALITY_RTOL = 1e-9


@dataclass(frozen=True)
class DonnanEquilibrium:
    """Result of :func:`donnan_equilibrium`.

    Attributes:
        potential: Donnan potential in volts, charged region minus bath.
        reduced_potential: ``potential / V_T`` (dimensionless).
        concentrations: species -> concentration in the charged region, mM.
        bath: species -> bath concentration, mM.
        charges: species -> signed valence.
        fixed_charge_mM: the fixed charge X, mM of elementary charges (signed).
        temperature: absolute temperature in K.
        donnan_ratio: ``r = exp(-reduced_potential)``; each species obeys
            ``c_i = c_i,bath r^z_i``.
        osmotic_pressure: excess osmotic pressure of the mobile ions in the
            charged region over the bath, ``R T sum_i (c_i - c_i,bath)``, in Pa
            (the fixed charges' own carriers are not counted).
    """

    potential: float
    reduced_potential: float
    concentrations: Mapping[str, float]
    bath: Mapping[str, float]
    charges: Mapping[str, float]
    fixed_charge_mM: float
    temperature: float
    donnan_ratio: float
    osmotic_pressure: float

    @property
    def potential_mV(self) -> float:
        """Donnan potential in mV."""
        return 1e3 * self.potential

    @property
    def net_charge_mM(self) -> float:
        """Residual ``sum_i z_i c_i + X`` in the charged region, mM (zero up to round-off)."""
        return float(
            sum(self.charges[n] * self.concentrations[n] for n in self.concentrations)
            + self.fixed_charge_mM
        )


def _parse_bath(
    bath: Mapping[str, tuple[float, float]],
) -> tuple[list[str], np.ndarray, np.ndarray]:
    if not isinstance(bath, Mapping) or not bath:
        raise ValueError("bath must be a non-empty mapping species -> (z, c_mM)")
    names = list(bath)
    z_list, c_list = [], []
    for name in names:
        try:
            z_i, c_i = bath[name]
        except (TypeError, ValueError):
            raise ValueError(
                f"bath[{name!r}] must be a pair (z, c_mM), got {bath[name]!r}"
            ) from None
        z_list.append(check.finite_float(f"bath[{name!r}] valence", z_i))
        c_list.append(float(check.positive(f"bath[{name!r}] concentration", c_i, "mM")))
    z = np.array(z_list)
    c = np.array(c_list)
    net = float(np.sum(z * c))
    if abs(net) > _BATH_NEUTRALITY_RTOL * float(np.sum(np.abs(z) * c)):
        raise ValueError(f"bath must be electroneutral, got sum z c = {net:g} mM")
    return names, z, c


def donnan_equilibrium(
    fixed_charge_mM: float,
    bath: Mapping[str, tuple[float, float]],
    temperature: float = DEFAULT_TEMPERATURE,
) -> DonnanEquilibrium:
    """Donnan equilibrium of a fixed-charge region with an electrolyte bath.

    Args:
        fixed_charge_mM: fixed charge X in mM of elementary charges, signed
            (negative = cation-selective).  Any magnitude (e.g. 10 M against a
            1 mM bath) is handled.
        bath: species -> ``(z, c_mM)``: signed valence and bath concentration
            (> 0 mM).  The bath must be electroneutral.  Neutral species (z = 0)
            are allowed and keep their bath concentration.
        temperature: absolute temperature in K.

    Returns:
        A :class:`DonnanEquilibrium` with the potential (V, region minus bath)
        and the region's concentrations (mM).

    Raises:
        ValueError: for invalid values, a non-neutral bath, or when no mobile
            counter-ion exists to neutralise the fixed charge.
    """
    x = check.finite_float("fixed_charge_mM", fixed_charge_mM)
    t = check.temperature(temperature)
    names, z, c = _parse_bath(bath)

    if x == 0.0:
        psi = 0.0
    else:
        counter = (z < 0) if x > 0 else (z > 0)
        if not np.any(counter):
            kind = "anion" if x > 0 else "cation"
            raise ValueError(
                f"bath must contain a mobile {kind} to neutralise fixed_charge_mM = {x:g}"
            )
        scale = abs(x) + float(np.sum(np.abs(z) * c))

        def residual(p: float) -> float:
            with np.errstate(over="ignore"):
                return float((np.sum(z * c * np.exp(-z * p)) + x) / scale)

        # residual(0) = X / scale; the residual decreases with psi.
        step = -1.0 if x < 0 else 1.0
        lo_hi = [0.0, step]
        while residual(lo_hi[1]) * residual(0.0) > 0.0:
            lo_hi[1] *= 2.0
            if abs(lo_hi[1]) > 1e4:  # pragma: no cover - guarded by the counter-ion check
                raise ValueError("could not bracket the Donnan potential")
        from scipy.optimize import brentq

        a, b = sorted(lo_hi)
        psi = float(brentq(residual, a, b, xtol=1e-14, rtol=4 * np.finfo(float).eps, maxiter=500))

    conc = c * np.exp(-z * psi)
    vt = thermal_voltage(t)
    return DonnanEquilibrium(
        potential=psi * vt,
        reduced_potential=psi,
        concentrations=MappingProxyType({n: float(v) for n, v in zip(names, conc, strict=True)}),
        bath=MappingProxyType({n: float(v) for n, v in zip(names, c, strict=True)}),
        charges=MappingProxyType({n: float(v) for n, v in zip(names, z, strict=True)}),
        fixed_charge_mM=x,
        temperature=t,
        donnan_ratio=math.exp(-psi),
        osmotic_pressure=float(GAS_CONSTANT * t * np.sum(conc - c)),
    )


def donnan_potential_1to1(
    fixed_charge_mM: float,
    salt_mM: float,
    temperature: float = DEFAULT_TEMPERATURE,
) -> float:
    """Closed-form Donnan potential for a 1:1 salt, in volts (charged region minus bath).

    ``phi = V_T asinh(X / (2 c))``, equivalently ``V_T ln(c / c_+)`` with
    ``c_+ = (sqrt(X^2 + 4 c^2) - X) / 2`` (from ``c_+ c_- = c^2`` and
    ``c_+ - c_- + X = 0``).

    Args:
        fixed_charge_mM: fixed charge X, mM of elementary charges (signed).
        salt_mM: bath salt concentration c in mM (> 0).
        temperature: absolute temperature in K.
    """
    x = check.finite_float("fixed_charge_mM", fixed_charge_mM)
    c = float(check.positive("salt_mM", salt_mM, "mM"))
    return thermal_voltage(check.temperature(temperature)) * math.asinh(x / (2.0 * c))
