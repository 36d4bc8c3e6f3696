"""Rectification in the 1D channel model of a conical pore (docs/rectification.md).

- a charged cylinder between equal baths is mirror-symmetric: |I(+V)/I(-V)| = 1 to
  solver tolerance, while the charged cone of the same segments' construction rectifies;
- an uncharged cone between equal baths is an ohmic resistor: its segments (cylinders of
  the geometric-mean radius of their ends) sum to the cone's integral dz / (pi r^2) =
  L / (pi r_tip r_base) exactly, so G = kappa / (L / (pi r_tip r_base) + 2 L_bath /
  (pi R_bath^2)) with kappa = F^2 / (R T) sum_i z_i^2 D_i c for any N.
"""

from __future__ import annotations

import math

import numpy as np
from mpi4py import MPI

import pnp
from pnp.constants import FARADAY, GAS_CONSTANT

COMM = MPI.COMM_WORLD
T = 298.15
D = {"K": 1.957e-9, "Cl": 2.032e-9}
LENGTH, R_TIP, R_BASE, R_BATH, L_BATH = 20.0, 1.0, 5.0, 20.0, 20.0
SIGMA = -0.05  # C/m^2


def cone_case(radii_at_ends: np.ndarray, sigma: float, c_mM: float, volts: list[float]) -> dict:
    """A 1D channel of len(radii_at_ends) - 1 equal segments, each a cylinder of the geometric
    mean of its end radii with the wall charge as the volume charge 2 sigma / (F r)."""
    n = radii_at_ends.size - 1
    segments = []
    for k in range(n):
        r_k = math.sqrt(radii_at_ends[k] * radii_at_ends[k + 1])
        x_molar = 2.0 * sigma / (FARADAY * r_k * 1e-9) * 1e-3
        segments.append(
            {"name": f"s{k}", "length_nm": LENGTH / n, "radius_nm": r_k, "fixed_charge_M": x_molar}
        )
    species = [
        {
            "name": name,
            "charge": z,
            "diffusion_m2_per_s": D[name],
            "inside_mM": c_mM,
            "outside_mM": c_mM,
        }
        for name, z in (("K", 1), ("Cl", -1))
    ]
    return {
        "name": "cone_1d",
        "geometry": {"kind": "channel_1d", "bath_radius_nm": R_BATH, "bath_length_nm": L_BATH},
        "segments": segments,
        "species": species,
        "conditions": {"voltages_mV": volts, "temperature_K": T},
        "output": {"fields": False, "plots": False},
    }


def ratio_at(result: pnp.Result, voltage_mV: float) -> float:
    ratios = {r["voltage_mV"]: r["ratio"] for r in result.results["nanopore"]["rectification"]}
    return ratios[voltage_mV]


def test_charged_cylinder_does_not_rectify_and_charged_cone_does():
    volts = [-100.0, 100.0]
    cylinder = pnp.Simulation(cone_case(np.full(5, 2.0), SIGMA, 100.0, volts)).solve(comm=COMM)
    cone = pnp.Simulation(cone_case(np.linspace(R_TIP, R_BASE, 5), SIGMA, 100.0, volts)).solve(
        comm=COMM
    )
    assert cylinder.all_converged and cone.all_converged
    assert abs(ratio_at(cylinder, 100.0) - 1.0) < 1e-6
    assert abs(ratio_at(cone, 100.0) - 1.0) > 0.01  # 0.98 here


def test_uncharged_cone_is_the_ohmic_series_resistance():
    c_mM, volts = 10.0, [-50.0, 50.0]
    for n in (3, 7):
        case = cone_case(np.linspace(R_TIP, R_BASE, n + 1), 0.0, c_mM, volts)
        result = pnp.Simulation(case).solve(comm=COMM)
        kappa = FARADAY**2 / (GAS_CONSTANT * T) * sum(D.values()) * c_mM  # S/m
        resistance = (
            LENGTH * 1e-9 / (math.pi * R_TIP * R_BASE * 1e-18)
            + 2.0 * L_BATH * 1e-9 / (math.pi * (R_BATH * 1e-9) ** 2)
        ) / kappa
        expected_pA = np.array(volts) * 1e-3 / resistance * 1e12
        np.testing.assert_allclose(result.current_pA, expected_pA, rtol=1e-6)
