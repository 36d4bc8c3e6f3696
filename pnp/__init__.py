"""Poisson–Nernst–Planck solver for ion channels and nanopores.

`pnp.theory` holds the closed-form electrophysiology (Nernst, GHK, Donnan,
Gouy–Chapman, activities) and imports without DOLFINx; the finite-element
solver lives in `pnp.solver` and needs DOLFINx 0.10/0.11.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("pnp-channels")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+source"

__all__ = ["__version__"]
