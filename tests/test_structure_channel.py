"""A channel from a structure: the [structure] case table, its one-line errors, the
regions of the mesh, the partial charges as the solver's fixed charge, and PNP at 0 V
around a charged atom against the Debye-Hueckel closed form."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import ufl
from mpi4py import MPI

from pnp.case import CaseError, case_from_dict, case_to_dict, load_case
from pnp.constants import AVOGADRO, ELEMENTARY_CHARGE, VACUUM_PERMITTIVITY
from pnp.fem import dolfinx
from pnp.run import make_domain, prepare
from pnp.solver.continuation import ramp_fixed_charge
from pnp.structure import pore_frame
from pnp.structure.charges import MOLAR_PER_E_NM3
from pnp.validation.apbs import apbs_available, apbs_potential

fem = dolfinx.fem
CASES = Path(__file__).resolve().parents[1] / "cases"
GRAMICIDIN = CASES / "gramicidin_a.toml"

RING_RADIUS, ATOM_RADIUS, PER_RING = 0.6, 0.15, 12
RING_Z = np.linspace(-1.5, 1.5, 7)


def _ring_atoms() -> tuple[np.ndarray, np.ndarray]:
    """Seven rings of twelve atoms around the z axis (nm) and charges summing to +1.5 e."""
    angles = 2 * np.pi * np.arange(PER_RING) / PER_RING
    x = np.array(
        [
            [RING_RADIUS * np.cos(a + 0.3 * k), RING_RADIUS * np.sin(a + 0.3 * k), z]
            for k, z in enumerate(RING_Z)
            for a in angles
        ]
    )
    q = np.random.default_rng(3).uniform(-0.5, 0.5, len(x))
    # as the PQR file holds them: positions to 0.001 A, charges to 1e-6 e
    return np.round(x * 10, 3) / 10, np.round(q - q.mean() + 1.5 / len(x), 6)


def _write_pqr(path: Path, positions_nm: np.ndarray, charges: np.ndarray, radius_nm: float):
    if MPI.COMM_WORLD.rank == 0:
        lines = ["REMARK synthetic structure"]
        for i, ((x, y, z), q) in enumerate(zip(positions_nm * 10, charges, strict=True)):
            lines.append(
                f"ATOM  {i + 1:5d}  C   RNG A{i // PER_RING + 1:4d}    "
                f"{x:8.3f}{y:8.3f}{z:8.3f} {q:9.6f} {radius_nm * 10:6.4f}"
            )
        path.write_text("\n".join([*lines, "END", ""]))
    MPI.COMM_WORLD.barrier()
    return path


def _case(pqr: Path, **geometry) -> dict:
    return {
        "name": "ring",
        "geometry": {
            "kind": "structure",
            "pore_length_nm": 2.0,
            "bath_radius_nm": 2.0,
            "bath_length_nm": 1.5,
            "wall_size_nm": 0.1,
            "mesh_size_nm": 0.5,
            **geometry,
        },
        "structure": {
            "pqr_file": str(pqr),
            "protein_permittivity": 4.0,
            "ion_radius_nm": 0.1,
            "axis": [0, 0, 1],
        },
        "species": [
            {"name": "K", "charge": 1, "diffusion_m2_per_s": 2e-9, "inside_mM": 100.0,
             "outside_mM": 100.0},
            {"name": "Cl", "charge": -1, "diffusion_m2_per_s": 2e-9, "inside_mM": 100.0,
             "outside_mM": 100.0},
        ],
        "conditions": {"voltages_mV": [0.0]},
    }  # fmt: skip


@pytest.fixture
def ring_pqr(shared_tmp) -> Path:
    positions, charges = _ring_atoms()
    return _write_pqr(shared_tmp / "ring.pqr", positions, charges, ATOM_RADIUS)


# -- the case table ---------------------------------------------------------------------


def test_shipped_case_loads_and_round_trips():
    case = load_case(GRAMICIDIN)
    assert case.structure.pqr_file == (CASES / "structures" / "1grm.pqr").resolve()
    # the narrowest free radius of the lumen in the membrane, from the atoms
    assert 0.05 < case.geometry.pore_radius_nm < 0.1
    assert case_from_dict(case_to_dict(case), base_dir=CASES) == case
    assert case.has_fixed_charge


@pytest.mark.parametrize(
    "change, key, words",
    [
        ({"structure": {"pqr_file": "absent.pqr"}}, "structure.pqr_file", "file not found"),
        ({"geometry": {"bath_radius_nm": 0.6}}, "geometry.bath_radius_nm", "ring.pqr:"),
        ({"geometry": {"bath_length_nm": 0.3}}, "geometry.bath_length_nm", "ring.pqr:"),
        ({"geometry": {"pore_length_nm": 3.5}}, "geometry.pore_length_nm", "thicker"),
        ({"structure": {"ion_radius_nm": 0.5}}, "structure.ion_radius_nm", "closed"),
        ({"structure": {"net_charge_e": 0.0}}, "structure.net_charge_e", "+1.5000 e"),
        ({"structure": {"axis": [0, 0, 0]}}, "structure.axis", "zero vector"),
        ({"geometry": {"kind": "3d"}}, "structure", 'kind = "structure"'),
        ({"surfaces": {"pore_wall": {"charge_C_per_m2": -0.1}}}, "surfaces.pore_wall", "atoms"),
    ],
)
def test_bad_structure_input_is_one_line_naming_the_key(ring_pqr, change, key, words):
    data = _case(ring_pqr)
    for table, values in change.items():
        data.setdefault(table, {})
        data[table] = {**data[table], **values}
    if data["geometry"]["kind"] == "3d":
        data["geometry"] = {"kind": "3d", "pore_radius_nm": 0.4, "pore_length_nm": 2.0,
                            "bath_radius_nm": 2.0, "bath_length_nm": 1.5}  # fmt: skip
    with pytest.raises(CaseError) as info:
        case_from_dict(data, base_dir=ring_pqr.parent)
    message = str(info.value)
    assert key in message and words in message, message
    assert "Traceback" not in message


def test_structure_kind_needs_the_table(ring_pqr):
    data = _case(ring_pqr)
    del data["structure"]
    with pytest.raises(CaseError, match=r"structure.*needs a \[structure\] table"):
        case_from_dict(data)


# -- the mesh and the fixed charge ------------------------------------------------------


def test_regions_follow_the_atoms(ring_pqr):
    case = case_from_dict(_case(ring_pqr))
    domain = make_domain(case, MPI.COMM_WORLD)
    assert set(domain.regions) == {"bath", "pore", "membrane", "protein", "ion_exclusion"}
    assert domain.pore_radius_nm == pytest.approx(RING_RADIUS - ATOM_RADIUS, abs=0.011)
    mesh = domain.mesh
    positions, _ = _ring_atoms()
    dx = ufl.Measure("dx", domain=mesh, subdomain_data=domain.cell_tags)

    def volume(name: str) -> float:
        local = fem.assemble_scalar(fem.form(1.0 * dx(domain.regions[name])))
        return mesh.comm.allreduce(local, op=MPI.SUM)

    # The volume of each region against a Monte Carlo estimate of the exact regions:
    # the spheres, their exclusion shells, the slab and the lumen radius in closed form.
    rng = np.random.default_rng(7)
    n = 400_000
    box = np.column_stack([rng.uniform(-1, 1, (n, 2)) * 2.0, rng.uniform(-3.5, 3.5, n)])
    box = box[np.hypot(box[:, 0], box[:, 1]) < 2.0]
    cylinder = math.pi * 2.0**2 * 7.0
    from scipy.spatial import cKDTree

    nearest = cKDTree(positions).query(box)[0] - ATOM_RADIUS
    axial = np.sqrt(RING_RADIUS**2 + (box[:, 2, None] - RING_Z[None, :]) ** 2)
    lumen = np.hypot(box[:, 0], box[:, 1]) < axial.min(axis=1) - ATOM_RADIUS
    slab = np.abs(box[:, 2]) < 1.0
    exact = {
        "protein": nearest < 0,
        "membrane": (nearest >= 0) & slab & ~lumen,
        "ion_exclusion": (nearest >= 0) & (nearest < 0.1) & ~(slab & ~lumen),
        "pore": (nearest >= 0.1) & slab & lumen,
    }
    for name, inside in exact.items():
        reference = cylinder * inside.mean()
        assert volume(name) == pytest.approx(reference, rel=0.12), name
    # every electrolyte cell lies outside the exclusion layer, every protein cell inside a sphere
    tdim = mesh.topology.dim
    for name, test in (
        ("protein", lambda d: d < ATOM_RADIUS),
        ("ion_exclusion", lambda d: (d >= ATOM_RADIUS) & (d < ATOM_RADIUS + 0.1)),
        ("pore", lambda d: d >= ATOM_RADIUS + 0.1),
    ):
        cells = domain.cell_tags.find(domain.regions[name])
        x = dolfinx.mesh.compute_midpoints(mesh, tdim, cells)
        nearest = np.min(np.linalg.norm(x[:, None, :] - positions[None], axis=2), axis=1)
        assert np.all(test(nearest)), (name, nearest[~test(nearest)])


def test_partial_charges_are_the_solvers_fixed_charge(ring_pqr):
    """The fixed charge the Poisson form sees holds the atoms' charge to rounding and
    their dipole moment to rounding (a P1 density with the point charges' P1 moments)."""
    case = case_from_dict(_case(ring_pqr))
    problem = prepare(case, MPI.COMM_WORLD)
    scales = problem.scales
    mesh = problem.domain.mesh
    # back from the scaled density to e/nm^3
    density = problem.fixed_charge / (scales.fixed_charge(1.0) * MOLAR_PER_E_NM3)
    assert problem.materials.atom_charge is not None
    x = ufl.SpatialCoordinate(mesh)
    moments = [density * ufl.dx] + [x[i] * density * ufl.dx for i in range(3)]
    values = [mesh.comm.allreduce(fem.assemble_scalar(fem.form(m)), op=MPI.SUM) for m in moments]
    positions, charges = _ring_atoms()
    assert values[0] == pytest.approx(charges.sum(), abs=1e-10)
    local = pore_frame(positions, np.array([0.0, 0.0, 1.0])).to_local(positions)  # mesh frame
    np.testing.assert_allclose(values[1:], charges @ local, rtol=0, atol=1e-8)


# -- PNP at 0 V around one charged atom: Debye-Hueckel --------------------------------


def test_charged_atom_in_salt_gives_the_debye_hueckel_potential(shared_tmp):
    """One atom (charge q, radius R, ion-exclusion radius a = R + r_ion) in 0.1 M of a 1:1
    salt, no membrane: outside the exclusion sphere the linearised Poisson-Boltzmann
    potential is q e^{kappa a} e^{-kappa r} / (4 pi eps0 eps_s r (1 + kappa a)), whatever
    the protein permittivity inside R. q = 0.2 e keeps the potential below 0.3 kT/e.
    Measured: 6 % off at 0.4-1.0 nm, mostly from the staircase of the exclusion sphere
    (cells of 0.08 nm at the atom); the charge spread over its cell instead (a DG0
    density, whose dipole is off by the cell's size) was 28 % off."""
    q, radius, ion_radius = 0.2, 0.15, 0.1
    pqr = _write_pqr(shared_tmp / "atom.pqr", np.zeros((1, 3)), np.array([q]), radius)
    data = _case(pqr, pore_length_nm=0.0, bath_radius_nm=5.0, bath_length_nm=5.0,
                 wall_size_nm=0.04, mesh_size_nm=0.5)  # fmt: skip
    data["structure"]["ion_radius_nm"] = ion_radius
    for species in data["species"]:
        species["inside_mM"] = species["outside_mM"] = 100.0
    case = case_from_dict(data)
    problem = prepare(case, MPI.COMM_WORLD)
    assert ramp_fixed_charge(problem).last_report.converged
    from pnp.post.profiles import evaluate

    r = np.array([0.4, 0.6, 0.8, 1.0])
    directions = np.array([[1, 0, 0], [0, 0.6, 0.8], [0, 0, -1]], dtype=float)
    points = (directions[:, None, :] * r[None, :, None]).reshape(-1, 3)
    psi = problem.state.sub(0).collapse()
    computed = evaluate([psi], points)[:, 0].reshape(len(directions), len(r))

    temperature = case.conditions.temperature_K
    kT = 1.380649e-23 * temperature
    eps_s = case.regions["bath"].permittivity
    ionic = 2 * 100.0 * AVOGADRO  # ions per m^3 (0.1 M each)
    kappa = math.sqrt(ionic * ELEMENTARY_CHARGE**2 / (VACUUM_PERMITTIVITY * eps_s * kT)) * 1e-9
    a = radius + ion_radius
    prefactor = q * ELEMENTARY_CHARGE**2 / (4 * math.pi * VACUUM_PERMITTIVITY * eps_s * 1e-9 * kT)
    exact = prefactor * np.exp(kappa * (a - r)) / (r * (1 + kappa * a))
    error = np.abs(computed - exact[None, :]).max() / exact.max()
    assert error < 0.1, (computed, exact)


# -- PNP at 0 V against APBS on the same structure ---------------------------------------


@pytest.mark.skipif(not apbs_available(), reason="APBS (the structures extra) is not installed")
def test_equilibrium_potential_matches_apbs(shared_tmp, tmp_path):
    """At 0 V with equal baths PNP is Poisson-Boltzmann: the neutral ring channel in
    0.1 M salt (protein permittivity 4, ion radius 0.1 nm, no membrane) against APBS's
    nonlinear PB on the same PQR with the same dielectric and ion-accessibility
    definitions, in the lumen 0.2 nm off the axis. Measured: 0.07 kT/e at most, on a
    potential spanning 2.3 kT/e."""
    positions, charges = _ring_atoms()
    charges = np.round(charges - charges.mean(), 6)
    charges[-1] = round(charges[-1] - charges.sum(), 6)
    pqr = _write_pqr(shared_tmp / "neutral_ring.pqr", positions, charges, ATOM_RADIUS)
    data = _case(pqr, pore_length_nm=0.0, bath_radius_nm=3.0, bath_length_nm=3.0)
    case = case_from_dict(data)
    problem = prepare(case, MPI.COMM_WORLD)
    assert ramp_fixed_charge(problem).last_report.converged
    from pnp.post.profiles import evaluate

    z = np.arange(-1.5, 1.51, 0.25)
    points = np.column_stack([np.full_like(z, 0.2), np.zeros_like(z), z])
    computed = evaluate([problem.state.sub(0).collapse()], points)[:, 0]
    frame = pore_frame(positions, np.array([0.0, 0.0, 1.0]))
    ions = [(1, 0.1, 0.1), (-1, 0.1, 0.1)]
    reference = apbs_potential(
        pqr,
        frame.to_global(points),
        protein_permittivity=4.0,
        solvent_permittivity=case.regions["bath"].permittivity,
        ions=ions,
        temperature_K=case.conditions.temperature_K,
        spacing_nm=0.0625,
        box_nm=6.0,
        center_nm=frame.origin,
        workdir=tmp_path,
    )
    assert np.ptp(reference) > 2.0  # a potential worth comparing
    assert np.abs(computed - reference).max() < 0.15, np.c_[z, computed, reference]
