"""The exact limits of the physics notes, reproduced by the full solver pipeline.

Each limit (see `pnp.validation.limits`) builds a case in the TOML shape users
write, meshes and solves it, and measures the error against an independent
closed form from `pnp.theory`; the bounds are those of the physics notes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from mpi4py import MPI

from pnp.case import load_case
from pnp.run import prepare, solve
from pnp.validation import limits

CASES = Path(__file__).resolve().parents[1] / "cases"
COMM = MPI.COMM_WORLD


def test_dilute_limit_equals_ghk_current():
    """Limit 1: Debye length >> pore, no fixed charge: PNP = GHK with P = D/L (within 0.5 %)."""
    m = limits.dilute_ghk(COMM)
    assert m["converged"]
    assert m["max_relative_species_current_error"] < 5e-3
    assert abs(m["reversal_potential_error_mV"]) < 0.05


def test_symmetric_baths_are_exactly_ohmic():
    """Limit 2: symmetric baths in 1D: I = F^2 c sum(z^2 D) V / (R T L), to solver precision."""
    m = limits.symmetric_ohmic(COMM)
    assert m["converged"]
    assert m["max_relative_current_error"] < 1e-8
    assert m["section_spread"] < 1e-8  # conservative current: the same through every section


def test_electroneutral_limit_is_the_planck_potential():
    """Limit 3: Debye length << pore length, 1:1 salt gradient: V_rev = Planck (within 0.5 mV)."""
    m = limits.planck_electroneutral(COMM)
    assert abs(m["error_mV"]) < 0.5
    # the limit is distinguishable from the constant-field value at this tolerance
    assert abs(m["ghk_mV"] - m["planck_mV"]) > 4 * 0.5


@pytest.mark.parametrize("fixed_charge_M", [0.0, -0.01, -0.05, -0.5])
def test_charged_layer_follows_teorell_meyer_sievers(fixed_charge_M):
    """Limit 3b: electroneutral charged layer, 1:1 gradient: V_rev = TMS (within 0.5 mV)."""
    m = limits.tms_electroneutral(COMM, fixed_charge_M=fixed_charge_M)
    assert abs(m["error_mV"]) < 0.5, m


def test_donnan_equilibrium_inside_a_charged_layer():
    """Limit 4: deep inside a fixed-charge region at V = 0: c+ c- = c^2, jump V_T ln(c / c+)."""
    m = limits.donnan(COMM, fixed_charge_M=-0.05, c_mM=10.0)
    assert abs(m["potential_error_mV"]) < 0.1
    assert abs(m["counterion_relative_error"]) < 1e-3
    assert abs(m["product_relative_error"]) < 2e-3
    assert abs(m["neutrality_residual_mM"]) < 1e-3 * m["counterion_mM"]


@pytest.mark.parametrize("sigma", [-0.02, -0.1, 0.05])
def test_gouy_chapman_double_layer(sigma):
    """Limit 5: planar charged wall in 1:1 salt: wall potential = Grahame, profile = GC."""
    m = limits.gouy_chapman(COMM, sigma)
    assert abs(m["wall_potential_relative_error"]) < 2e-3
    assert m["profile_max_error_mV"] < 5e-3 * abs(m["grahame_mV"]) + 0.02
    assert abs(m["counterion_wall_relative_error"]) < 5e-3


def test_smooth_permittivity_profile():
    """The smooth profile reaches the region values away from the ends, is monotone across an
    end, and as its width shrinks the solution approaches the piecewise one."""
    from pnp.solver.permittivity import smooth_axial_permittivity

    z = np.linspace(-10.0, 10.0, 2001)
    eps = smooth_axial_permittivity(
        z,
        bath=80.0,
        pore=40.0,
        filter_=10.0,
        pore_extent_nm=(-4.0, 4.0),
        filter_extent_nm=(-1.0, 1.0),
        width_nm=0.2,
    )
    assert eps[0] == pytest.approx(80.0) and eps[-1] == pytest.approx(80.0)
    assert eps[1000] == pytest.approx(10.0, rel=1e-3)  # filter centre
    assert eps[np.argmin(np.abs(z + 2.5))] == pytest.approx(40.0, rel=1e-3)  # pore, between ends
    assert np.all(np.diff(eps[z < 0]) <= 1e-12)

    base = [
        "geometry.mesh_size_nm=1.0",
        "geometry.wall_size_nm=0.2",
        "conditions.voltages_mV=[50]",
        "regions.pore.permittivity=30",
    ]
    currents = {}
    for label, extra in [
        ("piecewise", []),
        (
            "narrow",
            ['permittivity_profile.kind="smooth"', "permittivity_profile.transition_nm=0.01"],
        ),
        ("wide", ['permittivity_profile.kind="smooth"', "permittivity_profile.transition_nm=1.0"]),
    ]:
        problem = prepare(load_case(CASES / "default.toml", base + extra), COMM)
        currents[label] = solve(problem).points[0].current
        problem.destroy()
    assert currents["narrow"] == pytest.approx(currents["piecewise"], rel=2e-3)
    assert abs(currents["wide"] - currents["piecewise"]) > 10 * abs(
        currents["narrow"] - currents["piecewise"]
    )


@pytest.mark.parametrize(("sigma", "size_nm"), [(-0.05, 0.7), (-0.3, 0.7), (-1.0, 0.7), (0.2, 0.5)])
def test_steric_double_layer_is_the_kilic_bazant_ajdari_layer(sigma, size_nm):
    """Finite ion size at a charged wall: the wall potential is the modified Grahame value
    (closed form, pnp.theory) to 1e-3, the profile is the modified Poisson–Boltzmann one,
    and the counter-ion at the wall is the steric Boltzmann value, never beyond close
    packing (at -1 C/m^2 the layer is saturated: point ions would give 8x the potential's
    share)."""
    m = limits.steric_double_layer(COMM, sigma, size_nm)
    assert abs(m["wall_potential_relative_error"]) < 1e-3
    assert m["profile_max_error_mV"] < 1e-3 * abs(m["steric_grahame_mV"])
    assert abs(m["counterion_wall_relative_error"]) < 1e-3
    assert m["counterion_wall_mM"] <= m["close_packing_mM"] * (1 + 1e-12)
    # the sizes matter: the point-ion Grahame potential is off by more than the tolerance
    assert abs(m["point_ion_grahame_mV"] / m["steric_grahame_mV"] - 1.0) > 1e-2


def test_steric_double_layer_reduces_to_gouy_chapman_as_the_size_vanishes():
    sigma = -0.1
    small = limits.steric_double_layer(COMM, sigma, 0.01)
    plain = limits.gouy_chapman(COMM, sigma)
    assert small["wall_potential_mV"] == pytest.approx(plain["wall_potential_mV"], rel=1e-5)
    assert small["point_ion_grahame_mV"] == pytest.approx(small["steric_grahame_mV"], rel=1e-6)
