"""Channel geometries: gmsh builders and external-mesh import, all returning a `Domain`."""

from pnp.geometry.domain import BOUNDARY_TAGS, ELECTROLYTE_REGIONS, KINDS, REGION_TAGS, Domain

__all__ = ["BOUNDARY_TAGS", "ELECTROLYTE_REGIONS", "KINDS", "REGION_TAGS", "Domain"]
