"""Closed-form electrophysiology the PNP solver is compared with.

Nernst and GHK potentials and currents, activity coefficients, Debye length,
Donnan equilibrium, Gouy–Chapman/Grahame double layers and their finite-ion-size
(Bikerman) counterpart, Planck and Teorell–Meyer–Sievers diffusion potentials, GHK with Donnan
partitioning, access resistance or fitted permeabilities, electroneutral Nernst–Planck
through a pore of sections,
driving forces and transport free energies.  Everything is in SI inside (volts,
metres, A/m^2, C/m^2, J/mol, kelvin) with concentrations in mM (= mol/m^3); the
sign conventions are those of PHYSICS.md: ``V = phi_in - phi_out`` and outward
current positive.

This package depends only on NumPy (and SciPy for root finding and quadrature,
imported on first use); it never imports DOLFINx, PETSc or MPI.
"""

from pnp.theory.activity import (
    ACTIVITY_MODELS,
    activity_coefficient,
    debye_huckel_a,
    debye_huckel_b,
)
from pnp.theory.cheap_models import (
    DonnanFaces,
    access_limited_current_density,
    access_resistance,
    bulk_conductivity,
    donnan_faces,
    donnan_ghk_current_density,
    donnan_ghk_voltage,
    series_conductance,
)
from pnp.theory.debye import (
    WATER_RELATIVE_PERMITTIVITY,
    bjerrum_length,
    debye_length,
    ionic_strength,
    water_relative_permittivity,
)
from pnp.theory.diffusion_potential import (
    TMSPotential,
    planck_potential,
    tms_potential,
    tms_potential_components,
)
from pnp.theory.donnan import DonnanEquilibrium, donnan_equilibrium, donnan_potential_1to1
from pnp.theory.electroneutral import (
    ElectroneutralPore,
    ElectroneutralSolution,
    PoreSection,
    electroneutral_current,
    electroneutral_solution,
    electroneutral_voltage,
)
from pnp.theory.energetics import (
    driving_force,
    ohmic_current_density,
    proton_free_energy,
    proton_motive_force,
    protons_per_atp,
    transport_free_energy,
)
from pnp.theory.ghk import (
    GHK_VOLTAGE_METHODS,
    ghk_current_density,
    ghk_total_current_density,
    ghk_voltage,
)
from pnp.theory.ghk_fit import GHKFit, fit_ghk_permeabilities
from pnp.theory.nernst import nernst_potential
from pnp.theory.steric import (
    packing_parameter,
    steric_capacitance,
    steric_concentration,
    steric_double_layer_distance,
    steric_double_layer_potential,
    steric_mixture_concentrations,
    steric_mixture_surface_charge,
    steric_saturation_concentration,
    steric_surface_charge,
    steric_surface_potential,
)
from pnp.theory.surface import (
    boltzmann_concentration,
    gouy_chapman_potential,
    grahame_surface_charge,
    grahame_surface_potential,
)

__all__ = [
    "ACTIVITY_MODELS",
    "GHK_VOLTAGE_METHODS",
    "WATER_RELATIVE_PERMITTIVITY",
    "DonnanEquilibrium",
    "DonnanFaces",
    "ElectroneutralPore",
    "ElectroneutralSolution",
    "GHKFit",
    "PoreSection",
    "TMSPotential",
    "access_limited_current_density",
    "access_resistance",
    "activity_coefficient",
    "bjerrum_length",
    "boltzmann_concentration",
    "bulk_conductivity",
    "debye_huckel_a",
    "debye_huckel_b",
    "debye_length",
    "donnan_equilibrium",
    "donnan_faces",
    "donnan_ghk_current_density",
    "donnan_ghk_voltage",
    "donnan_potential_1to1",
    "driving_force",
    "electroneutral_current",
    "electroneutral_solution",
    "electroneutral_voltage",
    "fit_ghk_permeabilities",
    "ghk_current_density",
    "ghk_total_current_density",
    "ghk_voltage",
    "gouy_chapman_potential",
    "grahame_surface_charge",
    "grahame_surface_potential",
    "ionic_strength",
    "nernst_potential",
    "ohmic_current_density",
    "packing_parameter",
    "planck_potential",
    "proton_free_energy",
    "proton_motive_force",
    "protons_per_atp",
    "series_conductance",
    "steric_capacitance",
    "steric_concentration",
    "steric_double_layer_distance",
    "steric_double_layer_potential",
    "steric_mixture_concentrations",
    "steric_mixture_surface_charge",
    "steric_saturation_concentration",
    "steric_surface_charge",
    "steric_surface_potential",
    "tms_potential",
    "tms_potential_components",
    "transport_free_energy",
    "water_relative_permittivity",
]
