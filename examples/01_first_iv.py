# %% [markdown]
# # A first I-V curve
#
# The default case (a charged 0.6 nm pore in a KCl gradient) solved from Python: the
# current at each voltage beside its constant-field (GHK) counterpart, the reversal
# potentials, and a plot. Run it with `python examples/01_first_iv.py` (or open it in
# Jupyter with jupytext); `PNP_EXAMPLES_FAST=1` uses a coarse mesh and three voltages.

# %%
import os
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from mpi4py import MPI

import pnp

ROOT = Path(__file__).resolve().parents[1]
FAST = os.environ.get("PNP_EXAMPLES_FAST") == "1"
settings = (
    {
        "geometry.mesh_size_nm": 1.0,
        "geometry.wall_size_nm": 0.2,
        "conditions.voltages_mV": [-50, 0, 50],
    }
    if FAST
    else {}
)

# %% One process here; under `mpiexec -n N python ...` pass MPI.COMM_WORLD instead.
sim = pnp.Simulation(ROOT / "cases" / "default.toml", settings, comm=MPI.COMM_SELF)
result = sim.solve()

# %% The I-V curve and its GHK counterpart (pA), the chord conductance (pS), as a table
# (pandas: the `api` extra); the same numbers are arrays too: result.current_pA, ...
iv = result.iv_frame()
print(iv[["voltage_mV", "current_pA", "ghk_current_pA", "conductance_pS"]].to_string(index=False))
print(
    "reversal potential: PNP",
    result.reversal_potential_mV,
    "mV, GHK",
    result.ghk["reversal_potential_mV"],
    "mV",
)
comparison = result.ghk_comparison
print(
    "GHK misses the current by up to a factor",
    comparison["max_fold_factor"],
    "and has the wrong sign at",
    comparison["sign_disagreements"],
    "voltage(s)",
)

# %% The axis profile at +50 mV: potential (mV) and concentrations (mM) along z (nm)
profile = result.profile(50)
print(profile[["z_nm", "phi_mV", "c_K_mM", "c_Cl_mM"]].describe().loc[["min", "max"]])

# %% A plot, and every file of `pnp run`, in a temporary folder
folder = Path(tempfile.mkdtemp(prefix="pnp-example-"))
fig, ax = plt.subplots()
ax.plot(result.voltages_mV, result.current_pA, "o-", label="PNP")
ax.plot(result.voltages_mV, result.ghk_current_pA, "s--", label="GHK")
ax.axhline(0.0, color="grey", lw=0.5)
ax.set(xlabel="V (mV)", ylabel="I (pA)", title=result.case.name)
ax.legend()
fig.savefig(folder / "iv_from_python.png")
result.save(folder / "run")
print("plot and outputs in", folder, sorted(p.name for p in (folder / "run").iterdir()))
sim.close()
