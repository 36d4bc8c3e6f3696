"""How a run reports its currents, by geometry: the current and its density.

The solver's currents are in A for 3D and axisymmetric pores, in A per metre
of depth for a planar 2D section, and in A/m^2 in 1D (see
`pnp.solver.current.current_factors`). results.json gives every point the
density (``current_density_A_per_m2``, per species too) and, beside it, the
current in the unit the geometry has:

- pores (3D, axisymmetric, the area-weighted 1D channel): ``current_pA``; density over
  pi R^2 (R = pore_radius_nm; the narrowest segment of a 1D channel);
- planar 2D meshes: ``current_per_depth_pA_per_nm`` (pA per nm of depth); density
  over the width of the pore as meshed (the extent of its cells across the axis);
- 1D slabs: the density only (``current_pA`` is null).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pnp.case import Case
from pnp.errors import InputError
from pnp.geometry.domain import Domain

PORE = "pA"
PLANAR = "per_depth_pA_per_nm"


@dataclass(frozen=True)
class ReportUnits:
    """`extensive`: key suffix of the current (None in 1D); `scale`: solver unit -> that
    unit; `reference`: solver unit / reference = A/m^2 (m^2, or m in planar 2D; None in 1D)."""

    mode: str
    extensive: str | None
    scale: float
    reference: float | None

    def density(self, solver_value: float) -> float:
        return solver_value if self.reference is None else solver_value / self.reference

    def extensive_value(self, solver_value: float) -> float | None:
        return None if self.extensive is None else solver_value * self.scale

    def from_density(self, density: float) -> float | None:
        """The extensive current (unit `extensive`) carrying `density` (A/m^2)."""
        if self.extensive is None or self.reference is None:
            return None
        return density * self.reference * self.scale

    @property
    def label(self) -> str:
        """Unit for progress lines and axis labels."""
        return {PORE: "pA", PLANAR: "pA/nm"}.get(self.extensive or "", "A/m^2")


def report_units(case: Case, domain: Domain) -> ReportUnits:
    """Units of a run on `domain`."""
    if domain.section_dim == 0:
        return ReportUnits(domain.mode, None, 1.0, None)
    if domain.section_dim == 1:
        return ReportUnits(domain.mode, PLANAR, 1e3, domain.pore_width_nm * 1e-9)
    if case.geometry.pore_radius_nm is None:
        raise InputError(
            "geometry.pore_radius_nm",
            f"needed for a {domain.mode} mesh: its pi R^2 turns the current into the reported "
            "current density and the GHK counterpart's current; add pore_radius_nm = <R> to "
            "[geometry]",
        )
    area = math.pi * (case.geometry.pore_radius_nm * 1e-9) ** 2
    return ReportUnits(domain.mode, PORE, 1e12, area)
