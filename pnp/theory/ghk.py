"""Goldman–Hodgkin–Katz constant-field current and voltage equations.

Conventions (PHYSICS.md): ``V = phi_in - phi_out``; current positive outward
(positive charge moving from inside to outside); concentrations in mM
(= mol/m^3); permeabilities in m/s; current densities in A/m^2.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike

from pnp.constants import DEFAULT_TEMPERATURE, FARADAY, thermal_voltage
from pnp.theory import _validation as check

#: Valid values of the `method` argument of :func:`ghk_voltage`.
GHK_VOLTAGE_METHODS = ("auto", "closed-form", "root")

# Below this |u| the series of u / (1 - exp(-u)) is used (error ~ u^4 / 720).
_SERIES_THRESHOLD = 1e-6


def _ghk_factor(u: np.ndarray) -> np.ndarray:
    """``u / (1 - exp(-u))``, stable for all real u (equals 1 at u = 0).

    For large negative u the exact value underflows to 0, which is returned
    without warnings.
    """
    u = np.asarray(u, dtype=float)
    small = np.abs(u) < _SERIES_THRESHOLD
    safe_u = np.where(small, 1.0, u)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        direct = safe_u / -np.expm1(-safe_u)
    series = 1.0 + u / 2.0 + u * u / 12.0
    return np.where(small, series, direct)


def _ghk_current_unchecked(
    z: np.ndarray,
    permeability: np.ndarray,
    c_in: np.ndarray,
    c_out: np.ndarray,
    voltage: np.ndarray,
    vt: float,
) -> np.ndarray:
    u = z * voltage / vt
    # I = P z F [c_in f(u) - c_out f(-u)],  f(u) = u / (1 - exp(-u)),
    # which equals P z F u (c_in - c_out exp(-u)) / (1 - exp(-u)).
    return permeability * z * FARADAY * (c_in * _ghk_factor(u) - c_out * _ghk_factor(-u))


def ghk_current_density(
    z: ArrayLike,
    permeability: ArrayLike,
    c_in: ArrayLike,
    c_out: ArrayLike,
    voltage: ArrayLike,
    temperature: float = DEFAULT_TEMPERATURE,
) -> float | np.ndarray:
    """GHK (constant-field) current density of one ion species, in A/m^2.

    ``I = P z F u (c_in - c_out exp(-u)) / (1 - exp(-u))`` with
    ``u = z V / V_T``, positive outward.  At ``V = 0`` the exact limit
    ``P z F (c_in - c_out)`` is returned; near ``u = 0`` a series keeps the
    result smooth, elsewhere ``expm1`` avoids cancellation.  All arguments
    broadcast (e.g. an array of voltages gives an I–V curve).

    Args:
        z: signed valence (non-zero), e.g. +2 for Ca2+.
        permeability: permeability in m/s (>= 0).
        c_in: inside concentration in mM (>= 0).
        c_out: outside concentration in mM (>= 0).
        voltage: membrane potential ``V = phi_in - phi_out`` in volts.
        temperature: absolute temperature in K.

    Returns:
        Current density in A/m^2 (float for scalar input, array otherwise).

    Raises:
        ValueError: for ``z = 0``, negative permeability or concentrations,
            non-finite voltage, non-positive temperature.
    """
    zz = check.valence("z", z)
    p = check.non_negative("permeability", permeability, "m/s")
    cin = check.non_negative("c_in", c_in, "mM")
    cout = check.non_negative("c_out", c_out, "mM")
    v = check.finite("voltage", voltage)
    vt = thermal_voltage(check.temperature(temperature))
    return check.scalar(_ghk_current_unchecked(zz, p, cin, cout, v, vt))


def _species_arrays(
    permeabilities: Mapping[str, float],
    c_in: Mapping[str, float],
    c_out: Mapping[str, float],
    charges: Mapping[str, float],
) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    names = check.same_keys(
        {"permeabilities": permeabilities, "c_in": c_in, "c_out": c_out, "charges": charges}
    )
    p = np.array(
        [
            float(check.non_negative(f"permeabilities[{n!r}]", permeabilities[n], "m/s"))
            for n in names
        ]
    )
    cin = np.array([float(check.non_negative(f"c_in[{n!r}]", c_in[n], "mM")) for n in names])
    cout = np.array([float(check.non_negative(f"c_out[{n!r}]", c_out[n], "mM")) for n in names])
    z = np.array([float(check.valence(f"charges[{n!r}]", charges[n])) for n in names])
    if not np.any(p > 0.0):
        raise ValueError("permeabilities must contain at least one value > 0 m/s")
    return names, p, cin, cout, z


def ghk_total_current_density(
    permeabilities: Mapping[str, float],
    c_in: Mapping[str, float],
    c_out: Mapping[str, float],
    charges: Mapping[str, float],
    voltage: ArrayLike,
    temperature: float = DEFAULT_TEMPERATURE,
) -> float | np.ndarray:
    """Sum of the GHK current densities of several species, in A/m^2 (outward positive).

    Each argument except `voltage` and `temperature` is a mapping species name ->
    value (permeability in m/s, concentrations in mM, signed valence); all
    mappings must name the same species.  `voltage` (volts) may be an array.
    """
    _, p, cin, cout, z = _species_arrays(permeabilities, c_in, c_out, charges)
    v = check.finite("voltage", voltage)
    vt = thermal_voltage(check.temperature(temperature))
    vv = np.asarray(v, dtype=float)[..., None]
    total = _ghk_current_unchecked(z, p, cin, cout, vv, vt).sum(axis=-1)
    return check.scalar(total)


def ghk_voltage(
    permeabilities: Mapping[str, float],
    c_in: Mapping[str, float],
    c_out: Mapping[str, float],
    charges: Mapping[str, float],
    temperature: float = DEFAULT_TEMPERATURE,
    method: str = "auto",
) -> float:
    """GHK reversal (zero-current) potential of a multi-ion membrane, in volts.

    With only monovalent species (``|z| = 1``) the closed form is used::

        V = V_T ln( (sum_cat P c_out + sum_an P c_in) / (sum_cat P c_in + sum_an P c_out) )

    Otherwise (e.g. with Ca2+) there is no closed form and the zero of the summed
    GHK current densities is found by bracketing (the total current increases
    monotonically with V) and Brent's method.  Only permeability ratios matter.

    Args:
        permeabilities: species -> permeability in m/s (>= 0, at least one > 0).
        c_in: species -> inside concentration in mM (>= 0).
        c_out: species -> outside concentration in mM (>= 0).
        charges: species -> signed valence (non-zero).
        temperature: absolute temperature in K.
        method: ``"auto"`` (closed form when every ``|z| = 1``, root otherwise),
            ``"closed-form"`` (monovalent species only) or ``"root"`` (always
            solve for the zero of the summed currents).

    Returns:
        The reversal potential ``V = phi_in - phi_out`` in volts.

    Raises:
        ValueError: for an unknown `method`, mismatched species between the
            mappings, invalid values, or when no finite reversal potential
            exists (e.g. every permeant ion is on one side only, so the current
            never changes sign).
    """
    if method not in GHK_VOLTAGE_METHODS:
        valid = ", ".join(repr(m) for m in GHK_VOLTAGE_METHODS)
        raise ValueError(f"method must be one of {valid}, got {method!r}")
    names, p, cin, cout, z = _species_arrays(permeabilities, c_in, c_out, charges)
    vt = thermal_voltage(check.temperature(temperature))
    monovalent = bool(np.all(np.abs(z) == 1.0))
    if method == "closed-form" and not monovalent:
        raise ValueError(
            "charges must all be +1 or -1 for method='closed-form'; use 'root' or 'auto'"
        )

    # Large positive V drives permeant positive charge out of the inside (cations
    # present inside, anions present outside); large negative V the reverse.
    outward = np.sum(p * np.where(z > 0, cin, cout))
    inward = np.sum(p * np.where(z > 0, cout, cin))
    if outward <= 0.0 or inward <= 0.0:
        raise ValueError(
            "c_in/c_out: no finite GHK reversal potential, the permeant ions "
            f"({', '.join(names)}) cannot carry current in both directions"
        )

    if monovalent and method != "root":
        return float(vt * math.log(inward / outward))

    scale = FARADAY * np.sum(p * np.abs(z) * (cin + cout))

    def reduced_current(v: float) -> float:
        return float(_ghk_current_unchecked(z, p, cin, cout, v * vt, vt).sum() / scale)

    lo, hi = _bracket_increasing(reduced_current, _nernst_bracket(p, z, cin, cout))
    from scipy.optimize import brentq

    root = brentq(reduced_current, lo, hi, xtol=1e-13, rtol=4 * np.finfo(float).eps, maxiter=500)
    return float(root * vt)


def _nernst_bracket(
    p: np.ndarray, z: np.ndarray, cin: np.ndarray, cout: np.ndarray
) -> tuple[float, float]:
    """Reduced (V / V_T) Nernst potentials of the permeant species, as an initial bracket."""
    ok = (p > 0.0) & (cin > 0.0) & (cout > 0.0)
    if not np.any(ok):
        return -1.0, 1.0
    e = np.log(cout[ok] / cin[ok]) / z[ok]
    return float(e.min()) - 1.0, float(e.max()) + 1.0


def _bracket_increasing(
    f, start: tuple[float, float], max_doublings: int = 80
) -> tuple[float, float]:
    """Widen `start` until the increasing function f changes sign across it."""
    lo, hi = start
    width = max(hi - lo, 1.0)
    for _ in range(max_doublings):
        if f(lo) <= 0.0:
            break
        lo -= width
        width *= 2.0
    width = max(hi - lo, 1.0)
    for _ in range(max_doublings):
        if f(hi) >= 0.0:
            break
        hi += width
        width *= 2.0
    if not (f(lo) <= 0.0 <= f(hi)):
        raise ValueError("could not bracket the zero-current potential")
    return lo, hi
