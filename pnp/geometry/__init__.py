"""Channel geometries: gmsh builders and external-mesh import, all returning a `Domain`.

`build_domain` is the entry point; DOLFINx and gmsh are imported only when a
mesh is built.
"""

from pnp.geometry.build import build_domain
from pnp.geometry.domain import BOUNDARY_TAGS, ELECTROLYTE_REGIONS, KINDS, REGION_TAGS, Domain

__all__ = ["BOUNDARY_TAGS", "ELECTROLYTE_REGIONS", "KINDS", "REGION_TAGS", "Domain", "build_domain"]
