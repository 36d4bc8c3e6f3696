"""Axisymmetric (r-z) pore: x[0] = r in [0, bath_radius_nm], x[1] = z, in nm.

Regions: pore (r < R(z), |z| < L/2), membrane (the rest of |z| < L/2), baths
(|z| > L/2), optional filter (|z| < filter_length/2, r < filter_radius); with axial
segments, one region per segment (r < r_k, z_k < z < z_k+1) instead of pore and
filter. Facet roles and mesh sizes are described in `pnp.geometry.profile`.
Integrals over the physical 3D body need the weight 2*pi*r.
"""

from __future__ import annotations

from mpi4py import MPI

from pnp.geometry._mesh import build_on_root, make_domain
from pnp.geometry.domain import Domain, region_tags
from pnp.geometry.params import MeshSizes, PoreGeometry
from pnp.geometry.profile import mesh_pore_model


def build_axisymmetric(
    comm: MPI.Comm,
    geom: PoreGeometry,
    sizes: MeshSizes,
    *,
    msh_path: str | None = None,
    verbose: bool = False,
) -> Domain:
    """Build the r-z mesh on the root rank and distribute it (collective)."""

    def construct() -> int:
        mesh_pore_model(geom, sizes, tdim=2)
        return 2

    data, _ = build_on_root(
        comm, construct, model_name="pnp_axisymmetric", msh_path=msh_path, verbose=verbose
    )
    return make_domain(
        data,
        kind="axisymmetric",
        axisymmetric=True,
        pore_length_nm=geom.pore_length_nm,
        pore_radius_nm=geom.pore_radius_nm,
        msh_path=msh_path,
        tags=region_tags([seg.name for seg in geom.segments]),
    )
