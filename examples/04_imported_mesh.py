# %% [markdown]
# # A mesh of your own
#
# meshes/nanopore_rz.msh is an axisymmetric (r-z) gmsh mesh of a 1 nm radius, 4 nm
# long pore whose physical groups are named after the pnp roles (pore, membrane,
# baths, electrodes, walls), so no `geometry.groups` mapping is needed. The case is a
# plain dict here; `pore_radius_nm` turns the current into a density and gives the
# GHK counterpart its area.

# %%
import os
from pathlib import Path

from mpi4py import MPI

import pnp

ROOT = Path(__file__).resolve().parents[1]
FAST = os.environ.get("PNP_EXAMPLES_FAST") == "1"

case = {
    "name": "imported_pore",
    "geometry": {
        "kind": "mesh",
        "mesh_file": str(ROOT / "meshes" / "nanopore_rz.msh"),
        "axisymmetric": True,
        "pore_radius_nm": 1.0,
        "pore_length_nm": 4.0,
    },
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
    "conditions": {"voltages_mV": [-50, 0, 50] if FAST else [-100, -50, -25, 0, 25, 50, 100]},
}

# %%
sim = pnp.Simulation(case, comm=MPI.COMM_SELF)
result = sim.solve()
print(result.results["geometry"])  # what was measured on the mesh
for v, i, g in zip(result.voltages_mV, result.current_pA, result.ghk_current_pA, strict=True):
    print(f"V = {v:+6.1f} mV  I = {i:+9.3f} pA  GHK {g:+9.3f} pA")
print("reversal potential", result.reversal_potential_mV, "mV")

# %% The DOLFINx functions at +50 mV, e.g. for your own post-processing
fields = result.fields(50.0)
phi = fields["phi_mV"]
print({name: float(f.x.array.max()) for name, f in fields.items()}, "(maxima; mV and mM)")
sim.close()
