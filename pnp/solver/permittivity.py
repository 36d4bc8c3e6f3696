"""Relative permittivity per cell: piecewise by region, or smooth along the pore axis."""

from __future__ import annotations

import numpy as np

from pnp.case import Case
from pnp.case.materials import region_materials
from pnp.fem import dolfinx
from pnp.geometry.domain import ELECTROLYTE_REGIONS, Domain


def step(z: np.ndarray, at: float, width: float) -> np.ndarray:
    """Smooth step 1/2 (1 + tanh((z - at) / width)) from 0 to 1."""
    return 0.5 * (1.0 + np.tanh((z - at) / width))


def smooth_axial_permittivity(
    z: np.ndarray,
    *,
    bath: float,
    pore: float,
    filter_: float,
    pore_extent_nm: tuple[float, float],
    filter_extent_nm: tuple[float, float] | None,
    width_nm: float,
) -> np.ndarray:
    """eps_r(z) in the electrolyte: bath -> pore -> filter -> pore -> bath with tanh transitions
    centred on the pore ends and the filter ends (z_lo, z_hi) along the axis."""
    lo, hi = pore_extent_nm
    in_pore = step(z, lo, width_nm) - step(z, hi, width_nm)
    eps = bath + (pore - bath) * in_pore
    if filter_extent_nm is not None:
        f_lo, f_hi = filter_extent_nm
        in_filter = step(z, f_lo, width_nm) - step(z, f_hi, width_nm)
        eps = eps + (filter_ - pore) * in_filter
    return eps


def permittivity_function(domain: Domain, case: Case) -> dolfinx.fem.Function:
    """DG0 eps_r: the region values, or the smooth axial profile on electrolyte cells."""
    space = dolfinx.fem.functionspace(domain.mesh, ("DG", 0))
    eps = dolfinx.fem.Function(space, name="permittivity")
    regions = case.regions
    materials = region_materials(case)
    profile = case.permittivity_profile
    tdim = domain.dim
    for name, tag in domain.regions.items():
        cells = domain.cell_tags.find(tag)
        dofs = space.dofmap.list[cells].ravel()
        if profile.kind == "smooth" and name in ELECTROLYTE_REGIONS:
            z = dolfinx.mesh.compute_midpoints(domain.mesh, tdim, cells)[:, domain.axis]
            eps.x.array[dofs] = smooth_axial_permittivity(
                z,
                bath=regions["bath"].permittivity,
                pore=regions["pore"].permittivity,
                filter_=regions["filter"].permittivity,
                pore_extent_nm=domain.pore_extent_nm,
                filter_extent_nm=domain.filter_extent_nm,
                width_nm=profile.transition_nm,
            )
        else:
            eps.x.array[dofs] = materials[name].permittivity
    eps.x.scatter_forward()
    return eps
