"""Physical bounds of case values: the one table of them, each with its reason.

A value outside its bound is not a model of an ion channel or nanopore but a slip
(a unit, a sign, an exponent); the solver would still "converge" on some of them to
a confident wrong answer, so validation refuses them. README.md states the same table.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bound:
    """`low <= value <= high` (`low` None: only the sign rule of the key applies)."""

    low: float | None
    high: float
    reason: str  # why values beyond are not physical, one phrase
    hint: str = ""  # the usual slip and its fix


BOUNDS: dict[str, Bound] = {
    "temperature_K": Bound(
        200.0,
        500.0,
        "the liquid range of aqueous electrolytes, from brine eutectics to pressurised water",
        "the unit is K (25 C = 298.15 K)",
    ),
    "permittivity": Bound(
        1.0,
        1000.0,
        "from vacuum (1) past the most polar liquids (water 78, N-methylformamide 182)",
        "it is relative to the vacuum permittivity",
    ),
    "fixed_charge_M": Bound(
        -100.0,
        100.0,
        "denser than any charged solid: water itself is 55 M",
        "the unit is M (mol/L) of elementary charges",
    ),
    "charge_C_per_m2": Bound(
        -1.0,
        1.0,
        "6.2 e/nm^2, one elementary charge per 0.16 nm^2: beyond any real interface",
        "the unit is C/m^2 (1 e/nm^2 = 0.1602 C/m^2, 1 mC/m^2 = 0.001 C/m^2)",
    ),
    "concentration_mM": Bound(
        None,
        20000.0,
        "20 M: beyond the solubility of any salt (LiCl, the most soluble, about 20 M)",
        "the unit is mM (1 M = 1000 mM)",
    ),
    "voltage_mV": Bound(
        -10000.0,
        10000.0,
        "10 V: ten times the voltage that breaks down any membrane",
        "the unit is mV",
    ),
    "valence": Bound(
        -10.0,
        10.0,
        "beyond the valence of any mobile ion (Ca2+ 2, La3+ 3, spermine 4)",
        "charge is the valence z (K+ 1, Cl- -1)",
    ),
    "diffusion_m2_per_s": Bound(
        1e-14,
        1e-6,
        "from ions in gels and glasses to 100 times the fastest ion (H+, 9.3e-9 m^2/s)",
        "the unit is m^2/s (1 cm^2/s = 1e-4 m^2/s)",
    ),
    "diffusion_factor": Bound(
        1e-6,
        100.0,
        "from a nearly blocked pore to 100 times the bulk mobility",
        "it multiplies every species' diffusion coefficient in the region",
    ),
    "ion_size_nm": Bound(
        0.01,
        5.0,
        "from a bare proton to the largest hydrated or organic ion (and the effective sizes "
        "fitted to double-layer data)",
        "the unit is nm; size_nm is the lattice spacing a, radius_nm = a / 2",
    ),
    "length_nm": Bound(
        1e-3,
        1e6,
        "from a hundredth of an atom to a millimetre",
        "the unit is nm",
    ),
}

# Integer counts (iterations, steps, refinements) must fit in PETSc's 32-bit integers.
MAX_INTEGER = 2**31 - 1
