"""One entry point for every geometry kind: `build_domain`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from mpi4py import MPI

from pnp.errors import InputError
from pnp.geometry.domain import KINDS, Domain
from pnp.geometry.params import (
    check_cell_count,
    estimated_cells,
    mesh_sizes,
    pore_geometry,
    positive,
    slab_geometry,
    validate_refine,
)


def build_domain(
    comm: MPI.Comm,
    *,
    kind: str,
    pore_length_nm: float,
    pore_radius_nm: float | None = None,
    bath_radius_nm: float | None = None,
    bath_length_nm: float = 0.0,
    membrane_offset_nm: float = 0.0,
    entrance: str = "sharp",
    entrance_radius_nm: float = 0.0,
    filter_length_nm: float = 0.0,
    filter_radius_nm: float | None = None,
    segments: Sequence[Sequence] = (),
    shape: str = "cylindrical",
    tip_radius_nm: float | None = None,
    base_radius_nm: float | None = None,
    tip: str = "inside",
    bullet_exponent: float = 0.5,
    profile_nm: Sequence[Sequence[float]] = (),
    mesh_file: str | Path | None = None,
    groups: Mapping[str, str] | None = None,
    axisymmetric: bool | None = None,
    structure_file: str | Path | None = None,
    structure_axis: tuple[float, float, float] | None = None,
    structure_net_charge_e: float | None = None,
    ion_radius_nm: float = 0.0,
    debye_length_nm: float = 1.0,
    mesh_size_nm: float | None = None,
    wall_size_nm: float | None = None,
    refine: int = 0,
    msh_path: str | Path | None = None,
    verbose: bool = False,
) -> Domain:
    """Build (or read) the tagged, distributed mesh of a channel or nanopore. Collective.

    kind:
        "slab" (1D, `pnp.geometry.slab`), "channel_1d" (the same 1D mesh of the
        `segments`, solved with their cross-sections), "axisymmetric" (2D r-z,
        `pnp.geometry.axisymmetric`), "3d" (`pnp.geometry.pore3d`), "mesh"
        (external file `mesh_file`, `pnp.geometry.external`) or "structure" (the atoms
        of the PQR file `structure_file` with their ion-exclusion layer of
        `ion_radius_nm`, in a membrane `pore_length_nm` thick, `pnp.geometry.atomic`).
    segments:
        (name, length[, radius]) of the pore's axial segments, from the inside
        (`pnp.geometry.params.SegmentShape`). They form the pore of any kind: its
        layers in 1D, coaxial cylinders of their radii in 2D/3D (then `pore_length_nm`
        and `pore_radius_nm` are their total length and narrowest radius), and the
        regions named after them in an imported mesh (which gives their shape).
    Lengths are in nm; the pore (length `pore_length_nm`) is centred on z = 0 with
    the inside bath at negative z. `bath_length_nm` is the depth of each bath
    (> 0 except for the slab); `membrane_offset_nm` d moves the electrodes by -d instead
    (|d| < `bath_length_nm`): the membrane and pore stay centred on z = 0 but sit d closer
    to the outside electrode, the inside bath `bath_length_nm` + d deep and the outside
    one `bath_length_nm` - d. `entrance` ("sharp", "rounded", "conical") flares
    the last `entrance_radius_nm` of each pore end to a mouth radius
    `pore_radius_nm + entrance_radius_nm` (fillet or 45-degree chamfer). A filter
    of length `filter_length_nm` and radius `filter_radius_nm` (default: the
    pore radius) forms the middle of the pore.
    shape:
        "cylindrical" (the pore above) or a shaped 2D/3D pore wall, "conical" (radius
        `tip_radius_nm` at the `tip` mouth, "inside" or "outside", `base_radius_nm` at
        the other), "double_conical" (tip radius at z = 0, base radius at both mouths),
        "bullet" (power law of exponent `bullet_exponent` from tip to base) or "profile"
        (the [z, r] table `profile_nm`); see `pnp.geometry.params.wall_outline`. The
        resolved `pore_radius_nm` is then the narrowest radius.
    Mesh sizes: `wall_size_nm` at walls and in the pore, `mesh_size_nm` far in the
    baths (defaults in `pnp.geometry.params`, based on `debye_length_nm` and the
    dimensions); each `refine` step halves both. gmsh runs on rank 0 only; with
    `msh_path`, rank 0 writes the gmsh mesh there. `verbose` shows gmsh output.
    A mesh estimated beyond `pnp.geometry.params.cell_limit()` cells is refused
    (`pnp.errors.InputError`, like every other invalid input) before it is built.
    """
    if kind not in KINDS:
        raise InputError(
            "geometry.kind", f"unknown geometry kind {kind!r}; valid kinds: {', '.join(KINDS)}"
        )
    validate_refine(refine)
    msh = None if msh_path is None else str(msh_path)
    expected_axi = {"slab": False, "channel_1d": False, "axisymmetric": True, "3d": False}.get(kind)
    if expected_axi is not None and axisymmetric not in (None, expected_axi):
        raise InputError(
            "geometry.axisymmetric",
            f"axisymmetric={axisymmetric!r} contradicts kind={kind!r}; leave axisymmetric unset",
        )

    if kind == "mesh":
        if membrane_offset_nm:
            raise InputError(
                "geometry.membrane_offset_nm",
                "does not apply to kind='mesh' (the mesh file places the membrane); remove it",
            )
        if mesh_file is None:
            raise InputError(
                "geometry.mesh_file", "kind='mesh' needs mesh_file (a .msh or meshio-readable file)"
            )
        from pnp.geometry.external import read_mesh

        return read_mesh(
            comm,
            mesh_file,
            pore_length_nm=positive("pore_length_nm", pore_length_nm),
            pore_radius_nm=pore_radius_nm,
            groups=groups,
            segments=tuple(str(entry[0]) for entry in segments),
            axisymmetric=axisymmetric,
            refine=refine,
            msh_path=msh,
            verbose=verbose,
        )

    if kind == "structure":
        from pnp.geometry.atomic import build_structure_domain

        if structure_file is None:
            raise InputError("structure.pqr_file", 'kind="structure" needs a PQR file')
        return build_structure_domain(
            comm,
            pqr_file=structure_file,
            axis=structure_axis,
            net_charge_e=structure_net_charge_e,
            ion_radius_nm=ion_radius_nm,
            membrane_thickness_nm=pore_length_nm,
            bath_radius_nm=positive("bath_radius_nm", bath_radius_nm),
            bath_length_nm=positive("bath_length_nm", bath_length_nm),
            mesh_size_nm=mesh_size_nm,
            wall_size_nm=wall_size_nm,
            refine=refine,
            msh_path=msh,
            verbose=verbose,
        )

    one_d = kind in ("slab", "channel_1d")
    if kind == "channel_1d" and not segments:
        raise InputError("segments", "kind='channel_1d' needs the pore's [[segments]]")
    if one_d and shape != "cylindrical":
        raise InputError(
            "geometry.shape", f"shape={shape!r} needs a 2D or 3D pore; a 1D pore is uniform"
        )
    if one_d:
        geom = slab_geometry(
            pore_length_nm=pore_length_nm,
            bath_length_nm=bath_length_nm,
            membrane_offset_nm=membrane_offset_nm,
            entrance=entrance,
            filter_length_nm=filter_length_nm,
            segments=tuple(segments),
        )
    else:
        geom = pore_geometry(
            pore_length_nm=pore_length_nm,
            pore_radius_nm=pore_radius_nm,
            bath_radius_nm=bath_radius_nm,
            bath_length_nm=bath_length_nm,
            membrane_offset_nm=membrane_offset_nm,
            entrance=entrance,
            entrance_radius_nm=entrance_radius_nm,
            filter_length_nm=filter_length_nm,
            filter_radius_nm=filter_radius_nm,
            segments=tuple(segments),
            shape=shape,
            tip_radius_nm=tip_radius_nm,
            base_radius_nm=base_radius_nm,
            tip=tip,
            bullet_exponent=bullet_exponent,
            profile_nm=profile_nm,
        )
    dim = {"slab": 1, "channel_1d": 1, "axisymmetric": 2, "3d": 3}[kind]
    sizes = mesh_sizes(
        geom,
        dim=dim,
        debye_length_nm=debye_length_nm,
        mesh_size_nm=mesh_size_nm,
        wall_size_nm=wall_size_nm,
        refine=refine,
    )
    cells, doublings = estimated_cells(geom, sizes, dim)
    if refine:
        key, fix = (
            "geometry.refine",
            f"lower geometry.refine (each step multiplies the cells by {2**dim})",
        )
    else:
        key, fix = "geometry.wall_size_nm", "raise geometry.wall_size_nm or geometry.mesh_size_nm"
    check_cell_count(cells, doublings, key=key, fix=fix)
    if one_d:
        from pnp.geometry.slab import build_slab

        return build_slab(comm, geom, sizes, kind=kind, msh_path=msh, verbose=verbose)
    if kind == "axisymmetric":
        from pnp.geometry.axisymmetric import build_axisymmetric as builder
    else:
        from pnp.geometry.pore3d import build_pore3d as builder
    return builder(comm, geom, sizes, msh_path=msh, verbose=verbose)
