"""pnp.parallel: an exception on one rank is raised on every rank, with its type and message."""

from __future__ import annotations

import threading

import pytest
from mpi4py import MPI

from pnp.parallel import RankError, on_root, raise_anywhere, together

COMM = MPI.COMM_WORLD
LAST = COMM.size - 1


def test_on_root_broadcasts_the_result():
    assert on_root(COMM, lambda: {"rank": COMM.rank}) == {"rank": 0}


def test_an_error_on_the_root_is_raised_on_every_rank_with_its_type():
    def work() -> None:
        raise FileExistsError(17, "File exists", "/some/out")

    with pytest.raises(FileExistsError) as info:
        on_root(COMM, work)
    assert info.value.filename == "/some/out" and info.value.errno == 17


def test_an_interrupt_on_the_root_reaches_every_rank():
    def work() -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        on_root(COMM, work)


class UnpicklableError(Exception):
    def __init__(self, *, detail: str) -> None:  # keyword-only: pickle cannot rebuild it
        super().__init__(f"bad thing: {detail}")


def test_an_exception_that_cannot_travel_arrives_as_a_rank_error():
    def work() -> None:
        raise UnpicklableError(detail="x")

    expected = UnpicklableError if COMM.rank == 0 else RankError
    with pytest.raises(expected, match="bad thing: x"):
        on_root(COMM, work)


def test_a_result_that_cannot_travel_is_an_error_everywhere():
    with pytest.raises(Exception, match="pickle"):
        on_root(COMM, threading.Lock)  # a lock does not pickle


def test_a_failure_on_the_last_rank_only_is_raised_on_every_rank():
    def work() -> int:
        if COMM.rank == LAST:
            raise PermissionError(13, "Permission denied", f"/rank{LAST}")
        return COMM.rank

    with pytest.raises(PermissionError) as info:
        together(COMM, work)
    assert info.value.filename == f"/rank{LAST}"
    assert together(COMM, lambda: COMM.rank) == COMM.rank  # the ranks are still in step


def test_the_lowest_failing_rank_wins():
    failure = ValueError(f"rank {COMM.rank}")
    with pytest.raises(ValueError, match="rank 0"):
        raise_anywhere(COMM, failure)
    raise_anywhere(COMM, None)  # nobody failed: nothing raised
