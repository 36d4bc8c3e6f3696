"""The exact limits of the physics notes, reproduced by the full solver pipeline.

Each test builds a case (the same TOML shape users write), meshes it and solves
it; the oracle is `pnp.theory`, an independent closed form.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest
from mpi4py import MPI

from pnp.case import FrozenMap, Surface, case_from_dict, load_case
from pnp.constants import FARADAY, GAS_CONSTANT
from pnp.fem import dolfinx
from pnp.geometry.domain import BOUNDARY_TAGS, REGION_TAGS, Domain
from pnp.post.ghk_counterpart import ghk_block
from pnp.post.profiles import evaluate
from pnp.run import prepare, solve
from pnp.solver.continuation import ramp_fixed_charge
from pnp.solver.problem import PnpProblem
from pnp.theory import (
    donnan_equilibrium,
    gouy_chapman_potential,
    grahame_surface_potential,
    planck_potential,
)

CASES = Path(__file__).resolve().parents[1] / "cases"
COMM = MPI.COMM_WORLD
D_NA, D_CL, D_K = 1.334e-9, 2.032e-9, 1.957e-9


def slab_case(**kw) -> dict:
    """A 1D slab case in the TOML shape; keyword groups replace whole tables."""
    data = {
        "name": "slab",
        "geometry": {"kind": "slab", "pore_length_nm": 10.0, "bath_length_nm": 0.0},
        "species": [
            {
                "name": "Na",
                "charge": 1,
                "diffusion_m2_per_s": D_NA,
                "inside_mM": 100.0,
                "outside_mM": 100.0,
            },
            {
                "name": "Cl",
                "charge": -1,
                "diffusion_m2_per_s": D_CL,
                "inside_mM": 100.0,
                "outside_mM": 100.0,
            },
        ],
        "conditions": {"voltages_mV": [0.0]},
        "output": {"fields": False, "plots": False, "profiles": False},
    }
    data.update(kw)
    return data


def test_dilute_limit_equals_ghk_current():
    """Limit 1: Debye length >> pore, no fixed charge: PNP = GHK with P = D/L (within 0.5 %)."""
    case = load_case(CASES / "ghk_dilute.toml")
    solution = solve(prepare(case, COMM))
    ghk = {p["voltage_mV"]: p for p in ghk_block(case, case.conditions.voltages_mV)["points"]}
    worst = 0.0
    for point in solution.points:
        assert point.converged
        expected = ghk[point.voltage_mV]["species_current_densities_A_per_m2"]
        for name, current in zip(case.species_names, point.species_currents, strict=True):
            worst = max(worst, abs(current - expected[name]) / abs(expected[name]))
    assert worst < 5e-3, f"largest relative species-current error {worst:.2e}"
    ghk_rev = ghk_block(case, [0.0])["reversal_potential_mV"]
    assert solution.reversal_potential_mV == pytest.approx(ghk_rev, abs=0.05)


def test_symmetric_baths_are_exactly_ohmic():
    """Limit 2: symmetric baths in 1D: I = F^2 c sum(z^2 D) V / (R T L), to solver precision."""
    L, c = 10.0, 100.0
    case = case_from_dict(slab_case(conditions={"voltages_mV": [-60.0, 0.0, 35.0, 80.0]}))
    solution = solve(prepare(case, COMM))
    T = case.conditions.temperature_K
    for point in solution.points:
        v = point.voltage_mV * 1e-3
        exact = FARADAY**2 * c * (D_NA + D_CL) * v / (GAS_CONSTANT * T * L * 1e-9)
        assert point.current == pytest.approx(exact, rel=1e-8, abs=1e-6)
        # conservative current: identical through every section
        assert np.ptp(point.section_currents) <= 1e-8 * max(abs(exact), 1.0)


def test_electroneutral_limit_is_the_planck_potential():
    """Limit 3: Debye length << pore length, 1:1 salt gradient: V_rev = Planck (within 0.5 mV)."""
    data = slab_case(
        geometry={
            "kind": "slab",
            "pore_length_nm": 1000.0,
            "bath_length_nm": 0.0,
            "mesh_size_nm": 2.0,
        },
        conditions={"voltages_mV": [-20.0, 0.0, 25.0]},
    )
    data["species"][0]["outside_mM"] = data["species"][1]["outside_mM"] = 10.0
    case = case_from_dict(data)
    solution = solve(prepare(case, COMM))
    expected = 1e3 * planck_potential(100.0, 10.0, D_NA, D_CL, case.conditions.temperature_K)
    ghk = ghk_block(case, [0.0])["reversal_potential_mV"]
    assert solution.reversal_potential_mV == pytest.approx(expected, abs=0.5)
    # the limit is distinguishable from the constant-field value at this tolerance
    assert abs(ghk - expected) > 4 * 0.5


def test_donnan_equilibrium_inside_a_charged_layer():
    """Limit 4: deep inside a fixed-charge region at V = 0: c+ c- = c^2, jump V_T ln(c / c+)."""
    X, c = -0.05, 10.0  # M, mM
    data = slab_case(
        geometry={"kind": "slab", "pore_length_nm": 200.0, "bath_length_nm": 30.0},
        regions={"pore": {"fixed_charge_M": X}},
    )
    for s in data["species"]:
        s["inside_mM"] = s["outside_mM"] = c
    case = case_from_dict(data)
    problem = prepare(case, COMM)
    ramp_fixed_charge(problem)
    psi, u_na, u_cl = _values_at(problem, [0.0])[0]
    sc = problem.scales
    donnan = donnan_equilibrium(X * 1000.0, {"Na": (1, c), "Cl": (-1, c)})
    assert psi * sc.thermal_voltage == pytest.approx(donnan.potential, abs=1e-4)
    c_na, c_cl = (math.exp(u) * sc.concentration_mM for u in (u_na, u_cl))
    assert c_na == pytest.approx(donnan.concentrations["Na"], rel=1e-3)
    assert c_na * c_cl == pytest.approx(c * c, rel=2e-3)
    assert c_na - c_cl + X * 1000.0 == pytest.approx(0.0, abs=1e-3 * c_na)


def _values_at(problem: PnpProblem, zs) -> np.ndarray:
    """(psi, u_1..u_n) at points on the axis."""
    points = np.zeros((len(zs), 3))
    points[:, problem.domain.axis] = zs
    fields = []
    for k in range(len(problem.case.species) + 1):
        f = dolfinx.fem.Function(problem.scalar_space)
        f.x.array[:] = problem.component(k)
        fields.append(f)
    return evaluate(fields, points)


def wall_domain(comm, length_nm: float, cells: int) -> Domain:
    """1D electrolyte [0, L]: a charged wall at x = 0, the bath electrode at x = L."""
    mesh = dolfinx.mesh.create_interval(comm, cells, [0.0, length_nm])
    # grade the mesh towards the wall: x -> L (x/L)^2
    x = mesh.geometry.x
    x[:, 0] = length_nm * (x[:, 0] / length_nm) ** 2
    tdim = mesh.topology.dim
    imap = mesh.topology.index_map(tdim)
    cells_all = np.arange(imap.size_local + imap.num_ghosts, dtype=np.int32)
    cell_tags = dolfinx.mesh.meshtags(
        mesh, tdim, cells_all, np.full(cells_all.size, REGION_TAGS["bath"], dtype=np.int32)
    )
    wall = dolfinx.mesh.locate_entities_boundary(mesh, 0, lambda p: np.isclose(p[0], 0.0))
    far = dolfinx.mesh.locate_entities_boundary(mesh, 0, lambda p: np.isclose(p[0], length_nm))
    facets = np.concatenate([wall, far]).astype(np.int32)
    values = np.concatenate(
        [
            np.full(wall.size, BOUNDARY_TAGS["pore_wall"]),
            np.full(far.size, BOUNDARY_TAGS["electrode_outside"]),
        ]
    ).astype(np.int32)
    order = np.argsort(facets)
    facet_tags = dolfinx.mesh.meshtags(mesh, 0, facets[order], values[order])
    return Domain(
        mesh=mesh,
        cell_tags=cell_tags,
        facet_tags=facet_tags,
        kind="slab",
        axisymmetric=False,
        pore_length_nm=length_nm,
        regions={"bath": REGION_TAGS["bath"]},
        boundaries={
            "pore_wall": BOUNDARY_TAGS["pore_wall"],
            "electrode_outside": BOUNDARY_TAGS["electrode_outside"],
        },
    )


@pytest.mark.parametrize("sigma", [-0.02, -0.1, 0.05])
def test_gouy_chapman_double_layer(sigma):
    """Limit 5: planar charged wall in 1:1 salt: wall potential = Grahame, profile = GC."""
    c = 100.0
    data = slab_case()
    case = case_from_dict(data)
    case = dataclasses.replace(
        case, surfaces=FrozenMap({**case.surfaces, "pore_wall": Surface(charge_C_per_m2=sigma)})
    )
    length = 20.0  # ~ 20 Debye lengths
    problem = PnpProblem(wall_domain(COMM, length, 800), case)
    ramp_fixed_charge(problem)
    eps = case.regions["bath"].permittivity
    T = case.conditions.temperature_K
    phi0 = grahame_surface_potential(sigma, c, eps, T)
    xs = np.array([0.0, 0.25, 0.5, 1.0, 2.0, 4.0])
    values = _values_at(problem, xs)
    phi = values[:, 0] * problem.scales.thermal_voltage
    expected = np.array([gouy_chapman_potential(x * 1e-9, phi0, c, eps, T) for x in xs])
    assert phi[0] == pytest.approx(phi0, rel=2e-3)
    np.testing.assert_allclose(phi, expected, rtol=5e-3, atol=2e-5)
    # Boltzmann: counter-ion concentration at the wall
    c_na = math.exp(values[0, 1]) * problem.scales.concentration_mM
    vt = problem.scales.thermal_voltage
    assert c_na == pytest.approx(c * math.exp(-phi0 / vt), rel=5e-3)


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
        pore_length_nm=8.0,
        filter_length_nm=2.0,
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
