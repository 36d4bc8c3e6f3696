"""Imported meshes say what they are: axisymmetric or planar by an explicit key, currents in
the unit of that choice, and sections, profiles and the field measure from the mesh's pore.

Serial and under ``mpiexec -n 2`` and ``-n 3``.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from mpi4py import MPI

from pnp.case import case_from_dict
from pnp.cli import main
from pnp.errors import InputError
from pnp.run import run_case

COMM = MPI.COMM_WORLD
MESHES = Path(__file__).resolve().parents[1] / "meshes"

KCL = [
    {"name": "K", "charge": 1, "diffusion_m2_per_s": 1.957e-9, "inside_mM": 100.0},
    {"name": "Cl", "charge": -1, "diffusion_m2_per_s": 2.032e-9, "inside_mM": 100.0},
]


def kcl(outside_mM: float) -> list[dict]:
    return [{**s, "outside_mM": outside_mM} for s in KCL]


def mesh_case(mesh_file: Path, voltages, **geometry) -> dict:
    return {
        "name": "imported",
        "geometry": {"kind": "mesh", "mesh_file": str(mesh_file), **geometry},
        "species": kcl(20.0),
        "conditions": {"voltages_mV": voltages},
        "output": {"fields": False, "plots": False},
    }


def write_on_root(path: Path, build) -> Path:
    """Run gmsh on rank 0 to write `path`; every rank gets the path."""
    if COMM.rank == 0:
        import gmsh

        gmsh.initialize(interruptible=False)
        gmsh.option.setNumber("General.Terminal", 0)
        try:
            build(gmsh)
            gmsh.write(str(path))
        finally:
            gmsh.finalize()
    COMM.barrier()
    return path


def rectangle(path: Path, width_nm: float, length_nm: float, cell_nm: float) -> Path:
    """A structured rectangle [0, W] x [-L/2, L/2], all pore, electrodes on its ends."""

    def build(gmsh):
        gmsh.model.add("rectangle")
        occ = gmsh.model.occ
        surface = occ.addRectangle(0.0, -0.5 * length_nm, 0.0, width_nm, length_nm)
        occ.synchronize()
        bottom = top = None
        for _, curve in gmsh.model.getBoundary([(2, surface)], oriented=False):
            y = gmsh.model.occ.getCenterOfMass(1, curve)[1]
            if abs(y + 0.5 * length_nm) < 1e-9:
                bottom = curve
            elif abs(y - 0.5 * length_nm) < 1e-9:
                top = curve
        gmsh.model.addPhysicalGroup(2, [surface], name="pore")
        gmsh.model.addPhysicalGroup(1, [bottom], name="electrode_inside")
        gmsh.model.addPhysicalGroup(1, [top], name="electrode_outside")
        gmsh.option.setNumber("Mesh.MeshSizeMin", cell_nm)
        gmsh.option.setNumber("Mesh.MeshSizeMax", cell_nm)
        gmsh.model.mesh.generate(2)

    return write_on_root(path, build)


def shifted(source: Path, path: Path, dz_nm: float) -> Path:
    """`source` translated by dz along the axis (y of the r-z plane)."""

    def build(gmsh):
        gmsh.open(str(source))
        gmsh.model.mesh.affineTransform([1, 0, 0, 0, 0, 1, 0, dz_nm, 0, 0, 1, 0])

    return write_on_root(path, build)


def test_a_2d_mesh_needs_the_axisymmetric_key(shared_tmp, capsys):
    data = mesh_case(MESHES / "nanopore_rz.msh", [50.0], pore_length_nm=4.0, pore_radius_nm=1.0)
    with pytest.raises(InputError, match=r"geometry\.axisymmetric") as info:
        run_case(case_from_dict(data), shared_tmp / "unsaid", COMM)
    assert "axisymmetric = true" in str(info.value) and "axisymmetric = false" in str(info.value)
    case_file = shared_tmp / "unsaid.toml"
    if COMM.rank == 0:
        case_file.write_text(
            f'name = "unsaid"\n[geometry]\nkind = "mesh"\nmesh_file = "{MESHES}/nanopore_rz.msh"\n'
            "pore_length_nm = 4.0\npore_radius_nm = 1.0\n"
            + "".join(
                f'[[species]]\nname = "{s["name"]}"\ncharge = {s["charge"]}\n'
                f"diffusion_m2_per_s = {s['diffusion_m2_per_s']}\ninside_mM = 100.0\n"
                "outside_mM = 20.0\n"
                for s in KCL
            )
            + "[conditions]\nvoltages_mV = [50]\n"
        )
    COMM.barrier()
    capsys.readouterr()
    code = main(["run", str(case_file), "--out", str(shared_tmp / "unsaid_cli")])
    assert code == 2
    err = capsys.readouterr().err
    if COMM.rank == 0:
        assert "geometry.axisymmetric" in err and "Traceback" not in err


def test_planar_and_axisymmetric_sections_carry_the_1d_current(shared_tmp):
    """A uniform channel: the 2D solution does not vary across it, so the planar section
    carries the 1D current density times its width per unit depth, and the same mesh read
    as r-z (a cylinder) carries it times pi W^2."""
    width, length = 1.0, 4.0
    mesh = rectangle(shared_tmp / "rectangle.msh", width, length, 0.1)
    voltage = 30.0
    reference = run_case(
        case_from_dict(
            {
                "name": "line",
                "geometry": {
                    "kind": "slab",
                    "pore_length_nm": length,
                    "bath_length_nm": 0.0,
                    "mesh_size_nm": 0.1,
                    "wall_size_nm": 0.1,
                },
                "species": kcl(20.0),
                "conditions": {"voltages_mV": [voltage]},
                "output": {"fields": False, "plots": False},
            }
        ),
        shared_tmp / "line",
        COMM,
    )
    density = reference["points"][0]["current_density_A_per_m2"]
    lines = []
    planar = run_case(
        case_from_dict(mesh_case(mesh, [voltage], pore_length_nm=length, axisymmetric=False)),
        shared_tmp / "planar",
        COMM,
        progress=lines.append,
    )
    point = planar["points"][0]
    assert planar["geometry"]["mode"] == "planar 2D"
    assert point["current_pA"] is None
    per_depth = density * width * 1e-9 * 1e12 / 1e9  # A/m^2 x m -> A/m -> pA/nm
    assert point["current_per_depth_pA_per_nm"] == pytest.approx(per_depth, rel=2e-3)
    assert point["current_density_A_per_m2"] == pytest.approx(density, rel=2e-3)
    assert planar["ghk"]["points"][0]["current_per_depth_pA_per_nm"] == pytest.approx(
        planar["ghk"]["points"][0]["current_density_A_per_m2"] * width * 1e-6
    )
    if COMM.rank == 0:
        assert "planar 2D" in lines[0] and "pA/nm" in lines[0]

    axisymmetric = run_case(
        case_from_dict(
            mesh_case(
                mesh, [voltage], pore_length_nm=length, pore_radius_nm=width, axisymmetric=True
            )
        ),
        shared_tmp / "rz",
        COMM,
    )
    point = axisymmetric["points"][0]
    assert axisymmetric["geometry"]["mode"] == "axisymmetric r-z"
    area = math.pi * (width * 1e-9) ** 2
    assert point["current_pA"] == pytest.approx(density * area * 1e12, rel=2e-3)
    assert point["current_density_A_per_m2"] == pytest.approx(density, rel=2e-3)


def test_a_shifted_mesh_gives_the_same_results(shared_tmp):
    """Sections, profiles and the field non-uniformity follow the pore cells of the mesh."""
    source = MESHES / "nanopore_rz.msh"
    moved = shifted(source, shared_tmp / "shifted.msh", 3.0)
    runs = {}
    for name, mesh in (("centred", source), ("shifted", moved)):
        data = mesh_case(mesh, [50.0], pore_length_nm=4.0, pore_radius_nm=1.0, axisymmetric=True)
        runs[name] = run_case(case_from_dict(data), shared_tmp / name, COMM)
    centred, moved_run = runs["centred"], runs["shifted"]
    assert moved_run["geometry"]["pore_extent_nm"] == pytest.approx([1.0, 5.0])
    assert centred["geometry"]["pore_extent_nm"] == pytest.approx([-2.0, 2.0])
    a, b = centred["points"][0], moved_run["points"][0]
    assert b["current_pA"] == pytest.approx(a["current_pA"], rel=1e-8)
    assert b["section_currents_pA"] == pytest.approx(a["section_currents_pA"], rel=1e-8)
    key = "field_nonuniformity_max"
    assert moved_run["ghk_comparison"][key] == pytest.approx(
        centred["ghk_comparison"][key], rel=1e-6
    )


def test_planar_transient_reports_per_depth(shared_tmp):
    """A transient on a planar section reports currents and charge per nm of depth."""
    from pnp.transient import run_transient_case

    mesh = rectangle(shared_tmp / "rectangle_t.msh", 1.0, 4.0, 0.2)
    data = mesh_case(mesh, [0.0], pore_length_nm=4.0, axisymmetric=False)
    del data["conditions"]
    data["transient"] = {"end_time_s": 2e-8, "voltage_steps_mV": [[0.0, 0.0], [1e-10, 30.0]]}
    results = run_transient_case(case_from_dict(data), shared_tmp / "planar_t", COMM)
    block = results["transient"]
    assert block["current_pA"] is None
    assert "current_per_depth_pA_per_nm" in block and "charge_per_depth_pC_per_nm" in block
    check = results["steady_check"]
    assert check["relaxed"]
    assert check["final_current_per_depth_pA_per_nm"] == pytest.approx(
        block["current_per_depth_pA_per_nm"][-1]
    )
