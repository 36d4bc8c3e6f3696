"""Import DOLFINx in the one order that works for every installation.

The `dolfinx-solver-real` wheel must be imported before `dolfinx` and
`petsc4py` (it loads the bundled PETSc/MPI libraries); a DOLFINx from
conda-forge, Spack or Docker has no such module. Import DOLFINx-dependent
code through this module.
"""

from __future__ import annotations

import contextlib

with contextlib.suppress(ImportError):
    import dolfinx_solver  # noqa: F401

import dolfinx
import dolfinx.fem.petsc as fem_petsc
import dolfinx.io.gmsh
import dolfinx.mesh
from petsc4py import PETSc

DOLFINX_VERSION = tuple(int(p) for p in dolfinx.__version__.split(".")[:2])
if DOLFINX_VERSION < (0, 10):
    raise ImportError(
        f"pnp needs DOLFINx 0.10 or 0.11, found {dolfinx.__version__}; "
        "run scripts/setup to install the dolfinx-solver-real wheel into .venv"
    )

__all__ = ["DOLFINX_VERSION", "PETSc", "dolfinx", "fem_petsc"]
