"""Shared fixtures. Every test runs on all ranks of COMM_WORLD (serial or mpiexec -n 2)."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from mpi4py import MPI


@pytest.fixture
def shared_tmp(tmp_path_factory) -> Path:
    """A temporary folder that every rank sees (made on rank 0, path broadcast)."""
    comm = MPI.COMM_WORLD
    path = str(tmp_path_factory.mktemp("shared")) if comm.rank == 0 else None
    return Path(comm.bcast(path, root=0))


@pytest.fixture(autouse=True)
def collective_garbage_collection():
    """PETSc objects are destroyed collectively: collect garbage at the same point on every
    rank (automatic collection is off during the tests, see pytest_configure)."""
    yield
    gc.collect()
    MPI.COMM_WORLD.barrier()


def pytest_configure(config):
    gc.disable()
