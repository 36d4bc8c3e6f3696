"""The [flow] table: defaults, one-line errors, and the flow entries of results.json."""

from __future__ import annotations

import copy

import pytest
from mpi4py import MPI

from pnp.case import case_from_dict
from pnp.case.errors import CaseError
from pnp.case.schema import WATER_VISCOSITY_PA_S
from pnp.run import run_case

COMM = MPI.COMM_WORLD

BASE = {
    "geometry": {
        "kind": "axisymmetric",
        "pore_radius_nm": 1.0,
        "pore_length_nm": 3.0,
        "bath_radius_nm": 5.0,
        "bath_length_nm": 5.0,
        "mesh_size_nm": 1.0,
        "wall_size_nm": 0.3,
    },
    "surfaces": {"pore_wall": {"charge_C_per_m2": -0.05}},
    "species": [
        {
            "name": n,
            "charge": z,
            "diffusion_m2_per_s": 2e-9,
            "inside_mM": 100.0,
            "outside_mM": 100.0,
        }
        for n, z in (("K", 1), ("Cl", -1))
    ],
    "conditions": {"voltages_mV": [-20.0, 0.0, 20.0]},
    "output": {"fields": False, "plots": False, "profiles": False},
}


def with_flow(flow: object, **top) -> dict:
    data = copy.deepcopy(BASE)
    data["flow"] = flow
    data.update(top)
    return data


def test_defaults_and_round_trip():
    case = case_from_dict(with_flow({}))
    assert case.flow.viscosity_Pa_s == WATER_VISCOSITY_PA_S
    assert case.flow.pressure_difference_Pa == 0.0
    assert case_from_dict(BASE).flow is None
    changed = case.with_overrides({"flow.pressure_difference_Pa": 1e5})
    assert changed.flow.pressure_difference_Pa == 1e5


@pytest.mark.parametrize(
    ("data", "key", "words"),
    [
        (with_flow({"viscosity_Pa_s": -1e-3}), "flow.viscosity_Pa_s", "must be > 0 Pa s"),
        (with_flow({"viscocity_Pa_s": 1e-3}), "flow.viscocity_Pa_s", "did you mean"),
        (with_flow({"pressure_difference_Pa": "high"}), "flow.pressure_difference_Pa", "string"),
        (
            with_flow(
                {},
                geometry={"kind": "slab", "pore_length_nm": 4.0, "mesh_size_nm": 0.1},
                surfaces={},
            ),
            "flow",
            'use kind = "axisymmetric"',
        ),
        (
            with_flow(
                {},
                geometry={"kind": "channel_1d", "bath_length_nm": 5.0, "bath_radius_nm": 3.0},
                surfaces={},
                segments=[{"name": "filter", "length_nm": 1.0, "radius_nm": 0.4}],
            ),
            "flow",
            "no pore cross-section",
        ),
    ],
)
def test_one_line_errors(data, key, words):
    with pytest.raises(CaseError) as err:
        case_from_dict(data)
    message = str(err.value)
    assert key in message and words in message
    assert "\n" not in message.strip()


def test_results_carry_flow_rate_and_convective_share(shared_tmp):
    data = with_flow({"pressure_difference_Pa": 0.0})
    data["output"] = {"fields": True, "plots": False, "profiles": False}
    results = run_case(case_from_dict(data), shared_tmp, COMM)
    assert (shared_tmp / "fields.bp").exists() or (shared_tmp / "fields.xdmf").exists()
    points = {p["voltage_mV"]: p for p in results["points"]}
    assert all(p["converged"] for p in points.values())
    # electro-osmosis by a negative wall: along the field, odd in V
    assert points[20.0]["flow_rate_m3_per_s"] > 0.0 > points[-20.0]["flow_rate_m3_per_s"]
    assert abs(points[0.0]["flow_rate_m3_per_s"]) < 1e-6 * points[20.0]["flow_rate_m3_per_s"]
    assert points[20.0]["section_spread"] < 1e-6  # advective current conserved too
    share = points[20.0]["convective_current_share"]
    assert 0.0 < share < 1.0
    assert points[0.0]["convective_current_share"] is None  # no current at V = 0
    assert abs(points[0.0]["convective_current_pA"]) < 1e-6 * points[20.0]["convective_current_pA"]


def test_velocity_and_pressure_read_back_from_vtu(shared_tmp):
    import meshio
    import numpy as np

    data = with_flow({"pressure_difference_Pa": 1e5})
    data["conditions"] = {"voltages_mV": [0.0]}
    data["output"] = {"fields": True, "field_format": "vtu", "plots": False, "profiles": False}
    results = run_case(case_from_dict(data), shared_tmp, COMM)
    flow_rate = results["points"][0]["flow_rate_m3_per_s"]
    assert flow_rate > 0.0  # pushed from the inside (higher pressure) to the outside
    mesh = meshio.read(shared_tmp / "fields_000000.vtu")
    r, z = mesh.points[:, 0], mesh.points[:, 1]
    u, p = mesh.point_data["velocity_m_per_s"], mesh.point_data["pressure_Pa"]
    assert u.shape == (len(r), 3) and np.all(u[:, 2] == 0.0)
    in_membrane = (r > 1.0 + 1e-9) & (np.abs(z) < 1.5 - 1e-9)
    assert np.all(np.isnan(p[in_membrane])) and np.all(np.isfinite(p[~in_membrane]))
    # the electrodes hold the bath pressures (a natural condition: to discretisation error)
    # 1e5 Pa inside, 0 outside, plus the osmotic pressure of the equal baths on both sides
    inside, outside = z < z.min() + 1e-9, z > z.max() - 1e-9
    assert np.ptp(p[inside]) < 2e-3 * 1e5 and np.ptp(p[outside]) < 2e-3 * 1e5
    assert abs(p[inside].mean() - p[outside].mean() - 1e5) < 2e-3 * 1e5
    # in the pore the axial velocity is of the size of the mean velocity Q / (pi R^2)
    pore = np.abs(z) < 1.0
    mean_velocity = flow_rate / (np.pi * 1e-18)
    assert 0.5 * mean_velocity < u[pore, 1].max() < 3.0 * mean_velocity
    assert np.all(np.abs(u[in_membrane]) == 0.0)


@pytest.mark.parametrize(
    ("flow", "key", "words"),
    [
        ({"slip_length_nm": -1.0}, "flow.slip_length_nm", "must be >= 0 nm"),
        ({"slip_walls": ["electrode_inside"]}, "flow.slip_walls", "open boundary"),
        ({"slip_walls": ["pore_wal"]}, "flow.slip_walls", "did you mean 'pore_wall'"),
        ({"slip_walls": "pore_wall"}, "flow.slip_walls", "expected an array"),
    ],
)
def test_slip_errors(flow, key, words):
    with pytest.raises(CaseError) as err:
        case_from_dict(with_flow(flow))
    message = str(err.value)
    assert key in message and words in message
    assert "\n" not in message.strip()


def test_slip_round_trip():
    case = case_from_dict(
        with_flow({"slip_length_nm": 0.5, "slip_walls": ["pore_wall", "membrane_face"]})
    )
    assert case.flow.slip_walls == ("pore_wall", "membrane_face")
    from pnp.case import case_to_dict

    assert case_from_dict(case_to_dict(case)) == case
