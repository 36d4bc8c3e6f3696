"""A 1D double layer solved by pnp and by matscipy, both against Gouy–Chapman.

The problem: 1:1 salt (100 mM, eps_r 78.5, 298.15 K) between a planar wall at
x = 0 and a bulk electrode at x = 20 nm (about 21 Debye lengths); wall
potential phi0 = 50 mV relative to the bulk. Exact: `gouy_chapman_potential`.

- matscipy (`PoissonNernstPlanckSystem`, "standard interface" conditions:
  phi(0) = phi0, no ion flux at the wall, bulk values at x = L) fixes the wall
  potential; its grid is uniform. Its built-in Newton (a dense finite-difference
  Jacobian) stalls on this problem, so MINPACK's hybrid method is used, which
  matscipy offers as ``solver="hybr"``.
- pnp cannot fix a wall potential: the wall carries the Grahame charge of phi0
  (`grahame_surface_charge`), so both face the same exact profile. Its mesh is
  the validation suite's 1D wall mesh, graded quadratically towards the wall.

Error = max |phi - phi_GC| over each solver's own grid points, in mV; seconds
are the nonlinear solve only (set-up excluded; pnp's JIT is cached after the
first call).
"""

from __future__ import annotations

import dataclasses
import time
import warnings

import numpy as np
from mpi4py import MPI

from pnp.case import FrozenMap, Surface, case_from_dict
from pnp.solver.continuation import ramp_fixed_charge
from pnp.solver.problem import PnpProblem
from pnp.theory import gouy_chapman_potential, grahame_surface_charge
from pnp.validation.limits import salt_slab, wall_domain

SALT_MM = 100.0
PERMITTIVITY = 78.5
TEMPERATURE_K = 298.15
WALL_POTENTIAL_V = 0.05
LENGTH_NM = 20.0


def exact_mV(x_m: np.ndarray) -> np.ndarray:
    return 1e3 * np.array(
        [
            gouy_chapman_potential(x, WALL_POTENTIAL_V, SALT_MM, PERMITTIVITY, TEMPERATURE_K)
            for x in x_m
        ]
    )


def pnp_double_layer(cells: int, comm: MPI.Comm) -> dict:
    """pnp on the graded 1D wall mesh with `cells` cells."""
    sigma = float(grahame_surface_charge(WALL_POTENTIAL_V, SALT_MM, PERMITTIVITY, TEMPERATURE_K))
    data = salt_slab()
    for species in data["species"]:
        species["inside_mM"] = species["outside_mM"] = SALT_MM
    data["regions"] = {"bath": {"permittivity": PERMITTIVITY}}
    data["conditions"] = {"voltages_mV": [0.0], "temperature_K": TEMPERATURE_K}
    case = case_from_dict(data)
    surfaces = FrozenMap({**case.surfaces, "pore_wall": Surface(charge_C_per_m2=sigma)})
    case = dataclasses.replace(case, surfaces=surfaces)
    t0 = time.perf_counter()
    problem = PnpProblem(wall_domain(comm, LENGTH_NM, cells), case)
    setup = time.perf_counter() - t0
    try:
        t0 = time.perf_counter()
        ramp = ramp_fixed_charge(problem)
        seconds = comm.allreduce(time.perf_counter() - t0, op=MPI.MAX)
        x_nm = problem.scalar_space.tabulate_dof_coordinates()[:, 0]
        phi_mV = problem.component(0) * problem.scales.thermal_voltage * 1e3
    finally:
        problem.destroy()
    local = float(np.max(np.abs(phi_mV - exact_mV(x_nm * 1e-9)))) if x_nm.size else 0.0
    return {
        "cells": cells,
        "mesh": "graded towards the wall, x = L t^2",
        "smallest_cell_nm": LENGTH_NM / cells**2,
        "wall_charge_C_per_m2": sigma,
        "seconds": seconds,
        "setup_seconds": setup,
        "newton_iterations": ramp.newton_iterations,
        "error_mV": comm.allreduce(local, op=MPI.MAX),
    }


def matscipy_double_layer(segments: int) -> dict:
    """matscipy's 1D PNP solver on a uniform grid of `segments` segments."""
    from matscipy.electrochemistry.poisson_nernst_planck_solver import PoissonNernstPlanckSystem

    system = PoissonNernstPlanckSystem(
        c=np.array([SALT_MM, SALT_MM]),
        z=np.array([1, -1]),
        L=LENGTH_NM * 1e-9,
        delta_u=WALL_POTENTIAL_V,
        relative_permittivity=PERMITTIVITY,
        T=TEMPERATURE_K,
        N=segments,
        solver="hybr",
    )
    system.use_standard_interface_bc()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "hybr does not accept callback"
        t0 = time.perf_counter()
        system.solve()
        seconds = time.perf_counter() - t0
    residual = float(np.linalg.norm(system.G(system.xij1)))
    error = np.max(np.abs(1e3 * system.potential - exact_mV(system.grid)))
    return {
        "segments": segments,
        "mesh": "uniform",
        "smallest_cell_nm": LENGTH_NM / segments,
        "solver": "hybr (MINPACK, finite-difference Jacobian)",
        "seconds": seconds,
        "residual_norm": residual,
        "error_mV": float(error),
    }


def compare(resolutions: list[int], comm: MPI.Comm) -> dict:
    """Both solvers at each resolution (cells = segments); the first is the headline."""
    pnp_double_layer(resolutions[0], comm)  # JIT and caches: not part of the timing
    rows = []
    for n in resolutions:
        ours = pnp_double_layer(n, comm)
        theirs = matscipy_double_layer(n) if comm.rank == 0 else None
        rows.append({"pnp": ours, "matscipy": comm.bcast(theirs, root=0)})
    head = rows[0]
    return {
        "problem": (
            f"1:1 salt {SALT_MM:g} mM, eps_r {PERMITTIVITY}, wall potential "
            f"{1e3 * WALL_POTENTIAL_V:g} mV, {LENGTH_NM:g} nm domain; "
            "error = max |phi - phi_Gouy-Chapman| on each solver's grid"
        ),
        "pnp_seconds": head["pnp"]["seconds"],
        "matscipy_seconds": head["matscipy"]["seconds"],
        "pnp_error_mV": head["pnp"]["error_mV"],
        "matscipy_error_mV": head["matscipy"]["error_mV"],
        "pnp_cells": head["pnp"]["cells"],
        "matscipy_segments": head["matscipy"]["segments"],
        "resolutions": rows,
    }
