"""Channels from atomic structures: PQR input, pore-axis geometry, fixed charge on a mesh."""

from pnp.structure.geometry import PoreFrame, pore_frame, radius_profile
from pnp.structure.pqr import Structure, read_pqr

__all__ = ["PoreFrame", "Structure", "pore_frame", "radius_profile", "read_pqr"]
