"""Zero-current diffusion potentials of a 1:1 salt: Planck and Teorell–Meyer–Sievers.

Convention: ``V = phi_in - phi_out`` with the inside bath at concentration
``c_in`` and the outside bath at ``c_out``.  These are electroneutral theories
(Debye length short compared with the membrane or pore), unlike GHK.

Planck (liquid junction, no fixed charge).  Zero current in an electroneutral
1:1 electrolyte gives ``dphi/dx = -V_T (D+ - D-)/(D+ + D-) d ln c/dx``, hence::

    V = V_T (D+ - D-)/(D+ + D-) ln(c_out / c_in)

For D+ > D- and c_in > c_out the cations outrun the anions outward and leave
the inside negative (V < 0), as the formula gives.

Teorell–Meyer–Sievers (TMS): a uniform electroneutral membrane with fixed
charge X (mM of elementary charges, signed) between the baths.  Two Donnan
jumps at the faces and a diffusion potential inside::

    psi_in = asinh(X / (2 c_in)),  psi_out = asinh(X / (2 c_out))   (membrane minus bath, / V_T)
    c±_in  = c_in exp(∓psi_in),    c±_out  = c_out exp(∓psi_out)     (membrane-side concentrations)
    S      = D+ c+ + D- c-                                           (at each face)
    V = V_T [ psi_out - psi_in + (D+ - D-)/(D+ + D-) ln(S_out / S_in) ]

This is exact for the TMS model: with ``c+ = c- - X`` and equal cation and
anion fluxes, ``dphi/V_T = -(D+ - D-)/(D+ + D-) d ln(D+ c+ + D- c-)``.  It
reduces to Planck at X = 0 and to the Nernst potential of the counter-ion for
``|X| >> c_in, c_out`` (``V_T ln(c_out/c_in)`` for X < 0, ``-V_T ln(c_out/c_in)``
for X > 0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pnp.constants import DEFAULT_TEMPERATURE, thermal_voltage
from pnp.theory import _validation as check


def planck_potential(
    c_in: float,
    c_out: float,
    d_cation: float,
    d_anion: float,
    temperature: float = DEFAULT_TEMPERATURE,
) -> float:
    """Planck (liquid-junction) zero-current potential of a 1:1 salt, in volts.

    ``V = V_T (D+ - D-)/(D+ + D-) ln(c_out / c_in)`` with ``V = phi_in - phi_out``.

    Args:
        c_in: inside salt concentration in mM (> 0).
        c_out: outside salt concentration in mM (> 0).
        d_cation: cation diffusion coefficient in m^2/s (> 0).
        d_anion: anion diffusion coefficient in m^2/s (> 0).
        temperature: absolute temperature in K.
    """
    cin = float(check.positive("c_in", c_in, "mM"))
    cout = float(check.positive("c_out", c_out, "mM"))
    dp = float(check.positive("d_cation", d_cation, "m^2/s"))
    dm = float(check.positive("d_anion", d_anion, "m^2/s"))
    vt = thermal_voltage(check.temperature(temperature))
    return vt * (dp - dm) / (dp + dm) * math.log(cout / cin)


@dataclass(frozen=True)
class TMSPotential:
    """Teorell–Meyer–Sievers membrane potential split into its parts (all in volts).

    ``total = inside_donnan + diffusion + outside_donnan`` where
    ``inside_donnan = phi_in - phi_membrane(inside face)``,
    ``diffusion = phi_membrane(inside face) - phi_membrane(outside face)`` and
    ``outside_donnan = phi_membrane(outside face) - phi_out``.
    """

    total: float
    inside_donnan: float
    diffusion: float
    outside_donnan: float


def tms_potential_components(
    c_in: float,
    c_out: float,
    fixed_charge_mM: float,
    d_cation: float,
    d_anion: float,
    temperature: float = DEFAULT_TEMPERATURE,
) -> TMSPotential:
    """TMS membrane potential and its Donnan and diffusion parts; see :func:`tms_potential`."""
    cin = float(check.positive("c_in", c_in, "mM"))
    cout = float(check.positive("c_out", c_out, "mM"))
    x = check.finite_float("fixed_charge_mM", fixed_charge_mM)
    dp = float(check.positive("d_cation", d_cation, "m^2/s"))
    dm = float(check.positive("d_anion", d_anion, "m^2/s"))
    vt = thermal_voltage(check.temperature(temperature))

    psi_in = math.asinh(x / (2.0 * cin))
    psi_out = math.asinh(x / (2.0 * cout))
    # D+ c+ + D- c- at each face, with c± = c exp(∓psi); written so that neither
    # exponential overflows for |X| >> c.
    s_in = cin * (dp * math.exp(-psi_in) + dm * math.exp(psi_in))
    s_out = cout * (dp * math.exp(-psi_out) + dm * math.exp(psi_out))
    u = (dp - dm) / (dp + dm)
    diffusion = vt * u * (math.log(s_out) - math.log(s_in))
    inside = -vt * psi_in
    outside = vt * psi_out
    return TMSPotential(
        total=inside + diffusion + outside,
        inside_donnan=inside,
        diffusion=diffusion,
        outside_donnan=outside,
    )


def tms_potential(
    c_in: float,
    c_out: float,
    fixed_charge_mM: float,
    d_cation: float,
    d_anion: float,
    temperature: float = DEFAULT_TEMPERATURE,
) -> float:
    """Teorell–Meyer–Sievers zero-current membrane potential of a 1:1 salt, in volts.

    The membrane is uniform and electroneutral with fixed charge ``X``
    (`fixed_charge_mM`, mM of elementary charges, signed; negative =
    cation-selective) and ion diffusion coefficients `d_cation`, `d_anion`
    inside it.  ``V = phi_in - phi_out``::

        V = V_T [ psi_out - psi_in + U ln( (D+ c+_out + D- c-_out) / (D+ c+_in + D- c-_in) ) ]

    with ``psi = asinh(X / (2 c))`` the reduced Donnan potential (membrane minus
    bath) at each face, ``c± = c exp(∓psi)`` the membrane-side concentrations
    and ``U = (D+ - D-)/(D+ + D-)``.  X = 0 gives :func:`planck_potential`;
    ``|X| >> c`` gives the Nernst potential of the counter-ion.

    Args:
        c_in: inside bath salt concentration in mM (> 0).
        c_out: outside bath salt concentration in mM (> 0).
        fixed_charge_mM: membrane fixed charge in mM (signed).
        d_cation: cation diffusion coefficient in the membrane, m^2/s (> 0).
        d_anion: anion diffusion coefficient in the membrane, m^2/s (> 0).
        temperature: absolute temperature in K.
    """
    return tms_potential_components(
        c_in, c_out, fixed_charge_mM, d_cation, d_anion, temperature
    ).total
