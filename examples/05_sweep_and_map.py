# %% [markdown]
# # A sweep and its failure map
#
# The charged 1D membrane of cases/sweeps/fixed_charge_vs_ionic_strength.toml over a
# few fixed charges and salt levels, through the `pnp.sweep` Python API: the sweep table
# is a dict, `run_sweep` writes one folder per case and a summary.csv, and `pnp map`
# (here `pnp.cli.main`) draws where the GHK current misses PNP by more than 5 % or 20 %.

# %%
import csv
import os
import tempfile
from pathlib import Path

from mpi4py import MPI

from pnp.cli import main
from pnp.sweep import run_sweep, sweep_from_dict

ROOT = Path(__file__).resolve().parents[1]
FAST = os.environ.get("PNP_EXAMPLES_FAST") == "1"
charges_M = [0.0, -0.3] if FAST else [0.0, -0.03, -0.1, -0.3, -1.0]
salts_mM = [10.0, 300.0] if FAST else [1.0, 10.0, 30.0, 100.0, 300.0, 1000.0]

sweep = {
    "name": "charge_vs_salt",
    "base": str(ROOT / "cases" / "charged_pore.toml"),
    "set": {
        "geometry.kind": "slab",
        "geometry.bath_length_nm": 0.0,
        "geometry.mesh_size_nm": 0.1 if FAST else 0.05,
        "geometry.wall_size_nm": 0.01 if FAST else 0.005,
        "conditions.voltages_mV": [-80, -40, 40, 80] if FAST else [-80, -40, 0, 40, 80],
        "solver.charge_steps": 6,
        "output.fields": False,
        "output.plots": False,
    },
    "axes": {"regions.pore.fixed_charge_M": charges_M},
    "zip": [  # the salt level: inside c, outside c / 5
        {
            "species.K.inside_mM": salts_mM,
            "species.Cl.inside_mM": salts_mM,
            "species.K.outside_mM": [c / 5 for c in salts_mM],
            "species.Cl.outside_mM": [c / 5 for c in salts_mM],
        }
    ],
}

# %% Every case is validated before anything runs; a failed case is recorded, not fatal.
spec = sweep_from_dict(sweep)
folder = Path(tempfile.mkdtemp(prefix="pnp-example-")) / "sweep"
report = run_sweep(spec, folder, MPI.COMM_WORLD, ranks_per_case=1)
print(f"{report.cases} cases: {report.ok} ok, {report.partial} partial, {report.failed} failed")

# %%
with open(folder / "summary.csv", newline="") as handle:
    for row in csv.DictReader(handle):
        print(
            row["regions.pore.fixed_charge_M"],
            row["species.K.inside_mM"],
            row["status"],
            row["max_fold_factor"],
        )

# %% The failure map (PNG and CSV in the sweep folder), as `pnp map` draws it
code = main(["map", str(folder), "--x", "species.K.inside_mM", "--log-x", "--even-y"])
assert code == 0
