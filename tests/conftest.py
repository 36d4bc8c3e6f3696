"""Shared fixtures. Every test runs on all ranks of COMM_WORLD (serial or mpiexec -n 2)."""

from __future__ import annotations

from pathlib import Path

import pytest
from mpi4py import MPI


@pytest.fixture
def shared_tmp(tmp_path_factory) -> Path:
    """A temporary folder that every rank sees (made on rank 0, path broadcast)."""
    comm = MPI.COMM_WORLD
    path = str(tmp_path_factory.mktemp("shared")) if comm.rank == 0 else None
    return Path(comm.bcast(path, root=0))
