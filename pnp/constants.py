"""CODATA 2018 exact constants (SI) and unit conversions used throughout the package."""

FARADAY = 96485.33212  # C/mol
GAS_CONSTANT = 8.314462618  # J/(mol K)
ELEMENTARY_CHARGE = 1.602176634e-19  # C
BOLTZMANN = 1.380649e-23  # J/K
AVOGADRO = 6.02214076e23  # 1/mol
VACUUM_PERMITTIVITY = 8.8541878128e-12  # F/m

DEFAULT_TEMPERATURE = 298.15  # K

MM_TO_MOL_PER_M3 = 1.0  # 1 mM = 1 mol/m^3
M_TO_MOL_PER_M3 = 1000.0
NM = 1e-9  # m
MV = 1e-3  # V
PA = 1e-12  # A


def thermal_voltage(temperature: float = DEFAULT_TEMPERATURE) -> float:
    """R T / F in volts."""
    return GAS_CONSTANT * temperature / FARADAY
