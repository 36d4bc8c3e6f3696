# %% [markdown]
# # Looping over the pore radius from Python
#
# A new radius is a new mesh, so each radius builds its problem; the wall charges at a
# given radius change values only, so those solves reuse the mesh, forms and solver
# (`Simulation.problems_reused` counts them), as a sweep does.

# %%
import os
from pathlib import Path

import numpy as np
from mpi4py import MPI

import pnp

ROOT = Path(__file__).resolve().parents[1]
FAST = os.environ.get("PNP_EXAMPLES_FAST") == "1"
radii_nm = [0.5, 0.8] if FAST else [0.4, 0.5, 0.6, 0.8, 1.0]
charges = [-0.01, -0.04] if FAST else [0.0, -0.01, -0.02, -0.04]
settings = {"conditions.voltages_mV": [-50, 0, 50] if FAST else list(np.arange(-100, 101, 25))}
if FAST:
    settings.update({"geometry.mesh_size_nm": 1.0, "geometry.wall_size_nm": 0.2})

# %%
sim = pnp.Simulation(ROOT / "cases" / "default.toml", settings, comm=MPI.COMM_SELF)
table = []
for radius in radii_nm:
    sim.set("geometry.pore_radius_nm", radius)
    for sigma in charges:
        result = sim.set("surfaces.pore_wall.charge_C_per_m2", sigma).solve()
        at_50 = result.current_pA[list(result.voltages_mV).index(50.0)]
        table.append((radius, sigma, at_50, result.reversal_potential_mV))
sim.close()

# %%
print(f"{'R (nm)':>6} {'sigma (C/m^2)':>14} {'I(+50 mV) (pA)':>15} {'E_rev (mV)':>11}")
for radius, sigma, current, reversal in table:
    print(f"{radius:6.2f} {sigma:14.3f} {current:15.3f} {reversal:11.2f}")
print(f"{len(table)} solves, {sim.problems_reused} of them on a reused problem")
assert sim.problems_reused == len(radii_nm) * (len(charges) - 1)
