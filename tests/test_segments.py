"""Axial segment stacks and the area-weighted 1D channel model.

- bad segment and ion-size input is a one-line error naming the key;
- segments that repeat the fixed pore | filter | pore stack give the same numbers;
- per-species diffusion coefficients of a segment obey GHK in the dilute limit;
- the fixed charge of a segment given in elementary charges is the charge on the mesh;
- the 1D channel of uniform radius is the slab times its area; a channel's current
  matches the series conductance of its segments in the Ohmic limit.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path

import numpy as np
import pytest
import ufl
from mpi4py import MPI
from test_case import assert_problem, error_for

from pnp.case import case_from_dict, case_to_dict, case_to_toml, load_case
from pnp.constants import AVOGADRO, FARADAY, GAS_CONSTANT
from pnp.fem import dolfinx
from pnp.run import prepare, solve
from pnp.theory import ghk_current_density

COMM = MPI.COMM_WORLD
CASES = Path(__file__).resolve().parents[1] / "cases"
T = 298.15


def salt(c_mM: float = 150.0, d_k: float = 1.957e-9, d_cl: float = 2.032e-9) -> list[dict]:
    return [
        {
            "name": "K",
            "charge": 1,
            "diffusion_m2_per_s": d_k,
            "inside_mM": c_mM,
            "outside_mM": c_mM,
        },
        {
            "name": "Cl",
            "charge": -1,
            "diffusion_m2_per_s": d_cl,
            "inside_mM": c_mM,
            "outside_mM": c_mM,
        },
    ]


def channel(**geometry) -> dict:
    """A three-segment 1D channel between 3 nm baths of radius 3 nm."""
    return {
        "name": "channel",
        "geometry": {
            "kind": "channel_1d",
            "bath_length_nm": 3.0,
            "bath_radius_nm": 3.0,
            **geometry,
        },
        "segments": [
            {"name": "mouth", "length_nm": 0.5, "radius_nm": 1.0},
            {"name": "filter", "length_nm": 1.0, "radius_nm": 0.5, "fixed_charge_e": -1.0},
            {"name": "exit", "length_nm": 0.5, "radius_nm": 1.0, "diffusion_factor": 0.5},
        ],
        "species": salt(),
        "conditions": {"voltages_mV": [0.0, 25.0]},
        "output": {"fields": False, "plots": False, "profiles": False},
    }


def solved(data: dict):
    problem = prepare(case_from_dict(data), COMM)
    try:
        return problem, solve(problem)
    finally:
        problem.destroy()


# -- input ---------------------------------------------------------------------------


def with_changes(change) -> dict:
    data = channel()
    change(data)
    return data


BAD = [
    (lambda d: d["segments"][1].update(radius_nm=4.0), "segments.filter.radius_nm", "wider"),
    (lambda d: d["segments"][1].update(length_nm=0.0), "segments.filter.length_nm", "> 0"),
    (lambda d: d["segments"][2].update(name="mouth"), "segments.mouth", "taken"),
    (lambda d: d["segments"][2].update(name="bath"), "segments.bath", "region"),
    (lambda d: d["segments"][0].pop("radius_nm"), "segments.mouth.radius_nm", "missing"),
    (
        lambda d: d["segments"][0].update(diffusion_factor={"Na": 0.5}),
        "segments.mouth.diffusion_factor.Na",
        "unknown species",
    ),
    (
        lambda d: d["segments"][0].update(diffusion_m2_per_s={"K": 1e-9}),
        "segments.mouth.diffusion_m2_per_s",
        "Cl",
    ),
    (
        lambda d: d["segments"][1].update(fixed_charge_M=-1.0),
        "segments.filter.fixed_charge_e",
        "not both",
    ),
    (lambda d: d.pop("segments"), "segments", "channel_1d"),
    (lambda d: d["geometry"].update(pore_length_nm=2.0), "geometry.pore_length_nm", "remove"),
    (lambda d: d.update(regions={"pore": {"permittivity": 20.0}}), "regions.pore", "segments"),
    (lambda d: d["species"][0].update(size_nm=0.0), "species.K.size_nm", "> 0"),
    (lambda d: d["species"][0].update(size_nm=-0.3), "species.K.size_nm", "> 0"),
    (lambda d: d["species"][0].update(radius_nm=30.0), "species.K.radius_nm", "between"),
    (
        lambda d: d["species"][0].update(size_nm=0.3, radius_nm=0.15),
        "species.K.radius_nm",
        "not both",
    ),
    (
        lambda d: [s.update(size_nm=2.0) for s in d["species"]],
        "species",
        "packing fraction",
    ),
]


@pytest.mark.parametrize(("change", "key", "word"), BAD)
def test_bad_segment_and_size_input_names_the_key(change, key, word):
    assert_problem(error_for(with_changes(change)), key, word)


def test_segments_replace_the_pore_radius_in_two_and_three_dimensions():
    data = channel()
    data["geometry"] = {
        "kind": "axisymmetric",
        "pore_radius_nm": 0.5,
        "bath_radius_nm": 3.0,
        "bath_length_nm": 3.0,
    }
    assert_problem(error_for(data), "geometry.pore_radius_nm", "segments")


def test_fixed_charge_in_elementary_charges_needs_a_radius_in_a_slab():
    data = channel()
    data["geometry"] = {"kind": "slab", "bath_length_nm": 3.0}
    for seg in data["segments"]:
        seg.pop("radius_nm")
    assert_problem(error_for(data), "segments.filter.fixed_charge_e", "radius_nm")


def test_a_segmented_case_round_trips_through_dict_and_toml(shared_tmp):
    data = channel(transition_nm=0.1)
    data["species"][0]["radius_nm"] = 0.15
    case = case_from_dict(data)
    assert case.species[0].size_nm == pytest.approx(0.3)
    assert case.geometry.pore_length_nm == pytest.approx(2.0)
    assert case.geometry.pore_radius_nm == pytest.approx(0.5)
    assert case_from_dict(case_to_dict(case)) == case
    path = shared_tmp / "segmented.toml"
    if COMM.rank == 0:
        path.write_text(case_to_toml(case))
    COMM.barrier()
    assert load_case(path) == case
    changed = case.with_overrides({"segments.filter.fixed_charge_M": -2.0})
    assert changed.segments[1].fixed_charge_M == -2.0


def test_fixed_charge_in_elementary_charges_is_the_charge_on_the_mesh():
    """int A(x) rho_f dx over the segment, from the problem's own DG0 functions, is q e."""
    data = channel()
    data["segments"][1]["fixed_charge_e"] = -3.0
    problem = prepare(case_from_dict(data), COMM)
    try:
        fields = problem.materials
        dx = ufl.Measure("dx", domain=problem.domain.mesh, subdomain_data=problem.domain.cell_tags)
        tag = problem.domain.regions["filter"]
        form = dolfinx.fem.form(fields.area * fields.fixed_charge * dx(tag))
        scaled = COMM.allreduce(dolfinx.fem.assemble_scalar(form), op=MPI.SUM)
    finally:
        problem.destroy()
    c0_mol_per_m3 = problem.scales.concentration_mM
    charge_e = scaled * c0_mol_per_m3 * AVOGADRO * 1e-27  # nm^3 -> m^3
    assert charge_e == pytest.approx(-3.0, rel=1e-12)


# -- physics -------------------------------------------------------------------------


def test_segments_repeating_the_pore_and_filter_give_the_same_numbers():
    """A slab of pore | filter | pore segments is the fixed-region slab, number for number."""
    regions = {
        "name": "fixed",
        "geometry": {
            "kind": "slab",
            "pore_length_nm": 3.0,
            "filter_length_nm": 1.0,
            "bath_length_nm": 2.0,
        },
        "regions": {
            "pore": {"permittivity": 40.0, "diffusion_factor": 0.5},
            "filter": {"permittivity": 20.0, "fixed_charge_M": -0.8, "diffusion_factor": 0.2},
        },
        "species": salt(100.0),
        "conditions": {"voltages_mV": [-50.0, 0.0, 50.0]},
        "output": {"fields": False, "plots": False, "profiles": False},
    }
    segmented = copy.deepcopy(regions)
    segmented["geometry"] = {"kind": "slab", "bath_length_nm": 2.0}
    del segmented["regions"]
    pore = {"permittivity": 40.0, "diffusion_factor": 0.5}
    segmented["segments"] = [
        {"name": "inner", "length_nm": 1.0, **pore},
        {
            "name": "gate",
            "length_nm": 1.0,
            "permittivity": 20.0,
            "fixed_charge_M": -0.8,
            "diffusion_factor": 0.2,
        },
        {"name": "outer", "length_nm": 1.0, **pore},
    ]
    _, fixed = solved(regions)
    _, stacked = solved(segmented)
    for a, b in zip(fixed.points, stacked.points, strict=True):
        np.testing.assert_allclose(b.species_currents, a.species_currents, rtol=1e-9, atol=1e-12)


def test_per_species_diffusion_of_a_segment_obeys_dilute_ghk():
    """One 4 nm segment with its own D for each ion, trace concentrations (Debye length
    far beyond the slab): each species current is GHK with P_i = D_i(segment) / L."""
    d_seg = {"K": 0.7e-9, "Cl": 0.2e-9}
    data = {
        "name": "dilute",
        "geometry": {"kind": "slab", "bath_length_nm": 0.0, "mesh_size_nm": 0.05},
        "segments": [{"name": "layer", "length_nm": 4.0, "diffusion_m2_per_s": d_seg}],
        "species": [
            {
                "name": "K",
                "charge": 1,
                "diffusion_m2_per_s": 2e-9,
                "inside_mM": 1e-3,
                "outside_mM": 3e-3,
            },
            {
                "name": "Cl",
                "charge": -1,
                "diffusion_m2_per_s": 2e-9,
                "inside_mM": 1e-3,
                "outside_mM": 3e-3,
            },
        ],
        "conditions": {"voltages_mV": [-40.0, 30.0]},
        "output": {"fields": False, "plots": False, "profiles": False},
    }
    _, solution = solved(data)
    for point in solution.points:
        for (name, z), current in zip((("K", 1), ("Cl", -1)), point.species_currents, strict=True):
            p = d_seg[name] / 4e-9
            expected = ghk_current_density(z, p, 1e-3, 3e-3, point.voltage_mV * 1e-3, T)
            assert current == pytest.approx(expected, rel=2e-4), name


def test_a_uniform_channel_is_the_slab_times_its_area():
    """channel_1d with every radius equal to the bath's: current = slab density x pi r^2."""
    data = channel()
    for seg in data["segments"]:
        seg["radius_nm"] = 3.0
    slab = copy.deepcopy(data)
    slab["geometry"] = {"kind": "slab", "bath_length_nm": 3.0}
    for seg in slab["segments"]:
        seg.pop("radius_nm")
    slab["segments"][1].pop("fixed_charge_e")
    molar = -1.0 / (AVOGADRO * math.pi * 3.0**2 * 1.0 * 1e-24)
    slab["segments"][1]["fixed_charge_M"] = molar
    _, chan = solved(data)
    _, flat = solved(slab)
    area = math.pi * (3e-9) ** 2
    for a, b in zip(chan.points, flat.points, strict=True):
        np.testing.assert_allclose(
            a.species_currents, b.species_currents * area, rtol=1e-9, atol=1e-20
        )


def test_an_uncharged_channel_conducts_like_its_segments_in_series():
    """Equal baths, no charge, long segments (Debye length 0.25 nm at 1.5 M): the current is
    V / sum_k L_k / (g_k A_k), g = F^2 c sum z^2 D / RT, up to the charge layers at the
    area jumps (bounded by 0.5 %)."""
    data = {
        "name": "ohmic",
        "geometry": {"kind": "channel_1d", "bath_length_nm": 10.0, "bath_radius_nm": 2.0},
        "segments": [
            {"name": "wide", "length_nm": 10.0, "radius_nm": 1.0},
            {"name": "narrow", "length_nm": 10.0, "radius_nm": 0.5, "diffusion_factor": 0.3},
        ],
        "species": salt(1500.0),
        "conditions": {"voltages_mV": [5.0]},
        "output": {"fields": False, "plots": False, "profiles": False},
    }
    _, solution = solved(data)
    c = 1500.0
    g_free = FARADAY**2 * c * (1.957e-9 + 2.032e-9) / (GAS_CONSTANT * T)
    resistance = 0.0
    for length, radius, factor in (
        (10.0, 2.0, 1.0),
        (10.0, 1.0, 1.0),
        (10.0, 0.5, 0.3),
        (10.0, 2.0, 1.0),
    ):
        resistance += length * 1e-9 / (g_free * factor * math.pi * (radius * 1e-9) ** 2)
    expected = 5e-3 / resistance
    assert solution.points[0].current == pytest.approx(expected, rel=5e-3)


def test_the_kcsa_case_reports_pA_and_its_narrowest_section():
    case = load_case(CASES / "kcsa_1d.toml")
    assert case.geometry.kind == "channel_1d"
    assert [s.name for s in case.segments] == [
        "inner_mouth",
        "cavity",
        "inner_filter",
        "outer_filter",
    ]
    assert case.geometry.pore_length_nm == pytest.approx(3.5)
    assert case.geometry.pore_radius_nm == pytest.approx(0.5)
    # -4 e over pi (0.5 nm)^2 x 0.2 nm
    assert case.segments[0].fixed_charge_M == pytest.approx(-4.0 / (AVOGADRO * math.pi * 0.05e-24))
