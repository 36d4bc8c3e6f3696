"""Shaped pore walls of the axisymmetric and 3D builders (geometry.shape).

- a mistake in a shaped pore is one problem naming its key; the builder refuses the same;
- every shape round-trips through the case dict and TOML and resolves the pore length
  and the narrowest radius;
- the r-z mesh of every shape: the pore spans the membrane, its area and the tagged wall
  length are those of the exact outline, the membrane faces reach the mouths;
- tip = "outside" is the mirror image of tip = "inside";
- shape = "cylindrical" is today's mesh, byte for byte;
- a 3D conical pore solves, with the cone's wall area and one current through every section.

Serial and under ``mpiexec -n 2`` and ``-n 3``.
"""

from __future__ import annotations

import copy
import math
import tomllib
from pathlib import Path

import numpy as np
import pytest
import ufl
from mpi4py import MPI
from test_case import assert_problem, error_for

from pnp.case import case_from_dict, case_to_dict, load_case
from pnp.case.dump import case_to_toml
from pnp.errors import InputError
from pnp.fem import dolfinx
from pnp.geometry import BOUNDARY_TAGS, REGION_TAGS, build_domain
from pnp.geometry.params import wall_outline
from pnp.run import make_domain, prepare, solve

COMM = MPI.COMM_WORLD
CASES = Path(__file__).resolve().parents[1] / "cases"
QUIET = {"fields": False, "plots": False, "profiles": False}
BATH_RADIUS = 6.0


def salt(mM: float) -> list[dict]:
    return [
        {"name": n, "charge": z, "diffusion_m2_per_s": d, "inside_mM": mM, "outside_mM": mM}
        for n, z, d in (("K", 1, 1.957e-9), ("Cl", -1, 2.032e-9))
    ]


SHAPES = {
    "conical": {"pore_length_nm": 6.0, "tip_radius_nm": 0.8, "base_radius_nm": 2.0},
    "double_conical": {"pore_length_nm": 6.0, "tip_radius_nm": 0.8, "base_radius_nm": 2.0},
    "bullet": {
        "pore_length_nm": 6.0,
        "tip_radius_nm": 0.8,
        "base_radius_nm": 2.0,
        "bullet_exponent": 0.4,
    },
    "profile": {"profile_nm": [[0.0, 1.5], [2.0, 0.8], [4.0, 0.8], [6.0, 2.0]]},
}


def shaped(shape: str = "conical", kind: str = "axisymmetric", **extra) -> dict:
    geometry = {
        "kind": kind,
        "shape": shape,
        **copy.deepcopy(SHAPES[shape]),
        "bath_radius_nm": BATH_RADIUS,
        "bath_length_nm": 3.0,
        "wall_size_nm": 0.3,
        "mesh_size_nm": 1.5,
        **extra,
    }
    return {
        "name": f"{shape}_pore",
        "geometry": geometry,
        "species": salt(100.0),
        "conditions": {"voltages_mV": [50.0]},
        "output": QUIET,
    }


def total(form) -> float:
    local = dolfinx.fem.assemble_scalar(dolfinx.fem.form(form))
    return COMM.allreduce(local, op=MPI.SUM)


# -- input ---------------------------------------------------------------------------


def edit(base: str, **changes) -> dict:
    data = shaped(base)
    for key, value in changes.items():
        if value is None:
            data["geometry"].pop(key)
        else:
            data["geometry"][key] = value
    return data


BAD = [
    (edit("conical", tip_radius_nm=2.0), "geometry.tip_radius_nm", "must be < geometry.base"),
    (edit("bullet", tip_radius_nm=3.0), "geometry.tip_radius_nm", "narrow end"),
    (edit("conical", base_radius_nm=6.0), "geometry.base_radius_nm", "bath_radius_nm"),
    (edit("double_conical", base_radius_nm=7.0), "geometry.base_radius_nm", "widen the bath"),
    (
        edit("profile", profile_nm=[[0.0, 1.0], [2.0, 0.8], [2.0, 1.0]]),
        "geometry.profile_nm[2]",
        "must be > the previous z",
    ),
    (
        edit("profile", profile_nm=[[0.0, 1.0], [2.0, 0.0], [3.0, 1.0]]),
        "geometry.profile_nm[1]",
        "must be > 0",
    ),
    (edit("profile", profile_nm=[[0.0, 1.0]]), "geometry.profile_nm", "at least two"),
    (edit("profile", profile_nm=[[0.0, 1.0], [3.0, 6.0]]), "geometry.profile_nm", "widest"),
    (edit("profile", profile_nm=None), "geometry.profile_nm", "missing required key"),
    (edit("profile", pore_length_nm=4.0), "geometry.pore_length_nm", "shape = 'profile'"),
    (edit("conical", pore_radius_nm=1.0), "geometry.pore_radius_nm", "shape = cylindrical"),
    (edit("conical", entrance="rounded"), "geometry.entrance", "not used with shape"),
    (edit("conical", filter_length_nm=1.0), "geometry.filter_length_nm", "not used with"),
    (edit("conical", bullet_exponent=2.0), "geometry.bullet_exponent", "shape = bullet"),
    (edit("conical", profile_nm=[[0, 1], [1, 1]]), "geometry.profile_nm", "shape = profile"),
    (edit("double_conical", tip="outside"), "geometry.tip", "shape = conical | bullet"),
    (edit("conical", tip="middle"), "geometry.tip", "one of inside, outside"),
    (edit("conical", shape="cone"), "geometry.shape", "one of cylindrical, conical"),
    (edit("conical", tip_radius_nm=None), "geometry.tip_radius_nm", "missing required"),
    (edit("bullet", bullet_exponent=0.0), "geometry.bullet_exponent", "must be > 0"),
]


@pytest.mark.parametrize(("data", "key", "word"), BAD, ids=[b[1] + "-" + b[2] for b in BAD])
def test_a_mistake_in_a_shaped_pore_is_one_problem_naming_its_key(data, key, word):
    error = error_for(data)
    assert_problem(error, key, word)
    assert len(error.problems) == 1, error


def test_shape_keys_of_a_cylinder_a_slab_and_a_segment_stack_are_refused():
    data = shaped("conical")
    geometry = {"kind": "axisymmetric", "pore_length_nm": 2.0, "pore_radius_nm": 0.5}
    data["geometry"] = {**geometry, "bath_radius_nm": 3.0, "bath_length_nm": 2.0}
    for key, value in (("tip_radius_nm", 0.3), ("tip", "inside")):
        bad = copy.deepcopy(data)
        bad["geometry"][key] = value
        error = error_for(bad)
        assert_problem(error, f"geometry.{key}", "not used with shape = 'cylindrical'")
        assert len(error.problems) == 1, error
    slab = copy.deepcopy(data)
    slab["geometry"] = {"kind": "slab", "pore_length_nm": 2.0, "shape": "conical"}
    assert_problem(error_for(slab), "geometry.shape", "not used with kind = 'slab'")
    stack = shaped("conical")
    for key in ("pore_length_nm", "tip_radius_nm", "base_radius_nm"):
        del stack["geometry"][key]
    stack["segments"] = [{"name": "a", "length_nm": 2.0, "radius_nm": 0.5}]
    error = error_for(stack)
    assert_problem(error, "geometry.shape", "[[segments]]")
    assert len(error.problems) == 1, error


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"tip_radius_nm": 2.0, "base_radius_nm": 1.0}, r"^geometry\.tip_radius_nm: .*< base"),
        ({"tip_radius_nm": 1.0, "base_radius_nm": 4.0}, r"^geometry\.bath_radius_nm: "),
        ({"tip": "both"}, r"^geometry\.tip: "),
        ({"shape": "profile", "profile_nm": [[0, 1], [0, 2]]}, r"^geometry\.profile_nm\[1\]: "),
        ({"shape": "profile", "profile_nm": [[0, 1], [1, -1]]}, r"^geometry\.profile_nm\[1\]: "),
        ({"entrance": "rounded", "entrance_radius_nm": 0.2}, r"^geometry\.entrance: "),
        ({"kind": "slab"}, r"^geometry\.shape: "),
    ],
)
def test_the_builder_refuses_a_wall_it_cannot_draw(extra, message):
    arguments = {
        "kind": "axisymmetric",
        "shape": "conical",
        "pore_length_nm": 4.0,
        "tip_radius_nm": 0.5,
        "base_radius_nm": 1.0,
        "bath_radius_nm": 3.0,
        "bath_length_nm": 2.0,
        **extra,
    }
    with pytest.raises(InputError, match=message) as info:
        build_domain(COMM, **arguments)
    assert "\n" not in str(info.value)


def test_the_case_layer_and_the_builder_name_the_same_shapes():
    from pnp.case import schema
    from pnp.geometry import params

    assert schema.SHAPES == params.SHAPES and schema.TIPS == params.TIPS
    assert set(SHAPES) == set(params.SHAPES) - {"cylindrical"}


@pytest.mark.parametrize("shape", SHAPES)
def test_every_shape_resolves_its_length_and_narrowest_radius_and_round_trips(shape):
    case = case_from_dict(shaped(shape))
    assert case.geometry.shape == shape
    assert case.geometry.pore_length_nm == pytest.approx(6.0)
    assert case.geometry.pore_radius_nm == pytest.approx(0.8)
    assert case_from_dict(case_to_dict(case)) == case
    assert case_from_dict(tomllib.loads(case_to_toml(case))) == case


# -- the r-z outline -------------------------------------------------------------------


def outline(shape: str, tip: str = "inside") -> np.ndarray:
    data = shaped(shape)
    g = data["geometry"]
    if shape == "profile":
        return np.array(wall_outline(shape, profile_nm=g["profile_nm"]))
    keys = ("pore_length_nm", "tip_radius_nm", "base_radius_nm", "bullet_exponent")
    return np.array(wall_outline(shape, tip=tip, **{k: g[k] for k in keys if k in g}))


def test_the_outlines_are_the_documented_curves():
    h = 3.0
    assert outline("conical").tolist() == [[-h, 0.8], [h, 2.0]]
    assert outline("conical", "outside").tolist() == [[-h, 2.0], [h, 0.8]]
    assert outline("double_conical").tolist() == [[-h, 2.0], [0.0, 0.8], [h, 2.0]]
    z, r = outline("bullet").T
    assert z[0] == -h and z[-1] == h and np.all(np.diff(z) > 0)
    np.testing.assert_allclose(r, 0.8 + 1.2 * ((z + h) / 6.0) ** 0.4, atol=1e-12)
    z, r = outline("bullet", "outside").T
    np.testing.assert_allclose(r, 0.8 + 1.2 * ((h - z) / 6.0) ** 0.4, atol=1e-12)
    assert outline("profile").tolist() == [[-h, 1.5], [-1.0, 0.8], [1.0, 0.8], [h, 2.0]]


def wall_measures(domain) -> dict[str, float]:
    dS = ufl.Measure("dS", domain=domain.mesh, subdomain_data=domain.facet_tags)
    dx = ufl.Measure("dx", domain=domain.mesh, subdomain_data=domain.cell_tags)
    x = ufl.SpatialCoordinate(domain.mesh)
    z, r = x[domain.mesh.topology.dim - 1], x[0]
    one = dolfinx.fem.Constant(domain.mesh, 1.0)
    wall = dS(BOUNDARY_TAGS["pore_wall"])
    return {
        "wall": total(one("+") * wall),
        "wall_rz": total(r("+") * z("+") * wall),
        "faces": total(one("+") * dS(BOUNDARY_TAGS["membrane_face"])),
        "pore": total(one * dx(REGION_TAGS["pore"])),
    }


@pytest.mark.parametrize("shape", SHAPES)
def test_the_rz_mesh_follows_the_outline(shape):
    domain = make_domain(case_from_dict(shaped(shape)), COMM)
    z, r = outline(shape).T
    assert domain.pore_extent_nm == pytest.approx((-3.0, 3.0))
    assert domain.pore_radius_nm == pytest.approx(0.8)
    for name in ("pore_wall", "membrane_face", "electrode_inside", "bath_wall"):
        assert COMM.allreduce(domain.facet_tags.find(BOUNDARY_TAGS[name]).size) > 0, name
    m = wall_measures(domain)
    assert m["wall"] == pytest.approx(np.sum(np.hypot(np.diff(z), np.diff(r))), rel=1e-10)
    assert m["pore"] == pytest.approx(np.sum(0.5 * (r[1:] + r[:-1]) * np.diff(z)), rel=1e-10)
    assert m["faces"] == pytest.approx(2.0 * BATH_RADIUS - r[0] - r[-1], rel=1e-10)


@pytest.mark.parametrize("shape", ["conical", "bullet"])
def test_an_outside_tip_is_the_mirror_image_of_an_inside_tip(shape):
    inside = wall_measures(make_domain(case_from_dict(shaped(shape, tip="inside")), COMM))
    outside = wall_measures(make_domain(case_from_dict(shaped(shape, tip="outside")), COMM))
    assert inside["wall_rz"] > 1.0  # the wide end is outside
    assert outside["wall_rz"] == pytest.approx(-inside["wall_rz"], rel=1e-10)
    for key in ("wall", "faces", "pore"):
        assert outside[key] == pytest.approx(inside[key], rel=1e-10)


def test_a_cylindrical_shape_is_todays_mesh_byte_for_byte(shared_tmp):
    paths = [shared_tmp / "implicit.msh", shared_tmp / "explicit.msh"]
    for path, extra in zip(paths, ([], ["geometry.shape=cylindrical"]), strict=True):
        make_domain(load_case(CASES / "default.toml", extra), COMM, msh_path=path)
    COMM.barrier()
    if COMM.rank == 0:
        assert paths[0].read_bytes() == paths[1].read_bytes()


# -- 3D -----------------------------------------------------------------------------------


def test_a_3d_conical_pore_solves_with_the_cone_wall():
    data = shaped("conical", kind="3d", wall_size_nm=0.6, mesh_size_nm=2.5)
    data["surfaces"] = {
        "pore_wall": {"charge_C_per_m2": -0.02},
        "membrane_face": {"charge_C_per_m2": -0.01},
    }
    problem = prepare(case_from_dict(data), COMM)
    try:
        domain = problem.domain
        assert domain.pore_extent_nm == pytest.approx((-3.0, 3.0))
        slant = math.hypot(6.0, 1.2)
        exact = math.pi * (0.8 + 2.0) * slant
        assert wall_measures(domain)["wall"] == pytest.approx(exact, rel=0.03)
        (point,) = solve(problem).points
        assert point.converged
        currents = np.asarray(point.section_currents)
        assert np.all(np.isfinite(currents)) and currents.mean() > 0.0
        assert np.ptp(currents) < 0.05 * abs(currents.mean())
    finally:
        problem.destroy()
