"""The sweep folder on disk: the record of the sweep, finished cases, the summary and the queue.

    DIR/sweep.json             what defines the cases (axes, fixed overrides, case hashes)
    DIR/summary.csv            one row per finished case, sorted by case id
    DIR/cases/<id>/            the case's run output, its resolved case.toml ...
    DIR/cases/<id>/done.json   ... and its summary row, written last: the case is finished
    DIR/.lock                  the folder lock (`pnp.folders`)
    DIR/.queue-<token>.json    the cases one invocation still hands out (removed at its end)

A case is finished when its ``done.json`` exists and names the same case (hash)
as the record; the summary is rebuilt from these markers, so an interruption at
any point loses no finished case.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pnp.case import Case, case_to_dict
from pnp.folders import folder_lock, write_atomic
from pnp.sweep.errors import SweepError
from pnp.sweep.expand import SweepPoint, format_value
from pnp.sweep.spec import SweepSpec
from pnp.sweep.summary import SUMMARY_NAME, summary_columns, write_summary

RECORD_NAME = "sweep.json"
CASES_DIR = "cases"
DONE_NAME = "done.json"
FORMAT = 1


def case_hash(case: Case) -> str:
    """A fingerprint of everything that defines a case's numbers (not its name)."""
    data = case_to_dict(case)
    data.pop("name")
    data.pop("description")
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def sweep_record(
    spec: SweepSpec, points: Sequence[SweepPoint], cases: Sequence[Case]
) -> dict[str, Any]:
    """The content of ``sweep.json``."""
    return {
        "format": FORMAT,
        "name": spec.name,
        "description": spec.description,
        "sweep_file": spec.source,
        "base": str(spec.base),
        **json.loads(json.dumps(spec.to_json())),
        "shape": list(spec.shape),
        "keys": list(spec.keys),
        "cases": [
            {"case_id": p.case_id, "sha256": case_hash(c)}
            for p, c in zip(points, cases, strict=True)
        ],
    }


def read_record(out_dir: Path) -> dict[str, Any]:
    """The ``sweep.json`` of a sweep folder (SweepError if there is none)."""
    path = Path(out_dir) / RECORD_NAME
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SweepError("", f"{out_dir}: not a sweep folder (no {RECORD_NAME})") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise SweepError("", f"{path}: cannot read the sweep record ({exc})") from None


def adopt_folder(out_dir: Path, record: Mapping[str, Any]) -> None:
    """Start the sweep folder, or check that it holds this very sweep (caller holds the lock).

    Raises SweepError when the folder was started by a different sweep: its
    finished cases would not belong to this one.
    """
    path = out_dir / RECORD_NAME
    if not path.exists():
        write_atomic(path, json.dumps(record, indent=1) + "\n")
        return
    stored = read_record(out_dir)
    difference = record_difference(stored, record)
    if difference is not None:
        raise SweepError(
            "--out",
            f"{out_dir} holds a different sweep: {difference}. Its finished cases would not "
            "belong to this sweep; choose a new --out folder (or delete this one to start over)",
        )


def record_difference(stored: Mapping[str, Any], new: Mapping[str, Any]) -> str | None:
    """What makes two sweep records define different cases, or None if they are the same."""
    if stored.get("format") != new["format"]:
        return f"it was written in format {stored.get('format')}, this is format {new['format']}"
    if stored["axes"] != new["axes"]:
        return f"its axes are {_axes_text(stored['axes'])}, now {_axes_text(new['axes'])}"
    if stored["set"] != new["set"]:
        return f"its fixed overrides are {_set_text(stored['set'])}, now {_set_text(new['set'])}"
    for old, now in zip(stored["cases"], new["cases"], strict=True):
        if old != now:
            return (
                f"case {now['case_id']} is no longer the same case (was the base case file "
                f"{new['base']} edited since the sweep started?)"
            )
    return None


def _axes_text(axes: Sequence[Mapping[str, Any]]) -> str:
    parts = []
    for axis in axes:
        for key, values in zip(axis["keys"], axis["values"], strict=True):
            parts.append(f"{key} = [{', '.join(format_value(v) for v in values)}]")
    return "; ".join(parts)


def _set_text(fixed: Sequence[Sequence[Any]]) -> str:
    return "{" + ", ".join(f"{k}={format_value(v)}" for k, v in fixed) + "}" if fixed else "none"


def case_folder(out_dir: Path, case_id: str) -> Path:
    return Path(out_dir) / CASES_DIR / case_id


def write_done(folder: Path, row: Mapping[str, Any], sha256: str) -> None:
    """Mark a case finished: its summary row and case hash, written atomically, last."""
    write_atomic(folder / DONE_NAME, json.dumps({"sha256": sha256, "row": row}, indent=1) + "\n")


def finished_rows(out_dir: Path, record: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Summary rows of the finished cases of the sweep, by case id."""
    rows = {}
    for entry in record["cases"]:
        path = case_folder(out_dir, entry["case_id"]) / DONE_NAME
        try:
            done = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        if done.get("sha256") == entry["sha256"]:
            rows[entry["case_id"]] = done["row"]
    return rows


def rebuild_summary(out_dir: Path, record: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Rewrite the summary from the finished cases (caller holds the lock); return their rows."""
    rows = finished_rows(out_dir, record)
    write_summary(out_dir / SUMMARY_NAME, summary_columns(record["keys"]), rows.values())
    return rows


def pending_cases(
    record: Mapping[str, Any],
    finished: Mapping[str, Mapping[str, Any]],
    shard: tuple[int, int] = (0, 1),
    *,
    retry_failed: bool = False,
) -> list[int]:
    """Numbers of the cases of `shard` (i, n: case k belongs to shard k % n) still to run."""
    index, count = shard
    todo = []
    for k, entry in enumerate(record["cases"]):
        if k % count != index:
            continue
        row = finished.get(entry["case_id"])
        if row is None or (retry_failed and row["status"] == "failed"):
            todo.append(k)
    return todo


def _queue_path(out_dir: Path, token: str) -> Path:
    return Path(out_dir) / f".queue-{token}.json"


def open_queue(
    out_dir: Path,
    token: str,
    cases: Sequence[int],
    limit: int | None,
    shard: tuple[int, int] = (0, 1),
) -> None:
    """Set up the work queue of one invocation: `cases` in order, at most `limit` handed out.

    The caller holds the lock. Queues left by killed invocations on this host are
    removed; a live invocation on this host that may still run one of `cases` is an
    error (two runs of one case would write into one folder).
    """
    host = socket.gethostname()
    for path in Path(out_dir).glob(".queue-*.json"):
        try:
            owner = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        if owner.get("host") != host:
            continue
        if owner.get("pid") == os.getpid() or not _alive(owner.get("pid")):
            path.unlink(missing_ok=True)  # left by an invocation that did not finish
        elif set(owner.get("cases", ())) & set(cases):
            index, count = owner.get("shard", (0, 1))
            raise SweepError(
                "--out",
                f"another pnp sweep (pid {owner['pid']}, shard {index}/{count}) is running "
                f"cases of this shard into {out_dir}; wait for it to finish or stop it",
            )
    state = {
        "cases": list(cases),
        "next": 0,
        "limit": limit,
        "shard": list(shard),
        "host": host,
        "pid": os.getpid(),
    }
    write_atomic(_queue_path(out_dir, token), json.dumps(state))


def _alive(pid: Any) -> bool:
    if not isinstance(pid, int):
        return True  # unknown owner: keep its queue
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def claim_next(out_dir: Path, token: str) -> int | None:
    """Take the next case number from the queue, or None when it is empty."""
    path = _queue_path(out_dir, token)
    with folder_lock(Path(out_dir)):
        state = json.loads(path.read_text(encoding="utf-8"))
        k = state["next"]
        limit = state["limit"]
        if k >= len(state["cases"]) or (limit is not None and k >= limit):
            return None
        state["next"] = k + 1
        write_atomic(path, json.dumps(state))
        return state["cases"][k]


def close_queue(out_dir: Path, token: str) -> None:
    _queue_path(out_dir, token).unlink(missing_ok=True)
