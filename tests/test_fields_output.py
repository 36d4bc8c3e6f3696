"""The ParaView/meshio field files: read back, point values against the solver's arrays,
the electrode values, and NaN concentrations inside the membrane (and only there)."""

from __future__ import annotations

import re
from pathlib import Path

import meshio
import numpy as np
import pytest
from mpi4py import MPI
from scipy.spatial import cKDTree

from pnp.case import CaseError, load_case
from pnp.post.output import FieldWriter
from pnp.run import prepare, solve

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "cases" / "default.toml"
COMM = MPI.COMM_WORLD
VOLTAGES = (-25.0, 0.0, 25.0)
# cases/default.toml: the membrane is r > 0.6 nm, |z| < 1.25 nm; inside bath (z < 0) at V,
# 150 mM; outside bath (z > 0) grounded, 50 mM.
PORE_RADIUS, HALF_LENGTH = 0.6, 1.25


def _case(degree: int, field_format: str):
    return load_case(
        DEFAULT,
        [
            "conditions.voltages_mV=[-25, 0, 25]",
            "geometry.mesh_size_nm=1.0",
            f"solver.degree={degree}",
            f"output.field_format='{field_format}'",
        ],
    )


def _write(degree: int, field_format: str, out: Path):
    """Solve, write every voltage; return the writer and the solver's nodal values per
    voltage, gathered on every rank as (coordinates, phi_mV, c_K_mM)."""
    problem = prepare(_case(degree, field_format), COMM)
    try:
        solution = solve(problem)
        writer = FieldWriter(problem, out)
        reference = {}
        owned = problem.scalar_space.dofmap.index_map.size_local
        x = problem.scalar_space.tabulate_dof_coordinates()[:owned]
        sc = problem.scales
        for v in VOLTAGES:
            problem.restore_state(solution.states[v])
            writer.write(v)
            phi = problem.component(0)[:owned] * sc.thermal_voltage * 1e3
            c = problem.concentrations()[:owned, 0] * sc.concentration_mM
            parts = COMM.allgather((x, phi, c))
            reference[v] = tuple(np.concatenate([p[k] for p in parts]) for k in range(3))
        writer.close()
    finally:
        problem.destroy()
    return writer, reference


def _membrane_interior(points: np.ndarray) -> np.ndarray:
    r, z = points[:, 0], points[:, 1]
    return (r > PORE_RADIUS + 1e-9) & (np.abs(z) < HALF_LENGTH - 1e-9)


def _check_snapshot(points, phi, c, v, reference) -> float:
    """Assert the read-back values of one voltage; return the largest |difference|."""
    x, phi_ref, c_ref = reference
    distance, index = cKDTree(x[:, :2]).query(points[:, :2])
    assert distance.max() < 1e-12  # every written point is a node of the solver's space
    inside = _membrane_interior(points)
    assert inside.sum() > 10 and (~inside).sum() > 10
    # no ions in the membrane: NaN there, and a value at every other node, the
    # membrane | electrolyte interface included
    assert np.isnan(c[inside]).all() and np.isfinite(c[~inside]).all()
    assert np.isfinite(phi).all()
    interface = ~inside & (points[:, 0] >= PORE_RADIUS - 1e-9)
    interface &= np.abs(points[:, 1]) <= HALF_LENGTH + 1e-9
    assert interface.sum() > 4 and (c[interface] > 0).all()
    miss = max(np.abs(phi - phi_ref[index]).max(), np.abs(c[~inside] - c_ref[index][~inside]).max())
    assert miss < 1e-9
    # the electrodes (Dirichlet): phi = V, c = 150 mM inside; phi = 0, c = 50 mM outside
    bottom, top = points[:, 1] == points[:, 1].min(), points[:, 1] == points[:, 1].max()
    assert np.allclose(phi[bottom], v, atol=1e-9) and np.allclose(phi[top], 0.0, atol=1e-9)
    assert np.allclose(c[bottom], 150.0) and np.allclose(c[top], 50.0)
    return miss


@pytest.mark.parametrize("degree", [1, 2])
def test_vtu_files_read_back_with_meshio(shared_tmp, degree):
    writer, reference = _write(degree, "vtu", shared_tmp)
    collection = (shared_tmp / "fields.pvd").read_text()
    files = re.findall(r'timestep="([^"]+)" part="0" file="([^"]+)"', collection)
    assert [float(t) for t, _ in files] == list(VOLTAGES)
    for (_, name), v in zip(files, VOLTAGES, strict=True):
        mesh = meshio.read(shared_tmp / name)
        assert [block.type for block in mesh.cells] == ["triangle"]
        data = mesh.point_data
        assert sorted(data) == ["c_Cl_mM", "c_K_mM", "phi_mV"]
        _check_snapshot(mesh.points, data["phi_mV"], data["c_K_mM"], v, reference[v])
        # P1 at the mesh vertices: as many points as the mesh has vertices
        assert len(mesh.points) == writer.phi.function_space.dofmap.index_map.size_global


def test_vtx_functions_are_nan_in_the_membrane_only(shared_tmp):
    """The .bp file needs ADIOS2's Python module to be read; check what is handed to it."""
    writer, reference = _write(1, "vtx", shared_tmp)
    assert writer.path == shared_tmp / "fields.bp" and writer.path.exists()
    space = writer.phi.function_space
    owned = space.dofmap.index_map.size_local
    parts = COMM.allgather(
        (
            space.tabulate_dof_coordinates()[:owned],
            writer.phi.x.array[:owned],
            writer.conc[0].x.array[:owned],
        )
    )
    points, phi, c = (np.concatenate([p[k] for p in parts]) for k in range(3))
    _check_snapshot(points, phi, c, VOLTAGES[-1], reference[VOLTAGES[-1]])


def test_xdmf_time_series(shared_tmp):
    _, reference = _write(1, "xdmf", shared_tmp)
    text = (shared_tmp / "fields.xdmf").read_text()
    times = [float(t) for t in re.findall(r'<Time Value="([^"]+)"', text)]
    assert times == list(VOLTAGES) * 3  # a time series per function: phi, c_K, c_Cl
    assert (shared_tmp / "fields.h5").exists()
    pytest.importorskip("h5py")  # meshio reads the HDF5 data only with h5py
    with meshio.xdmf.TimeSeriesReader(shared_tmp / "fields.xdmf") as reader:
        points, _ = reader.read_points_cells()
        by_time: dict[float, dict] = {}
        for k in range(reader.num_steps):
            t, data, _ = reader.read_data(k)
            by_time.setdefault(float(t), {}).update(data)
    assert sorted(by_time) == list(VOLTAGES)
    for v, data in by_time.items():
        _check_snapshot(points, data["phi_mV"], data["c_K_mM"], v, reference[v])


def test_an_unknown_field_format_is_one_line_naming_the_key():
    with pytest.raises(CaseError, match=r"output\.field_format.*'vtk'.*vtx, xdmf, vtu"):
        load_case(DEFAULT, ["output.field_format='vtk'"])
