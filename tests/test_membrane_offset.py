"""geometry.membrane_offset_nm: the membrane closer to one electrode (unequal baths).

- 1D: an uncharged slab between unequal salt baths with a pore of reduced diffusion.
  The electroneutral series model of the layers (closed form, written here: c linear
  in each layer, the ion fluxes from the salt drop and the voltage) gives a current
  inversely proportional to sum_k L_k / f_k: moving the membrane changes nothing,
  lengthening the baths does. The PNP current at three offsets is the model's to 0.1 %;
- 2D: an uncharged cylindrical pore: an offset moves the current by less than a
  twentieth of what lengthening both baths by the same amount does (bath resistance);
- 2D/3D meshes: the electrodes sit at -(L/2 + Lb + d) and L/2 + Lb - d and the bath
  areas split as Lb + d : Lb - d;
- an offset of 0 is today's mesh; bad offsets are one problem naming the key; the key
  round-trips through the case TOML.

Serial and under ``mpiexec -n 2`` and ``-n 3``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import ufl
from mpi4py import MPI
from test_case import assert_problem, error_for

from pnp.case import case_from_dict
from pnp.case.dump import case_to_toml
from pnp.constants import FARADAY, GAS_CONSTANT
from pnp.errors import InputError
from pnp.fem import dolfinx
from pnp.geometry import build_domain
from pnp.run import run_case

COMM = MPI.COMM_WORLD
D_K, D_CL = 1.957e-9, 2.032e-9
C_IN, C_OUT = 300.0, 60.0  # mM: Debye lengths 0.55 and 1.2 nm, short against the layers
PORE, BATH, FACTOR = 20.0, 30.0, 0.2  # nm, nm, the pore's diffusion factor
VOLTAGE = 40.0  # mV
T = 298.15


def slab(offset: float) -> dict:
    return {
        "geometry": {
            "kind": "slab",
            "pore_length_nm": PORE,
            "bath_length_nm": BATH,
            "membrane_offset_nm": offset,
            "wall_size_nm": 0.05,
            "mesh_size_nm": 0.4,
        },
        "regions": {"pore": {"diffusion_factor": FACTOR}},
        "species": [
            {
                "name": n,
                "charge": z,
                "diffusion_m2_per_s": d,
                "inside_mM": C_IN,
                "outside_mM": C_OUT,
            }
            for n, z, d in (("K", 1, D_K), ("Cl", -1, D_CL))
        ],
        "conditions": {"voltages_mV": [VOLTAGE]},
        "output": {"fields": False, "plots": False, "profiles": False},
    }


def electroneutral_current(offset: float, bath: float = BATH) -> float:
    """Current density (A/m^2) of the layers inside bath | pore | outside bath for a 1:1
    salt, electroneutral: with S = J+/D+ + J-/D- and Q = J+/D+ - J-/D-, each layer k has
    c' = -S / (2 f_k) and c psi' = -Q / (2 f_k) (psi = F phi / RT), so S follows from the
    two bath concentrations and Q from V = phi_in - phi_out = (RT/F) Q/2 sum (1/f_k)
    integral dx / c."""
    layers = [(bath + offset, 1.0), (PORE, FACTOR), (bath - offset, 1.0)]  # (nm, factor)
    lengths = np.array([length * 1e-9 for length, _ in layers])
    factors = np.array([f for _, f in layers])
    s = 2.0 * (C_IN - C_OUT) / np.sum(lengths / factors)
    drops = s * lengths / (2.0 * factors)
    ends = C_IN - np.concatenate([[0.0], np.cumsum(drops)])
    assert ends[-1] == pytest.approx(C_OUT)
    a, b = ends[:-1], ends[1:]
    integrals = lengths * np.log(a / b) / (a - b)  # integral dx / c of a linear c
    q = 2.0 * (VOLTAGE * 1e-3 * FARADAY / (GAS_CONSTANT * T)) / np.sum(integrals / factors)
    j_k, j_cl = D_K * (s + q) / 2.0, D_CL * (s - q) / 2.0
    return FARADAY * (j_k - j_cl)


def pnp_current(offset: float, folder) -> float:
    results = run_case(case_from_dict(slab(offset)), folder, COMM)
    point = results["points"][0]
    assert point["converged"]
    return point["current_density_A_per_m2"]


def test_slab_current_follows_the_series_model_with_the_offset(shared_tmp):
    offsets = (-15.0, 0.0, 15.0)
    pnp = {d: pnp_current(d, shared_tmp / f"d{d}") for d in offsets}
    model = {d: electroneutral_current(d) for d in offsets}
    for d in offsets:
        assert pnp[d] == pytest.approx(model[d], rel=1e-3), d
        assert model[d] == pytest.approx(model[0.0], rel=1e-12)  # the telescoping sum
    # the test tells the layouts apart: baths both 15 nm longer change the current
    longer = electroneutral_current(0.0, bath=BATH + 15.0)
    assert abs(longer / model[0.0] - 1.0) > 0.1
    assert abs(pnp[15.0] / longer - 1.0) > 0.1


def pore(bath: float, offset: float) -> dict:
    data = slab(offset)
    data["geometry"] = {
        "kind": "axisymmetric",
        "pore_length_nm": 4.0,
        "pore_radius_nm": 1.0,
        "bath_radius_nm": 4.0,
        "bath_length_nm": bath,
        "membrane_offset_nm": offset,
        "wall_size_nm": 0.3,
        "mesh_size_nm": 1.0,
    }
    data["regions"] = {}
    for s in data["species"]:
        s["inside_mM"] = s["outside_mM"] = 100.0
    return data


def test_uncharged_pore_current_does_not_move_with_the_membrane(shared_tmp):
    def current(bath: float, offset: float) -> float:
        folder = shared_tmp / f"pore_{bath}_{offset}"
        results = run_case(case_from_dict(pore(bath, offset)), folder, COMM)
        return results["points"][0]["current_pA"]

    centred = current(8.0, 0.0)
    moved = [current(8.0, d) for d in (-3.0, 3.0)]
    longer = current(11.0, 0.0)
    bath_effect = abs(longer / centred - 1.0)
    assert bath_effect > 0.03
    for value in moved:
        assert abs(value / centred - 1.0) < 0.05 * bath_effect, (value, centred, longer)


def electrode_z_and_bath_areas(domain) -> tuple[list[float], list[float], float]:
    """Midpoint z of each electrode's facets (every rank's, gathered) and the bath area
    below and above z = 0 (r-z plane, no r weight)."""
    mesh, tags = domain.mesh, domain.facet_tags
    tdim = mesh.topology.dim
    axis = 1 if tdim == 2 else 2
    zs = []
    for name in ("electrode_inside", "electrode_outside"):
        facets = tags.find(domain.boundaries[name])
        mid = dolfinx.mesh.compute_midpoints(mesh, tdim - 1, facets)[:, axis]
        gathered = np.concatenate(COMM.allgather(mid))
        assert gathered.size > 0
        assert np.ptp(gathered) < 1e-9
        zs.append(float(gathered[0]))
    x = ufl.SpatialCoordinate(mesh)
    dx = ufl.Measure("dx", domain=mesh, subdomain_data=domain.cell_tags)
    bath = dx(domain.regions["bath"])
    below = ufl.conditional(ufl.lt(x[axis], 0.0), 1.0, 0.0)
    areas = [
        COMM.allreduce(dolfinx.fem.assemble_scalar(dolfinx.fem.form(w * bath)), op=MPI.SUM)
        for w in (below, 1.0 - below)
    ]
    return zs, areas, float(mesh.comm.allreduce(mesh.geometry.x[:, 0].max(), op=MPI.MAX))


@pytest.mark.parametrize(
    "shape",
    [
        {"pore_radius_nm": 1.0},
        {"shape": "conical", "tip_radius_nm": 0.8, "base_radius_nm": 2.0},
    ],
)
@pytest.mark.parametrize("offset", [-2.5, 2.5])
def test_axisymmetric_electrodes_and_baths_move_with_the_offset(shape, offset):
    length, bath, radius = 4.0, 6.0, 5.0
    kind = "axisymmetric"
    domain = build_domain(
        COMM,
        kind=kind,
        pore_length_nm=length,
        bath_radius_nm=radius,
        bath_length_nm=bath,
        membrane_offset_nm=offset,
        mesh_size_nm=1.5,
        **shape,
    )
    (z_in, z_out), (below, above), r_max = electrode_z_and_bath_areas(domain)
    assert z_in == pytest.approx(-(length / 2 + bath + offset), abs=1e-9)
    assert z_out == pytest.approx(length / 2 + bath - offset, abs=1e-9)
    assert r_max == pytest.approx(radius)
    # the baths are the cylinder outside |z| < L/2, plus the pore mouths' areas (equal)
    assert below - above == pytest.approx(radius * 2.0 * offset, rel=1e-9)


def test_3d_electrodes_move_with_the_offset():
    domain = build_domain(
        COMM,
        kind="3d",
        pore_length_nm=2.0,
        pore_radius_nm=0.5,
        bath_radius_nm=2.0,
        bath_length_nm=2.0,
        membrane_offset_nm=-1.0,
        mesh_size_nm=1.0,
        wall_size_nm=0.5,
    )
    (z_in, z_out), _, _ = electrode_z_and_bath_areas(domain)
    assert (z_in, z_out) == (pytest.approx(-2.0, abs=1e-9), pytest.approx(4.0, abs=1e-9))


def test_zero_offset_is_the_centred_mesh():
    common = dict(
        kind="axisymmetric",
        pore_length_nm=4.0,
        pore_radius_nm=1.0,
        bath_radius_nm=5.0,
        bath_length_nm=6.0,
        mesh_size_nm=1.5,
    )
    a = build_domain(COMM, **common)
    b = build_domain(COMM, membrane_offset_nm=0.0, **common)
    assert np.array_equal(a.mesh.geometry.x, b.mesh.geometry.x)


@pytest.mark.parametrize("offset", [30.0, -31.0, "far"])
def test_bad_offsets_are_one_problem(offset):
    data = slab(0.0)
    data["geometry"]["membrane_offset_nm"] = offset
    err = error_for(data)
    assert_problem(err, "geometry.membrane_offset_nm")


def test_offset_needs_baths_and_builder_refuses_too():
    data = slab(1.0)
    data["geometry"]["bath_length_nm"] = 0.0
    assert_problem(error_for(data), "geometry.membrane_offset_nm")
    with pytest.raises(InputError, match="membrane_offset_nm"):
        build_domain(
            COMM,
            kind="slab",
            pore_length_nm=4.0,
            bath_length_nm=2.0,
            membrane_offset_nm=2.0,
        )


def test_offset_round_trips_through_the_case_toml():
    import tomllib

    case = case_from_dict(slab(-7.5))
    again = case_from_dict(tomllib.loads(case_to_toml(case)))
    assert again.geometry.membrane_offset_nm == -7.5
    assert "membrane_offset_nm" not in case_to_toml(case_from_dict(slab(0.0)))
    assert math.isclose(case.geometry.bath_length_nm, BATH)
