"""Axial segment stacks as the pore of the axisymmetric and 3D builders, and of imported meshes.

- a segmented 2D/3D case refuses the keys the segments replace, one problem per mistake;
- the r-z stack: one region per segment, the pore extent is the stack, pore_wall is every
  segment wall including the annular steps, a charge in elementary charges is the charge
  on the mesh;
- pore | filter | pore as three segments gives the fixed-region numbers on the same mesh;
- a long uniform stack conducts like its 1D channel plus Hall's access resistance;
- the 3D stack agrees with the r-z one; an imported mesh's groups become the segments.

Serial and under ``mpiexec -n 2`` and ``-n 3``.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import ufl
from mpi4py import MPI
from test_case import assert_problem, error_for

from pnp.case import case_from_dict, case_to_dict
from pnp.constants import AVOGADRO, FARADAY, GAS_CONSTANT
from pnp.errors import InputError
from pnp.fem import dolfinx
from pnp.geometry import BOUNDARY_TAGS, build_domain
from pnp.geometry._mesh import region_extent
from pnp.run import make_domain, prepare, solve

COMM = MPI.COMM_WORLD
T = 298.15
QUIET = {"fields": False, "plots": False, "profiles": False}


def salt(inside_mM: float, outside_mM: float | None = None) -> list[dict]:
    outside = inside_mM if outside_mM is None else outside_mM
    return [
        {"name": n, "charge": z, "diffusion_m2_per_s": d, "inside_mM": inside_mM, "outside_mM": c}
        for n, z, d, c in (("K", 1, 1.957e-9, outside), ("Cl", -1, 2.032e-9, outside))
    ]


def stepped(kind: str = "axisymmetric", **geometry) -> dict:
    """A pore of three coaxial cylinders (radii 1, 0.5, 0.8 nm) through a 4 nm membrane."""
    return {
        "name": "stepped",
        "geometry": {"kind": kind, "bath_radius_nm": 4.0, "bath_length_nm": 2.0, **geometry},
        "segments": [
            {"name": "vestibule", "length_nm": 1.0, "radius_nm": 1.0},
            {"name": "gate", "length_nm": 2.0, "radius_nm": 0.5, "fixed_charge_e": -2.0},
            {"name": "exit", "length_nm": 1.0, "radius_nm": 0.8, "permittivity": 40.0},
        ],
        "species": salt(150.0),
        "conditions": {"voltages_mV": [25.0]},
        "output": QUIET,
    }


def solved(data: dict):
    problem = prepare(case_from_dict(data), COMM)
    try:
        return problem.domain, solve(problem)
    finally:
        problem.destroy()


def total(form) -> float:
    local = dolfinx.fem.assemble_scalar(dolfinx.fem.form(form))
    return COMM.allreduce(local, op=MPI.SUM)


# -- input ---------------------------------------------------------------------------


def changed(change, kind: str = "axisymmetric") -> dict:
    data = stepped(kind)
    change(data)
    return data


def mesh_kind(data: dict) -> None:
    data["geometry"] = {
        "kind": "mesh",
        "mesh_file": __file__,  # any existing file: the mesh is not read by validation
        "axisymmetric": True,
        "pore_length_nm": 4.0,
    }


BAD = [
    *[
        (lambda d, k=key, v=value: d["geometry"].update({k: v}), f"geometry.{key}", "segments")
        for key, value in (
            ("pore_length_nm", 4.0),
            ("pore_radius_nm", 0.5),
            ("filter_length_nm", 1.0),
            ("filter_radius_nm", 0.4),
            ("entrance", "rounded"),
            ("entrance_radius_nm", 0.2),
        )
    ],
    (lambda d: d["segments"][1].pop("radius_nm"), "segments.gate.radius_nm", "missing"),
    (
        lambda d: d["segments"][0].update(radius_nm=4.0),
        "segments.vestibule.radius_nm",
        "not narrower than geometry.bath_radius_nm",
    ),
    (lambda d: d["segments"][2].pop("length_nm"), "segments.exit.length_nm", "missing"),
    (
        lambda d: d.update(surfaces={"filter_wall": {"charge_C_per_m2": -0.1}}),
        "surfaces.filter_wall.charge_C_per_m2",
        "pore_wall",
    ),
    (
        lambda d: (mesh_kind(d), d["segments"][0].update(fixed_charge_M=0.1)),
        "segments.gate.fixed_charge_e",
        "fixed_charge_M",
    ),
    (
        lambda d: (
            mesh_kind(d),
            d["segments"][1].update(fixed_charge_M=-1.0),
            d["segments"][1].pop("fixed_charge_e"),
            d["segments"][0].pop("length_nm"),
        ),
        "segments.vestibule.length_nm",
        "every segment or on none",
    ),
    (
        lambda d: (
            mesh_kind(d),
            d["segments"][1].pop("fixed_charge_e"),
            d["geometry"].update(groups={"g1": "gates"}),
        ),
        "geometry.groups.g1",
        "did you mean 'gate'",
    ),
]


@pytest.mark.parametrize(("change", "key", "word"), BAD)
def test_a_mistake_in_a_segmented_pore_is_one_problem_naming_its_key(change, key, word):
    error = error_for(changed(change))
    assert_problem(error, key, word)
    assert len(error.problems) == 1, error


def test_a_3d_segment_as_wide_as_the_bath_is_refused():
    data = changed(lambda d: d["segments"][2].update(radius_nm=4.0), kind="3d")
    error = error_for(data)
    assert_problem(error, "segments.exit.radius_nm", "not narrower")
    assert len(error.problems) == 1, error


def test_the_stack_sets_the_pore_length_and_the_narrowest_section_and_round_trips():
    case = case_from_dict(stepped())
    assert case.geometry.pore_length_nm == pytest.approx(4.0)
    assert case.geometry.pore_radius_nm == pytest.approx(0.5)
    assert case_from_dict(case_to_dict(case)) == case
    data = stepped()
    mesh_kind(data)
    data["geometry"]["groups"] = {"narrow": "gate"}
    data["segments"][1]["fixed_charge_M"] = -1.0
    del data["segments"][1]["fixed_charge_e"]
    for seg in data["segments"]:
        del seg["length_nm"], seg["radius_nm"]
    case = case_from_dict(data)
    assert [s.length_nm for s in case.segments] == pytest.approx([4.0 / 3.0] * 3)
    assert case.geometry.pore_length_nm == 4.0 and case.geometry.pore_radius_nm is None
    assert case_from_dict(case_to_dict(case)) == case


@pytest.mark.parametrize(
    ("segments", "extra", "message"),
    [
        ((("a", 1.0),), {}, r"^segments\.a\.radius_nm: is required"),
        ((("a", 1.0, 0.5), ("b", 1.0, 2.0)), {}, r"^segments\.b\.radius_nm: .*must be <"),
        ((("a", 1.0, 0.5),), {"entrance": "rounded"}, r"^geometry\.entrance: "),
        ((("a", 1.0, 0.5),), {"filter_length_nm": 0.5}, r"^geometry\.filter_length_nm: "),
    ],
)
def test_the_builder_refuses_a_stack_it_cannot_draw(segments, extra, message):
    with pytest.raises(InputError, match=message):
        build_domain(
            COMM,
            kind="axisymmetric",
            pore_length_nm=None,
            bath_radius_nm=2.0,
            bath_length_nm=1.0,
            segments=segments,
            **extra,
        )


# -- the r-z stack ---------------------------------------------------------------------


def test_the_axisymmetric_stack_tags_its_segments_and_walls():
    """Regions 100, 101, 102; pore_wall = the three cylinder walls and the two annular
    steps (lengths and 2 pi r-weighted areas exact: the r-z outline is meshed exactly)."""
    domain = make_domain(case_from_dict(stepped(wall_size_nm=0.25, mesh_size_nm=1.0)), COMM)
    assert {n: domain.regions[n] for n in ("vestibule", "gate", "exit")} == {
        "vestibule": 100,
        "gate": 101,
        "exit": 102,
    }
    assert "pore" not in domain.regions and "filter" not in domain.regions
    assert domain.pore_extent_nm == pytest.approx((-2.0, 2.0))
    assert domain.pore_length_nm == pytest.approx(4.0)
    assert domain.pore_radius_nm == pytest.approx(0.5)
    for name, ends in (("vestibule", (-2.0, -1.0)), ("gate", (-1.0, 1.0)), ("exit", (1.0, 2.0))):
        extent = region_extent(domain.mesh, domain.cell_tags, [domain.regions[name]])
        assert extent == pytest.approx(ends), name
    dS = ufl.Measure("dS", domain=domain.mesh, subdomain_data=domain.facet_tags)
    r = ufl.SpatialCoordinate(domain.mesh)[0]
    n = ufl.FacetNormal(domain.mesh)
    wall = dS(BOUNDARY_TAGS["pore_wall"])
    radii, lengths = (1.0, 0.5, 0.8), (1.0, 2.0, 1.0)
    steps = abs(1.0 - 0.5) + abs(0.5 - 0.8)
    assert total(1.0 * wall) == pytest.approx(sum(lengths) + steps, rel=1e-12)
    assert total(abs(n("+")[1]) * wall) == pytest.approx(steps, rel=1e-12)
    area = sum(2 * math.pi * a * b for a, b in zip(radii, lengths, strict=True))
    area += math.pi * (abs(1.0**2 - 0.5**2) + abs(0.8**2 - 0.5**2))
    assert total(2 * math.pi * r("+") * wall) == pytest.approx(area, rel=1e-12)
    # the mouths (segment | bath) stay untagged: the membrane faces are the rest of z = +-2
    faces = total(1.0 * dS(BOUNDARY_TAGS["membrane_face"]))
    assert faces == pytest.approx((4.0 - 1.0) + (4.0 - 0.8), rel=1e-12)
    assert "filter_wall" not in domain.boundaries


def test_a_charge_in_elementary_charges_is_the_charge_on_the_rz_mesh():
    """int 2 pi r rho_f over the gate is -2 e to round-off: the r-z rectangle of the
    cylinder is meshed exactly and 2 pi r is linear (a faceted 3D cylinder would lose
    O((h/r)^2) of its volume instead)."""
    problem = prepare(case_from_dict(stepped(wall_size_nm=0.25, mesh_size_nm=1.0)), COMM)
    try:
        domain = problem.domain
        dx = ufl.Measure("dx", domain=domain.mesh, subdomain_data=domain.cell_tags)
        r = ufl.SpatialCoordinate(domain.mesh)[0]
        rho = problem.materials.fixed_charge
        charges = [total(2 * math.pi * r * rho * dx(domain.regions[n])) for n in domain.regions]
        scale = problem.scales.concentration_mM * AVOGADRO * 1e-27  # nm^3 -> m^3
    finally:
        problem.destroy()
    by_region = dict(zip(domain.regions, np.array(charges) * scale, strict=True))
    assert by_region["gate"] == pytest.approx(-2.0, rel=1e-12)
    assert sum(abs(q) for name, q in by_region.items() if name != "gate") == 0.0


def test_pore_filter_pore_as_three_segments_gives_the_fixed_region_numbers():
    """The same shapes are meshed identically; the currents agree to round-off."""
    sizes = {"bath_radius_nm": 3.0, "bath_length_nm": 2.0, "wall_size_nm": 0.2}
    sizes["mesh_size_nm"] = 1.0
    sigma = {"charge_C_per_m2": -0.02}
    fixed = {
        "name": "fixed",
        "geometry": {
            "kind": "axisymmetric",
            "pore_length_nm": 3.0,
            "pore_radius_nm": 0.8,
            "filter_length_nm": 1.0,
            "filter_radius_nm": 0.4,
            **sizes,
        },
        "regions": {
            "pore": {"permittivity": 40.0, "diffusion_factor": 0.5},
            "filter": {"permittivity": 20.0, "fixed_charge_M": -0.5, "diffusion_factor": 0.2},
        },
        "surfaces": {"pore_wall": sigma, "filter_wall": sigma},
        "species": salt(100.0, 50.0),
        "conditions": {"voltages_mV": [-50.0, 50.0]},
        "output": QUIET,
    }
    segmented = copy.deepcopy(fixed)
    segmented["geometry"] = {"kind": "axisymmetric", **sizes}
    segmented["surfaces"] = {"pore_wall": sigma}
    del segmented["regions"]
    pore = {"length_nm": 1.0, "radius_nm": 0.8, "permittivity": 40.0, "diffusion_factor": 0.5}
    gate = {"radius_nm": 0.4, "permittivity": 20.0, "fixed_charge_M": -0.5}
    segmented["segments"] = [
        {"name": "inner", **pore},
        {"name": "gate", "length_nm": 1.0, **gate, "diffusion_factor": 0.2},
        {"name": "outer", **pore},
    ]
    domain_a, a = solved(fixed)
    domain_b, b = solved(segmented)
    cells = [d.mesh.topology.index_map(2).size_global for d in (domain_a, domain_b)]
    assert cells[0] == cells[1]
    for p, q in zip(a.points, b.points, strict=True):
        assert p.converged and q.converged
        np.testing.assert_allclose(q.species_currents, p.species_currents, rtol=1e-9)


def test_a_long_uniform_stack_is_its_1d_channel_plus_the_access_resistance():
    """R = 0.5 nm, L = 10 nm, 1 M KCl, uncharged: R_axi = R_1d + 2 psi / (4 sigma R), R_1d
    the channel_1d resistance of the same stack and baths (pore + bath columns), 1 / (4
    sigma R) Hall's access resistance of each mouth (7 % of the total here) and psi = 1 -
    1.409 R/R_b its finite-bath factor. Tolerance 1.5 %: Hall's equipotential mouth
    underestimates the exact end correction of a long pore (0.82 R instead of pi R / 4) by
    5 % of the access term (0.35 % of the total), and the r-z mesh at wall_size 0.25 nm
    adds +0.8 % (measured by halving the wall size twice)."""
    radius, length, bath_radius, bath_length = 0.5, 10.0, 15.0, 15.0
    axi = {
        "name": "uniform",
        "geometry": {
            "kind": "axisymmetric",
            "bath_radius_nm": bath_radius,
            "bath_length_nm": bath_length,
            "wall_size_nm": 0.25,
        },
        "segments": [
            {"name": "a", "length_nm": 0.5 * length, "radius_nm": radius},
            {"name": "b", "length_nm": 0.5 * length, "radius_nm": radius},
        ],
        "species": salt(1000.0),
        "conditions": {"voltages_mV": [10.0]},
        "output": QUIET,
    }
    one_d = copy.deepcopy(axi)
    one_d["geometry"] = {
        "kind": "channel_1d",
        "bath_radius_nm": bath_radius,
        "bath_length_nm": bath_length,
    }
    _, rz = solved(axi)
    _, line = solved(one_d)
    volts = 10e-3
    sigma = FARADAY**2 * 1000.0 * (1.957e-9 + 2.032e-9) / (GAS_CONSTANT * T)
    psi = 1.0 - 1.40925 * radius / bath_radius
    access = 2.0 * psi / (4.0 * sigma * radius * 1e-9)
    expected = volts / (volts / line.points[0].current + access)
    assert rz.points[0].current == pytest.approx(expected, rel=0.015)
    assert abs(rz.points[0].current / line.points[0].current - 1.0) > 0.05  # access matters


# -- 3D and imported meshes ------------------------------------------------------------


def two_segments(kind: str, **geometry) -> dict:
    return {
        "name": "two",
        "geometry": {"kind": kind, **geometry},
        "segments": [
            {"name": "wide", "length_nm": 1.5, "radius_nm": 0.8, "diffusion_factor": 0.5},
            {"name": "narrow", "length_nm": 1.5, "radius_nm": 0.5, "fixed_charge_M": -0.3},
        ],
        "species": salt(300.0),
        "conditions": {"voltages_mV": [40.0]},
        "output": QUIET,
    }


BUILT_IN = {"bath_radius_nm": 2.5, "bath_length_nm": 2.0, "wall_size_nm": 0.35}


def test_a_3d_stack_agrees_with_the_rz_stack():
    """Same sizes (wall 0.35 nm, far 1.5 nm): 3D and r-z differ by 1.6 %; each is within
    5 % of the converged r-z current (the narrow charged segment is 1.4 cells across), so
    3 % bounds their difference."""
    sizes = {**BUILT_IN, "mesh_size_nm": 1.5}
    domain, solid = solved(two_segments("3d", **sizes))
    assert {domain.regions["wide"], domain.regions["narrow"]} == {100, 101}
    assert domain.pore_extent_nm == pytest.approx((-1.5, 1.5))
    _, rz = solved(two_segments("axisymmetric", **sizes))
    assert solid.points[0].converged
    assert solid.points[0].current == pytest.approx(rz.points[0].current, rel=0.03)


def test_an_imported_mesh_gives_its_groups_to_the_segments(shared_tmp):
    """The built-in r-z stack written to .msh and read back with kind = "mesh": one segment
    found by its group name, one mapped by geometry.groups; the same materials land on the
    same cells, so the currents are those of the built-in mesh."""
    path = shared_tmp / "two.msh"
    built_in = two_segments("axisymmetric", **BUILT_IN, mesh_size_nm=1.0)
    make_domain(case_from_dict(built_in), COMM, msh_path=path)
    imported = copy.deepcopy(built_in)
    imported["geometry"] = {
        "kind": "mesh",
        "mesh_file": str(path),
        "axisymmetric": True,
        "pore_length_nm": 3.0,
        "pore_radius_nm": 0.5,
        "groups": {"narrow": "tight"},
    }
    imported["segments"][1]["name"] = "tight"
    for seg in imported["segments"]:
        del seg["length_nm"], seg["radius_nm"]
    domain, read = solved(imported)
    assert {domain.regions["wide"], domain.regions["tight"]} == {100, 101}
    assert domain.pore_extent_nm == pytest.approx((-1.5, 1.5))
    extent = region_extent(domain.mesh, domain.cell_tags, [domain.regions["tight"]])
    assert extent == pytest.approx((0.0, 1.5))
    _, built = solved(built_in)
    np.testing.assert_allclose(
        read.points[0].species_currents, built.points[0].species_currents, rtol=1e-9
    )


def test_an_imported_mesh_must_hold_every_segment_and_no_pore(shared_tmp):
    path = shared_tmp / "two.msh"
    make_domain(case_from_dict(two_segments("axisymmetric", **BUILT_IN)), COMM, msh_path=path)
    data = two_segments("mesh")
    data["geometry"].update(mesh_file=str(path), axisymmetric=True, pore_length_nm=3.0)
    for seg in data["segments"]:
        del seg["length_nm"], seg["radius_nm"]
    data["segments"].append({"name": "extra"})
    with pytest.raises(InputError, match=r"^segments\.extra: .*no cells for this segment"):
        make_domain(case_from_dict(data), COMM)
    data["segments"] = data["segments"][1:2]
    data["geometry"]["groups"] = {"wide": "pore"}
    with pytest.raises(InputError, match=r"^geometry\.groups: .*pore cells .*\[\[segments\]\]"):
        make_domain(case_from_dict(data), COMM)


def test_a_segment_radius_is_part_of_the_set_up_only_where_it_shapes_the_mesh():
    """A radius draws the 2D/3D cylinder (a new problem); in channel_1d it is the area, a
    value loaded into the same problem; an imported mesh's segment is just its name."""
    from pnp.problem_cache import setup_key

    def key(data: dict, radius: float) -> str:  # of the vestibule, not the narrowest
        data = copy.deepcopy(data)
        data["segments"][0]["radius_nm"] = radius
        return setup_key(case_from_dict(data), None)

    solid = stepped()
    assert key(solid, 1.0) != key(solid, 0.9)
    line = copy.deepcopy(solid)
    line["geometry"] = {"kind": "channel_1d", "bath_radius_nm": 4.0, "bath_length_nm": 2.0}
    assert key(line, 1.0) == key(line, 0.9)
