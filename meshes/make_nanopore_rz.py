"""Write the example axisymmetric meshes `nanopore_rz.msh` and `nanopore_rz_custom.msh`.

A cylindrical pore (radius 1 nm, length 4 nm) through a membrane, with baths 3 nm
deep and 4 nm in radius, in the r-z half-plane (x = r, y = z, nm). Plain gmsh,
no pnp: an example of preparing a mesh for ``kind = "mesh"``.

- `nanopore_rz.msh` names its physical groups after the pnp roles, so it needs
  no ``groups`` mapping.
- `nanopore_rz_custom.msh` uses its own names and needs
  ``groups = {"cis": "bath", "trans": "bath", "channel": "pore",
  "protein": "membrane", "cis_electrode": "electrode_inside",
  "trans_electrode": "electrode_outside", "channel_lining": "pore_wall",
  "protein_surface": "membrane_face", "reservoir_side": "bath_wall"}``.

Run: ``python meshes/make_nanopore_rz.py`` (writes next to this file).
"""

from pathlib import Path

import gmsh

R_PORE, HALF, R_BATH, Z_MAX, SIZE = 1.0, 2.0, 4.0, 5.0, 0.6

CUSTOM_NAMES = {
    "bath_in": "cis",
    "bath_out": "trans",
    "pore": "channel",
    "membrane": "protein",
    "electrode_inside": "cis_electrode",
    "electrode_outside": "trans_electrode",
    "pore_wall": "channel_lining",
    "membrane_face": "protein_surface",
    "bath_wall": "reservoir_side",
}


def build(path: Path, custom: bool) -> None:
    gmsh.model.add(path.stem)
    geo = gmsh.model.geo
    p = {}
    for i, r in enumerate((0.0, R_PORE, R_BATH)):
        for j, z in enumerate((-Z_MAX, -HALF, HALF, Z_MAX)):
            p[i, j] = geo.addPoint(r, z, 0.0, SIZE)

    def line(a, b):
        return geo.addLine(p[a], p[b])

    # Horizontal lines h[i, j]: (i, j) -> (i + 1, j); vertical v[i, j]: (i, j) -> (i, j + 1).
    h = {(i, j): line((i, j), (i + 1, j)) for i in range(2) for j in range(4)}
    v = {(i, j): line((i, j), (i, j + 1)) for i in range(3) for j in range(3)}

    def cell(i, j):  # quadrilateral block between columns i, i+1 and rows j, j+1
        loop = geo.addCurveLoop([h[i, j], v[i + 1, j], -h[i, j + 1], -v[i, j]])
        return geo.addPlaneSurface([loop])

    blocks = {(i, j): cell(i, j) for i in range(2) for j in range(3)}
    geo.synchronize()
    groups = {
        (2, "bath_in"): [blocks[0, 0], blocks[1, 0]],
        (2, "bath_out"): [blocks[0, 2], blocks[1, 2]],
        (2, "pore"): [blocks[0, 1]],
        (2, "membrane"): [blocks[1, 1]],
        (1, "electrode_inside"): [h[0, 0], h[1, 0]],
        (1, "electrode_outside"): [h[0, 3], h[1, 3]],
        (1, "pore_wall"): [v[1, 1]],
        (1, "membrane_face"): [h[1, 1], h[1, 2]],
        (1, "bath_wall"): [v[2, 0], v[2, 2]],
    }
    if not custom:  # one "bath" group for both baths
        groups[2, "bath"] = groups.pop((2, "bath_in")) + groups.pop((2, "bath_out"))
    for (dim, name), entities in groups.items():
        gmsh.model.addPhysicalGroup(dim, entities, name=CUSTOM_NAMES[name] if custom else name)
    gmsh.model.mesh.generate(2)
    gmsh.write(str(path))
    gmsh.model.remove()


if __name__ == "__main__":
    here = Path(__file__).resolve().parent
    gmsh.initialize(interruptible=False)
    gmsh.option.setNumber("General.Terminal", 0)
    build(here / "nanopore_rz.msh", custom=False)
    build(here / "nanopore_rz_custom.msh", custom=True)
    gmsh.finalize()
