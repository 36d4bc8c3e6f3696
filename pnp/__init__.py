"""Poisson–Nernst–Planck solver for ion channels and nanopores.

    import pnp
    from mpi4py import MPI
    result = pnp.Simulation("cases/default.toml").solve(comm=MPI.COMM_SELF)

`pnp.Simulation` (`pnp.simulation`) is the Python entry point; `pnp.load_case`,
`pnp.Case` and the errors come from `pnp.case` and `pnp.errors`. They are imported
on first use, so `import pnp` stays fast and loads no DOLFINx/PETSc (a solve does).
`pnp.theory` holds the closed-form electrophysiology (Nernst, GHK, Donnan,
Gouy–Chapman, activities) and imports without DOLFINx; the finite-element
solver lives in `pnp.solver` and needs DOLFINx 0.10/0.11.
"""

from importlib import import_module

# The one version number: pyproject.toml reads it (setuptools dynamic version)
__version__ = "0.1.0"

# public name -> the module that defines it
_LAZY = {
    "Simulation": "pnp.simulation",
    "Result": "pnp.simulation",
    "TransientResult": "pnp.simulation",
    "StaleResultError": "pnp.simulation",
    "Case": "pnp.case",
    "CaseError": "pnp.case",
    "load_case": "pnp.case",
    "case_from_dict": "pnp.case",
    "InputError": "pnp.errors",
    "ConvergenceError": "pnp.errors",
    "SolverConfigurationError": "pnp.errors",
    "PnpError": "pnp.errors",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'pnp' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
