# %% [markdown]
# # A voltage step in time
#
# cases/transient_step.toml steps the default pore from 0 to +100 mV and follows the
# current (displacement, then ionic, then the slow polarisation of the baths) to the
# steady state. `PNP_EXAMPLES_FAST=1` follows only the first nanoseconds on a coarse mesh.

# %%
import os
import tempfile
from pathlib import Path

import numpy as np
from mpi4py import MPI

import pnp

ROOT = Path(__file__).resolve().parents[1]
FAST = os.environ.get("PNP_EXAMPLES_FAST") == "1"
settings = {"output.fields": False}
if FAST:
    settings.update(
        {
            "geometry.mesh_size_nm": 1.2,
            "geometry.wall_size_nm": 0.3,
            "transient.end_time_s": 4e-9,
            "transient.max_step_s": 1e-9,
            "output.plots": False,
        }
    )

# %%
sim = pnp.Simulation(ROOT / "cases" / "transient_step.toml", settings, comm=MPI.COMM_SELF)
run = sim.solve()  # a TransientResult

# %% The total current (ionic + displacement) against time
peak = int(np.argmax(np.abs(run.current_pA)))
print(f"{len(run.times_s)} steps to {run.times_s[-1]:.3g} s")
print(f"peak current {run.current_pA[peak]:+.1f} pA at {run.times_s[peak]:.3g} s")
print(f"final current {run.current_pA[-1]:+.3f} pA (ionic {run.ionic_current_pA[-1]:+.3f})")
check = run.steady_check
print(
    "steady state at the final voltage:",
    check.get("steady_current_pA"),
    "pA; relaxed:",
    check.get("relaxed"),
)

# %% The files of `pnp run` (results.json, transient.csv, ...)
folder = run.save(Path(tempfile.mkdtemp(prefix="pnp-example-")) / "transient")
print(sorted(p.name for p in folder.iterdir()))
sim.close()
