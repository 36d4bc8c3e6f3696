"""Files a run leaves behind: JSON, CSV and ParaView fields (rank 0 writes the text files).

A text file that cannot be written raises `OutputError` naming it on every rank
(`pnp.parallel.on_root`); the file it would have replaced is left as it was.
"""

from __future__ import annotations

import csv
import io
import json
import math
import shutil
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np
from mpi4py import MPI

from pnp.fem import dolfinx
from pnp.folders import OutputError, write_atomic
from pnp.parallel import on_root
from pnp.post.flow import FlowFields
from pnp.solver.problem import PnpProblem

fem = dolfinx.fem

# Everything a steady or transient run writes into its folder. A new run clears
# these first, so no file of an earlier run (a profile at a voltage no longer
# computed, an old iv.csv) is mixed with the new ones; other files are left alone.
RUN_OUTPUTS = (
    "results.json",
    "iv.csv",
    "iv.png",
    "profiles.png",
    "profile_*mV.csv",
    "fields.bp",
    "fields.xdmf",
    "fields.h5",
    "mesh.msh",
    "transient.csv",
    "transient.png",
    ".*.tmp",  # the temporary file of a write that was killed half-way
)


def clear_outputs(folder: Path) -> None:
    """Remove the `RUN_OUTPUTS` of an earlier run from `folder` (rank 0; the caller holds
    the folder's lock)."""
    for pattern in RUN_OUTPUTS:
        for path in Path(folder).glob(pattern):
            try:
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path)
                else:
                    path.unlink()
            except OSError as err:
                raise OutputError(
                    f"cannot remove {path}, the output of an earlier run ({err.strerror}); "
                    "remove it or choose another --out"
                ) from None


def _jsonable(value):
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Path):
        return str(value)
    return value


def write_json(comm: MPI.Comm, path: Path, data: Mapping) -> None:
    """Collective: rank 0 replaces `path` with `data` as JSON, atomically."""
    on_root(comm, lambda: write_text(path, json.dumps(_jsonable(data), indent=2) + "\n"))


def write_csv(comm: MPI.Comm, path: Path, header: Sequence[str], rows: Sequence[Sequence]) -> None:
    """Collective: rank 0 replaces `path` with a CSV table, atomically."""

    def text() -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if v is None else v for v in _jsonable(list(row))])
        return buffer.getvalue()

    on_root(comm, lambda: write_text(path, text()))


def write_plot(comm: MPI.Comm, path: Path, draw: Callable[[Path], None]) -> None:
    """Collective: rank 0 draws a figure into `path` with `draw(path)`."""

    def work() -> None:
        try:
            draw(path)
        except OSError as err:
            raise _write_error(path, err) from None

    on_root(comm, work)


def write_text(path: Path, text: str) -> None:
    """Replace `path` with `text` (one process), or raise OutputError naming the file."""
    try:
        write_atomic(path, text)
    except OSError as err:
        raise _write_error(path, err) from None


def _write_error(path: Path, err: OSError) -> OutputError:
    return OutputError(f"cannot write {path} ({err.strerror or err})")


def write_columns(comm: MPI.Comm, path: Path, columns: Mapping[str, np.ndarray]) -> None:
    header = list(columns)
    rows = np.column_stack([np.asarray(columns[k], dtype=float) for k in header])
    write_csv(comm, path, header, rows.tolist())


class FieldWriter:
    """phi (mV) and each concentration (mM; 0 inside the membrane) per voltage, for ParaView.

    VTX (ADIOS2, .bp) with the voltage in mV as the time value; XDMF when
    DOLFINx was built without ADIOS2.
    """

    def __init__(self, problem: PnpProblem, directory: Path) -> None:
        self.problem = problem
        scalar = problem.scalar_space
        self.phi = fem.Function(scalar, name="phi_mV")
        self.conc = [fem.Function(scalar, name=f"c_{s.name}_mM") for s in problem.case.species]
        comm = problem.domain.mesh.comm
        functions = [self.phi, *self.conc]
        self.flow = FlowFields(problem) if problem.flow is not None else None
        if self.flow is not None:
            functions += self.flow.functions
        if dolfinx.io.has_adios2:
            self.path = directory / "fields.bp"
            self._writer = dolfinx.io.VTXWriter(comm, self.path, functions, engine="BP4")
            self._xdmf = False
        else:
            self.path = directory / "fields.xdmf"
            self._writer = dolfinx.io.XDMFFile(comm, self.path, "w")
            self._writer.write_mesh(problem.domain.mesh)
            self._xdmf = True
        self._functions = functions

    def write(self, voltage_mV: float) -> None:
        p = self.problem
        sc = p.scales
        self.phi.x.array[:] = p.component(0) * sc.thermal_voltage * 1e3
        concentrations = p.concentrations()
        for i, f in enumerate(self.conc):
            f.x.array[:] = np.where(p.ion_free, 0.0, concentrations[:, i] * sc.concentration_mM)
        if self.flow is not None:
            self.flow.update()
        if self._xdmf:
            for f in self._functions:
                self._writer.write_function(f, voltage_mV)
        else:
            self._writer.write(voltage_mV)

    def close(self) -> None:
        self._writer.close()
