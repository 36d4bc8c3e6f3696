"""Driving forces, ohmic currents and transport free energies.

Conventions: ``V = phi_in - phi_out``; outward current positive; free energies
in J/mol (per mole of the transported species), negative = downhill
(spontaneous), positive = work must be supplied.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from pnp.constants import DEFAULT_TEMPERATURE, FARADAY, GAS_CONSTANT, thermal_voltage
from pnp.theory import _validation as check


def driving_force(voltage: ArrayLike, reversal: ArrayLike) -> float | np.ndarray:
    """Electrochemical driving force ``V - E`` in volts.

    Positive drives an outward current (cation efflux or anion influx),
    negative an inward current.

    Args:
        voltage: membrane potential ``V = phi_in - phi_out`` in volts.
        reversal: reversal (e.g. Nernst) potential ``E`` in volts.
    """
    v = check.finite("voltage", voltage)
    e = check.finite("reversal", reversal)
    return check.scalar(v - e)


def ohmic_current_density(
    conductance: ArrayLike, voltage: ArrayLike, reversal: ArrayLike
) -> float | np.ndarray:
    """Ohmic (chord) current density ``g (V - E)`` in A/m^2, positive outward.

    Args:
        conductance: conductance per membrane area in S/m^2 (>= 0).
        voltage: membrane potential in volts.
        reversal: reversal potential in volts.
    """
    g = check.non_negative("conductance", conductance, "S/m^2")
    return check.scalar(g * np.asarray(driving_force(voltage, reversal)))


def transport_free_energy(
    z: float,
    c_from: float,
    c_to: float,
    voltage_from: float,
    voltage_to: float,
    temperature: float = DEFAULT_TEMPERATURE,
) -> float:
    """Free energy of moving one mole of a species between two compartments, in J/mol.

    ``Delta mu~ = R T ln(c_to / c_from) + z F (phi_to - phi_from)``: the
    electrochemical potential difference (destination minus origin), i.e. the
    minimum work to supply per mole (negative: the transport is downhill and
    can do at most ``-Delta mu~`` of work).  Neutral solutes (z = 0) are allowed.

    Args:
        z: signed valence (may be 0).
        c_from: concentration at the origin in mM (> 0).
        c_to: concentration at the destination in mM (> 0).
        voltage_from: electric potential of the origin compartment in volts.
        voltage_to: electric potential of the destination compartment in volts.
        temperature: absolute temperature in K.
    """
    zz = check.finite_float("z", z)
    cf = float(check.positive("c_from", c_from, "mM"))
    ct = float(check.positive("c_to", c_to, "mM"))
    vf = check.finite_float("voltage_from", voltage_from)
    vto = check.finite_float("voltage_to", voltage_to)
    t = check.temperature(temperature)
    return GAS_CONSTANT * t * math.log(ct / cf) + zz * FARADAY * (vto - vf)


def proton_motive_force(
    delta_pH: float,
    delta_psi: float,
    temperature: float = DEFAULT_TEMPERATURE,
) -> float:
    """Proton-motive force ``Delta p = Delta psi - ln(10) (R T / F) Delta pH``, in volts.

    Sign convention (the membrane-potential convention of this package): "in"
    is the compartment protons enter through the ATP synthase (mitochondrial
    matrix, chloroplast stroma, bacterial cytoplasm), "out" the one they are
    pumped into (intermembrane space, thylakoid lumen, periplasm)::

        delta_psi = psi_in - psi_out      (volts)
        delta_pH  = pH_in  - pH_out

    ``F Delta p`` is then the free energy (J/mol) of moving one mole of H+ from
    out to in (see :func:`proton_free_energy`); a negative ``Delta p`` means
    protons flow inward downhill and can drive ATP synthesis.  Example:
    mitochondria with delta_psi = -170 mV and delta_pH = +0.8 give
    Delta p of about -217 mV at 298 K.

    Args:
        delta_pH: pH_in - pH_out (dimensionless).
        delta_psi: psi_in - psi_out in volts.
        temperature: absolute temperature in K.
    """
    dph = check.finite_float("delta_pH", delta_pH)
    dpsi = check.finite_float("delta_psi", delta_psi)
    vt = thermal_voltage(check.temperature(temperature))
    return dpsi - math.log(10.0) * vt * dph


def proton_free_energy(
    delta_pH: float,
    delta_psi: float,
    temperature: float = DEFAULT_TEMPERATURE,
) -> float:
    """Free energy (J/mol) of moving one mole of H+ from out to in: ``F Delta p``.

    Equals ``-ln(10) R T Delta pH + F Delta psi`` with the conventions of
    :func:`proton_motive_force`; negative = energy released.
    """
    return FARADAY * proton_motive_force(delta_pH, delta_psi, temperature)


def protons_per_atp(atp_free_energy: float, pmf: float) -> float:
    """Minimum number of protons per ATP: ``Delta G_ATP / (-F Delta p)`` (not rounded).

    The smallest whole number of protons is ``math.ceil`` of the result.

    Args:
        atp_free_energy: free energy needed to synthesise one mole of ATP under
            cellular conditions, J/mol (> 0; about 50–60 kJ/mol).
        pmf: proton-motive force ``Delta p`` in volts from
            :func:`proton_motive_force` (< 0, i.e. inward proton flow downhill).
    """
    g = float(check.positive("atp_free_energy", atp_free_energy, "J/mol"))
    p = check.finite_float("pmf", pmf)
    if p >= 0.0:
        raise ValueError(f"pmf must be < 0 V (protons flowing in must release energy), got {p!r}")
    return g / (-FARADAY * p)
