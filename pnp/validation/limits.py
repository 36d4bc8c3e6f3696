"""The exact limits of the physics notes (dilute GHK, ohmic, Planck, Donnan, Gouy–Chapman,
and its finite-ion-size form, the steric double layer of Kilic, Bazant and Ajdari)."""

from __future__ import annotations

import copy
import dataclasses
import math

import numpy as np
from mpi4py import MPI

from pnp.case import Case, FrozenMap, Surface, case_from_dict
from pnp.constants import FARADAY, GAS_CONSTANT
from pnp.fem import dolfinx
from pnp.geometry.domain import BOUNDARY_TAGS, REGION_TAGS, Domain
from pnp.post.ghk_counterpart import ghk_block
from pnp.post.profiles import evaluate
from pnp.run import Solution, prepare, solve
from pnp.solver.continuation import ramp_fixed_charge
from pnp.solver.problem import PnpProblem
from pnp.theory import (
    donnan_equilibrium,
    gouy_chapman_potential,
    grahame_surface_potential,
    planck_potential,
    steric_concentration,
    steric_double_layer_potential,
    steric_saturation_concentration,
    steric_surface_potential,
    tms_potential,
)

D_NA, D_CL, D_K = 1.334e-9, 2.032e-9, 1.957e-9

_SALT_SLAB = {
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


def salt_slab(**tables) -> dict:
    """A 1D NaCl slab case in the TOML shape; keyword tables replace whole sections."""
    data = copy.deepcopy(_SALT_SLAB)
    data.update(copy.deepcopy(tables))
    return data


def _solved(case: Case, comm: MPI.Comm) -> Solution:
    problem = prepare(case, comm)
    try:
        return solve(problem)
    finally:
        problem.destroy()


def dilute_ghk(comm: MPI.Comm, quadrature: str = "gauss") -> dict:
    """Limit 1: K/Na/Cl at ~1e-3 mM (Debye length ~60x the 4 nm pore), no fixed charge."""
    data = salt_slab(
        solver={"quadrature": quadrature},
        geometry={
            "kind": "slab",
            "pore_length_nm": 4.0,
            "bath_length_nm": 0.0,
            "mesh_size_nm": 0.02,
        },
        conditions={"voltages_mV": [-100.0, -50.0, 0.0, 50.0, 100.0]},
        species=[
            {
                "name": "K",
                "charge": 1,
                "diffusion_m2_per_s": D_K,
                "inside_mM": 1.4e-3,
                "outside_mM": 0.05e-3,
            },
            {
                "name": "Na",
                "charge": 1,
                "diffusion_m2_per_s": D_NA,
                "inside_mM": 0.1e-3,
                "outside_mM": 1.4e-3,
            },
            {
                "name": "Cl",
                "charge": -1,
                "diffusion_m2_per_s": D_CL,
                "inside_mM": 1.5e-3,
                "outside_mM": 1.45e-3,
            },
        ],
    )
    case = case_from_dict(data)
    solution = _solved(case, comm)
    ghk = ghk_block(case, case.conditions.voltages_mV)
    by_v = {p["voltage_mV"]: p for p in ghk["points"]}
    worst = 0.0
    for point in solution.points:
        expected = by_v[point.voltage_mV]["species_current_densities_A_per_m2"]
        for name, current in zip(case.species_names, point.species_currents, strict=True):
            worst = max(worst, abs(current - expected[name]) / abs(expected[name]))
    return {
        "converged": all(p.converged for p in solution.points),
        "max_relative_species_current_error": worst,
        "reversal_potential_error_mV": solution.reversal_potential_mV
        - ghk["reversal_potential_mV"],
    }


def symmetric_ohmic(comm: MPI.Comm, quadrature: str = "gauss") -> dict:
    """Limit 2: symmetric 100 mM NaCl, 10 nm slab: I = F^2 c sum(z^2 D) V / (R T L)."""
    length_nm, c = 10.0, 100.0
    data = salt_slab(
        conditions={"voltages_mV": [-60.0, 0.0, 35.0, 80.0]}, solver={"quadrature": quadrature}
    )
    case = case_from_dict(data)
    solution = _solved(case, comm)
    temperature = case.conditions.temperature_K
    worst = spread = 0.0
    for point in solution.points:
        v = point.voltage_mV * 1e-3
        exact = FARADAY**2 * c * (D_NA + D_CL) * v / (GAS_CONSTANT * temperature * length_nm * 1e-9)
        scale = max(abs(exact), 1e-300)
        if v != 0.0:
            worst = max(worst, abs(point.current - exact) / scale)
        spread = max(spread, float(np.ptp(point.section_currents)) / max(abs(exact), 1.0))
    return {
        "converged": all(p.converged for p in solution.points),
        "max_relative_current_error": worst,
        "section_spread": spread,
    }


def planck_electroneutral(comm: MPI.Comm) -> dict:
    """Limit 3: NaCl 100 | 10 mM across a 1000 nm slab (Debye length ~1 nm)."""
    data = salt_slab(
        geometry={
            "kind": "slab",
            "pore_length_nm": 1000.0,
            "bath_length_nm": 0.0,
            "mesh_size_nm": 2.0,
        },
        conditions={"voltages_mV": [-20.0, 0.0, 25.0]},
    )
    for s in data["species"]:
        s["outside_mM"] = 10.0
    case = case_from_dict(data)
    solution = _solved(case, comm)
    expected = 1e3 * planck_potential(100.0, 10.0, D_NA, D_CL, case.conditions.temperature_K)
    return {
        "reversal_potential_mV": solution.reversal_potential_mV,
        "planck_mV": expected,
        "ghk_mV": ghk_block(case, [0.0])["reversal_potential_mV"],
        "error_mV": solution.reversal_potential_mV - expected,
    }


def tms_electroneutral(
    comm: MPI.Comm,
    fixed_charge_M: float = -0.05,
    c_in: float = 100.0,
    c_out: float = 10.0,
    quadrature: str = "gauss",
) -> dict:
    """Limit 3b (Teorell–Meyer–Sievers): a uniformly charged 4000 nm layer.

    The zero-current potential is two Donnan jumps plus the electroneutral diffusion
    potential inside the layer; X = 0 is the Planck limit. TMS assumes ideally
    stirred baths, so the electrodes sit on the layer faces: a bath layer of even
    20 nm polarises (the salt flux through it lowers the dilute side's interface
    concentration) and moves the potential by mV. The remaining difference comes
    from the double layers at the faces and falls as 1/L.
    """
    data = salt_slab(
        geometry={
            "kind": "slab",
            "pore_length_nm": 4000.0,
            "bath_length_nm": 0.0,
            "mesh_size_nm": 8.0,
        },
        regions={"pore": {"fixed_charge_M": fixed_charge_M}},
        conditions={"voltages_mV": [-60.0, 0.0, 60.0]},
        solver={"quadrature": quadrature},
    )
    for s in data["species"]:
        s["inside_mM"], s["outside_mM"] = c_in, c_out
    case = case_from_dict(data)
    solution = _solved(case, comm)
    expected = 1e3 * tms_potential(
        c_in, c_out, fixed_charge_M * 1000.0, D_NA, D_CL, case.conditions.temperature_K
    )
    return {
        "reversal_potential_mV": solution.reversal_potential_mV,
        "tms_mV": expected,
        "ghk_mV": ghk_block(case, [0.0])["reversal_potential_mV"],
        "error_mV": solution.reversal_potential_mV - expected,
    }


def state_at(problem: PnpProblem, zs) -> np.ndarray:
    """(psi, u_1..u_n) (scaled) at points on the axis, on every rank."""
    points = np.zeros((len(zs), 3))
    points[:, problem.domain.axis] = zs
    fields = []
    for k in range(len(problem.case.species) + 1):
        f = dolfinx.fem.Function(problem.scalar_space)
        f.x.array[:] = problem.component(k)
        fields.append(f)
    return evaluate(fields, points)


def donnan(comm: MPI.Comm, fixed_charge_M: float = -0.05, c_mM: float = 10.0):
    """Limit 4: centre of a 200 nm layer with fixed charge X, 30 nm baths, V = 0."""
    data = salt_slab(
        geometry={"kind": "slab", "pore_length_nm": 200.0, "bath_length_nm": 30.0},
        regions={"pore": {"fixed_charge_M": fixed_charge_M}},
    )
    for s in data["species"]:
        s["inside_mM"] = s["outside_mM"] = c_mM
    problem = prepare(case_from_dict(data), comm)
    try:
        ramp_fixed_charge(problem)
        psi, u_na, u_cl = state_at(problem, [0.0])[0]
    finally:
        problem.destroy()
    sc = problem.scales
    exact = donnan_equilibrium(fixed_charge_M * 1000.0, {"Na": (1, c_mM), "Cl": (-1, c_mM)})
    c_na, c_cl = (math.exp(u) * sc.concentration_mM for u in (u_na, u_cl))
    return {
        "potential_error_mV": 1e3 * (psi * sc.thermal_voltage - exact.potential),
        "counterion_relative_error": c_na / exact.concentrations["Na"] - 1.0,
        "product_relative_error": c_na * c_cl / c_mM**2 - 1.0,
        "neutrality_residual_mM": c_na - c_cl + fixed_charge_M * 1000.0,
        "counterion_mM": c_na,
    }


def wall_domain(comm: MPI.Comm, length_nm: float, cells: int) -> Domain:
    """1D electrolyte [0, L] graded towards a charged wall at x = 0; bath electrode at x = L."""
    mesh = dolfinx.mesh.create_interval(comm, cells, [0.0, length_nm])
    x = mesh.geometry.x
    x[:, 0] = length_nm * (x[:, 0] / length_nm) ** 2
    tdim = mesh.topology.dim
    imap = mesh.topology.index_map(tdim)
    all_cells = np.arange(imap.size_local + imap.num_ghosts, dtype=np.int32)
    cell_tags = dolfinx.mesh.meshtags(
        mesh, tdim, all_cells, np.full(all_cells.size, REGION_TAGS["bath"], dtype=np.int32)
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
        pore_extent_nm=(0.0, length_nm),
        regions={"bath": REGION_TAGS["bath"]},
        boundaries={
            "pore_wall": BOUNDARY_TAGS["pore_wall"],
            "electrode_outside": BOUNDARY_TAGS["electrode_outside"],
        },
    )


def charged_wall(
    comm: MPI.Comm, sigma_C_per_m2: float, xs_nm: np.ndarray, size_nm: float | None = None
) -> tuple[Case, PnpProblem, np.ndarray]:
    """The solved charged wall in 100 mM NaCl (20 nm of electrolyte), ions of `size_nm`
    (None: point ions): the case, the (destroyed) problem and (psi, u_i) at `xs_nm`."""
    data = salt_slab()
    if size_nm is not None:
        for species in data["species"]:
            species["size_nm"] = size_nm
    case = case_from_dict(data)
    # a slab case file cannot carry wall charge; this 1D wall domain can
    case = dataclasses.replace(
        case,
        surfaces=FrozenMap({**case.surfaces, "pore_wall": Surface(charge_C_per_m2=sigma_C_per_m2)}),
    )
    problem = PnpProblem(wall_domain(comm, 20.0, 800), case)
    try:
        ramp_fixed_charge(problem)
        values = state_at(problem, xs_nm)
    finally:
        problem.destroy()
    return case, problem, values


def gouy_chapman(comm: MPI.Comm, sigma_C_per_m2: float = -0.05) -> dict:
    """Limit 5: planar wall with charge sigma in 100 mM NaCl (20 nm of electrolyte)."""
    c = 100.0
    xs = np.array([0.0, 0.25, 0.5, 1.0, 2.0, 4.0])
    case, problem, values = charged_wall(comm, sigma_C_per_m2, xs)
    eps = case.regions["bath"].permittivity
    temperature = case.conditions.temperature_K
    vt = problem.scales.thermal_voltage
    phi0 = grahame_surface_potential(sigma_C_per_m2, c, eps, temperature)
    phi = values[:, 0] * vt
    expected = np.array([gouy_chapman_potential(x * 1e-9, phi0, c, eps, temperature) for x in xs])
    c_wall = math.exp(values[0, 1]) * problem.scales.concentration_mM
    return {
        "wall_potential_mV": 1e3 * phi[0],
        "grahame_mV": 1e3 * phi0,
        "wall_potential_relative_error": phi[0] / phi0 - 1.0,
        "profile_max_error_mV": 1e3 * float(np.max(np.abs(phi - expected))),
        "counterion_wall_relative_error": c_wall / (c * math.exp(-phi0 / vt)) - 1.0,
    }


def steric_double_layer(comm: MPI.Comm, sigma_C_per_m2: float, size_nm: float) -> dict:
    """The Gouy–Chapman wall of limit 5 with ions of size a (both species): the modified
    Poisson–Boltzmann layer of Kilic, Bazant and Ajdari (2007), in 100 mM NaCl."""
    c = 100.0
    xs = np.array([0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0])
    case, problem, values = charged_wall(comm, sigma_C_per_m2, xs, size_nm)
    eps = case.regions["bath"].permittivity
    temperature = case.conditions.temperature_K
    vt = problem.scales.thermal_voltage
    phi0 = float(steric_surface_potential(sigma_C_per_m2, c, size_nm, 1, eps, temperature))
    expected = np.asarray(
        steric_double_layer_potential(xs * 1e-9, phi0, c, size_nm, 1, eps, temperature)
    )
    phi = values[:, 0] * vt
    counter = 1 if sigma_C_per_m2 < 0 else -1
    index = 1 if counter == 1 else 2
    c_wall = problem.concentrations(values[:1, 1:])[0, index - 1] * problem.scales.concentration_mM
    c_exact = float(steric_concentration(c, counter, phi0, size_nm, temperature))
    return {
        "wall_potential_mV": 1e3 * phi[0],
        "steric_grahame_mV": 1e3 * phi0,
        "point_ion_grahame_mV": 1e3
        * grahame_surface_potential(sigma_C_per_m2, c, eps, temperature),
        "wall_potential_relative_error": phi[0] / phi0 - 1.0,
        "profile_max_error_mV": 1e3 * float(np.max(np.abs(phi - expected))),
        "counterion_wall_mM": c_wall,
        "counterion_wall_relative_error": c_wall / c_exact - 1.0,
        "close_packing_mM": float(steric_saturation_concentration(size_nm)),
    }
