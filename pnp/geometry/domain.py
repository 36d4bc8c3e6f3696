"""The tagged computational domain every geometry builder returns and the solver consumes.

Coordinates are in nanometres. The transport axis (z in the docs, x in 1D) runs
from the inside bath (negative) to the outside bath (positive); the membrane is
centred on 0. In 2D the mesh is the r–z half-plane: x[0] = r >= 0, x[1] = z.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import dolfinx.mesh

# Cell tags: one per region. Electrolyte regions carry ions; the membrane does not.
REGION_TAGS = MappingProxyType({"bath": 1, "pore": 2, "membrane": 3, "filter": 4})
ELECTROLYTE_REGIONS = ("bath", "pore", "filter")
# A channel built from an atomic structure also holds the protein (the union of the
# atoms' spheres) and the ion-exclusion layer around it; neither holds ions.
STRUCTURE_REGION_TAGS = MappingProxyType({"protein": 5, "ion_exclusion": 6})
ION_FREE_REGIONS = ("membrane", *STRUCTURE_REGION_TAGS)
# The axial segments of a pore (listed from the inside) are electrolyte regions too,
# tagged SEGMENT_TAG_BASE + their index.
SEGMENT_TAG_BASE = 100


def region_tags(segments: tuple[str, ...] | list[str] = ()) -> dict[str, int]:
    """Tag of every region a mesh with these segment names can hold."""
    return {**REGION_TAGS, **{name: SEGMENT_TAG_BASE + i for i, name in enumerate(segments)}}


# Facet tags: one per boundary role.
BOUNDARY_TAGS = MappingProxyType(
    {
        "electrode_inside": 1,  # Dirichlet: c = inside bath, phi = V
        "electrode_outside": 2,  # Dirichlet: c = outside bath, phi = 0
        "pore_wall": 3,  # electrolyte | membrane interface inside the pore (may carry charge)
        "membrane_face": 4,  # electrolyte | membrane interface facing a bath
        "filter_wall": 5,  # electrolyte | membrane interface along the inner segment
        "bath_wall": 6,  # outer side wall of the baths (no flux, zero normal field)
    }
)

KINDS = ("slab", "channel_1d", "axisymmetric", "3d", "mesh", "structure")


@dataclass(frozen=True)
class Domain:
    """A distributed mesh with region (cell) and boundary-role (facet) tags.

    `regions`/`boundaries` list only the names present in this mesh, mapped to the
    tag values of `REGION_TAGS`/`BOUNDARY_TAGS`.
    """

    mesh: dolfinx.mesh.Mesh
    cell_tags: dolfinx.mesh.MeshTags
    facet_tags: dolfinx.mesh.MeshTags
    kind: str
    axisymmetric: bool
    pore_length_nm: float
    # Cross-section area through which current density is reported: membrane area
    # in 1D (1 nm^2 per unit area), pi * pore_radius^2 otherwise.
    pore_radius_nm: float | None = None
    regions: dict[str, int] = field(default_factory=dict)
    boundaries: dict[str, int] = field(default_factory=dict)
    min_cell_size_nm: float = 0.0
    msh_path: str | None = None
    # (z_lo, z_hi) along the transport axis of the cells of the pore (pore and filter
    # regions; the whole electrolyte if the mesh has neither), and of the filter (None
    # without one), read from the mesh's cells: sections, profiles and the GHK
    # comparison use these, not the nominal pore length.
    pore_extent_nm: tuple[float, float] = (0.0, 0.0)
    filter_extent_nm: tuple[float, float] | None = None
    # Extent of the pore cells across the axis (along x; 2D and 3D): the width of a
    # planar 2D section, through which its current per depth becomes a density.
    pore_width_nm: float = 0.0
    # kind "structure": the atoms' positions in mesh coordinates (nm, every rank holds
    # all atoms) and their partial charges (e), the protein's fixed charge
    atom_positions_nm: np.ndarray | None = field(default=None, compare=False)
    atom_charges_e: np.ndarray | None = field(default=None, compare=False)

    @property
    def electrolyte_tags(self) -> list[int]:
        """Tags of the regions that hold ions (all but the membrane), present here."""
        return [tag for name, tag in self.regions.items() if name not in ION_FREE_REGIONS]

    @property
    def area_weighted(self) -> bool:
        """True for the 1D channel model: its equations carry the cross-section A(x)."""
        return self.kind == "channel_1d"

    @property
    def dim(self) -> int:
        return self.mesh.topology.dim

    @property
    def axis(self) -> int:
        """Index of the transport coordinate in x."""
        return self.dim - 1

    @property
    def mesh_pore_length_nm(self) -> float:
        """Length of the pore as meshed (the span of its cells along the axis)."""
        return self.pore_extent_nm[1] - self.pore_extent_nm[0]

    @property
    def section_dim(self) -> int:
        """Dimension of a cross-section of the transport path in physical space: 2 in 3D
        and for the axisymmetric r-z section (a disc), 1 for a planar 2D section (a line
        per unit depth), 0 in 1D (per unit area) but 2 in the area-weighted 1D channel."""
        return 2 if self.axisymmetric or self.area_weighted else self.dim - 1

    @property
    def mode(self) -> str:
        """How the coordinates are read: "1D", "axisymmetric r-z", "planar 2D" or "3D"."""
        if self.dim == 2:
            return "axisymmetric r-z" if self.axisymmetric else "planar 2D"
        if self.area_weighted:
            return "1D channel (area-weighted)"
        return f"{self.dim}D"
