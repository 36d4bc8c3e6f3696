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
from pnp.solver.problem import PnpProblem, ion_free_mask

fem = dolfinx.fem

# Everything a steady or transient run writes into its folder. A new run clears
# these first, so no file of an earlier run (a profile at a voltage no longer
# computed, an old iv.csv) is mixed with the new ones; other files are left alone.
GENERATED_PQR = "structure.pqr"  # the PQR made from a [structure] pdb_file
RUN_OUTPUTS = (
    "results.json",
    "iv.csv",
    "iv.png",
    "profiles.png",
    "profile_*mV.csv",
    "fields.bp",
    "fields.xdmf",
    "fields.h5",
    "fields.pvd",
    "fields_*.vtu",
    "mesh.msh",
    "transient.csv",
    "transient.png",
    "run.log",
    GENERATED_PQR,
    *(f"{name}.{fmt}" for name in ("iv", "profiles", "transient") for fmt in ("pdf", "svg")),
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
    """phi (mV) and each concentration (mM) per voltage (or time), for ParaView and meshio.

    The format is the case's `output.field_format` (`pnp.case.schema.FIELD_FORMATS`):
    "vtx" writes fields.bp (ADIOS2; XDMF when DOLFINx was built without ADIOS2) in the
    solver's Lagrange degree; "xdmf" writes fields.xdmf + fields.h5 and "vtu" writes
    fields_NNNNNN.vtu (one file per snapshot, gathered on rank 0) and the collection
    fields.pvd, both as P1 values at the mesh vertices (a degree-2 solution is
    interpolated). The snapshot's label (the voltage in mV, or the time in s) is the time
    value. A concentration is NaN at the nodes that touch no electrolyte cell (inside the
    membrane, where there are no ions); nodes on the membrane | electrolyte interface
    keep their values.
    """

    def __init__(self, problem: PnpProblem, directory: Path) -> None:
        self.problem = problem
        comm = problem.domain.mesh.comm
        self.format = problem.case.output.field_format
        if self.format == "vtx" and not dolfinx.io.has_adios2:
            self.format = "xdmf"
        if self.format == "vtx" or problem.degree == 1:
            space, self._ion_free = problem.scalar_space, problem.ion_free
        else:
            space = fem.functionspace(problem.domain.mesh, ("Lagrange", 1))
            self._ion_free = ion_free_mask(space, problem.measures.dx_electrolyte)
        self._source = None
        if space is not problem.scalar_space:  # interpolated from the solver's space
            self._source = fem.Function(problem.scalar_space)
        self.phi = fem.Function(space, name="phi_mV")
        self.conc = [fem.Function(space, name=f"c_{s.name}_mM") for s in problem.case.species]
        self._functions = [self.phi, *self.conc]
        self.flow = None
        if problem.flow is not None:
            self.flow = FlowFields(problem, space, self._ion_free)
            self._functions += self.flow.functions
        if self.format == "vtx":
            self.path = directory / "fields.bp"
            self._writer = dolfinx.io.VTXWriter(comm, self.path, self._functions, engine="BP4")
        elif self.format == "xdmf":
            self.path = directory / "fields.xdmf"
            self._writer = dolfinx.io.XDMFFile(comm, self.path, "w")
            self._writer.write_mesh(problem.domain.mesh)
        else:
            self.path = directory / "fields.pvd"
            self._writer = VtuSeries(self.path, self._functions)

    def write(self, label: float) -> None:
        """Write the problem's current state as the snapshot `label` (collective)."""
        p = self.problem
        sc = p.scales
        self._set(self.phi, p.component(0) * sc.thermal_voltage * 1e3)
        concentrations = p.concentrations()
        for i, f in enumerate(self.conc):
            self._set(f, concentrations[:, i] * sc.concentration_mM)
            f.x.array[self._ion_free] = np.nan
        if self.flow is not None:
            self.flow.update()
        if self.format == "xdmf":
            for f in self._functions:
                self._writer.write_function(f, label)
        else:
            self._writer.write(label)

    def _set(self, target: fem.Function, values: np.ndarray) -> None:
        if self._source is None:
            target.x.array[:] = values
        else:
            self._source.x.array[:] = values
            target.interpolate(self._source)

    def close(self) -> None:
        self._writer.close()


# VTK's names (and, where it differs, its vertex order) of the DOLFINx P1 cells.
_VTK_CELLS = {
    "interval": ("line", None),
    "triangle": ("triangle", None),
    "tetrahedron": ("tetra", None),
    "quadrilateral": ("quad", [0, 1, 3, 2]),
    "hexahedron": ("hexahedron", [0, 1, 3, 2, 4, 5, 7, 6]),
}


class VtuSeries:
    """P1 functions of one space as a series of single-piece .vtu files (meshio, on rank 0)
    named after the .pvd collection `path` that lists them with their time values."""

    def __init__(self, path: Path, functions: Sequence[fem.Function]) -> None:
        self.path, self.functions = Path(path), list(functions)
        space = self.functions[0].function_space
        self.comm = space.mesh.comm
        imap = space.dofmap.index_map
        self._owned = imap.size_local
        cells = space.mesh.topology.index_map(space.mesh.topology.dim).size_local
        connectivity = imap.local_to_global(space.dofmap.list[:cells].ravel())
        parts = self.comm.gather(
            (space.tabulate_dof_coordinates()[: self._owned], connectivity.reshape(cells, -1))
        )
        self._cells = None
        if self.comm.rank == 0:
            name, order = _VTK_CELLS[space.mesh.topology.cell_name()]
            points = np.concatenate([pts for pts, _ in parts])  # ranks own consecutive dofs
            conn = np.concatenate([c for _, c in parts]).astype(np.int64)
            self._points = points
            self._cells = [(name, conn if order is None else conn[:, order])]
        self.snapshots: list[tuple[float, str]] = []

    def write(self, label: float) -> None:
        """Collective: rank 0 writes the functions' current values as the next .vtu file."""
        import meshio

        values = self.comm.gather([self._owned_values(f) for f in self.functions])
        target = self.path.with_name(f"{self.path.stem}_{len(self.snapshots):06d}.vtu")
        self.snapshots.append((float(label), target.name))

        def work() -> None:
            data = {
                f.name: np.concatenate([v[k] for v in values]) for k, f in enumerate(self.functions)
            }
            mesh = meshio.Mesh(self._points, self._cells, point_data=data)
            try:
                meshio.write(target, mesh, file_format="vtu")
                write_atomic(self.path, self._collection())
            except OSError as err:
                raise _write_error(target, err) from None

        on_root(self.comm, work)

    def _owned_values(self, f: fem.Function) -> np.ndarray:
        """The owned nodal values of `f`; a vector as one row of 3 components per node
        (VTK's vectors are 3D: an (r, z) or (x, y) vector gets a zero third component)."""
        bs = f.function_space.dofmap.index_map_bs
        values = f.x.array[: self._owned * bs].copy()
        if bs == 1:
            return values
        rows = np.zeros((self._owned, 3))
        rows[:, :bs] = values.reshape(self._owned, bs)
        return rows

    def _collection(self) -> str:
        rows = "".join(
            f'    <DataSet timestep="{t!r}" part="0" file="{name}"/>\n'
            for t, name in self.snapshots
        )
        return (
            '<?xml version="1.0"?>\n<VTKFile type="Collection" version="0.1">\n'
            f"  <Collection>\n{rows}  </Collection>\n</VTKFile>\n"
        )

    def close(self) -> None:
        pass
