"""The case's materials as piecewise-constant (DG0) functions on a domain, loaded in one place.

Permittivity, scaled fixed charge (with an atomic structure also the atoms' partial
charges, `atom_charge`), the scaled diffusion coefficient of every
species and, in the 1D channel model, the cross-section A = pi r^2 (nm^2). With
`geometry.transition_nm` > 0 the values of a segmented 1D case change between
neighbouring layers by logistic steps of that width (the radius is blended, the
area follows); otherwise they jump at the layer ends.
"""

from __future__ import annotations

import math

from pnp.case import Case
from pnp.case.materials import region_materials, smooth_axial_values
from pnp.fem import dolfinx
from pnp.geometry._mesh import region_extent
from pnp.geometry.domain import Domain
from pnp.solver.permittivity import permittivity_function
from pnp.solver.scaling import Scales
from pnp.structure.charges import MOLAR_PER_E_NM3, point_charge_density

fem = dolfinx.fem


class MaterialFields:
    def __init__(self, domain: Domain, n_species: int) -> None:
        self.domain = domain
        self.space = fem.functionspace(domain.mesh, ("DG", 0))
        self.permittivity = fem.Function(self.space, name="permittivity")
        self.fixed_charge = fem.Function(self.space, name="fixed_charge")
        self.diffusion = [fem.Function(self.space, name=f"diffusion_{i}") for i in range(n_species)]
        self.area = fem.Function(self.space, name="area") if domain.area_weighted else None
        # kind "structure": the atoms' partial charges as the P1 density whose moments
        # against every P1 function are those of the point charges (scaled fixed charge)
        # (e/nm^3, computed once: the atoms are fixed with the mesh)
        self.atom_charge = self._atom_density = None
        if domain.atom_charges_e is not None:
            p1 = fem.functionspace(domain.mesh, ("Lagrange", 1))
            self._atom_density = point_charge_density(
                p1, domain.atom_positions_nm, domain.atom_charges_e
            )
            self.atom_charge = fem.Function(p1, name="atom_charge")

    def load(self, case: Case, scales: Scales) -> None:
        """Fill every function from `case` (collective)."""
        materials = region_materials(case)
        width = case.geometry.transition_nm
        layers = self._layers(case) if width > 0.0 and case.segments else None
        d = self.domain

        def fill(function: fem.Function, value_of) -> None:
            for name, tag in d.regions.items():
                cells = d.cell_tags.find(tag)
                dofs = self.space.dofmap.list[cells].ravel()
                if layers is None:
                    function.x.array[dofs] = value_of(materials[name])
                else:
                    z = dolfinx.mesh.compute_midpoints(d.mesh, d.dim, cells)[:, d.axis]
                    values = {n: value_of(m) for n, m in materials.items()}
                    function.x.array[dofs] = smooth_axial_values(z, layers, values, width)
            function.x.scatter_forward()

        if case.segments:
            fill(self.permittivity, lambda m: m.permittivity)
        else:  # the fixed regions, with their optional smooth permittivity profile
            self.permittivity.x.array[:] = permittivity_function(d, case).x.array
        fill(self.fixed_charge, lambda m: scales.fixed_charge(m.fixed_charge_M))
        if self.atom_charge is not None:
            scale = scales.fixed_charge(1.0) * MOLAR_PER_E_NM3
            self.atom_charge.x.array[:] = scale * self._atom_density.x.array
        for i, function in enumerate(self.diffusion):
            fill(function, lambda m, i=i: m.diffusion_m2_per_s[i] / scales.diffusion_m2_per_s)
        if self.area is not None:
            fill(self.area, lambda m: m.radius_nm)
            self.area.x.array[:] = math.pi * self.area.x.array**2

    def _layers(self, case: Case) -> list[tuple[float, float, str]]:
        """(z0, z1, region) of the baths and segments along the axis, from the mesh."""
        d = self.domain
        layers = []
        for seg in case.segments:
            extent = region_extent(d.mesh, d.cell_tags, [d.regions[seg.name]])
            layers.append((*extent, seg.name))
        if "bath" in d.regions:
            lo, hi = layers[0][0], layers[-1][1]
            layers = [(-math.inf, lo, "bath"), *layers, (hi, math.inf, "bath")]
        return layers
