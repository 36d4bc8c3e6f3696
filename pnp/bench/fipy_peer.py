"""A 2D axisymmetric pore solved by pnp and by FiPy, conductance under mesh refinement.

The problem, chosen so that FiPy's structured r-z grid (`CylindricalGrid2D`)
holds it exactly: the electrolyte of a straight cylindrical pore alone,
r < R = 1 nm, -L/2 < z < L/2 with L = 4 nm, KCl 100 mM at both ends
(eps_r 78.5, 298.15 K, Debye length 0.96 nm). The ends are electrodes
(bath concentrations, phi = V at the inside end, 0 at the outside end); the
wall r = R has no ion flux and either no charge or sigma = -0.02 C/m^2
(eps dphi/dn = sigma). No baths, hence no access resistance: the uncharged
pore is an ohmic cylinder, G = kappa pi R^2 / L exactly, on any grid.

- pnp: its PnpProblem on a uniform triangulated nr x nz rectangle of the r-z
  half-plane (P1, log-densities, Newton with the direct preset), charge ramp
  at 0 mV and one voltage step, the current from the residual
  (`CurrentMeter`).
- FiPy: cell-centred finite volumes on the nr x nz `CylindricalGrid2D`,
  written as FiPy's documentation writes coupled equations: the Poisson and
  both Nernst-Planck equations as one coupled system (``&``) of
  `DiffusionTerm`s and `ImplicitSourceTerm`s, the drift c grad(phi) as a
  `DiffusionTerm` in phi with c's face value as coefficient plus, for
  Newton's linearisation, a `CentralDifferenceConvectionTerm` in c and its
  explicit counterpart (the plain lagged form converges by 0.62 per sweep,
  this one by about 0.1, to the same conductance to 4e-12); the wall charge
  as a boundary flux ``(mesh.facesRight * [[q], [0]]).divergence``. Swept
  with SuperLU (FiPy's scipy suite) until the residual has fallen by pnp's
  Newton tolerance (solver.rtol). The current is the discrete flux through
  the outside electrode's faces.

Conductance G = I / V at V = 10 mV. For each code, its own Richardson
extrapolation of the finest three grids gives the converged value G*; the
error of a grid is |G / G* - 1|. Seconds: from the mesh to the converged
current (pnp's JIT cache and FiPy's imports are warmed first, not counted).
Runs under 10 s are timed twice, the faster kept. Time to an error (1, 0.1,
0.01 %): the log-log interpolation of seconds against error between the
grids that bracket it.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import os
import time
from collections.abc import Callable, Sequence

import numpy as np
from mpi4py import MPI

from pnp.case import FrozenMap, Surface, case_from_dict
from pnp.constants import FARADAY, VACUUM_PERMITTIVITY, thermal_voltage
from pnp.fem import dolfinx
from pnp.geometry.domain import BOUNDARY_TAGS, REGION_TAGS, Domain
from pnp.solver.continuation import ramp_fixed_charge, to_voltage
from pnp.solver.current import CurrentMeter
from pnp.solver.problem import PnpProblem
from pnp.theory.cheap_models import bulk_conductivity

RADIUS_NM = 1.0
LENGTH_NM = 4.0
SALT_MM = 100.0
PERMITTIVITY = 78.5
TEMPERATURE_K = 298.15
WALL_CHARGE_C_PER_M2 = -0.02
VOLTAGE_MV = 10.0
SPECIES = (("K", 1, 1.957e-9), ("Cl", -1, 2.032e-9))
ASPECT = round(LENGTH_NM / RADIUS_NM)  # nz = ASPECT * nr: square cells
TARGET_ERRORS = (0.01, 0.001, 0.0001)  # conductance errors at which the times are compared
SWEEP_ATOL = 1e-12  # the scaled residual of an exact initial state is round-off
MAX_SWEEPS = 100
REPEAT_BELOW_S = 10.0  # shorter runs are timed twice, the faster kept (a shared machine)


def ohmic_conductance_S() -> float:
    """kappa pi R^2 / L of the uncharged pore."""
    kappa = bulk_conductivity(
        {n: SALT_MM for n, _, _ in SPECIES},
        {n: z for n, z, _ in SPECIES},
        {n: d for n, _, d in SPECIES},
        TEMPERATURE_K,
    )
    return kappa * math.pi * (RADIUS_NM * 1e-9) ** 2 / (LENGTH_NM * 1e-9)


# -- pnp ---------------------------------------------------------------------------------


def pore_domain(comm: MPI.Comm, nr: int) -> Domain:
    """The pore's electrolyte as a uniform triangulated r-z rectangle, nr x ASPECT nr."""
    nz = ASPECT * nr
    half = LENGTH_NM / 2
    mesh = dolfinx.mesh.create_rectangle(
        comm, [np.array([0.0, -half]), np.array([RADIUS_NM, half])], [nr, nz]
    )
    tdim = mesh.topology.dim
    imap = mesh.topology.index_map(tdim)
    cells = np.arange(imap.size_local + imap.num_ghosts, dtype=np.int32)
    cell_tags = dolfinx.mesh.meshtags(
        mesh, tdim, cells, np.full(cells.size, REGION_TAGS["pore"], dtype=np.int32)
    )
    mesh.topology.create_connectivity(tdim - 1, tdim)
    roles = {
        "electrode_inside": lambda p: np.isclose(p[1], -half),
        "electrode_outside": lambda p: np.isclose(p[1], half),
        "pore_wall": lambda p: np.isclose(p[0], RADIUS_NM),
    }
    found = {r: dolfinx.mesh.locate_entities_boundary(mesh, 1, m) for r, m in roles.items()}
    # the wall's end facets are none: its corners belong to the electrodes' facets
    facets = np.concatenate(list(found.values())).astype(np.int32)
    values = np.concatenate(
        [np.full(f.size, BOUNDARY_TAGS[r], dtype=np.int32) for r, f in found.items()]
    )
    order = np.argsort(facets)
    facet_tags = dolfinx.mesh.meshtags(mesh, tdim - 1, facets[order], values[order])
    return Domain(
        mesh=mesh,
        cell_tags=cell_tags,
        facet_tags=facet_tags,
        kind="axisymmetric",
        axisymmetric=True,
        pore_length_nm=LENGTH_NM,
        pore_radius_nm=RADIUS_NM,
        pore_extent_nm=(-half, half),
        regions={"pore": REGION_TAGS["pore"]},
        boundaries={r: BOUNDARY_TAGS[r] for r in roles},
        min_cell_size_nm=RADIUS_NM / nr,
    )


def pore_case(sigma_C_per_m2: float):
    data = {
        "name": "pore_only",
        "geometry": {
            "kind": "axisymmetric",
            "pore_radius_nm": RADIUS_NM,
            "pore_length_nm": LENGTH_NM,
            # required by the schema, unused: `pore_domain` has no baths
            "bath_radius_nm": 3.0 * RADIUS_NM,
            "bath_length_nm": LENGTH_NM,
        },
        "regions": {"pore": {"permittivity": PERMITTIVITY}},
        "species": [
            {
                "name": n,
                "charge": z,
                "diffusion_m2_per_s": d,
                "inside_mM": SALT_MM,
                "outside_mM": SALT_MM,
            }
            for n, z, d in SPECIES
        ],
        "conditions": {"voltages_mV": [VOLTAGE_MV], "temperature_K": TEMPERATURE_K},
        "solver": {"preset": "direct"},
        "output": {"fields": False, "plots": False, "profiles": False},
    }
    case = case_from_dict(data)
    # the pore-only rectangle is built here, so its wall charge is set on the case directly
    surfaces = FrozenMap({**case.surfaces, "pore_wall": Surface(charge_C_per_m2=sigma_C_per_m2)})
    return dataclasses.replace(case, surfaces=surfaces)


def pnp_conductance(nr: int, sigma_C_per_m2: float, comm: MPI.Comm) -> dict:
    """pnp on the nr x ASPECT nr grid (each square cut into two triangles)."""
    t0 = time.perf_counter()
    problem = PnpProblem(pore_domain(comm, nr), pore_case(sigma_C_per_m2))
    try:
        ramp = ramp_fixed_charge(problem)
        step = to_voltage(problem, 0.0, VOLTAGE_MV)
        current = float(np.sum(CurrentMeter(problem).electrode_currents()))
        seconds = comm.allreduce(time.perf_counter() - t0, op=MPI.MAX)
        unknowns = problem.V.dofmap.index_map.size_global * problem.V.dofmap.index_map_bs
    finally:
        problem.destroy()
    return {
        "nr": nr,
        "nz": ASPECT * nr,
        "unknowns": unknowns,
        "seconds": seconds,
        "newton_iterations": ramp.newton_iterations + step.newton_iterations,
        "conductance_S": current / (VOLTAGE_MV * 1e-3),
    }


# -- FiPy --------------------------------------------------------------------------------


def fipy_conductance(nr: int, sigma_C_per_m2: float) -> dict:
    """FiPy's cell-centred finite volumes on the nr x ASPECT nr `CylindricalGrid2D`.

    Scaled unknowns: phi in thermal voltages, c_i / c0; lengths in nm. Poisson
    reads 2 lambda_D^2 lap(phi) + sum_i z_i c_i = 0 with 2 lambda_D^2 dphi/dn =
    sigma / (F c0) at the wall; Nernst-Planck div(D_i (grad c_i + z_i c_i grad phi)) = 0.
    """
    # FiPy's scipy suite (SuperLU), serial on every rank: faster here than its PETSc
    # suite (25 s against 30 s at 49 152 unknowns), and what `pip install fipy` brings
    os.environ.setdefault("FIPY_SOLVERS", "scipy")
    import fipy as fp

    t0 = time.perf_counter()
    nz = ASPECT * nr
    mesh = fp.CylindricalGrid2D(dr=RADIUS_NM / nr, dz=LENGTH_NM / nz, nr=nr, nz=nz)
    vt = thermal_voltage(TEMPERATURE_K)
    two_lambda2 = VACUUM_PERMITTIVITY * PERMITTIVITY * vt / (FARADAY * SALT_MM) * 1e18  # nm^2
    wall_flux = sigma_C_per_m2 / (FARADAY * SALT_MM) * 1e9  # nm
    d_ref = max(d for _, _, d in SPECIES)
    inside, outside = mesh.facesBottom, mesh.facesTop  # z = 0 is the inside end

    phi = fp.CellVariable(mesh=mesh, name="phi", value=0.0, hasOld=True)
    phi.setValue(VOLTAGE_MV * 1e-3 / vt * (1.0 - mesh.cellCenters[1] / LENGTH_NM))
    phi.constrain(VOLTAGE_MV * 1e-3 / vt, where=inside)
    phi.constrain(0.0, where=outside)
    ions = []
    for name, _, _ in SPECIES:
        c = fp.CellVariable(mesh=mesh, name=name, value=1.0, hasOld=True)
        c.constrain(1.0, where=inside | outside)
        ions.append(c)

    charge = sum(
        fp.ImplicitSourceTerm(coeff=z, var=c) for (_, z, _), c in zip(SPECIES, ions, strict=True)
    )
    poisson = fp.DiffusionTerm(coeff=two_lambda2, var=phi) + charge
    if sigma_C_per_m2:
        poisson += (mesh.facesRight * [[wall_flux], [0.0]]).divergence
    equations = poisson == 0
    for (_, z, d), c in zip(SPECIES, ions, strict=True):
        mobility = (d / d_ref) * z
        drift = fp.DiffusionTerm(coeff=mobility * c.faceValue, var=phi)
        # Newton's linearisation of c grad(phi) on the interior faces (at the electrodes
        # c is fixed): c_old grad(phi) + c grad(phi_old) - c_old grad(phi_old)
        u = mobility * phi.faceGrad * mesh.interiorFaces
        drift += fp.CentralDifferenceConvectionTerm(coeff=u, var=c) - (u * c.faceValue).divergence
        equations &= fp.DiffusionTerm(coeff=d / d_ref, var=c) + drift == 0

    # FiPy's default stops the LU's refinement at 1e-5 of the right-hand side, which
    # would stall the sweeps there
    reduction = pore_case(sigma_C_per_m2).solver.rtol
    solver = fp.LinearLUSolver(tolerance=1e-14, criterion="RHS")
    first = residual = None
    sweeps = 0
    while sweeps < MAX_SWEEPS:
        for var in (phi, *ions):
            var.updateOld()
        residual = float(equations.sweep(solver=solver))
        sweeps += 1
        first = residual if first is None else first
        if residual <= max(reduction * first, SWEEP_ATOL):
            break
    else:
        raise RuntimeError(f"FiPy: residual {residual:.2e} after {MAX_SWEEPS} sweeps")

    # the discrete flux through the outside electrode's faces, as the scheme uses it
    current = 0.0
    area = 2.0 * math.pi * np.asarray(mesh._faceAreas)[np.asarray(outside)] * 1e-18  # m^2
    grad_phi = np.asarray(phi.faceGrad[1])[np.asarray(outside)]
    for (_, z, d), c in zip(SPECIES, ions, strict=True):
        grad_c = np.asarray(c.faceGrad[1])[np.asarray(outside)]
        c_face = np.asarray(c.faceValue)[np.asarray(outside)]
        flux = -d * SALT_MM * 1e9 * (grad_c + z * c_face * grad_phi)  # mol/(m^2 s)
        current += z * FARADAY * float(np.sum(flux * area))
    seconds = time.perf_counter() - t0
    return {
        "nr": nr,
        "nz": nz,
        "unknowns": (1 + len(SPECIES)) * mesh.numberOfCells,
        "seconds": seconds,
        "sweeps": sweeps,
        "residual_reduction": residual / first if first else 0.0,
        "conductance_S": current / (VOLTAGE_MV * 1e-3),
    }


# -- comparison --------------------------------------------------------------------------


def richardson(conductances: Sequence[float]) -> tuple[float, float]:
    """(extrapolated value, observed order) from the finest three of a halving sequence."""
    g1, g2, g3 = conductances[-3:]
    ratio = (g2 - g1) / (g3 - g2) if g3 != g2 else math.inf
    order = math.log2(ratio) if ratio > 1.0 and math.isfinite(ratio) else 2.0
    return g3 + (g3 - g2) / (2.0**order - 1.0), order


def time_to_error(rows: Sequence[dict], target: float) -> dict:
    """Seconds at `target` error, log-log interpolated between the bracketing grids; if the
    coarsest grid is already within `target`, its seconds (an upper bound)."""
    for coarse, fine in itertools.pairwise(rows):
        if coarse["error"] > target >= fine["error"] > 0.0:
            t = math.log(target / coarse["error"]) / math.log(fine["error"] / coarse["error"])
            log_s = (1.0 - t) * math.log(coarse["seconds"]) + t * math.log(fine["seconds"])
            return {"seconds": math.exp(log_s), "between_nr": [coarse["nr"], fine["nr"]]}
    if rows and rows[0]["error"] <= target:
        return {"seconds": rows[0]["seconds"], "between_nr": [rows[0]["nr"]], "upper_bound": True}
    return {"seconds": None, "between_nr": []}


def refinement(rows: list[dict]) -> dict:
    g_star, order = richardson([r["conductance_S"] for r in rows])
    for r in rows:
        r["error"] = abs(r["conductance_S"] / g_star - 1.0)
    return {
        "rows": rows,
        "converged_conductance_S": g_star,
        "observed_order": order,
        "to_error": {label(e): time_to_error(rows, e) for e in TARGET_ERRORS},
    }


def label(error: float) -> str:
    return f"{100 * error:g}%"


def best_of(run: Callable[..., dict], *args) -> dict:
    """`run(*args)`, again if it took less than REPEAT_BELOW_S; the faster record."""
    first = run(*args)
    if first["seconds"] >= REPEAT_BELOW_S:
        return first
    return min(first, run(*args), key=lambda r: r["seconds"])


def compare(resolutions: list[int], comm: MPI.Comm) -> dict:
    """Both codes on nr = each of `resolutions` (at least three, halving h), charged wall;
    the uncharged pore on the coarsest grid against kappa pi R^2 / L. FiPy runs on rank 0."""
    coarsest = resolutions[0]
    # JIT, imports and caches: not part of the timings
    pnp_conductance(coarsest, WALL_CHARGE_C_PER_M2, comm)
    if comm.rank == 0:
        fipy_conductance(coarsest, WALL_CHARGE_C_PER_M2)
    ohmic = ohmic_conductance_S()
    uncharged = {
        "pnp": pnp_conductance(coarsest, 0.0, comm),
        "fipy": comm.bcast(fipy_conductance(coarsest, 0.0) if comm.rank == 0 else None),
    }
    for row in uncharged.values():
        row["error_vs_ohmic"] = abs(row["conductance_S"] / ohmic - 1.0)
    pnp_rows = [best_of(pnp_conductance, n, WALL_CHARGE_C_PER_M2, comm) for n in resolutions]
    fipy_rows = comm.bcast(
        [best_of(fipy_conductance, n, WALL_CHARGE_C_PER_M2) for n in resolutions]
        if comm.rank == 0
        else None
    )
    ours, theirs = refinement(pnp_rows), refinement(fipy_rows)
    ratios = {}
    for e in TARGET_ERRORS:
        a, b = ours["to_error"][label(e)]["seconds"], theirs["to_error"][label(e)]["seconds"]
        ratios[label(e)] = b / a if a and b else None
    return {
        "problem": (
            f"KCl {SALT_MM:g} mM in a cylinder r < {RADIUS_NM:g} nm, length {LENGTH_NM:g} nm "
            f"(pore only, bath values at both ends), wall {WALL_CHARGE_C_PER_M2:g} C/m^2, "
            f"G = I / V at {VOLTAGE_MV:g} mV; uniform nr x {ASPECT} nr grids; error against "
            "each code's Richardson extrapolation of its finest three grids"
        ),
        "ohmic_conductance_S": ohmic,
        "uncharged": uncharged,
        "pnp": ours,
        "fipy": theirs,
        "converged_relative_difference": abs(
            ours["converged_conductance_S"] / theirs["converged_conductance_S"] - 1.0
        ),
        "fipy_over_pnp_seconds": ratios,
    }
