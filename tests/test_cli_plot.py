"""`pnp plot`: overlays of the I–V curves and axial profiles of finished runs."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from mpi4py import MPI

from pnp.cli import main
from pnp.post.overlay import read_run

COMM = MPI.COMM_WORLD
ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT / "cases" / "charged_filter_1d.toml"
TINY = ["--set", "geometry.refine=0", "--set", "conditions.voltages_mV=[-50.0, 0.0, 50.0]"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """Two runs of a small 1D channel: its filter charge and a third of it."""
    folder = Path(COMM.bcast(str(tmp_path_factory.mktemp("plot")) if COMM.rank == 0 else None))
    out = {"a": folder / "a", "b": folder / "b", "root": folder}
    extra = {"a": [], "b": ["--set", "segments.filter.fixed_charge_e=-1.0"]}
    for name in ("a", "b"):
        assert main(["run", str(CASE), "--out", str(out[name]), *TINY, *extra[name]]) == 0
        gc.collect()
        COMM.barrier()
    return out


def captured_figures(monkeypatch) -> list:
    from matplotlib.figure import Figure

    figures = []
    original = Figure.savefig

    def keep(self, *args, **kwargs):
        figures.append(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", keep)
    return figures


def test_iv_overlay_of_two_runs(runs, monkeypatch, capsys):
    figures = captured_figures(monkeypatch)
    target = runs["root"] / "cmp.pdf"
    assert main(["plot", "iv", str(runs["a"]), str(runs["b"]), "--out", str(target)]) == 0
    COMM.barrier()
    assert target.read_bytes()[:5] == b"%PDF-"
    if COMM.rank != 0:
        return
    (fig,) = figures
    ax = fig.axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["a: filter charge −9.91 M", "b: filter charge −3.3 M"]  # what differs
    assert "KCl 100 | 20 mM (in | out)" in fig.get_suptitle()  # what they share
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("voltage (mV)", "outward current (pA)")
    curves = [line for line in ax.get_lines() if line.get_marker() == "o"]
    for line, name in zip(curves, ("a", "b"), strict=True):  # the runs' own points
        run = read_run(runs[name])
        np.testing.assert_allclose(line.get_ydata(), run.iv["current_pA"])


def test_profile_overlay_of_two_runs(runs, monkeypatch):
    figures = captured_figures(monkeypatch)
    target = runs["root"] / "ez.svg"
    args = ["plot", "profile", str(runs["a"]), str(runs["b"]), "--voltage", "50"]
    assert main([*args, "--quantity", "E_z", "--out", str(target)]) == 0
    COMM.barrier()
    assert b"<svg" in target.read_bytes()[:1000]
    if COMM.rank == 0:
        (fig,) = figures
        ax = fig.axes[0]
        assert ax.get_ylabel() == "axial field E_z (MV/m)" and ax.get_yscale() == "linear"
        z, field = ax.get_lines()[0].get_data()
        # far from the pore the smooth field is the cellwise one of the run (same mesh cells)
        profile = read_run(runs["a"]).profile(50.0)
        bath = np.abs(z) > 5.0
        np.testing.assert_allclose(field[bath], profile["E_z_V_per_m"][bath] * 1e-6, rtol=0.2)
    assert main([*args, "--quantity", "c_K", "--out", str(runs["root"] / "ck.png")]) == 0
    if COMM.rank == 0:
        assert figures[-1].axes[0].get_yscale() == "log"
        assert figures[-1].axes[0].get_ylabel() == "[K⁺] (mM)"


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["iv", "{a}", "{root}/nothing"], "nothing: not a folder"),
        (["iv", "{a}", "{root}"], "not a run folder (no results.json, iv.csv or profiles)"),
        (["iv", "{a}", "--out", "{root}/x.jpg"], "must end in .png, .pdf, .svg"),
        (["profile", "{a}", "{b}", "--voltage", "33"], "no axial profile at 33 mV"),
        (["profile", "{a}", "--voltage", "0", "--quantity", "c_Na"], "one of phi, E_z, c_K"),
        (["iv", "{a}", "--out", "{root}/missing/x.png"], "cannot write"),
    ],
)
def test_bad_folders_and_options_give_one_line(runs, capsys, argv, words):
    names = {k: str(v) for k, v in runs.items()}
    argv = [a.format(**names) for a in argv]
    if "--out" not in argv:
        argv += ["--out", str(runs["root"] / "bad.png")]
    assert main(["plot", *argv]) == 2
    if COMM.rank == 0:
        err = capsys.readouterr().err
        assert words in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


@pytest.mark.skipif(COMM.size > 1, reason="starts a serial pnp process")
def test_verbose_run_prints_no_third_party_debug_lines(tmp_path):
    command = [sys.executable, "-m", "pnp", "run", str(CASE), "--out", str(tmp_path), "-v"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [*command, *TINY], capture_output=True, text=True, env=env, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "iv.png").exists()  # matplotlib drew, and searched its fonts
    lines = done.stderr.splitlines()  # without the quiet loggers: thousands of lines
    noisy = [x for x in lines if "matplotlib" in x or "findfont" in x or "PIL" in x]
    assert noisy == []
