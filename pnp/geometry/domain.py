"""The tagged computational domain every geometry builder returns and the solver consumes.

Coordinates are in nanometres. The transport axis (z in the docs, x in 1D) runs
from the inside bath (negative) to the outside bath (positive); the membrane is
centred on 0. In 2D the mesh is the r–z half-plane: x[0] = r >= 0, x[1] = z.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import dolfinx.mesh

# Cell tags: one per region. Electrolyte regions carry ions; the membrane does not.
REGION_TAGS = MappingProxyType({"bath": 1, "pore": 2, "membrane": 3, "filter": 4})
ELECTROLYTE_REGIONS = ("bath", "pore", "filter")

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

KINDS = ("slab", "axisymmetric", "3d", "mesh")


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

    @property
    def dim(self) -> int:
        return self.mesh.topology.dim

    @property
    def axis(self) -> int:
        """Index of the transport coordinate in x."""
        return self.dim - 1

    @property
    def pore_extent_nm(self) -> tuple[float, float]:
        return (-0.5 * self.pore_length_nm, 0.5 * self.pore_length_nm)
