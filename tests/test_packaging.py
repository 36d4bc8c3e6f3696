"""Packaging: one version number, the metadata a citation needs, the CLI's defaults."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import meshio
from mpi4py import MPI
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from setuptools.config.pyprojecttoml import read_configuration

import pnp
from pnp.cli import main

ROOT = Path(__file__).resolve().parents[1]
COMM = MPI.COMM_WORLD


def test_pyproject_takes_its_version_from_the_package():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"]
    assert project["project"]["dynamic"] == ["version"]
    resolved = read_configuration(ROOT / "pyproject.toml")["project"]
    assert resolved["version"] == pnp.__version__
    assert re.fullmatch(r"\d+\.\d+\.\d+", pnp.__version__)


def test_the_citation_names_the_same_version():
    cff = (ROOT / "CITATION.cff").read_text()
    assert re.search(rf"^version: {re.escape(pnp.__version__)}$", cff, re.MULTILINE)


def test_pnp_version_prints_the_package_version():
    if COMM.rank == 0:  # a subprocess of its own on one rank; nothing collective
        out = subprocess.run(
            [sys.executable, "-m", "pnp", "--version"],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
            timeout=120,
        )
        assert out.stdout.strip() == f"pnp {pnp.__version__}"


def test_the_metadata_names_authors_urls_classifiers_and_keywords():
    project = read_configuration(ROOT / "pyproject.toml")["project"]
    assert project["authors"] and all(a.get("name") for a in project["authors"])
    assert {"Homepage", "Documentation", "Source"} <= set(project["urls"])
    assert all(url.startswith("https://") for url in project["urls"].values())
    assert "Intended Audience :: Science/Research" in project["classifiers"]
    assert any(c.startswith("Topic :: Scientific/Engineering") for c in project["classifiers"])
    assert "Poisson-Nernst-Planck" in project["keywords"]


def test_the_docs_extra_is_pinned():
    pinned = {
        canonicalize_name(line.split("==")[0])
        for line in (ROOT / "constraints.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    }
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    for requirement in map(Requirement, extras["docs"]):
        assert canonicalize_name(requirement.name) in pinned, requirement.name


def test_pnp_mesh_writes_out_name_msh_by_default(shared_tmp, monkeypatch):
    monkeypatch.chdir(shared_tmp)
    case = ROOT / "cases" / "ghk_dilute.toml"
    assert main(["mesh", str(case), "--set", "name=mesh_default"]) == 0
    COMM.barrier()
    written = shared_tmp / "out" / "mesh_default.msh"
    assert written.is_file()
    assert not (shared_tmp / "meshes").exists()
    assert meshio.read(written).points.shape[0] > 1
