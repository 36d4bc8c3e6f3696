"""3D pore: the axisymmetric profile revolved about the z axis (OpenCASCADE), in nm.

Same regions and facet roles as the r-z mesh (see `pnp.geometry.profile`); the
bath and membrane are cylinders of radius ``bath_radius_nm`` and the outer
cylindrical bath walls are tagged bath_wall. Curved surfaces are faceted, so
volumes and areas converge at second order in the wall size rather than being
exact.
"""

from __future__ import annotations

from mpi4py import MPI

from pnp.geometry._mesh import build_on_root, make_domain
from pnp.geometry.domain import Domain, region_tags
from pnp.geometry.params import MeshSizes, PoreGeometry
from pnp.geometry.profile import mesh_pore_model


def build_pore3d(
    comm: MPI.Comm,
    geom: PoreGeometry,
    sizes: MeshSizes,
    *,
    msh_path: str | None = None,
    verbose: bool = False,
) -> Domain:
    """Build the 3D mesh on the root rank and distribute it (collective)."""

    def construct() -> int:
        mesh_pore_model(geom, sizes, tdim=3)
        return 3

    data, _ = build_on_root(
        comm, construct, model_name="pnp_pore3d", msh_path=msh_path, verbose=verbose
    )
    return make_domain(
        data,
        kind="3d",
        axisymmetric=False,
        pore_length_nm=geom.pore_length_nm,
        pore_radius_nm=geom.pore_radius_nm,
        msh_path=msh_path,
        tags=region_tags([seg.name for seg in geom.segments]),
    )
