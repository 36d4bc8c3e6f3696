"""gmsh plumbing: a clean session on the root rank, root-only work with collective errors,
discrete (array-given) meshes and physical groups with the package's tag values.

Nothing here touches DOLFINx. Every function except `run_on_root` and
`build_on_root` is meant to run on the root rank only.
"""

from __future__ import annotations

import math
import pickle
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
from mpi4py import MPI

from pnp.geometry.domain import BOUNDARY_TAGS, REGION_TAGS

ROOT = 0

# gmsh element type of each meshio cell type we accept (linear cells only).
GMSH_ELEMENT_TYPES = {
    "vertex": 15,
    "line": 1,
    "triangle": 2,
    "quad": 3,
    "tetra": 4,
    "hexahedron": 5,
}

# Options changed during a build; restored afterwards when gmsh was already running.
_OPTIONS = (
    "General.Terminal",
    "General.Verbosity",
    "Mesh.MeshSizeExtendFromBoundary",
    "Mesh.MeshSizeFromPoints",
    "Mesh.MeshSizeFromCurvature",
)


@contextmanager
def gmsh_session(model_name: str, *, verbose: bool = False) -> Iterator[Any]:
    """Yield the gmsh module with a fresh current model named `model_name`.

    Initialises gmsh if needed (and finalises it afterwards); if the caller had
    already initialised gmsh, only the new model is removed and the caller's
    current model and the options touched here are restored.
    """
    import gmsh

    owner = not gmsh.isInitialized()
    saved: dict[str, float] = {}
    previous = ""
    if owner:
        # No SIGINT handler: gmsh may run inside MPI jobs and threads.
        gmsh.initialize(interruptible=False)
    else:
        previous = gmsh.model.getCurrent()
        saved = {name: gmsh.option.getNumber(name) for name in _OPTIONS}
    try:
        gmsh.option.setNumber("General.Terminal", 1 if verbose else 0)
        gmsh.option.setNumber("General.Verbosity", 5 if verbose else 2)
        gmsh.model.add(model_name)
        yield gmsh
    finally:
        if owner:
            gmsh.finalize()
        else:
            gmsh.model.setCurrent(model_name)
            gmsh.model.remove()
            if previous:
                gmsh.model.setCurrent(previous)
            for name, value in saved.items():
                gmsh.option.setNumber(name, value)


def run_on_root[T](comm: MPI.Comm, work: Callable[[], T]) -> T:
    """Run `work` on the root rank only and broadcast its (picklable) result.

    An exception on the root is raised on every rank: the same exception when it can
    be pickled (the package's errors, built-in exceptions), else a RuntimeError with its
    message. So a failure in the root-only part never leaves the other ranks waiting in
    a collective call, and every rank reports the same one-line error.
    """
    result: T | None = None
    failure: Exception | None = None
    if comm.rank == ROOT:
        try:
            result = work()
        except Exception as exc:
            failure = exc
    if comm.size == 1:
        if failure is not None:
            raise failure
        return result  # type: ignore[return-value]
    report = None if failure is None else _transportable(failure)
    report = comm.bcast(report, root=ROOT)
    if failure is not None:
        raise failure
    if report is not None:
        raise report
    return comm.bcast(result, root=ROOT)


def _transportable(failure: Exception) -> Exception:
    """`failure` itself if it survives pickling unchanged in type and message, else a
    RuntimeError with its message."""
    try:
        copy = pickle.loads(pickle.dumps(failure))
    except Exception:
        return RuntimeError(str(failure))
    if type(copy) is not type(failure) or str(copy) != str(failure):
        return RuntimeError(str(failure))
    return failure


def add_physical_groups(
    tdim: int,
    regions: dict[str, Sequence[int]],
    boundaries: dict[str, Sequence[int]],
    tags: Mapping[str, int] = REGION_TAGS,
) -> None:
    """Name and number the physical groups after `tags` (default `REGION_TAGS`; with
    segments `pnp.geometry.domain.region_tags`) / `BOUNDARY_TAGS`."""
    import gmsh

    for name, entities in regions.items():
        if entities:
            gmsh.model.addPhysicalGroup(tdim, sorted(entities), tags[name], name)
    for name, entities in boundaries.items():
        if entities:
            gmsh.model.addPhysicalGroup(tdim - 1, sorted(entities), BOUNDARY_TAGS[name], name)


def add_discrete_mesh(
    points: np.ndarray, blocks: Sequence[tuple[int, str | None, str, np.ndarray]]
) -> dict[tuple[int, str | None], list[int]]:
    """Load a mesh given as arrays into the current gmsh model.

    `points` has shape (n, 3); each block is (dim, group name, meshio cell type,
    0-based connectivity). Every block becomes a discrete entity; blocks with the
    same (dim, name) belong together. Returns {(dim, name): entities}; the caller
    makes the physical groups.
    """
    import gmsh

    points = np.asarray(points, dtype=np.float64)
    node_tags = np.arange(1, points.shape[0] + 1, dtype=np.uint64)
    entities: dict[tuple[int, str | None], list[int]] = {}
    next_element = 1
    nodes_added = False
    for dim, name, cell_type, conn in sorted(blocks, key=lambda b: -b[0]):
        if cell_type not in GMSH_ELEMENT_TYPES:
            raise ValueError(
                f"cell type {cell_type!r} is not supported; use linear cells "
                f"({', '.join(GMSH_ELEMENT_TYPES)})"
            )
        conn = np.asarray(conn, dtype=np.int64).reshape(len(conn), -1)
        entity = gmsh.model.addDiscreteEntity(dim)
        if not nodes_added:
            gmsh.model.mesh.addNodes(dim, entity, node_tags, points.ravel())
            nodes_added = True
        element_tags = np.arange(next_element, next_element + len(conn), dtype=np.uint64)
        next_element += len(conn)
        gmsh.model.mesh.addElementsByType(
            entity, GMSH_ELEMENT_TYPES[cell_type], element_tags, (conn + 1).ravel()
        )
        entities.setdefault((dim, name), []).append(entity)
    return entities


def distance_sampling(extent_nm: float, size_nm: float, cap: int) -> int:
    """Sampling of a curve/surface in a gmsh Distance field: two points per cell."""
    return int(min(cap, max(20, math.ceil(2.0 * extent_nm / size_nm))))


def threshold_field(
    distance: int, *, size_min: float, size_max: float, dist_min: float, dist_max: float
) -> int:
    """A Threshold field on `distance`: `size_min` up to `dist_min`, growing linearly to
    `size_max` at `dist_max`."""
    import gmsh

    field = gmsh.model.mesh.field
    threshold = field.add("Threshold")
    field.setNumber(threshold, "InField", distance)
    field.setNumber(threshold, "SizeMin", size_min)
    field.setNumber(threshold, "SizeMax", size_max)
    field.setNumber(threshold, "DistMin", dist_min)
    field.setNumber(threshold, "DistMax", dist_max)
    return threshold


def use_smallest_of(fields: Sequence[int]) -> None:
    """Mesh with the minimum of `fields` as the only source of cell sizes."""
    import gmsh

    field = gmsh.model.mesh.field
    smallest = field.add("Min")
    field.setNumbers(smallest, "FieldsList", list(fields))
    field.setAsBackgroundMesh(smallest)
    for option in ("MeshSizeExtendFromBoundary", "MeshSizeFromPoints", "MeshSizeFromCurvature"):
        gmsh.option.setNumber(f"Mesh.{option}", 0)
