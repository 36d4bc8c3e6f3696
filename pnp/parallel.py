"""Keeping the ranks of a communicator together when something fails on some of them.

An exception on one rank must not leave the others waiting in a collective call:
`on_root` runs a rank-0-only action (a file write, a folder, a plot) and raises
its exception on every rank; `together` runs an action on every rank and, if it
failed anywhere, raises the same exception on every rank. Either way every rank
leaves with the same exception type and message, so the command line prints one
message and every rank returns the same exit code.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import Any

from mpi4py import MPI

from pnp.errors import PnpError

ROOT = 0


class RankError(PnpError):
    """An exception of another rank that cannot be sent as it is (not picklable)."""


def on_root[T](comm: MPI.Comm, work: Callable[[], T]) -> T:
    """Run `work` on rank 0 of `comm` and broadcast its (picklable) result.

    An exception there (any, KeyboardInterrupt included) is raised on every rank:
    the original on rank 0, a copy of it on the others.
    """
    payload = None
    failure: BaseException | None = None
    if comm.rank == ROOT:
        try:
            payload = _packed(False, work())
        except BaseException as exc:
            failure = exc
            payload = _packed(True, exc)
    if comm.size > 1:
        payload = comm.bcast(payload, root=ROOT)
    if failure is not None:
        raise failure
    return _unpacked(payload)


def together[T](comm: MPI.Comm, work: Callable[[], T]) -> T:
    """Run `work` on every rank of `comm`; if it raised anywhere, raise on every rank the
    exception of the lowest rank where it did (the original there, a copy elsewhere)."""
    result: Any = None
    failure: BaseException | None = None
    try:
        result = work()
    except BaseException as exc:
        failure = exc
    raise_anywhere(comm, failure)
    return result


def raise_anywhere(comm: MPI.Comm, failure: BaseException | None) -> None:
    """Collective: raise on every rank the `failure` of the lowest rank that has one."""
    first = comm.allreduce(comm.rank if failure is not None else comm.size, op=MPI.MIN)
    if first == comm.size:
        return
    payload = comm.bcast(_packed(True, failure) if comm.rank == first else None, root=first)
    if failure is not None and comm.rank == first:
        raise failure
    _unpacked(payload)


def _packed(failed: bool, value: Any) -> bytes:
    """`value` pickled, checked to come back; an exception that does not becomes a RankError."""
    if not failed:
        return pickle.dumps((False, value))
    try:
        data = pickle.dumps((True, value))
        pickle.loads(data)
        return data
    except Exception:
        return pickle.dumps((True, RankError(f"{type(value).__name__}: {value}")))


def _unpacked(payload: bytes) -> Any:
    failed, value = pickle.loads(payload)
    if failed:
        raise value
    return value
