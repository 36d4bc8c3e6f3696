"""Bad input found past the case file (mesh files, meshes too large, PETSc options) ends
`pnp mesh`/`pnp run`/`pnp sweep` with one line naming the key or option and exit code 2 on
every rank: never a traceback, never a rank left waiting. Runs serially and under mpiexec."""

from __future__ import annotations

import logging
import pickle
from pathlib import Path

import numpy as np
import pytest
from mpi4py import MPI

from pnp.cli import main
from pnp.errors import InputError
from pnp.fem import PETSc
from pnp.geometry._gmsh import gmsh_session, run_on_root

COMM = MPI.COMM_WORLD
ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "cases"
MESHES = ROOT / "meshes"
SLAB = str(CASES / "ghk_dilute.toml")
QUICK = ["--set", "conditions.voltages_mV=[0, 25]", "--set", "output.fields=false"]

MESH_CASE = """
[geometry]
kind = "mesh"
mesh_file = "{mesh}"
pore_length_nm = 4.0
pore_radius_nm = 1.0
{extra}
[[species]]
name = "K"
charge = 1
diffusion_m2_per_s = 1.957e-9
inside_mM = 150.0
outside_mM = 150.0
[[species]]
name = "Cl"
charge = -1
diffusion_m2_per_s = 2.032e-9
inside_mM = 150.0
outside_mM = 150.0
[conditions]
voltages_mV = [0, 25]
[output]
fields = false
plots = false
"""


def on_root(work) -> None:
    if COMM.rank == 0:
        work()
    COMM.barrier()


def write_case(folder: Path, mesh: Path, extra: str = "") -> Path:
    path = folder / f"{mesh.stem}_{mesh.suffix[1:]}.toml"
    on_root(lambda: path.write_text(MESH_CASE.format(mesh=mesh, extra=extra), encoding="utf-8"))
    return path


def one_line_error(capsys, args: list[str], *words: str) -> str:
    """Run the command on every rank: exit code 2 everywhere, one line on rank 0's stderr
    (and the file it is about) containing `words`, nothing on the others."""
    code = main(args)
    err = capsys.readouterr().err
    assert COMM.allgather(code) == [2] * COMM.size
    if COMM.rank != 0:
        assert err == ""
        return err
    assert "Traceback" not in err
    lines = err.strip().splitlines()  # a case error adds "(in FILE)"
    assert len(lines) == 1 or (len(lines) == 2 and lines[1].startswith("(in ")), err
    for word in words:
        assert word in err, (word, err)
    return err


def prefixed_options() -> list[str]:
    return [name for name in PETSc.Options().getAll() if name.startswith("pnp_")]


# -- mesh files --------------------------------------------------------------------------


def write_bad_meshes(folder: Path) -> None:
    (folder / "text.msh").write_text("this is not a mesh\n")
    (folder / "empty.msh").write_bytes(b"")
    (folder / "garbage.msh").write_bytes(np.random.default_rng(0).bytes(3000))
    (folder / "text.vtk").write_text("this is not a mesh either\n")
    with gmsh_session("nogroups") as gmsh:  # a valid mesh without physical groups
        gmsh.model.occ.addRectangle(0.0, -5.0, 0.0, 4.0, 10.0)
        gmsh.model.occ.synchronize()
        gmsh.model.mesh.generate(2)
        gmsh.option.setNumber("Mesh.SaveAll", 1)
        gmsh.write(str(folder / "nogroups.msh"))


@pytest.mark.parametrize(
    ("mesh", "words"),
    [
        ("text.msh", ("geometry.mesh_file", "text.msh", "gmsh cannot read it")),
        ("empty.msh", ("geometry.mesh_file", "empty.msh", "gmsh cannot read it")),
        ("garbage.msh", ("geometry.mesh_file", "garbage.msh", "gmsh cannot read it")),
        ("text.vtk", ("geometry.mesh_file", "text.vtk", "meshio cannot read it")),
        ("nogroups.msh", ("geometry.mesh_file", "no physical groups", "geometry.groups")),
        (MESHES / "nanopore_rz_custom.msh", ("geometry.groups", "'cis'", '{ "cis" = "bath" }')),
    ],
    ids=lambda value: Path(str(value)).name if not isinstance(value, tuple) else "",
)
def test_unusable_mesh_files_are_one_line_errors(shared_tmp, capsys, mesh, words):
    on_root(lambda: write_bad_meshes(shared_tmp))
    case = write_case(shared_tmp, shared_tmp / mesh)
    out = str(shared_tmp / "out.msh")
    one_line_error(capsys, ["mesh", str(case), "--out", out], "pnp mesh: ", *words)


def test_a_run_on_an_unreadable_mesh_is_a_one_line_error(shared_tmp, capsys):
    on_root(lambda: (shared_tmp / "text.msh").write_text("not a mesh\n"))
    case = write_case(shared_tmp, shared_tmp / "text.msh")
    args = ["run", str(case), "--out", str(shared_tmp / "run")]
    one_line_error(capsys, args, "pnp run: geometry.mesh_file: text.msh")


def test_mesh_output_path_problems_are_one_line_errors(shared_tmp, capsys):
    one_line_error(capsys, ["mesh", SLAB, "--out", str(shared_tmp)], "--out", "is a folder")
    one_line_error(capsys, ["mesh", SLAB, "--out", str(shared_tmp / "m.vtk")], "ending in .msh")


class RootOnlyError(Exception):
    """A picklable exception type of the caller's own."""


def test_an_error_on_the_root_is_raised_alike_on_every_rank():
    def fail():
        raise InputError("geometry.mesh_file", "broken")

    with pytest.raises(InputError, match=r"^geometry\.mesh_file: broken$"):
        run_on_root(COMM, fail)

    def fail_own():
        raise RootOnlyError("own type")

    with pytest.raises(RootOnlyError, match="own type"):
        run_on_root(COMM, fail_own)
    error = InputError("geometry.refine", "too fine")
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), copy.key, str(copy)) == (InputError, "geometry.refine", str(error))


# -- meshes too large ----------------------------------------------------------------------


def test_a_refinement_beyond_memory_is_refused_before_meshing(shared_tmp, capsys):
    args = ["mesh", str(CASES / "default.toml"), "--out", str(shared_tmp / "m.msh")]
    one_line_error(capsys, [*args, "--refine", "25"], "geometry.refine", "1e7 cells", "24 GB")
    tiny = [*args, "--set", "geometry.wall_size_nm=0.001", "--set", "geometry.mesh_size_nm=0.001"]
    one_line_error(capsys, tiny, "geometry.wall_size_nm", "PNP_MAX_CELLS")
    case = write_case(shared_tmp, MESHES / "nanopore_rz.msh")
    imported = ["mesh", str(case), "--out", str(shared_tmp / "i.msh"), "--refine", "12"]
    one_line_error(capsys, imported, "geometry.refine", "multiplies the cells by 4")


def test_the_cell_limit_follows_the_environment(shared_tmp, capsys, monkeypatch):
    args = ["mesh", str(CASES / "default.toml"), "--out", str(shared_tmp / "m.msh")]
    monkeypatch.setenv("PNP_MAX_CELLS", "1000")
    one_line_error(capsys, args, "PNP_MAX_CELLS = 1e3 cells")
    monkeypatch.setenv("PNP_MAX_CELLS", "many")
    one_line_error(capsys, args, "PNP_MAX_CELLS", "'many'")
    monkeypatch.setenv("PNP_MAX_CELLS", "1e4")
    assert main(args) == 0


# -- PETSc options ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "words"),
    [
        (["ksp_type=gmers"], ("ksp_type=gmers (--petsc)", "did you mean 'gmres'?")),
        (["pc_type=foo"], ("PC type 'foo'", "lu")),
        (["snes_type=newtonlss"], ("did you mean 'newtonls'?",)),
        (["snes_linesearch_type=bt3"], ("SNESLineSearch type 'bt3'",)),
        (["pc_factor_mat_solver_type=mumsp"], ("did you mean 'mumps'?",)),
        (["snes_max_it=abc"], ("-pnp_snes_max_it abc", "no integer value")),
        (["snes_rtol=xyz"], ("-pnp_snes_rtol xyz", "no numeric value")),
    ],
)
def test_bad_petsc_options_are_one_line_errors(shared_tmp, capsys, options, words):
    args = ["run", SLAB, "--out", str(shared_tmp / "run"), *QUICK]
    for option in options:
        args += ["--petsc", option]
    one_line_error(capsys, args, *words)
    assert prefixed_options() == []  # nothing left behind for the next problem


def test_an_option_rejected_when_the_linear_solver_is_set_up(shared_tmp, capsys):
    """Field-split sub-solvers read their options at the first solve, not before."""
    args = ["run", SLAB, "--out", str(shared_tmp / "run"), *QUICK, "--set"]
    args += ["solver.preset=iterative", "--petsc", "fieldsplit_0_pc_gamg_threshold=abc"]
    one_line_error(capsys, args, "-pnp_fieldsplit_0_pc_gamg_threshold abc")
    assert prefixed_options() == []


def test_a_case_file_type_name_is_checked_too(shared_tmp, capsys):
    args = ["run", SLAB, "--out", str(shared_tmp / "run"), *QUICK]
    args += ["--set", "solver.petsc_options.ksp_type=gmers"]
    one_line_error(capsys, args, "([solver.petsc_options])", "did you mean 'gmres'?")


def test_a_sweep_checks_petsc_type_names_before_anything_runs(shared_tmp, capsys):
    sweep = shared_tmp / "s.toml"
    text = f'base = "{SLAB}"\n[axes]\n"conditions.temperature_K" = [300.0, 310.0]\n'
    on_root(lambda: sweep.write_text(text))
    args = ["sweep", str(sweep), "--out", str(shared_tmp / "sweep"), "--petsc", "pc_type=lux"]
    one_line_error(capsys, args, "pnp sweep: ", "did you mean 'lu'?")
    assert not (shared_tmp / "sweep").exists()


def unused_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if "was not used" in r.getMessage()]


def test_options_petsc_never_reads_are_warned_about_once(shared_tmp, capsys, caplog):
    args = ["run", SLAB, "--out", str(shared_tmp / "run"), *QUICK]
    args += ["--petsc", "snes_tpye=newtonls", "--petsc", "ksp_montor=", "--petsc", "ksp_rtol=1e-9"]
    with caplog.at_level(logging.WARNING, logger="pnp.solver.newton"):
        assert main(args) == 0
    warnings = unused_warnings(caplog)
    assert len(warnings) == 2, warnings
    assert "-pnp_ksp_montor" in warnings[0] and "did you mean -pnp_ksp_monitor?" in warnings[0]
    assert "-pnp_snes_tpye" in warnings[1] and "did you mean -pnp_snes_type?" in warnings[1]


@pytest.mark.parametrize("preset", ["direct", "iterative"])
def test_the_presets_own_options_are_all_used(shared_tmp, caplog, preset):
    args = [
        "run",
        SLAB,
        "--out",
        str(shared_tmp / "run"),
        *QUICK,
        "--set",
        f"solver.preset={preset}",
    ]
    with caplog.at_level(logging.WARNING, logger="pnp.solver.newton"):
        assert main(args) == 0
    assert unused_warnings(caplog) == []


def test_a_case_file_cannot_make_petsc_write_a_file(shared_tmp, capsys):
    target = shared_tmp / "written_by_petsc.txt"
    args = ["run", SLAB, "--out", str(shared_tmp / "run"), *QUICK]
    args += ["--set", f'solver.petsc_options.ksp_converged_reason="ascii:{target}"']
    one_line_error(capsys, args, "solver.petsc_options.ksp_converged_reason", "--petsc")
    assert not target.exists()
