"""Files a run leaves behind: JSON, CSV and ParaView fields (rank 0 writes the text files)."""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from mpi4py import MPI

from pnp.fem import dolfinx
from pnp.solver.problem import PnpProblem

fem = dolfinx.fem


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
    if comm.rank == 0:
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(_jsonable(data), indent=2) + "\n")
        tmp.replace(path)  # never leave a half-written results file
    comm.barrier()


def write_csv(comm: MPI.Comm, path: Path, header: Sequence[str], rows: Sequence[Sequence]) -> None:
    if comm.rank == 0:
        with path.open("w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            for row in rows:
                writer.writerow(["" if v is None else v for v in _jsonable(list(row))])
    comm.barrier()


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
        for i, f in enumerate(self.conc, start=1):
            f.x.array[:] = np.where(p.ion_free, 0.0, np.exp(p.component(i)) * sc.concentration_mM)
        if self._xdmf:
            for f in self._functions:
                self._writer.write_function(f, voltage_mV)
        else:
            self._writer.write(voltage_mV)

    def close(self) -> None:
        self._writer.close()
