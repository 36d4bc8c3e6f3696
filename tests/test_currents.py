"""Reported currents are the discrete fluxes of the solved equations, on any partition.

Serial and under ``mpiexec -n 2`` and ``-n 3``: the rank-count tests compare a
solve on COMM_WORLD with the same solve on COMM_SELF on every rank.
"""

from __future__ import annotations

import numpy as np
import pytest
from mpi4py import MPI
from scipy.optimize import brentq

from pnp.case import case_from_dict
from pnp.post.profiles import AxisProfiler
from pnp.run import prepare, run_case, solve
from pnp.theory import ghk_current_density

COMM = MPI.COMM_WORLD

# Ca2+ and K+ as trace ions on opposite sides, Cl- to neutrality: c(x) of Ca falls by
# six decades towards the outside electrode, within one cell of it by several e-folds.
TRACE_SPECIES = [
    ("Ca", 2, 0.792e-9, 1e-3, 1e-9),
    ("K", 1, 1.957e-9, 1e-9, 1e-3),
    ("Cl", -1, 2.032e-9, 2e-3 + 1e-9, 1e-3 + 2e-9),
]


def trace_slab(voltages_mV):
    """The dilute (exact constant-field) limit: a 4 nm slab, electrodes on its faces."""
    return case_from_dict(
        {
            "name": "trace_bi_ionic_slab",
            "geometry": {
                "kind": "slab",
                "pore_length_nm": 4.0,
                "bath_length_nm": 0.0,
                "mesh_size_nm": 0.02,
            },
            "species": [
                {
                    "name": n,
                    "charge": z,
                    "diffusion_m2_per_s": d,
                    "inside_mM": ci,
                    "outside_mM": co,
                }
                for n, z, d, ci, co in TRACE_SPECIES
            ],
            "conditions": {"voltages_mV": voltages_mV},
            "output": {"fields": False, "plots": False},
        }
    )


def ghk_species(voltage_mV: float) -> dict[str, float]:
    """Closed-form GHK current densities (A/m^2), P = D / L."""
    return {
        n: float(ghk_current_density(z, d / 4e-9, ci, co, voltage_mV * 1e-3))
        for n, z, d, ci, co in TRACE_SPECIES
    }


def test_trace_species_slab_reproduces_ghk(shared_tmp):
    """Where a species is depleted towards the outside electrode, the electrode current is
    still the exact GHK current of the dilute limit (and so is the reversal potential)."""
    voltages = [-50.0, -25.0, 0.0, 25.0, 50.0]
    results = run_case(trace_slab(voltages), shared_tmp / "trace", COMM)
    for point in results["points"]:
        exact = ghk_species(point["voltage_mV"])
        total = sum(exact.values())
        assert point["current_density_A_per_m2"] == pytest.approx(total, rel=1e-3)
        for name, value in point["species_current_densities_A_per_m2"].items():
            assert value == pytest.approx(exact[name], rel=1e-3), name
        sections = np.array(point["section_current_densities_A_per_m2"])
        assert np.abs(sections - point["current_density_A_per_m2"]).max() < 1e-6 * abs(total)
    exact_reversal = brentq(lambda v: sum(ghk_species(v).values()), 0.0, 25.0, xtol=1e-9)
    assert exact_reversal == pytest.approx(10.858, abs=1e-3)
    assert results["reversal_potential_mV"] == pytest.approx(exact_reversal, abs=0.05)
    assert results["ghk_comparison"]["max_relative_current_error"] < 1e-3


def test_electrode_current_is_read_from_the_residual():
    """The electrode current is the boundary row of the assembled residual: it equals the
    current through every section to solver tolerance, also in a steep boundary layer."""
    problem = prepare(trace_slab([0.0, 40.0]), COMM)
    solution = solve(problem)
    sections = [-1.99, -1.0, 0.0, 1.0, 1.99]
    for voltage in (0.0, 40.0):
        problem.restore_state(solution.states[voltage])
        electrode, through = solution.meter.measure(sections)
        scale = np.abs(electrode).max()
        assert np.abs(through - electrode).max() < 1e-7 * scale
    problem.destroy()


@pytest.mark.skipif(COMM.size == 1, reason="compares a parallel solve with a serial one")
def test_sections_and_profiles_do_not_depend_on_the_partition():
    """Planes through vertices, and axis samples of the piecewise-constant field at vertices,
    give the same numbers on any rank count (a 1D slab with a charged double layer)."""
    case = case_from_dict(
        {
            "name": "partition_slab",
            "geometry": {
                "kind": "slab",
                "pore_length_nm": 6.0,
                "bath_length_nm": 2.0,
                "mesh_size_nm": 0.25,
                "wall_size_nm": 0.25,
            },
            "regions": {"pore": {"fixed_charge_M": -0.2}},
            "species": [
                {
                    "name": "K",
                    "charge": 1,
                    "diffusion_m2_per_s": 1.957e-9,
                    "inside_mM": 100.0,
                    "outside_mM": 20.0,
                },
                {
                    "name": "Cl",
                    "charge": -1,
                    "diffusion_m2_per_s": 2.032e-9,
                    "inside_mM": 100.0,
                    "outside_mM": 20.0,
                },
            ],
            "conditions": {"voltages_mV": [30.0]},
        }
    )
    planes = [-3.0, -1.5, -0.25, 0.0, 0.25, 1.5, 3.0]  # all on vertices of the mesh
    measured = {}
    for name, comm in (("parallel", COMM), ("serial", MPI.COMM_SELF)):
        problem = prepare(case, comm)
        solution = solve(problem)
        problem.restore_state(solution.states[30.0])
        electrode, through = solution.meter.measure(planes)
        profile = AxisProfiler(problem).sample()
        measured[name] = (electrode, through, profile)
        problem.destroy()
    (e_par, t_par, p_par), (e_ser, t_ser, p_ser) = measured["parallel"], measured["serial"]
    np.testing.assert_allclose(e_par, e_ser, rtol=1e-7)
    np.testing.assert_allclose(t_par, t_ser, rtol=1e-7)
    for key in p_ser:
        np.testing.assert_allclose(p_par[key], p_ser[key], rtol=1e-7, atol=1e-9, err_msg=key)
