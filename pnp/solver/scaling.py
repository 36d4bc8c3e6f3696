"""Nondimensionalisation of the PNP system.

Lengths are measured in nm (mesh units), potentials in the thermal voltage
V_T = RT/F, concentrations in a reference concentration c0 (mM) and diffusion
coefficients in a reference D0. The unknowns are psi = phi / V_T and the
log-densities u_i = ln(c_i / c0), so concentrations stay positive by construction.

Scaled Poisson:   -div(eps_r grad psi) = kappa * (sum_i z_i exp(u_i) + rho_f / (F c0))
Scaled NP flux:   j_i = -(D_i / D0) exp(u_i) grad(u_i + z_i psi)
Charged wall:     eps_r dpsi/dn = sigma * L0 / (eps0 V_T)

Flow (`pnp.solver.flow`), viscosity mu: velocities in the electro-osmotic scale
U0 = eps0 V_T^2 / (mu L0) and pressures in P0 = mu U0 / L0 = eps0 V_T^2 / L0^2.
Dividing mu lap(v) - grad(p) = sum_i c_i grad(mu~_i) by mu U0 / L0^2 gives

Scaled Stokes:    -lap(u) + grad(p) = -kappa * sum_i (c_i / c0) grad(u_i + z_i psi)
Scaled NP flux:   j_i = -(D_i / D0) exp(u_i) grad(u_i + z_i psi) + Pe exp(u_i) u,
                  Pe = U0 L0 / D0 (the inverse of the group D0 / (L0 U0))

(the force coefficient F c0 V_T L0 / (mu U0) is kappa itself, and R T c0 / P0 =
kappa too, so a bath's ideal osmotic pressure is kappa * sum_i c_i / c0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pnp.constants import FARADAY, M_TO_MOL_PER_M3, NM, VACUUM_PERMITTIVITY, thermal_voltage


@dataclass(frozen=True)
class Scales:
    temperature_K: float
    concentration_mM: float  # c0
    diffusion_m2_per_s: float  # D0
    length_m: float = NM  # L0: mesh coordinates are in nm

    @property
    def thermal_voltage(self) -> float:
        return thermal_voltage(self.temperature_K)

    @property
    def kappa(self) -> float:
        """F c0 L0^2 / (eps0 V_T): the inverse squared Debye length scale of the scaled Poisson."""
        return (
            FARADAY
            * self.concentration_mM
            * self.length_m**2
            / (VACUUM_PERMITTIVITY * self.thermal_voltage)
        )

    def surface_charge(self, sigma_C_per_m2: float) -> float:
        return sigma_C_per_m2 * self.length_m / (VACUUM_PERMITTIVITY * self.thermal_voltage)

    def fixed_charge(self, molar: float) -> float:
        """Volume fixed charge in M of elementary charges, in units of c0."""
        return molar * M_TO_MOL_PER_M3 / self.concentration_mM

    def log_concentration(self, c_mM: float) -> float:
        return math.log(c_mM / self.concentration_mM)

    def potential(self, volts: float) -> float:
        return volts / self.thermal_voltage

    def velocity(self, viscosity_Pa_s: float) -> float:
        """U0 = eps0 V_T^2 / (mu L0) in m/s (6.6 mm/s for water at 25 C)."""
        return VACUUM_PERMITTIVITY * self.thermal_voltage**2 / (viscosity_Pa_s * self.length_m)

    @property
    def pressure(self) -> float:
        """P0 = eps0 V_T^2 / L0^2 in Pa (5.9 kPa at 25 C): independent of the viscosity."""
        return VACUUM_PERMITTIVITY * self.thermal_voltage**2 / self.length_m**2

    def peclet(self, viscosity_Pa_s: float) -> float:
        """Pe = U0 L0 / D0, the weight of the advective flux c u in the scaled NP flux."""
        return self.velocity(viscosity_Pa_s) * self.length_m / self.diffusion_m2_per_s

    def current_factor(self, charge: int, section_dim: int) -> float:
        """Multiplies a scaled flux integral (D_i/D0 inside the flux) to give a current.

        `section_dim` is the dimension of the cross-section the flux crosses: 2 for 3D
        and the axisymmetric r-z section (A, with the 2 pi of the revolution applied by
        the caller), 1 for a planar 2D section (A per metre of depth), 0 in 1D (A/m^2).
        """
        flux_scale = self.diffusion_m2_per_s * self.concentration_mM / self.length_m
        return charge * FARADAY * flux_scale * self.length_m**section_dim
