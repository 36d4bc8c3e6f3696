"""The scripts of examples/ run as they are (`python examples/x.py`), on coarse settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from mpi4py import MPI

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("[0-9][0-9]_*.py"))

pytestmark = pytest.mark.skipif(
    MPI.COMM_WORLD.size > 1,
    reason="each example is a serial script run in its own process; run this file serially",
)


def test_there_are_examples_and_the_readme_lists_them():
    assert len(EXAMPLES) >= 5
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for path in EXAMPLES:
        assert f"examples/{path.name}" in readme, path.name


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs(path, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PMI_")}
    env.update(PNP_EXAMPLES_FAST="1", PYTHONPATH=str(ROOT), TMPDIR=str(tmp_path), MPLBACKEND="Agg")
    done = subprocess.run(
        [sys.executable, str(path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, (
        f"{path.name} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    )
