"""Electroneutral Nernst–Planck transport through a pore of sections in series.

The limit of PNP for a Debye length short compared with every section: the pore is a stack
of sections k (length L_k, cross-section A_k, fixed charge X_k in mM of elementary charges,
signed, diffusion coefficients D_ik), each electroneutral inside,

    sum_i z_i c_i + X_k = 0,

carrying constant species flows N_i = A_k J_i (mol/s, positive from inside to outside) with
the Nernst–Planck flux J_i = -D_ik (c_i' + z_i c_i psi'), psi = phi / V_T. Differentiating
electroneutrality within a section gives the field and the concentration gradients,

    psi' = -(sum_i z_i n_i) / (sum_i z_i^2 c_i),   c_i' = -n_i - z_i c_i psi',
    n_i = N_i / (A_k D_ik),

and at every change of fixed charge (both mouths, and between sections) the double layer is
a Donnan jump: c_i exp(z_i psi) is continuous and the concentrations on the far side are
neutral with its X, c_i -> c_i exp(-z_i Delta), Delta the jump in psi. The baths are
neutral (X = 0) at concentrations c_in, c_out, the inside one at psi = V / V_T, the outside
one at 0. The flows are found by shooting: integrate from the inside bath through every
section and jump, and require the bath concentrations and potential at the outside. Each
section is crossed in closed form (:func:`across_section`).

Exact limits (each tested): a uniform pore without fixed charge and a 1:1 salt is the
Planck junction (c linear, current from the closed form, zero-current potential
:func:`planck_potential`); equal baths give the ohmic conductance of the Donnan-enriched
pore; a uniform charged pore has the Teorell–Meyer–Sievers zero-current potential
(:func:`tms_potential`) and, for |X| >> c, carries only the counter-ion at its Nernst
reversal. It is not GHK: there is no constant field.

SI inside (V, m, m^2, A), concentrations in mM; V = phi_in - phi_out, outward current
positive (PHYSICS.md).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from pnp.constants import DEFAULT_TEMPERATURE, FARADAY, thermal_voltage
from pnp.theory import _validation as check


@dataclass(frozen=True)
class PoreSection:
    """One section of the pore: length (m), cross-section (m^2), fixed charge (mM of
    elementary charges, signed) and the diffusion coefficient (m^2/s) of every species."""

    length_m: float
    area_m2: float
    fixed_charge_mM: float
    diffusion_m2_per_s: Mapping[str, float]


@dataclass(frozen=True)
class ElectroneutralSolution:
    """Species currents (A, z_i F N_i, outward positive) through the pore and their sum;
    `residual` is the shooting mismatch at the outside bath (relative)."""

    species_currents_A: dict[str, float]
    current_A: float
    residual: float


def donnan_jump(c: np.ndarray, z: np.ndarray, fixed_charge_mM: float, scale: float) -> float:
    """Delta psi (units of V_T) taking concentrations `c` (mM) into electroneutrality with
    `fixed_charge_mM`: sum_i z_i c_i exp(-z_i Delta) + X = 0 (decreasing in Delta)."""
    x = fixed_charge_mM / scale

    def f(delta: float) -> float:
        # while bracketing, one sign's exponentials may overflow to +-inf: the sign is right
        with np.errstate(over="ignore"):
            return float(np.sum(z * c * np.exp(-z * delta))) + x

    if f(0.0) == 0.0:
        return 0.0
    from scipy.optimize import brentq

    step = 1.0
    if f(0.0) > 0.0:
        hi = step
        while f(hi) > 0.0:
            if hi > 700.0:
                raise ValueError("no counter-ion can neutralise the fixed charge of a section")
            hi *= 2.0
        return brentq(f, 0.0, hi, xtol=1e-14, rtol=4 * np.finfo(float).eps)
    lo = -step
    while f(lo) < 0.0:
        if lo < -700.0:
            raise ValueError("no counter-ion can neutralise the fixed charge of a section")
        lo *= 2.0
    return brentq(f, lo, 0.0, xtol=1e-14, rtol=4 * np.finfo(float).eps)


def across_section(
    c: np.ndarray, psi: float, z: np.ndarray, n: np.ndarray, length: float
) -> tuple[np.ndarray, float]:
    """Concentrations and psi at the far end of one section, entered at (c, psi) with
    reduced flows n_i = N_i / (A D_i) (module doc), in closed form.

    In the variable t with dx/dt = S = sum_i z_i^2 c_i the section's equations are linear
    with constant coefficients, dc/dt = M c with M = -n (z^2)^T + (z . n) diag(z), and
    dpsi/dt = -(z . n). One matrix exponential of [[M, c], [0, 0]] gives c(t) and
    x(t) = z^2 . int_0^t c; Newton on x(t) = length (x' = S > 0) finds the end. Raises
    _ExhaustedError when S reaches 0 first: the section empties of ions.
    """
    from scipy.linalg import expm

    z2 = z**2
    drift = float(z @ n)
    size = c.size
    block = np.zeros((size + 1, size + 1))
    block[:size, :size] = -np.outer(n, z2) + drift * np.diag(z)
    block[:size, size] = c

    def at(t: float) -> tuple[np.ndarray, float, float]:
        with np.errstate(over="ignore", invalid="ignore"):
            e = expm(t * block)
        if not np.all(np.isfinite(e)):
            raise _ExhaustedError
        conc = e[:size, :size] @ c
        return conc, float(z2 @ e[:size, size]), float(z2 @ conc)

    s0 = float(z2 @ c)
    if s0 <= 0.0:
        raise _ExhaustedError
    lo, hi = 0.0, math.inf  # x(lo) < length with S > 0 up to lo; hi: past the end or S <= 0
    t = length / s0
    for _ in range(200):
        conc, x, s = at(t)
        if s > 0.0 and abs(x - length) <= 1e-13 * length:
            return conc, psi - drift * t
        if s > 0.0 and x < length:
            lo = t
        else:
            hi = t
        trial = t + (length - x) / s if s > 0.0 else math.nan
        if lo < trial < hi:
            t = trial
        elif math.isinf(hi):
            t = 2.0 * t
        else:
            t = 0.5 * (lo + hi)
        if (
            math.isfinite(hi) and hi - lo <= 1e-15 * hi
        ):  # bracketed to round-off: the end, or where S reaches 0
            conc, x, s = at(t)
            if s > 0.0 and abs(x - length) <= 1e-10 * length:
                return conc, psi - drift * t
            break
    raise _ExhaustedError


class _Pore:
    """The shooting problem in reduced units: c / c_ref, z / L, flows / (A_ref D_ref c_ref / L)."""

    def __init__(self, sections, names, charges, c_in, c_out):
        self.names = names
        self.z = np.array([float(charges[n]) for n in names])
        self.c_ref = max(max(c_in.values()), max(c_out.values()))
        self.c_in = np.array([c_in[n] for n in names]) / self.c_ref
        self.c_out = np.array([c_out[n] for n in names]) / self.c_ref
        self.length = sum(s.length_m for s in sections)
        self.area = min(s.area_m2 for s in sections)
        self.d_ref = max(max(s.diffusion_m2_per_s[n] for n in names) for s in sections)
        self.sections = [
            (
                s.length_m / self.length,
                s.fixed_charge_mM / self.c_ref,
                np.array(
                    [self.area * self.d_ref / (s.area_m2 * s.diffusion_m2_per_s[n]) for n in names]
                ),
            )
            for s in sections
        ]
        self.flow_unit = self.area * self.d_ref * self.c_ref / self.length  # mol/s
        # the outside bath seen from inside the last section (its Donnan jump undone)
        self.target_psi = donnan_jump(self.c_out, self.z, self.sections[-1][1], 1.0)
        self.target = self.c_out * np.exp(-self.z * self.target_psi)
        self.weight = 1.0 / np.maximum(self.target, 1e-6 * float(np.max(self.target)))

    def outside(self, flows: np.ndarray, psi_in: float) -> tuple[np.ndarray, float]:
        """Concentrations (reduced) and psi at the outside end of the last section after
        shooting with `flows`."""
        z = self.z
        c = self.c_in.copy()
        psi = psi_in
        for length, x, weight in self.sections:
            if np.any(c < 0.0) and float(z**2 @ c) <= 0.0:
                raise _ExhaustedError
            try:
                delta = donnan_jump(c, z, x, 1.0)
            except ValueError:  # a trial flow removed every counter-ion
                raise _ExhaustedError from None
            c = c * np.exp(-z * delta)
            psi += delta
            # a trial flow may drive a scarce species negative: kept, so that the mismatch
            # stays smooth in the flows (the solution has c >= 0)
            c, psi = across_section(c, psi, z, flows * weight, length)
        return c, psi

    def mismatch(self, flows: np.ndarray, psi_in: float) -> np.ndarray | None:
        """Outside-bath concentrations and potential minus their values (None: the trial
        flows empty the pore of ions on the way)."""
        try:
            c, psi = self.outside(flows, psi_in)
        except _ExhaustedError:
            return None
        # relative to each species' target, so that an excluded co-ion counts as much as the
        # counter-ion (in the bath its mismatch would be amplified by the Donnan factor)
        return np.append((c - self.target) * self.weight, psi - self.target_psi)

    def guess(self, psi_in: float) -> np.ndarray:
        """Flows of the sections as resistances in series, each at the Donnan-partitioned
        mean of the bath concentrations, driven by the bath differences and the voltage."""
        mean = 0.5 * (self.c_in + self.c_out)
        resistance = np.zeros(self.z.size)
        conductance = np.zeros(self.z.size)
        for length, x, weight in self.sections:
            inside = mean * np.exp(-self.z * donnan_jump(mean, self.z, x, 1.0))
            resistance += length * weight
            conductance += length * weight / np.maximum(inside, 1e-300)
        carriers = resistance / conductance  # resistance-weighted harmonic mean
        return (self.c_in - self.c_out + self.z * carriers * psi_in) / resistance

    def solve(
        self,
        psi_in: float,
        start: np.ndarray | None = None,
        tol: float = 1e-8,
        max_steps: int = 60,
    ) -> np.ndarray:
        """Gauss–Newton on the mismatch with step halving (zero flows never empty the pore,
        so a trial step can always be shortened to a valid one), from `start` or the
        series-resistance guess."""
        flows = self.guess(psi_in) if start is None else start.copy()
        typical = float(np.max(np.abs(self.guess(1.0))))  # flows driven by one V_T
        r = self.mismatch(flows, psi_in)
        while r is None:
            flows = 0.5 * flows
            r = self.mismatch(flows, psi_in)
        for _ in range(max_steps):
            norm = float(np.max(np.abs(r)))
            if norm < tol:
                return flows
            jac = np.empty((r.size, flows.size))
            for k in range(flows.size):  # co-ion flows may be orders below the others
                h = 1e-7 * max(abs(float(flows[k])), 1e-4 * typical)
                trial = flows.copy()
                trial[k] += h
                rk = self.mismatch(trial, psi_in)
                if rk is None:
                    trial[k] -= 2.0 * h
                    rk, h = self.mismatch(trial, psi_in), -h
                if rk is None:  # both neighbours empty the pore: at the limiting current
                    raise _NoSolutionError(norm)
                jac[:, k] = (rk - r) / h
            step = np.linalg.lstsq(jac, -r, rcond=None)[0]
            t = 1.0
            while t > 1e-3:
                new = self.mismatch(flows + t * step, psi_in)
                if new is not None and float(np.max(np.abs(new))) < norm:
                    break
                t *= 0.5
            else:
                break
            flows, r = flows + t * step, new
        norm = float(np.max(np.abs(r)))
        if norm < 1e2 * tol:  # stalled at round-off
            return flows
        raise _NoSolutionError(norm)


class _ExhaustedError(Exception):
    """A trial flow empties the pore of ions before the outside bath."""


class _NoSolutionError(Exception):
    """Gauss–Newton stalled; args[0] is the remaining mismatch."""


class ElectroneutralPore:
    """The electroneutral model of one pore and its baths (module doc): `solution(V)` at a
    voltage (each solve starts from the last one's flows), `reversal_potential()`.

    Species absent from both baths are left out. Raises ValueError for bad input, a section
    whose fixed charge has no counter-ion, or no solution at a voltage (for instance beyond
    the limiting current, where the pore empties of ions and electroneutrality breaks
    down)."""

    def __init__(
        self,
        sections: Sequence[PoreSection],
        c_in: Mapping[str, float],
        c_out: Mapping[str, float],
        charges: Mapping[str, float],
        temperature: float = DEFAULT_TEMPERATURE,
    ) -> None:
        names = check.same_keys({"c_in": c_in, "c_out": c_out, "charges": charges})
        if not sections:
            raise ValueError("sections: the pore needs at least one section")
        for s in sections:
            check.positive("length_m", s.length_m, "m")
            check.positive("area_m2", s.area_m2, "m^2")
            check.finite_float("fixed_charge_mM", s.fixed_charge_mM)
            for n in names:
                check.positive(f"diffusion_m2_per_s[{n!r}]", s.diffusion_m2_per_s[n], "m^2/s")
        for n in names:
            check.non_negative(f"c_in[{n!r}]", c_in[n], "mM")
            check.non_negative(f"c_out[{n!r}]", c_out[n], "mM")
        present = [n for n in names if c_in[n] > 0.0 or c_out[n] > 0.0]
        if not present:
            raise ValueError("c_in, c_out: no species in either bath")
        for side, bath in (("c_in", c_in), ("c_out", c_out)):
            net = sum(charges[n] * bath[n] for n in present)
            total = sum(abs(charges[n]) * bath[n] for n in present)
            if abs(net) > 1e-9 * max(total, 1e-300):
                raise ValueError(f"{side}: the bath must be electroneutral (sum z c = {net:g} mM)")
        self.names = names
        self.present = present
        self.charges = {n: float(charges[n]) for n in names}
        self.vt = thermal_voltage(check.temperature(temperature))
        self._pore = _Pore(sections, present, charges, c_in, c_out)
        self._last: tuple[float, np.ndarray] | None = None

    def _flows(self, voltage: float) -> np.ndarray:
        psi_in = check.finite_float("voltage", voltage) / self.vt
        start = None
        if self._last is not None and abs(self._last[0] - psi_in) < 8.0:
            start = self._last[1]
        try:
            flows = self._pore.solve(psi_in, start)
        except _NoSolutionError as err:
            if start is None:
                raise ValueError(
                    f"voltage: no electroneutral solution at {1e3 * voltage:g} mV (mismatch "
                    f"{err.args[0]:.2g} at the outside bath; beyond the limiting current?)"
                ) from None
            self._last = None
            return self._flows(voltage)
        self._last = (psi_in, flows)
        return flows

    def solution(self, voltage: float) -> ElectroneutralSolution:
        """Species currents at `voltage` (V)."""
        flows = self._flows(voltage)
        residual = float(np.max(np.abs(self._pore.mismatch(flows, voltage / self.vt))))
        currents = {n: 0.0 for n in self.names}
        for n, f in zip(self.present, flows, strict=True):
            currents[n] = float(self.charges[n] * FARADAY * f * self._pore.flow_unit)
        return ElectroneutralSolution(currents, sum(currents.values()), residual)

    def current(self, voltage: float) -> float:
        """Total current (A) at `voltage` (V)."""
        return self.solution(voltage).current_A

    def reversal_potential(self, bracket: tuple[float, float] | None = None) -> float:
        """Zero-current potential (V; the current rises with V), searched from 0 V outwards
        in steps of V_T unless a `bracket` (V, V) with a sign change is given."""
        from scipy.optimize import brentq

        if bracket is not None:
            lo, hi = sorted(bracket)
            if self.current(lo) * self.current(hi) <= 0.0:
                return brentq(self.current, lo, hi, xtol=1e-7, rtol=1e-10)
        at_zero = self.current(0.0)
        if at_zero == 0.0:
            return 0.0
        direction = -1.0 if at_zero > 0.0 else 1.0
        near, step = 0.0, self.vt
        for _ in range(12):
            far = near + direction * step
            if math.copysign(1.0, self.current(far)) != math.copysign(1.0, at_zero):
                lo, hi = sorted((near, far))
                return brentq(self.current, lo, hi, xtol=1e-7, rtol=1e-10)
            near, step = far, 2.0 * step
        raise ValueError("no zero-current potential within 4000 thermal voltages")


def electroneutral_solution(
    sections: Sequence[PoreSection],
    c_in: Mapping[str, float],
    c_out: Mapping[str, float],
    charges: Mapping[str, float],
    voltage: float,
    temperature: float = DEFAULT_TEMPERATURE,
) -> ElectroneutralSolution:
    """Species currents of the electroneutral pore at `voltage` (V); see
    :class:`ElectroneutralPore`."""
    return ElectroneutralPore(sections, c_in, c_out, charges, temperature).solution(voltage)


def electroneutral_current(
    sections: Sequence[PoreSection],
    c_in: Mapping[str, float],
    c_out: Mapping[str, float],
    charges: Mapping[str, float],
    voltage: float,
    temperature: float = DEFAULT_TEMPERATURE,
) -> float:
    """Total current (A) through the electroneutral pore at `voltage` (V)."""
    return electroneutral_solution(sections, c_in, c_out, charges, voltage, temperature).current_A


def electroneutral_voltage(
    sections: Sequence[PoreSection],
    c_in: Mapping[str, float],
    c_out: Mapping[str, float],
    charges: Mapping[str, float],
    temperature: float = DEFAULT_TEMPERATURE,
) -> float:
    """Zero-current potential (V) of the electroneutral pore."""
    return ElectroneutralPore(sections, c_in, c_out, charges, temperature).reversal_potential()
