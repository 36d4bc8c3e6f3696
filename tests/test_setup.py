"""Reproducible installs: constraints.txt pins the whole stack; runs record what they ran on."""

from __future__ import annotations

import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from mpi4py import MPI
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from pnp.case import load_case
from pnp.run import RUNTIME_DISTRIBUTIONS, SETUP_STAMP, install_record, run_case

ROOT = Path(__file__).resolve().parents[1]
COMM = MPI.COMM_WORLD
# What the dolfinx-solver-real wheel brings besides the declared dependencies
WHEEL_STACK = ("mpich", "fenics-basix", "fenics-ffcx", "fenics-ufl")


def pins() -> dict[str, str]:
    found = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            match = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([^\s;]+)", line.strip())
            assert match, f"not a name==version pin: {line!r}"
            found[canonicalize_name(match[1])] = match[2]
    return found


def declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    return [Requirement(r) for r in [*project["dependencies"], *extras["fenicsx"], *extras["test"]]]


def test_constraints_pin_every_dependency_and_the_wheel_stack():
    pinned = pins()
    for requirement in declared():
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{name} is not in constraints.txt"
        assert requirement.specifier.contains(pinned[name], prereleases=True), (
            f"constraints.txt pins {name}=={pinned[name]}, outside {requirement}"
        )
    for name in (*WHEEL_STACK, "pip", "setuptools"):
        assert name in pinned, f"{name} is not in constraints.txt"
    assert "pnp-channels" not in pinned


@pytest.mark.skipif(
    install_record()["constraints"] is not True, reason="not installed with the constraints"
)
def test_a_pinned_install_has_the_pinned_versions():
    for name, version in pins().items():
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # a pin for a platform or extra not installed here
        if "_vendor" in Path(str(dist.locate_file(""))).parts:
            continue  # a copy vendored inside setuptools or pip, not an installed package
        assert dist.version == version, name


def test_the_install_record_reads_the_stamp_of_scripts_setup(tmp_path, monkeypatch):
    setup = (ROOT / "scripts" / "setup").read_text()
    assert f'stamp="$venv/{SETUP_STAMP}"' in setup
    assert 'echo "mode=$mode"' in setup and 'echo "constraints=$pinned"' in setup
    monkeypatch.setattr(sys, "prefix", str(tmp_path))
    assert install_record() == {"scripts_setup": False, "mode": None, "constraints": None}
    (tmp_path / SETUP_STAMP).write_text("sha256=0123\nmode=system\nconstraints=no\n")
    assert install_record() == {"scripts_setup": True, "mode": "system", "constraints": False}
    (tmp_path / SETUP_STAMP).write_text("sha256=0123\nmode=wheel\nconstraints=yes\n")
    assert install_record()["constraints"] is True


def test_provenance_records_the_version_of_every_runtime_dependency(shared_tmp):
    case = load_case(
        ROOT / "cases" / "default.toml",
        [
            "geometry={kind = 'slab', pore_length_nm = 4.0, bath_length_nm = 0.0}",
            "surfaces.pore_wall.charge_C_per_m2=0",
            "conditions.voltages_mV=[0]",
        ],
    )
    provenance = run_case(case, shared_tmp / "out", COMM)["provenance"]
    versions = provenance["versions"]
    for name in RUNTIME_DISTRIBUTIONS:
        assert name in versions
    for name in ("petsc4py", "mpi4py", "numpy", "scipy", "gmsh", "meshio", "matplotlib"):
        assert versions[name], name
    for name in ("fenics-basix", "fenics-ffcx", "fenics-ufl"):
        assert versions[name] == metadata.version(name)
    assert versions["dolfinx-solver-real"] or versions["fenics-dolfinx"]
    assert provenance["install"] == install_record()
