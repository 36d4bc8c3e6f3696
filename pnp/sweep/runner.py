"""Running a sweep under MPI: groups of ranks, a shared work queue, one case at a time per group.

The ranks of `comm` are split into groups of `ranks_per_case` consecutive ranks.
Each group takes the next pending case from a queue file in the sweep folder
(under the folder lock), runs it collectively on the group's communicator,
writes the case folder, its ``done.json`` and its summary row, and takes the
next one. No rank serves the queue, so no solve waits for a dispatcher: the group
that finishes first takes the next case, and unequal case costs balance
themselves. The groups never communicate with each other; rank 0 of `comm`
prepares the folder before (record check, summary rebuilt from the finished
cases, the queue) and rewrites the sorted summary once every group is done.

A case is recorded only when it ends (its ``done.json``), so a sweep killed at
any moment loses nothing finished and re-runs the cases it was in. A `stop`
request (Ctrl-C, SIGTERM: `pnp.interrupt`) lets the running cases finish; a second
stops them, and they run again on resume.
"""

from __future__ import annotations

import gc
import json
import logging
import shutil
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mpi4py import MPI

from pnp.case import Case, case_to_toml
from pnp.folders import OutputError, folder_lock
from pnp.interrupt import Interrupted, stop_requested
from pnp.parallel import on_root, raise_anywhere
from pnp.sweep.errors import SweepError
from pnp.sweep.expand import SweepPoint, build_cases, expand
from pnp.sweep.spec import SweepSpec
from pnp.sweep.store import (
    CASES_DIR,
    adopt_folder,
    case_folder,
    case_hash,
    claim_next,
    close_queue,
    open_queue,
    pending_cases,
    rebuild_summary,
    sweep_record,
    write_done,
)
from pnp.sweep.summary import SUMMARY_NAME, append_row, case_row, summary_columns

if TYPE_CHECKING:
    from pnp.problem_cache import ProblemCache

log = logging.getLogger(__name__)

Progress = Callable[[str], None]


@dataclass(frozen=True)
class SweepReport:
    """How a sweep invocation went, over the cases of its shard (identical on every rank)."""

    out_dir: Path
    cases: int  # cases in this shard
    ran: int  # cases run by this invocation
    finished_before: int  # cases of the shard already finished when it started
    ok: int
    partial: int
    failed: int
    unfinished: int  # cases of the shard without a result (stopped early)
    interrupted: bool = False  # stopped by `stop` before the queue was empty

    @property
    def exit_code(self) -> int:
        """130 if interrupted, 3 if a case of the shard failed anywhere, else 0."""
        if self.interrupted:
            return 130
        return 3 if (self.failed or self.partial) else 0

    @property
    def summary_path(self) -> Path:
        return self.out_dir / SUMMARY_NAME


def parse_shard(text: str) -> tuple[int, int]:
    """``"I/N"`` (0 <= I < N) to (I, N)."""
    try:
        index, count = (int(part) for part in text.split("/"))
    except ValueError:
        raise SweepError("--shard", f"expected I/N such as 0/4, got {text!r}") from None
    if count < 1 or not 0 <= index < count:
        raise SweepError("--shard", f"expected I/N with 0 <= I < N, got {text!r}")
    return index, count


def run_sweep(
    spec: SweepSpec,
    out_dir: Path,
    comm: MPI.Comm,
    *,
    ranks_per_case: int = 1,
    shard: tuple[int, int] = (0, 1),
    retry_failed: bool = False,
    max_cases: int | None = None,
    petsc_options: Mapping[str, object] | None = None,
    progress: Progress | None = None,
    case_progress: bool = False,
    stop: Callable[[], bool] | None = None,
) -> SweepReport:
    """Run the cases of `spec` (of `shard`) not yet finished in `out_dir`. Collective on `comm`.

    Every case is built and validated first (SweepError before anything runs).
    A case that fails is recorded with status ``failed`` and its error, and the
    sweep goes on. `max_cases` stops after that many cases have been started
    (an interruption, for tests). `progress` receives one line per finished case
    (from the group that ran it); `case_progress` also forwards the per-voltage
    lines of each run, prefixed by the case id. When `stop()` turns True on a rank
    (asked on every rank of a group before it takes a case; see `pnp.interrupt`)
    its group finishes the running case and takes no more; a case stopped by
    `pnp.interrupt.Interrupted` is not recorded (it runs again on resume). An error
    outside the cases (the sweep folder) is raised on every rank once every group
    has stopped.
    """
    out_dir = Path(out_dir)
    say = progress if progress is not None else (lambda _line: None)
    if ranks_per_case < 1 or comm.size % ranks_per_case:
        raise SweepError(
            "--ranks-per-case",
            f"{comm.size} rank(s) cannot be split into groups of {ranks_per_case}; "
            "use a divisor of the number of MPI ranks",
        )
    index, count = shard
    if count < 1 or not 0 <= index < count:
        raise SweepError("--shard", f"expected 0 <= I < N, got {index}/{count}")
    points = expand(spec)
    cases = build_cases(spec, points)
    record = sweep_record(spec, points, cases)
    token = comm.bcast(uuid.uuid4().hex if comm.rank == 0 else None, root=0)

    def prepare() -> tuple[int, int]:
        with folder_lock(out_dir):
            adopt_folder(out_dir, record)
            finished = rebuild_summary(out_dir, record)
            todo = pending_cases(record, finished, shard, retry_failed=retry_failed)
            open_queue(out_dir, token, todo, max_cases, shard)
        in_shard = len(range(index, len(points), count))
        return in_shard - len(todo), len(todo)

    finished_before, todo = on_root(comm, prepare)
    groups = comm.size // ranks_per_case
    if comm.rank == 0:
        say(
            f"sweep {spec.name}: {len(points)} case(s)"
            + (f", shard {index}/{count}" if count > 1 else "")
            + f"; {finished_before} already finished, {todo} to run on {groups} group(s) of "
            f"{ranks_per_case} rank(s); results in {out_dir}"
        )

    group = comm.Split(comm.rank // ranks_per_case, comm.rank)
    leads = group.rank == 0
    ran, stopped, failure = 0, False, None
    try:
        ran, stopped = _work(
            group, out_dir, token, points, cases, petsc_options, say, case_progress, stop
        )
    except BaseException as exc:  # raised on every rank below, once all groups are here
        failure = exc
    finally:
        gc.collect()
        group.barrier()
        group.Free()
    raise_anywhere(comm, failure)
    ran = comm.allreduce(ran if leads else 0, op=MPI.SUM)
    stopped = comm.allreduce(stopped, op=MPI.LOR)

    def finish() -> SweepReport:
        with folder_lock(out_dir):
            rows = rebuild_summary(out_dir, record)
            close_queue(out_dir, token)
        mine = [rows.get(p.case_id) for p in points if p.index % count == index]
        statuses = [row["status"] for row in mine if row is not None]
        return SweepReport(
            out_dir=out_dir,
            cases=len(mine),
            ran=ran,
            finished_before=finished_before,
            ok=statuses.count("ok"),
            partial=statuses.count("partial"),
            failed=statuses.count("failed"),
            unfinished=len(mine) - len(statuses),
            interrupted=stopped and len(statuses) < len(mine),
        )

    report = on_root(comm, finish)
    if comm.rank == 0:
        say(
            f"sweep {spec.name}: {report.ok} ok, {report.partial} partial, {report.failed} "
            f"failed, {report.unfinished} not run; summary in {report.summary_path}; "
            f"maps: pnp map {out_dir}"
            + ("; interrupted: re-run the same command to resume" if report.interrupted else "")
        )
    return report


def _work(
    group: MPI.Comm,
    out_dir: Path,
    token: str,
    points: Sequence[SweepPoint],
    cases: Sequence[Case],
    petsc_options: Mapping[str, object] | None,
    say: Progress,
    case_progress: bool,
    stop: Callable[[], bool] | None,
) -> tuple[int, bool]:
    """Take cases from the queue until it is empty or `stop()`; return how many this group
    ran and whether it was stopped."""
    from pnp.problem_cache import ProblemCache

    ran = 0
    cache = ProblemCache()  # consecutive cases with the same set-up share one problem
    try:
        while not stop_requested(group, stop):
            k = on_root(group, lambda: claim_next(out_dir, token))
            if k is None:
                return ran, False
            point, case = points[k], cases[k]
            forward = _prefixed(say, f"[{point.case_id}] ") if case_progress else None
            try:
                row = run_point(group, out_dir, point, case, petsc_options, forward, cache)
            except Interrupted:
                break  # the case is not recorded: it runs again on resume
            if group.rank == 0:
                say(progress_line(point, row))
            ran += 1
    finally:
        cache.clear()
    return ran, True


def _prefixed(say: Progress, prefix: str) -> Progress:
    return lambda line: say(prefix + line)


def run_point(
    group: MPI.Comm,
    out_dir: Path,
    point: SweepPoint,
    case: Case,
    petsc_options: Mapping[str, object] | None = None,
    progress: Progress | None = None,
    cache: ProblemCache | None = None,
) -> dict[str, Any]:
    """Run one case on `group` into its folder and record it; return its summary row.

    Any exception of the run is recorded as a failed case, not raised.
    """
    from pnp.errors import ConvergenceError
    from pnp.run import run_case

    folder = case_folder(out_dir, point.case_id)
    on_root(group, lambda: _fresh_folder(folder, case))
    start = time.perf_counter()
    results: dict | None = None
    error: str | None = None
    try:
        results = run_case(
            case, folder, group, cli_petsc_options=petsc_options, progress=progress, cache=cache
        )
    except ConvergenceError as err:
        error = str(err)
    except Exception as err:  # one bad case must not end the sweep
        log.debug("case %s failed", point.case_id, exc_info=True)
        error = f"{type(err).__name__}: {err}"
    seconds = group.allreduce(time.perf_counter() - start, op=MPI.MAX)

    def record() -> dict[str, Any]:
        found = results if results is not None else _read_results(folder)
        row = case_row(
            point,
            case,
            found,
            error=error,
            seconds=seconds,
            folder=f"{CASES_DIR}/{point.case_id}",
        )
        try:
            write_done(folder, row, case_hash(case))
            with folder_lock(out_dir):
                append_row(out_dir / SUMMARY_NAME, summary_columns(list(point.values)), row)
        except OSError as err:
            raise OutputError(f"cannot record case {point.case_id} in {out_dir} ({err})") from None
        return row

    row = on_root(group, record)
    gc.collect()
    group.barrier()
    return row


def _fresh_folder(folder: Path, case: Case) -> None:
    try:
        if folder.exists():
            shutil.rmtree(folder)  # output of an interrupted run of this case
        folder.mkdir(parents=True)
        (folder / "case.toml").write_text(case_to_toml(case), encoding="utf-8")
    except OSError as err:
        raise OutputError(f"cannot prepare the case folder {folder} ({err})") from None


def _read_results(folder: Path) -> dict | None:
    try:
        return json.loads((folder / "results.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def progress_line(point: SweepPoint, row: Mapping[str, Any]) -> str:
    """The line printed when a case finishes."""
    text = f"case {point.case_id} {row['status']:<7} {row['seconds']:7.1f} s  {point.label()}"
    fold, signs = row.get("max_fold_factor"), row.get("sign_disagreements")
    rev = row["reversal_potential_error_mV"]
    if fold is not None or signs or rev is not None:
        if signs:
            text += f"  GHK: wrong sign at {signs} voltage(s)"
        else:
            text += "  GHK: current " + ("n/a" if fold is None else f"x{fold:.3g}")
        text += ", reversal " + ("n/a" if rev is None else f"{rev:+.3g} mV")
    if row["status"] != "ok" and row["error"]:
        text += f"  [{row['error'][:160]}]"
    return text
