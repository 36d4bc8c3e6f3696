"""JIT cache: settings from the environment, and concurrent jobs sharing one cache."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from mpi4py import MPI

from pnp.jit import CACHE_ENV, DEFAULT_TIMEOUT_S, TIMEOUT_ENV, jit_options

# Compiles the forms of a small PNP problem with the package's JIT settings.
JOB = textwrap.dedent(
    """
    from mpi4py import MPI
    from pnp.fem import dolfinx
    from pnp.case import case_from_dict
    from pnp.solver.problem import PnpProblem
    from pnp.validation.limits import salt_slab, wall_domain

    problem = PnpProblem(wall_domain(MPI.COMM_SELF, 10.0, 20), case_from_dict(salt_slab()))
    problem.destroy()
    print("compiled")
    """
)


def test_defaults_and_environment(monkeypatch, tmp_path):
    monkeypatch.delenv(TIMEOUT_ENV, raising=False)
    monkeypatch.delenv(CACHE_ENV, raising=False)
    assert jit_options() == {"timeout": DEFAULT_TIMEOUT_S}
    monkeypatch.setenv(TIMEOUT_ENV, "42")
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    assert jit_options() == {"timeout": 42, "cache_dir": tmp_path}
    for bad in ("soon", "0"):
        monkeypatch.setenv(TIMEOUT_ENV, bad)
        with pytest.raises(ValueError, match=TIMEOUT_ENV):
            jit_options()


@pytest.mark.skipif(MPI.COMM_WORLD.size > 1, reason="starts its own serial processes")
def test_concurrent_jobs_compile_each_module_once(tmp_path):
    """Three jobs start at once on an empty cache: all succeed, each module is built once."""
    env = {**os.environ, CACHE_ENV: str(tmp_path), TIMEOUT_ENV: "300"}
    jobs = [
        subprocess.Popen(
            [sys.executable, "-c", JOB],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [job.communicate(timeout=600) for job in jobs]
    for job, (out, err) in zip(jobs, outputs, strict=True):
        assert job.returncode == 0, err[-2000:]
        assert "compiled" in out
    sources = sorted(p.name for p in tmp_path.glob("*.c"))
    finished = sorted(p.name.removesuffix(".cached") for p in tmp_path.glob("*.c.cached"))
    assert sources, "nothing was compiled into the job cache"
    assert finished == sources
    assert len(list(tmp_path.glob("*.so"))) == len(sources)
