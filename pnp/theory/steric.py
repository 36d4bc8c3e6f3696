"""Charged planar wall with finite ion size: the Bikerman (lattice-gas) double layer.

Kilic, Bazant, Ajdari, Phys. Rev. E 75, 021502 (2007) (KBA).  Every ion
occupies a lattice cell of side ``a`` (the ion size); the excluded volume adds
the excess chemical potential ``mu_ex = -kT ln(1 - Phi)``, the same for every
species, with ``Phi = sum_j a_j^3 N_A c_j`` the local packing fraction.

Symmetric z:z salt of bulk concentration c0 and equal sizes a.  With
``u = z e psi / kT = z psi / V_T`` (psi relative to the bulk), the packing
parameter ``nu = 2 a^3 c0 N_A`` (the bulk packing fraction, < 1) and
``lambda_D = sqrt(eps kT / (2 z^2 e^2 c0 N_A))``, equilibrium gives (KBA)::

    c_+- = c0 exp(-+u) / (1 + 2 nu sinh^2(u / 2))                 (steric Boltzmann)
    c_counter -> 1 / (a^3 N_A)  as |u| -> oo                       (saturation)
    d^2 u / d(x/lambda_D)^2 = sinh(u) / (1 + 2 nu sinh^2(u / 2))   (modified PB)

whose first integral, with ``u, du/dx -> 0`` in the bulk, is
``(du / d(x/lambda_D))^2 = (2/nu) ln(1 + 2 nu sinh^2(u / 2))``.  Gauss's law at
the wall, ``sigma = -eps dpsi/dx`` at x = 0 as in :mod:`pnp.theory.surface`
(wall charge and diffuse-layer potential psi_D of the same sign), is the
modified Grahame relation, the charge-potential relation of KBA::

    sigma(psi_D) = sgn(psi_D) 2 z e c0 N_A lambda_D sqrt((2/nu) ln(1 + 2 nu sinh^2(u_D / 2)))
    psi_D(sigma) = sgn(sigma) (2 V_T / z) asinh(sqrt(expm1(nu s^2 / 2) / (2 nu))),
                   s = sigma / (2 z e c0 N_A lambda_D)
    C_D = dsigma/dpsi_D = (eps / lambda_D) sinh|u_D|
          / ((1 + 2 nu sinh^2(u_D / 2)) sqrt((2/nu) ln(1 + 2 nu sinh^2(u_D / 2))))

At large voltage (``2 nu sinh^2(u_D / 2) >> 1``) the charge grows as
``sigma^2 ~ (2 / nu) |u_D|``, i.e. ``sigma ~ sqrt(psi_D)``, and C_D falls as
``1 / sqrt(psi_D)``, instead of the exponential growth of Gouy–Chapman; for
``nu -> 0`` everything reduces to Grahame and Gouy–Chapman.  The profile is the
quadrature ``x / lambda_D = int_u^u_D dw / sqrt((2/nu) ln(1 + 2 nu sinh^2(w / 2)))``,
computed as the Gouy–Chapman part ``ln(tanh(u_D / 4) / tanh(u / 4))`` plus a
regular remainder.

Mixtures (any valences, sizes a_i, ``v_i = a_i^3 N_A``).  With the shared mu_ex,
``c_i = c_i0 exp(-z_i psi / V_T) (1 - Phi) / (1 - Phi_0)`` and
``Phi = S / (1 + S)``, ``S = sum_i v_i c_i0 exp(-z_i psi / V_T) / (1 - Phi_0)``.  The
Poisson first integral gives the wall charge
``sigma = sgn(psi_D) sqrt(2 eps P(psi_D))``, ``P(psi) = -F int_0^psi sum_i z_i c_i dphi``
(the osmotic pressure of the layer), by quadrature; for equal sizes
``P = (RT / v) ln((1 - Phi_0) / (1 - Phi))``, the symmetric z:z case above.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike

from pnp.constants import (
    AVOGADRO,
    BOLTZMANN,
    DEFAULT_TEMPERATURE,
    GAS_CONSTANT,
    NM,
    VACUUM_PERMITTIVITY,
    thermal_voltage,
)
from pnp.theory import _validation as check
from pnp.theory.debye import WATER_RELATIVE_PERMITTIVITY, debye_length

# Above this reduced potential sinh^2(u/2) is handled through its logarithm.
_LARGE_U = 40.0
# Relative tolerance on the bulk's net charge (sum z c) before it is rejected.
_BULK_NEUTRALITY_RTOL = 1e-9


# ---------------------------------------------------------------------------
# dimensionless core (u = z psi / V_T, x in units of lambda_D)


def _log_crowding(u: np.ndarray, nu: float) -> np.ndarray:
    """``ln(1 + 2 nu sinh^2(u / 2))``, without overflow at large |u|."""
    t = np.abs(u)
    small = np.log1p(2.0 * nu * np.sinh(np.minimum(t, _LARGE_U) / 2.0) ** 2)
    if nu == 0.0:
        return small
    tl = np.maximum(t, _LARGE_U)
    log_x = math.log(nu / 2.0) + tl + 2.0 * np.log1p(-np.exp(-tl))
    return np.where(t <= _LARGE_U, small, np.logaddexp(0.0, log_x))


def _reduced_field(u: np.ndarray, nu: float) -> np.ndarray:
    """``|du / d(x/lambda_D)| = sqrt((2/nu) ln(1 + 2 nu sinh^2(u/2)))``, 2|sinh(u/2)| at nu = 0."""
    if nu == 0.0:
        return 2.0 * np.abs(np.sinh(u / 2.0))
    return np.sqrt(2.0 / nu * _log_crowding(u, nu))


def _reduced_distance(u: float, u_d: float, nu: float) -> float:
    """``x / lambda_D`` where the profile starting at ``u_d > 0`` reaches ``0 < u <= u_d``."""
    from scipy.integrate import quad

    def log_tanh_quarter(t: float) -> float:
        return math.log(-math.expm1(-t / 2.0)) - math.log1p(math.exp(-t / 2.0))

    log_half_nu = math.log(nu / 2.0) if nu > 0.0 else 0.0

    def remainder(w: float) -> float:
        # 1 / field minus its Gouy-Chapman value 1 / (2 sinh(w/2)): regular at w -> 0
        if w <= _LARGE_U:
            log_crowd = math.log1p(2.0 * nu * math.sinh(w / 2.0) ** 2)
        else:  # as in _log_crowding, scalar
            log_x = log_half_nu + w + 2.0 * math.log1p(-math.exp(-w))
            log_crowd = log_x + math.log1p(math.exp(-log_x))
        return 1.0 / math.sqrt(2.0 / nu * log_crowd) - math.exp(-w / 2.0) / -math.expm1(-w)

    x = log_tanh_quarter(u_d) - log_tanh_quarter(u)
    if nu > 0.0 and u < u_d:
        x += quad(remainder, u, u_d, epsabs=1e-14, epsrel=1e-12, limit=200)[0]
    return x


# ---------------------------------------------------------------------------
# inputs


def _lattice_volume(size_nm: ArrayLike, name: str = "size_nm") -> np.ndarray:
    """Molar volume ``a^3 N_A`` of lattice cells of side `size_nm`, m^3/mol."""
    a = check.non_negative(name, size_nm, "nm") * NM
    return a**3 * AVOGADRO


def packing_parameter(salt_mM: float, size_nm: float) -> float:
    """Packing parameter ``nu = 2 a^3 c0 N_A`` of a symmetric salt (the bulk packing fraction).

    ``salt_mM`` is the bulk concentration c0 of the salt, ``size_nm`` the ion
    size a (0 for point ions).  0.5 nm ions at 100 mM give nu = 0.015.

    Raises:
        ValueError: for negative inputs, or a bulk packed beyond the lattice (nu >= 1).
    """
    c = float(check.positive("salt_mM", salt_mM, "mM"))
    nu = float(2.0 * _lattice_volume(size_nm) * c)
    if nu >= 1.0:
        raise ValueError(
            f"size_nm = {float(size_nm):g} nm packs a {c:g} mM bulk beyond the lattice "
            f"(packing parameter nu = 2 a^3 c0 N_A = {nu:.3g} must be < 1): "
            "give a smaller ion size or salt concentration"
        )
    return nu


def steric_saturation_concentration(size_nm: float) -> float:
    """Close-packed concentration ``1 / (a^3 N_A)`` in mM of ions of size `size_nm`.

    The counter-ion concentration near a strongly charged wall saturates at this
    value (13.3 M for 0.5 nm ions).
    """
    v = float(check.positive("size_nm", size_nm, "nm")) * NM
    return 1.0 / (v**3 * AVOGADRO)


def _symmetric_salt(
    salt_mM: float,
    size_nm: float,
    valence: float,
    relative_permittivity: float,
    temperature: float,
) -> tuple[float, float, float, float]:
    """``(nu, z, lambda_D, scale)`` of a z:z salt: packing parameter, valence, Debye length
    and the charge scale ``2 z e c0 N_A lambda_D = sqrt(2 c0 N_A eps k T)`` in C/m^2."""
    nu = packing_parameter(salt_mM, size_nm)
    z = float(check.positive("valence", valence))
    eps_r = float(check.positive("relative_permittivity", relative_permittivity))
    t = check.temperature(temperature)
    lam = float(debye_length(z * z * float(salt_mM), eps_r, t))
    n = float(salt_mM) * AVOGADRO
    return nu, z, lam, math.sqrt(2.0 * n * VACUUM_PERMITTIVITY * eps_r * BOLTZMANN * t)


# ---------------------------------------------------------------------------
# symmetric z:z salt, equal sizes


def steric_concentration(
    salt_mM: float,
    z: ArrayLike,
    potential: ArrayLike,
    size_nm: float,
    temperature: float = DEFAULT_TEMPERATURE,
) -> float | np.ndarray:
    """Local concentration (mM) of the ion of signed valence `z` in a symmetric |z|:|z| salt.

    ``c = c0 exp(-z psi / V_T) / (1 + 2 nu sinh^2(z psi / 2 V_T))`` at potential
    `potential` (V, relative to bulk), ``nu`` = :func:`packing_parameter`; the
    Boltzmann factor of :func:`pnp.theory.boltzmann_concentration` at ``size_nm = 0``.
    """
    nu = packing_parameter(salt_mM, size_nm)
    zz = check.valence("z", z)
    phi = check.finite("potential", potential)
    u = zz * phi / thermal_voltage(check.temperature(temperature))
    return check.scalar(float(salt_mM) * np.exp(-u - _log_crowding(u, nu)))


def steric_surface_charge(
    potential: ArrayLike,
    salt_mM: float,
    size_nm: float,
    valence: float = 1,
    relative_permittivity: float = WATER_RELATIVE_PERMITTIVITY,
    temperature: float = DEFAULT_TEMPERATURE,
) -> float | np.ndarray:
    """Surface charge density (C/m^2) of a wall at diffuse-layer potential `potential` (V).

    Modified Grahame relation of KBA for a z:z salt (``valence`` = z > 0) of ions
    of size `size_nm`:
    ``sigma = sgn(psi_D) 2 z e c0 N_A lambda_D sqrt((2/nu) ln(1 + 2 nu sinh^2(z psi_D / 2 V_T)))``;
    :func:`pnp.theory.grahame_surface_charge` at ``size_nm = 0``, z = 1.
    """
    phi = check.finite("potential", potential)
    nu, z, _, scale = _symmetric_salt(salt_mM, size_nm, valence, relative_permittivity, temperature)
    u = z * phi / thermal_voltage(temperature)
    return check.scalar(np.sign(u) * scale * _reduced_field(u, nu))


def steric_surface_potential(
    sigma: ArrayLike,
    salt_mM: float,
    size_nm: float,
    valence: float = 1,
    relative_permittivity: float = WATER_RELATIVE_PERMITTIVITY,
    temperature: float = DEFAULT_TEMPERATURE,
) -> float | np.ndarray:
    """Diffuse-layer potential (V, relative to bulk) of a wall of charge density `sigma` (C/m^2).

    Inverse of :func:`steric_surface_charge`, in closed form:
    ``psi_D = sgn(sigma) (2 V_T / z) asinh(sqrt(expm1(nu s^2 / 2) / (2 nu)))`` with
    ``s = sigma / (2 z e c0 N_A lambda_D)``.
    """
    sig = check.finite("sigma", sigma)
    nu, z, _, scale = _symmetric_salt(salt_mM, size_nm, valence, relative_permittivity, temperature)
    vt = thermal_voltage(temperature)
    s2 = (sig / scale) ** 2
    if nu == 0.0:
        half = np.arcsinh(np.sqrt(s2) / 2.0)
    else:
        y = nu * s2 / 2.0  # ln(1 + 2 nu sinh^2(u/2))
        yl = np.maximum(y, _LARGE_U)
        small = np.arcsinh(np.sqrt(np.expm1(np.minimum(y, _LARGE_U)) / (2.0 * nu)))
        # asinh(w) = ln w + ln(1 + sqrt(1 + 1/w^2)) with ln w^2 = ln(expm1(y) / (2 nu))
        log_w = 0.5 * (yl + np.log1p(-np.exp(-yl)) - math.log(2.0 * nu))
        large = log_w + np.log1p(np.sqrt(1.0 + np.exp(-2.0 * log_w)))
        half = np.where(y <= _LARGE_U, small, large)
    return check.scalar(np.sign(sig) * 2.0 * vt / z * half)


def steric_capacitance(
    potential: ArrayLike,
    salt_mM: float,
    size_nm: float,
    valence: float = 1,
    relative_permittivity: float = WATER_RELATIVE_PERMITTIVITY,
    temperature: float = DEFAULT_TEMPERATURE,
) -> float | np.ndarray:
    """Differential capacitance ``dsigma / dpsi_D`` (F/m^2) of the diffuse layer (KBA).

    ``C_D = (eps / lambda_D) sinh|u| / ((1 + y) sqrt((2/nu) ln(1 + y)))`` with
    ``y = 2 nu sinh^2(u/2)`` and ``u = z psi_D / V_T``: ``eps / lambda_D`` at psi_D = 0,
    the Gouy–Chapman ``(eps / lambda_D) cosh(u / 2)`` at ``size_nm = 0``, falling as
    ``1 / sqrt(psi_D)`` at large voltage.
    """
    phi = check.finite("potential", potential)
    nu, z, _, scale = _symmetric_salt(salt_mM, size_nm, valence, relative_permittivity, temperature)
    vt = thermal_voltage(temperature)
    t = np.abs(z * phi / vt)
    eps_per_lam = scale * z / vt  # eps / lambda_D
    if nu == 0.0:
        return check.scalar(eps_per_lam * np.cosh(t / 2.0))
    ts = np.minimum(t, _LARGE_U)
    y = 2.0 * nu * np.sinh(ts / 2.0) ** 2
    # sinh t / field = cosh(t/2) / sqrt(ln(1 + y) / y) (-> 1 at t = 0)
    ratio_h = np.where(y > 0.0, np.log1p(y) / np.where(y > 0.0, y, 1.0), 1.0)
    small = np.cosh(ts / 2.0) / ((1.0 + y) * np.sqrt(ratio_h))
    tl = np.maximum(t, _LARGE_U)
    log_sinh = tl + np.log1p(-np.exp(-2.0 * tl)) - math.log(2.0)
    large = np.exp(log_sinh - _log_crowding(tl, nu)) / np.sqrt(2.0 / nu * _log_crowding(tl, nu))
    return check.scalar(eps_per_lam * np.where(t <= _LARGE_U, small, large))


def steric_double_layer_distance(
    potential: ArrayLike,
    surface_potential: float,
    salt_mM: float,
    size_nm: float,
    valence: float = 1,
    relative_permittivity: float = WATER_RELATIVE_PERMITTIVITY,
    temperature: float = DEFAULT_TEMPERATURE,
) -> float | np.ndarray:
    """Distance (m) from the wall at which the steric double layer reaches `potential` (V).

    Quadrature of the first integral,
    ``x = lambda_D int_u^u_D dw / sqrt((2/nu) ln(1 + 2 nu sinh^2(w / 2)))``; `potential`
    must lie between 0 (infinitely far) and `surface_potential` (x = 0).
    """
    phi = check.finite("potential", potential)
    phi_d = float(check.finite("surface_potential", surface_potential))
    if phi_d == 0.0:
        raise ValueError("surface_potential must be non-zero for a distance to be defined")
    nu, z, lam, _ = _symmetric_salt(salt_mM, size_nm, valence, relative_permittivity, temperature)
    vt = thermal_voltage(temperature)
    ratio = phi / phi_d
    if np.any((ratio < 0.0) | (ratio > 1.0)):
        raise ValueError(
            f"potential must lie between 0 and surface_potential = {phi_d:g} V, got "
            f"{np.array2string(phi[(ratio < 0.0) | (ratio > 1.0)], threshold=6)}"
        )
    u_d = abs(z * phi_d / vt)
    x = [
        math.inf if r == 0.0 else lam * _reduced_distance(r * u_d, u_d, nu)
        for r in np.atleast_1d(ratio).ravel()
    ]
    return check.scalar(np.reshape(x, np.shape(ratio)))


def steric_double_layer_potential(
    x: ArrayLike,
    surface_potential: float,
    salt_mM: float,
    size_nm: float,
    valence: float = 1,
    relative_permittivity: float = WATER_RELATIVE_PERMITTIVITY,
    temperature: float = DEFAULT_TEMPERATURE,
) -> float | np.ndarray:
    """Potential (V) at distance `x` (m, >= 0) from a wall at diffuse-layer potential psi_D.

    The modified Poisson–Boltzmann profile of KBA: :func:`steric_double_layer_distance`
    inverted by Brent's method (in ln psi, so the far field keeps full relative
    precision); :func:`pnp.theory.gouy_chapman_potential` at ``size_nm = 0``.
    """
    from scipy.optimize import brentq

    xx = check.non_negative("x", x, "m")
    phi_d = float(check.finite("surface_potential", surface_potential))
    nu, z, lam, _ = _symmetric_salt(salt_mM, size_nm, valence, relative_permittivity, temperature)
    vt = thermal_voltage(temperature)
    u_d = abs(z * phi_d / vt)

    def reduced(target: float) -> float:
        if target == 0.0 or u_d == 0.0:
            return u_d
        lo = u_d * math.exp(-target)
        while lo > 1e-300 and _reduced_distance(lo, u_d, nu) < target:
            lo *= 0.5
        if lo <= 1e-300:  # the potential underflows
            return 0.0
        return math.exp(
            brentq(
                lambda s: _reduced_distance(math.exp(s), u_d, nu) - target,
                math.log(lo),
                math.log(u_d),
                xtol=1e-14,
                rtol=4 * np.finfo(float).eps,
            )
        )

    u = [reduced(xi / lam) for xi in np.atleast_1d(xx).ravel()]
    return check.scalar(math.copysign(vt / z, phi_d) * np.reshape(u, np.shape(xx)))


# ---------------------------------------------------------------------------
# mixtures: any valences, any sizes, one shared mu_ex


def _mixture(
    concentrations_mM: Mapping[str, float] | Sequence[float],
    charges: Mapping[str, float] | Sequence[float],
    sizes_nm: Mapping[str, float] | Sequence[float],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bulk concentrations (mM), valences, molar lattice volumes (m^3/mol) of a neutral bulk."""
    args = {"concentrations_mM": concentrations_mM, "charges": charges, "sizes_nm": sizes_nm}
    if any(isinstance(m, Mapping) for m in args.values()):
        names = check.same_keys(args)  # type: ignore[arg-type]
        c, z, a = ([m[n] for n in names] for m in args.values())  # type: ignore[index]
    else:
        c, z, a = (list(m) for m in args.values())  # type: ignore[arg-type]
        if not c:
            raise ValueError("concentrations_mM must name at least one species")
        for name, column in (("charges", z), ("sizes_nm", a)):
            if len(column) != len(c):
                raise ValueError(
                    f"{name} must have one entry per concentration ({len(c)}), got {len(column)}"
                )
    cc = check.non_negative("concentrations_mM", c, "mM")
    zz = check.finite("charges", z)
    v = _lattice_volume(a, "sizes_nm")
    net, scale = float(np.sum(zz * cc)), float(np.sum(np.abs(zz) * cc))
    if scale == 0.0 or abs(net) > _BULK_NEUTRALITY_RTOL * scale:
        raise ValueError(
            f"concentrations_mM must describe a neutral bulk with ions "
            f"(sum z c = {net:g} mM, sum |z| c = {scale:g} mM)"
        )
    phi0 = float(np.sum(v * cc))
    if phi0 >= 1.0:
        raise ValueError(
            f"sizes_nm pack the bulk beyond the lattice (sum a^3 N_A c = {phi0:.3g} must be < 1)"
        )
    return cc, zz, v


def _mixture_concentrations(
    u: np.ndarray, cc: np.ndarray, zz: np.ndarray, v: np.ndarray
) -> np.ndarray:
    """``c_i(u)`` (mM) on a trailing species axis, for ``u = psi / V_T`` of any shape."""
    from scipy.special import logsumexp

    log_free0 = math.log1p(-float(np.sum(v * cc)))  # ln(1 - Phi_0)
    uu = np.asarray(u, dtype=float)[..., None]
    with np.errstate(divide="ignore"):
        log_c0, log_vc0 = np.log(cc), np.log(v * cc)
    log_s = logsumexp(log_vc0 - zz * uu, axis=-1, keepdims=True) - log_free0
    # c_i = c_i0 exp(-z_i u) (1 - Phi) / (1 - Phi_0), 1 - Phi = 1 / (1 + S)
    return np.exp(log_c0 - zz * uu - log_free0 - np.logaddexp(0.0, log_s))


def steric_mixture_concentrations(
    potential: ArrayLike,
    concentrations_mM: Mapping[str, float] | Sequence[float],
    charges: Mapping[str, float] | Sequence[float],
    sizes_nm: Mapping[str, float] | Sequence[float],
    temperature: float = DEFAULT_TEMPERATURE,
) -> np.ndarray:
    """Local concentrations (mM) of a mixture of ions of any sizes at `potential` (V vs bulk).

    ``c_i = c_i0 exp(-z_i psi / V_T) / ((1 - Phi_0) (1 + S))`` with
    ``S = sum_j v_j c_j0 exp(-z_j psi / V_T) / (1 - Phi_0)`` and ``v_j = a_j^3 N_A``:
    equilibrium with the shared ``mu_ex = -kT ln(1 - Phi)``.  The species are the
    last axis, in the order of `concentrations_mM`.

    Raises:
        ValueError: for mismatched species, a charged bulk, or a bulk packed beyond
            the lattice.
    """
    cc, zz, v = _mixture(concentrations_mM, charges, sizes_nm)
    phi = check.finite("potential", potential)
    return _mixture_concentrations(phi / thermal_voltage(check.temperature(temperature)), cc, zz, v)


def steric_mixture_surface_charge(
    potential: ArrayLike,
    concentrations_mM: Mapping[str, float] | Sequence[float],
    charges: Mapping[str, float] | Sequence[float],
    sizes_nm: Mapping[str, float] | Sequence[float],
    relative_permittivity: float = WATER_RELATIVE_PERMITTIVITY,
    temperature: float = DEFAULT_TEMPERATURE,
) -> float | np.ndarray:
    """Surface charge density (C/m^2) of a wall at diffuse-layer potential `potential` (V).

    Poisson's first integral for the mixture of :func:`steric_mixture_concentrations`:
    ``sigma = sgn(psi_D) sqrt(2 eps P)``, ``P = -R T int_0^u_D sum_i z_i c_i(w) dw``
    with ``u_D = psi_D / V_T``, by quadrature; :func:`steric_surface_charge` for a
    symmetric salt of equal sizes.
    """
    from scipy.integrate import quad

    cc, zz, v = _mixture(concentrations_mM, charges, sizes_nm)
    phi = check.finite("potential", potential)
    eps = VACUUM_PERMITTIVITY * float(
        check.positive("relative_permittivity", relative_permittivity)
    )
    t = check.temperature(temperature)

    def charge_density(w: float) -> float:  # sum_i z_i c_i, mol/m^3 (mM)
        return float(np.dot(zz, _mixture_concentrations(np.asarray(w), cc, zz, v)))

    def sigma(u_d: float) -> float:
        if u_d == 0.0:
            return 0.0
        pressure = (
            -GAS_CONSTANT
            * t
            * quad(charge_density, 0.0, u_d, epsabs=0.0, epsrel=1e-12, limit=200)[0]
        )
        return math.copysign(math.sqrt(2.0 * eps * max(pressure, 0.0)), u_d)

    u = phi / thermal_voltage(t)
    out = np.reshape([sigma(float(w)) for w in np.atleast_1d(u).ravel()], np.shape(u))
    return check.scalar(out)
