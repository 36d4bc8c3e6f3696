"""Geometry builders: tags, exact measures, refinement, external meshes, validation.

Runs serially and under ``mpiexec -n 2`` (all reductions are global).
"""

from __future__ import annotations

import math
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
import ufl
from mpi4py import MPI

from pnp.fem import dolfinx
from pnp.geometry import BOUNDARY_TAGS, REGION_TAGS, Domain, build_domain

COMM = MPI.COMM_WORLD
fem = dolfinx.fem
MESHES = Path(__file__).resolve().parents[1] / "meshes"
PI = math.pi

# Small pore used throughout: length 4, radius 1, baths 3 deep and 4 wide (nm).
PORE = dict(pore_length_nm=4.0, pore_radius_nm=1.0, bath_radius_nm=4.0, bath_length_nm=3.0)
COARSE_2D = dict(wall_size_nm=0.25, mesh_size_nm=1.0)


@pytest.fixture
def shared_dir():
    """A temporary directory created on rank 0 and shared by all ranks."""
    path = tempfile.mkdtemp(prefix="pnp_geometry_") if COMM.rank == 0 else None
    path = COMM.bcast(path, root=0)
    yield Path(path)
    COMM.barrier()
    if COMM.rank == 0:
        shutil.rmtree(path, ignore_errors=True)


def _integrate(domain: Domain, integrand, measure) -> float:
    return COMM.allreduce(fem.assemble_scalar(fem.form(integrand * measure)), op=MPI.SUM)


def volumes(domain: Domain) -> dict[str, float]:
    """Region volumes; 2*pi*r-weighted for r-z meshes."""
    x = ufl.SpatialCoordinate(domain.mesh)
    weight = 2 * PI * x[0] if domain.axisymmetric else 1.0
    dx = ufl.Measure("dx", domain=domain.mesh, subdomain_data=domain.cell_tags)
    return {name: _integrate(domain, weight, dx(tag)) for name, tag in domain.regions.items()}


def areas(domain: Domain) -> dict[str, float]:
    """Boundary measures: exterior roles with ds, interior ones (walls, faces) with dS."""
    x = ufl.SpatialCoordinate(domain.mesh)
    ds = ufl.Measure("ds", domain=domain.mesh, subdomain_data=domain.facet_tags)
    dS = ufl.Measure("dS", domain=domain.mesh, subdomain_data=domain.facet_tags)
    out = {}
    for name, tag in domain.boundaries.items():
        exterior = name.startswith("electrode") or name == "bath_wall"
        weight = 2 * PI * (x[0] if exterior else x[0]("+")) if domain.axisymmetric else 1.0
        out[name] = _integrate(domain, weight, ds(tag) if exterior else dS(tag))
    return out


def num_cells(domain: Domain) -> int:
    return domain.mesh.topology.index_map(domain.dim).size_global


def assert_close(actual: dict, expected: dict, rel: float = 1e-10) -> None:
    assert set(actual) == set(expected)
    for name, value in expected.items():
        assert actual[name] == pytest.approx(value, rel=rel), name


# ---------------------------------------------------------------- 1D slab


def test_slab_lengths_tags_and_electrodes():
    d = build_domain(COMM, kind="slab", pore_length_nm=5.0, bath_length_nm=10.0)
    assert d.dim == 1 and d.kind == "slab" and not d.axisymmetric
    assert d.regions == {"bath": 1, "pore": 2}
    assert d.boundaries == {"electrode_inside": 1, "electrode_outside": 2}
    assert_close(volumes(d), {"bath": 20.0, "pore": 5.0})
    x = d.mesh.geometry.x[:, 0]
    for name, position in (("electrode_inside", -12.5), ("electrode_outside", 12.5)):
        vertices = d.facet_tags.find(BOUNDARY_TAGS[name])
        local = [np.isclose(x[v], position) for v in vertices]  # vertex index == node index (P1)
        assert all(local)
        assert COMM.allreduce(len(vertices), op=MPI.SUM) >= 1
    # graded: finest cells (wall size = debye/4) at interfaces, coarser in the baths
    assert d.min_cell_size_nm == pytest.approx(0.25, rel=0.2)


def test_slab_without_baths_and_with_filter():
    d = build_domain(COMM, kind="slab", pore_length_nm=6.0, filter_length_nm=2.0)
    assert d.regions == {"pore": 2, "filter": 4}
    assert_close(volumes(d), {"pore": 4.0, "filter": 2.0})
    assert_close(areas(d), {"electrode_inside": 1.0, "electrode_outside": 1.0})
    coords = d.mesh.geometry.x[:, 0]
    lo = COMM.allreduce(coords.min(), op=MPI.MIN)
    hi = COMM.allreduce(coords.max(), op=MPI.MAX)
    assert (lo, hi) == pytest.approx((-3.0, 3.0))


def test_slab_refine_doubles_cells_exactly():
    base = build_domain(
        COMM, kind="slab", pore_length_nm=5.0, bath_length_nm=5.0, debye_length_nm=0.5
    )
    fine = build_domain(
        COMM, kind="slab", pore_length_nm=5.0, bath_length_nm=5.0, debye_length_nm=0.5, refine=2
    )
    assert num_cells(fine) == 4 * num_cells(base)
    assert fine.min_cell_size_nm == pytest.approx(base.min_cell_size_nm / 4, rel=1e-12)


def test_slab_default_wall_size_never_exceeds_given_mesh_size():
    d = build_domain(COMM, kind="slab", pore_length_nm=1.0, mesh_size_nm=0.05, debye_length_nm=10)
    assert num_cells(d) == 20
    assert d.min_cell_size_nm == pytest.approx(0.05)


# ---------------------------------------------------------------- axisymmetric r-z


def test_axisymmetric_exact_measures():
    d = build_domain(COMM, kind="axisymmetric", **PORE, **COARSE_2D)
    assert d.dim == 2 and d.axisymmetric and d.pore_radius_nm == 1.0
    assert d.regions == {"bath": 1, "pore": 2, "membrane": 3}
    assert set(d.boundaries) == {
        "electrode_inside",
        "electrode_outside",
        "pore_wall",
        "membrane_face",
        "bath_wall",
    }
    assert_close(volumes(d), {"bath": 2 * PI * 16 * 3, "pore": PI * 4, "membrane": PI * 15 * 4})
    assert_close(
        areas(d),
        {
            "electrode_inside": PI * 16,
            "electrode_outside": PI * 16,
            "pore_wall": 2 * PI * 1 * 4,
            "membrane_face": 2 * PI * 15,
            "bath_wall": 2 * 2 * PI * 4 * 3,
        },
    )
    # plain (unweighted) r-z areas
    dx = ufl.Measure("dx", domain=d.mesh, subdomain_data=d.cell_tags)
    plain = {n: _integrate(d, 1.0, dx(t)) for n, t in d.regions.items()}
    assert_close(plain, {"bath": 24.0, "pore": 4.0, "membrane": 12.0})
    assert 0.05 < d.min_cell_size_nm <= 0.25 * 1.5


def test_axisymmetric_filter_narrower_than_pore():
    d = build_domain(
        COMM,
        kind="axisymmetric",
        **PORE,
        **COARSE_2D,
        filter_length_nm=2.0,
        filter_radius_nm=0.5,
    )
    assert d.regions == {"bath": 1, "pore": 2, "membrane": 3, "filter": 4}
    assert_close(
        volumes(d),
        {
            "bath": 2 * PI * 16 * 3,
            "pore": PI * 2,
            "filter": PI * 0.25 * 2,
            "membrane": PI * 15 * 4 + PI * 0.75 * 2,
        },
    )
    a = areas(d)
    assert a["filter_wall"] == pytest.approx(2 * PI * 0.5 * 2)
    # pore wall: two cylinder pieces plus the two annular steps at the filter ends
    assert a["pore_wall"] == pytest.approx(2 * PI * 2 + 2 * PI * 0.75)


def test_axisymmetric_entrances():
    e, rm = 0.5, 1.5
    shapes = {
        ent: build_domain(
            COMM, kind="axisymmetric", **PORE, **COARSE_2D, entrance=ent, entrance_radius_nm=e
        )
        for ent in ("sharp", "conical", "rounded")
    }
    vol = {ent: volumes(d) for ent, d in shapes.items()}
    wall = {ent: areas(d) for ent, d in shapes.items()}
    frustum = PI * e / 3 * (1 + rm + rm**2)
    assert vol["conical"]["pore"] == pytest.approx(PI * 3 + 2 * frustum)
    # fillet: V = pi * int (rm - sqrt(e^2 - t^2))^2 dt over [0, e], at each mouth
    fillet = PI * (rm**2 * e - rm * PI * e**2 / 2 + 2 * e**3 / 3)
    assert vol["rounded"]["pore"] == pytest.approx(PI * 3 + 2 * fillet, rel=1e-2)
    assert vol["sharp"]["pore"] < vol["rounded"]["pore"] < vol["conical"]["pore"]
    for ent in ("conical", "rounded"):
        total = sum(vol[ent].values())
        assert total == pytest.approx(sum(vol["sharp"].values()))
        assert wall[ent]["membrane_face"] == pytest.approx(2 * PI * (16 - rm**2))
        assert wall[ent]["pore_wall"] > wall["sharp"]["pore_wall"]
    assert wall["conical"]["pore_wall"] == pytest.approx(
        2 * PI * 3 + 2 * PI * (1 + rm) * math.sqrt(2) * e
    )
    assert wall["rounded"]["pore_wall"] == pytest.approx(
        2 * PI * 3 + 2 * 2 * PI * (rm * PI * e / 2 - e**2), rel=1e-2
    )


def test_axisymmetric_refine_halves_sizes(shared_dir):
    msh = shared_dir / "run" / "mesh.msh"
    base = build_domain(COMM, kind="axisymmetric", **PORE, **COARSE_2D, msh_path=msh)
    fine = build_domain(COMM, kind="axisymmetric", **PORE, **COARSE_2D, refine=1)
    assert 3.0 < num_cells(fine) / num_cells(base) < 5.0
    assert fine.min_cell_size_nm < 0.7 * base.min_cell_size_nm
    assert base.msh_path == str(msh)
    assert COMM.bcast(msh.is_file() and msh.stat().st_size > 0, root=0)
    # the written file re-imports with the same tags and measures
    again = build_domain(
        COMM, kind="mesh", mesh_file=msh, pore_length_nm=4.0, pore_radius_nm=1.0, axisymmetric=True
    )
    assert again.regions == base.regions and again.boundaries == base.boundaries
    assert num_cells(again) == num_cells(base)
    assert_close(volumes(again), volumes(base), rel=1e-9)


# ---------------------------------------------------------------- 3D


def test_pore3d_volumes_and_tags():
    d = build_domain(
        COMM,
        kind="3d",
        pore_length_nm=4.0,
        pore_radius_nm=1.0,
        bath_radius_nm=3.0,
        bath_length_nm=2.0,
        filter_length_nm=1.0,
        wall_size_nm=0.5,
        mesh_size_nm=1.0,
    )
    assert d.dim == 3 and not d.axisymmetric
    assert d.regions == {"bath": 1, "pore": 2, "membrane": 3, "filter": 4}
    assert set(d.boundaries) == set(BOUNDARY_TAGS)
    expected_vol = {"bath": 2 * PI * 9 * 2, "pore": PI * 3, "filter": PI, "membrane": PI * 8 * 4}
    assert_close(volumes(d), expected_vol, rel=0.04)
    expected_area = {
        "electrode_inside": PI * 9,
        "electrode_outside": PI * 9,
        "pore_wall": 2 * PI * 3,
        "filter_wall": 2 * PI,
        "membrane_face": 2 * PI * 8,
        "bath_wall": 2 * 2 * PI * 3 * 2,
    }
    assert_close(areas(d), expected_area, rel=0.04)


# ---------------------------------------------------------------- external meshes

CUSTOM = {
    "cis": "bath",
    "trans": "bath",
    "channel": "pore",
    "protein": "membrane",
    "cis_electrode": "electrode_inside",
    "trans_electrode": "electrode_outside",
    "channel_lining": "pore_wall",
    "protein_surface": "membrane_face",
    "reservoir_side": "bath_wall",
}
EXAMPLE_VOLUMES = {"bath": 2 * PI * 16 * 3, "pore": PI * 4, "membrane": PI * 15 * 4}


def test_external_example_default_groups():
    d = build_domain(
        COMM,
        kind="mesh",
        mesh_file=MESHES / "nanopore_rz.msh",
        pore_length_nm=4.0,
        axisymmetric=True,
    )
    assert d.kind == "mesh" and d.axisymmetric and d.dim == 2
    assert d.regions == {"bath": 1, "pore": 2, "membrane": 3}
    assert_close(volumes(d), EXAMPLE_VOLUMES)
    assert areas(d)["pore_wall"] == pytest.approx(2 * PI * 4)


def test_external_custom_groups_and_refine():
    kwargs = dict(
        kind="mesh",
        mesh_file=MESHES / "nanopore_rz_custom.msh",
        pore_length_nm=4.0,
        axisymmetric=True,
    )
    d = build_domain(COMM, **kwargs, groups=CUSTOM)
    fine = build_domain(COMM, **kwargs, groups=CUSTOM, refine=1)
    assert d.regions == {"bath": 1, "pore": 2, "membrane": 3}
    assert set(d.boundaries) == set(BOUNDARY_TAGS) - {"filter_wall"}
    assert_close(volumes(fine), EXAMPLE_VOLUMES)
    assert num_cells(fine) == 4 * num_cells(d)
    assert_close(areas(fine), areas(d))


def test_external_missing_and_unknown_groups():
    kwargs = dict(
        kind="mesh",
        mesh_file=MESHES / "nanopore_rz_custom.msh",
        pore_length_nm=4.0,
        axisymmetric=True,
    )
    with pytest.raises(ValueError, match=r"'cis'.*geometry\.groups"):
        build_domain(COMM, **kwargs)
    regions_only = {k: v for k, v in CUSTOM.items() if v in REGION_TAGS}
    with pytest.raises(ValueError, match=r"role 'electrode_inside'.*geometry\.groups"):
        build_domain(COMM, **kwargs, groups=regions_only)
    with pytest.raises(ValueError, match=r"geometry\.groups: names 'lipid'"):
        build_domain(COMM, **kwargs, groups={**CUSTOM, "lipid": "membrane"})
    with pytest.raises(ValueError, match=r"unknown role 'sea'"):
        build_domain(COMM, **kwargs, groups={"cis": "sea"})
    with pytest.raises(FileNotFoundError):
        build_domain(COMM, kind="mesh", mesh_file=MESHES / "absent.msh", pore_length_nm=4.0)


def test_external_axisymmetric_flag(shared_dir):
    kwargs = dict(kind="mesh", mesh_file=MESHES / "nanopore_rz_custom.msh", pore_length_nm=4.0)
    planar = build_domain(COMM, **kwargs, groups=CUSTOM, axisymmetric=False)
    assert not planar.axisymmetric
    assert_close(volumes(planar), {"bath": 24.0, "pore": 4.0, "membrane": 12.0})
    slab = shared_dir / "slab.msh"
    build_domain(COMM, kind="slab", pore_length_nm=2.0, bath_length_nm=1.0, msh_path=slab)
    line = build_domain(COMM, kind="mesh", mesh_file=slab, pore_length_nm=2.0)
    assert line.dim == 1 and not line.axisymmetric
    assert_close(volumes(line), {"bath": 2.0, "pore": 2.0})
    with pytest.raises(ValueError, match="axisymmetric=True needs a 2D"):
        build_domain(COMM, kind="mesh", mesh_file=slab, pore_length_nm=2.0, axisymmetric=True)


def test_external_meshio_formats(shared_dir):
    """Non-.msh files go through meshio: named cell sets, or numbered cell data."""
    meshio = pytest.importorskip("meshio")
    if COMM.rank == 0:
        m = meshio.read(MESHES / "nanopore_rz.msh")
        physical = m.cell_data["gmsh:physical"]
        name_of = {(int(v[1]), int(v[0])): k for k, v in m.field_data.items()}
        cells, sets, types = [], {}, (("line", 1), ("triangle", 2))
        for ctype, dim in types:  # one block per cell type, groups as cell sets
            cells.append((ctype, np.vstack([b.data for b in m.cells if b.type == ctype])))
            tags = np.concatenate(
                [p for b, p in zip(m.cells, physical, strict=True) if b.type == ctype]
            )
            for t in np.unique(tags):
                sets[name_of[dim, int(t)]] = [
                    np.flatnonzero(tags == t) if c == ctype else np.zeros(0, int) for c, _ in types
                ]
        meshio.write(shared_dir / "pore.inp", meshio.Mesh(m.points, cells, cell_sets=sets))
        refs = {"medit:ref": physical}
        meshio.write(shared_dir / "pore.mesh", meshio.Mesh(m.points, m.cells, cell_data=refs))
    COMM.barrier()
    named = build_domain(
        COMM, kind="mesh", mesh_file=shared_dir / "pore.inp", pore_length_nm=4.0, axisymmetric=True
    )
    assert_close(volumes(named), EXAMPLE_VOLUMES)
    # numbered groups are called "<dim>D:<number>"
    with pytest.raises(ValueError, match=r"'2D:\d+'.*geometry\.groups"):
        build_domain(COMM, kind="mesh", mesh_file=shared_dir / "pore.mesh", pore_length_nm=4.0)
    number = COMM.bcast(
        {k: int(v[0]) for k, v in m.field_data.items()} if COMM.rank == 0 else None, root=0
    )
    groups = {f"{2 if r in REGION_TAGS else 1}D:{number[r]}": r for r in number}
    numbered = build_domain(
        COMM,
        kind="mesh",
        mesh_file=shared_dir / "pore.mesh",
        pore_length_nm=4.0,
        groups=groups,
        axisymmetric=True,
    )
    assert numbered.regions == named.regions and numbered.boundaries == named.boundaries
    assert_close(volumes(numbered), EXAMPLE_VOLUMES)


# ---------------------------------------------------------------- gmsh state and validation


def test_existing_gmsh_session_is_left_alone():
    import gmsh

    if COMM.rank == 0:
        gmsh.initialize(interruptible=False)
        gmsh.option.setNumber("General.Terminal", 0)
        gmsh.model.add("user_model")
        gmsh.option.setNumber("Mesh.MeshSizeFromPoints", 1)
    try:
        d = build_domain(COMM, kind="slab", pore_length_nm=2.0)
        assert d.regions == {"pore": 2}
        if COMM.rank == 0:
            assert gmsh.isInitialized()
            assert gmsh.model.getCurrent() == "user_model"
            assert gmsh.option.getNumber("Mesh.MeshSizeFromPoints") == 1
    finally:
        if COMM.rank == 0:
            gmsh.finalize()


AXI = dict(kind="axisymmetric", **PORE)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            dict(kind="cylinder", pore_length_nm=1.0),
            r"valid kinds: slab, channel_1d, axisymmetric, 3d, mesh",
        ),
        (dict(kind="slab", pore_length_nm=0.0), r"pore_length_nm: must be > 0"),
        (dict(kind="slab", pore_length_nm=1.0, bath_length_nm=-1.0), r"bath_length_nm"),
        (dict(kind="slab", pore_length_nm=1.0, entrance="rounded"), r"entrance='sharp'"),
        (dict(kind="slab", pore_length_nm=1.0, filter_length_nm=1.0), r"filter_length_nm"),
        (dict(kind="slab", pore_length_nm=1.0, refine=-1), r"refine: must be an integer"),
        (dict(kind="slab", pore_length_nm=1.0, refine=0.5), r"refine: must be an integer"),
        (dict(kind="slab", pore_length_nm=1.0, axisymmetric=True), r"leave axisymmetric unset"),
        ({**AXI, "pore_radius_nm": None}, r"pore_radius_nm: is required"),
        ({**AXI, "bath_radius_nm": 1.0}, r"pore_radius_nm .* must be < bath_radius_nm"),
        (
            {**AXI, "bath_radius_nm": 2.0, "entrance": "conical", "entrance_radius_nm": 1.5},
            r"pore_radius_nm \+ entrance_radius_nm .* < bath_radius_nm",
        ),
        ({**AXI, "entrance": "conical", "entrance_radius_nm": 2.0}, r"2 \* entrance_radius_nm"),
        ({**AXI, "bath_length_nm": 0.0}, r"bath_length_nm: must be > 0"),
        ({**AXI, "filter_length_nm": 4.0}, r"filter_length_nm .* must be < pore_length_nm"),
        ({**AXI, "filter_length_nm": 1.0, "filter_radius_nm": 2.0}, r"filter_radius_nm"),
        ({**AXI, "entrance": "bevel"}, r"entrance: must be one of"),
        ({**AXI, "entrance": "rounded"}, r"entrance_radius_nm: must be > 0"),
        ({**AXI, "wall_size_nm": 2.0, "mesh_size_nm": 1.0}, r"wall_size_nm: .* <= mesh_size_nm"),
        ({**AXI, "debye_length_nm": 0.0}, r"Debye length must be > 0"),
        (dict(kind="mesh", pore_length_nm=1.0), r"needs mesh_file"),
    ],
)
def test_bad_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        build_domain(COMM, **kwargs)


# ---------------------------------------------------------------- mesh size estimate

SLAB = dict(kind="slab", pore_length_nm=2.0, bath_length_nm=1.0, filter_length_nm=0.5)
FILTER_2D = dict(filter_length_nm=1.0, filter_radius_nm=0.6, entrance="rounded")


@pytest.mark.parametrize(
    ("kwargs", "tolerance"),
    [
        (SLAB, 0.0),  # the slab's node placement is computed exactly
        ({**SLAB, "refine": 2}, 0.0),
        ({**AXI, **COARSE_2D}, 0.25),
        ({**AXI, **COARSE_2D, "refine": 1}, 0.25),
        ({**AXI, **FILTER_2D, "entrance_radius_nm": 0.5, "wall_size_nm": 0.1}, 0.25),
        ({**AXI, "bath_radius_nm": 20.0, "bath_length_nm": 15.0, "wall_size_nm": 0.2}, 0.25),
        ({**PORE, "kind": "3d", "wall_size_nm": 0.5, "mesh_size_nm": 1.5}, 0.3),
    ],
    ids=["slab", "slab-refined", "axi", "axi-refined", "axi-filter", "axi-wide", "3d"],
)
def test_cell_estimate_matches_the_mesh(kwargs, tolerance):
    """The estimate that guards memory (`check_cell_count`) is close to gmsh's count."""
    from pnp.geometry.params import estimated_cells, mesh_sizes, pore_geometry, slab_geometry

    kwargs = {"debye_length_nm": 1.0, **kwargs}
    domain = build_domain(COMM, **kwargs)
    shape = {k: v for k, v in kwargs.items() if k not in ("kind", "refine", "debye_length_nm")}
    shape = {k: v for k, v in shape.items() if not k.endswith("size_nm")}
    if kwargs["kind"] == "slab":
        geom = slab_geometry(entrance="sharp", **shape)
    else:
        base = dict(entrance="sharp", entrance_radius_nm=0.0, filter_length_nm=0.0)
        geom = pore_geometry(**{**base, "filter_radius_nm": None, **shape})
    dim = domain.dim
    sizes = mesh_sizes(
        geom,
        dim=dim,
        debye_length_nm=kwargs["debye_length_nm"],
        mesh_size_nm=kwargs.get("mesh_size_nm"),
        wall_size_nm=kwargs.get("wall_size_nm"),
        refine=kwargs.get("refine", 0),
    )
    cells, doublings = estimated_cells(geom, sizes, dim)
    assert cells * 2**doublings == pytest.approx(num_cells(domain), rel=tolerance)
