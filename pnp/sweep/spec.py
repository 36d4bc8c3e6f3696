"""Sweep files: a base case, fixed overrides and the axes to vary, read into a `SweepSpec`.

    name = "charge_vs_salt"           # default: the file stem
    description = "..."
    base = "../default.toml"          # the case every point starts from (relative to this file)

    [set]                             # fixed overrides applied to every case
    "conditions.voltages_mV" = [-50, 0, 50]
    "output.fields" = false

    [axes]                            # one axis per key; the sweep is their cartesian product
    "regions.pore.fixed_charge_M" = [0.0, -0.5, -1.0]

    [[zip]]                           # linked keys: one axis whose lists vary together
    "species.K.inside_mM" = [10.0, 100.0]
    "species.Cl.inside_mM" = [10.0, 100.0]

Keys are the dotted case paths of ``pnp run --set`` (species by name), and
``conditions.voltage_mV``: one voltage per case (its ``conditions.voltages_mV = [V]``),
so that a sweep can vary the voltage like any other key. The axes
are `[axes]` in file order, then each `[[zip]]` group; the last axis varies
fastest in the case numbering.
"""

from __future__ import annotations

import difflib
import json
import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

from pnp.case import CaseError, parse_override, split_key
from pnp.case.validate import name_problem, sanitized_name
from pnp.sweep.errors import SweepError
from pnp.sweep.voltage import SINGLE_VOLTAGE_KEY, VOLTAGES_KEY

SWEEP_KEYS = ("name", "description", "base", "set", "axes", "zip")
_BARE = re.compile(r"[A-Za-z0-9_-]+")
_AXIS_EXAMPLE = '"regions.pore.fixed_charge_M" = [0.0, -0.5]'


@dataclass(frozen=True)
class Axis:
    """One axis of the product: a single key, or several linked keys varying together."""

    keys: tuple[str, ...]
    values: tuple[tuple[Any, ...], ...]  # one tuple of values per key, all of `size`

    @property
    def size(self) -> int:
        return len(self.values[0])

    def at(self, index: int) -> dict[str, Any]:
        """The value of every key of this axis at position `index`."""
        return {key: column[index] for key, column in zip(self.keys, self.values, strict=True)}


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep file (its cases are built and checked by `pnp.sweep.expand`)."""

    name: str
    base: Path  # absolute path of the base case file
    fixed: tuple[tuple[str, Any], ...]  # [set] entries, then command-line --set overrides
    axes: tuple[Axis, ...]
    description: str = ""
    source: str = "<dict>"

    @property
    def keys(self) -> tuple[str, ...]:
        """Every varied key, axis by axis (the summary's axis columns)."""
        return tuple(key for axis in self.axes for key in axis.keys)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(axis.size for axis in self.axes)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    def axis_of(self, key: str) -> int:
        """Index of the axis that varies `key` (ValueError if none does)."""
        for i, axis in enumerate(self.axes):
            if key in axis.keys:
                return i
        raise ValueError(f"{key!r} is not an axis of the sweep (axes: {', '.join(self.keys)})")

    def to_json(self) -> dict[str, Any]:
        """What defines the cases, as JSON data (stored in the sweep folder to detect changes)."""
        return {
            "set": [[key, value] for key, value in self.fixed],
            "axes": [
                {"keys": list(axis.keys), "values": [list(column) for column in axis.values]}
                for axis in self.axes
            ],
        }


def load_sweep(path: str | PathLike[str], overrides: Sequence[str] = ()) -> SweepSpec:
    """Read and validate a sweep file; `overrides` (``key=value``) extend its ``[set]``."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise SweepError("", f"{path}: sweep file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SweepError("", f"{path}: cannot read the sweep file ({exc})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SweepError("", f"{path}: invalid TOML: {exc}") from None
    return sweep_from_dict(
        data,
        base_dir=path.parent,
        source=str(path),
        overrides=overrides,
        default_name=sanitized_name(path.stem),
    )


def sweep_from_dict(
    data: Mapping[str, Any],
    *,
    base_dir: str | PathLike[str] = ".",
    source: str = "<dict>",
    overrides: Sequence[str] = (),
    default_name: str = "sweep",
) -> SweepSpec:
    """Validate a sweep table (the parsed TOML); relative `base` is taken from `base_dir`."""

    def fail(key: str, detail: str) -> SweepError:
        return SweepError(key, detail, source=source)

    for key in data:
        if key not in SWEEP_KEYS:
            raise fail(key, f"unknown sweep key; {_suggest(key, SWEEP_KEYS)}")
    name = data.get("name", default_name)
    if not isinstance(name, str) or name_problem(name) is not None:
        raise fail("name", name_problem(str(name)) if isinstance(name, str) else f"got {name!r}")
    description = data.get("description", "")
    if not isinstance(description, str):
        raise fail("description", f"must be a string, got {description!r}")
    base = _base_path(data, Path(base_dir), fail)

    fixed = _leaves(data.get("set", {}), "set", fail)
    for item in overrides:
        key, value = parse_override(item)
        fixed.append((_canonical(key), value))
    axes = _axes(data, fail)
    _check_unique(fixed, axes, fail)
    return SweepSpec(
        name=name,
        base=base,
        fixed=tuple(fixed),
        axes=tuple(axes),
        description=description,
        source=source,
    )


def _base_path(data: Mapping[str, Any], base_dir: Path, fail) -> Path:
    base = data.get("base")
    if base is None:
        raise fail(
            "base",
            'missing; add base = "../default.toml" (the case file every point starts from, '
            "relative to the sweep file)",
        )
    if not isinstance(base, str) or not base or "\0" in base:
        raise fail("base", f'must be a path string such as "../default.toml", got {base!r}')
    path = (base_dir / Path(base).expanduser()).resolve()
    if not path.is_file():
        raise fail(
            "base", f"{base!r}: no such case file ({path}); the path is relative to the sweep file"
        )
    return path


def _axes(data: Mapping[str, Any], fail) -> list[Axis]:
    axes = [
        Axis(keys=(key,), values=(tuple(_values(f"axes.{key}", value, fail)),))
        for key, value in _leaves(data.get("axes", {}), "axes", fail)
    ]
    groups = data.get("zip", [])
    if not isinstance(groups, list) or not all(isinstance(g, Mapping) for g in groups):
        raise fail(
            "zip",
            "linked axes are tables of lists: write [[zip]] followed by lines such as "
            f"{_AXIS_EXAMPLE}",
        )
    for n, group in enumerate(groups, start=1):
        where = f"zip[{n}]"
        entries = _leaves(group, where, fail)
        if not entries:
            raise fail(where, f"empty [[zip]] group; list the linked keys, e.g. {_AXIS_EXAMPLE}")
        columns = [tuple(_values(f"{where}.{key}", value, fail)) for key, value in entries]
        sizes = {key: len(column) for (key, _), column in zip(entries, columns, strict=True)}
        if len(set(sizes.values())) > 1:
            listed = ", ".join(f"{k} ({s})" for k, s in sizes.items())
            raise fail(where, f"linked lists must have the same length, got {listed}")
        axes.append(Axis(keys=tuple(key for key, _ in entries), values=tuple(columns)))
    if not axes:
        raise fail("axes", f"no axes to sweep; add an [axes] table with e.g. {_AXIS_EXAMPLE}")
    return axes


def _values(where: str, value: Any, fail) -> list[Any]:
    if not isinstance(value, list):
        raise fail(
            where,
            f"axis values must be a list, got {value!r}; write e.g. {_AXIS_EXAMPLE} "
            "(a fixed value belongs in [set])",
        )
    if not value:
        raise fail(where, "empty axis: give at least one value")
    return value


def _leaves(table: Any, where: str, fail) -> list[tuple[str, Any]]:
    """(dotted key, value) pairs of a table; nested tables (unquoted dotted keys) are walked."""
    if not isinstance(table, Mapping):
        raise fail(where, f"must be a table of dotted case keys, e.g. {_AXIS_EXAMPLE}")
    found: list[tuple[str, Any]] = []

    def walk(node: Mapping[str, Any], prefix: tuple[str, ...]) -> None:
        for raw, value in node.items():
            parts = (*prefix, *_split(raw))
            if isinstance(value, Mapping) and value:
                walk(value, parts)
            else:
                found.append((_join(parts), value))

    walk(table, ())
    return found


def _split(raw: str) -> tuple[str, ...]:
    try:
        return split_key(raw)
    except CaseError:
        return (raw,)


def _canonical(key: str) -> str:
    return _join(split_key(key))


def _join(parts: Sequence[str]) -> str:
    """Dotted key text, quoting parts that are not bare TOML keys."""
    return ".".join(p if _BARE.fullmatch(p) else json.dumps(p) for p in parts)


def _check_unique(fixed: list[tuple[str, Any]], axes: list[Axis], fail) -> None:
    seen: dict[str, str] = {}
    keys = {key for key, _ in fixed} | {key for axis in axes for key in axis.keys}
    if {SINGLE_VOLTAGE_KEY, VOLTAGES_KEY} <= keys:
        raise fail(
            SINGLE_VOLTAGE_KEY,
            f"sets {VOLTAGES_KEY} = [V] of every case; give either {SINGLE_VOLTAGE_KEY} or "
            f"{VOLTAGES_KEY}, not both",
        )
    for key, _ in fixed:
        seen.setdefault(key, "[set] or --set")  # a later --set may repeat a [set] key: last wins
    for n, axis in enumerate(axes, start=1):
        for key in axis.keys:
            place = f"axis {n}"
            if key in seen:
                raise fail(
                    key,
                    f"is given twice (in {seen[key]} and {place}); a key is either fixed or "
                    "varied, once",
                )
            seen[key] = place


def _suggest(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else "valid: " + ", ".join(choices)
