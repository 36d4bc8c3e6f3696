"""Reading case files and applying ``key=value`` overrides.

    case = load_case("cases/default.toml", overrides=["regions.pore.fixed_charge_M=-1"])

Overrides address the TOML tables by dotted key; species are addressed by name
(``species.Na.inside_mM``). The same `apply_override` drives parameter sweeps.
"""

from __future__ import annotations

import copy
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import replace
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pnp.case.dump import case_to_dict
from pnp.case.errors import CaseError
from pnp.case.schema import REGION_NAMES, SURFACE_NAMES, Case
from pnp.case.validate import TOP_KEYS, case_from_dict, did_you_mean, suggest

if TYPE_CHECKING:
    from mpi4py import MPI

__all__ = ["apply_override", "case_from_dict", "case_to_dict", "load_case", "parse_override"]

_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_OVERRIDE_EXAMPLE = "e.g. geometry.pore_radius_nm=0.8 or species.K.inside_mM=150"


def load_case(
    path: str | PathLike[str], overrides: Sequence[str] = (), *, comm: MPI.Comm | None = None
) -> Case:
    """Read a TOML case file, apply ``key=value`` overrides in order, validate.

    A relative ``geometry.mesh_file`` (also one given as an override) is resolved
    against the case file's directory. The case name defaults to the file stem.
    `comm`: as in `case_from_dict` (collective over it).
    """
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")  # a byte-order mark is skipped
    except FileNotFoundError:
        raise CaseError("", f"{path}: case file not found") from None
    except UnicodeDecodeError as exc:
        raise CaseError("", f"{path}: not a UTF-8 text file ({exc.reason})") from None
    except OSError as exc:
        raise CaseError("", f"{path}: cannot read the case file ({exc.strerror})") from None
    data = _parse_toml(text, str(path))
    if isinstance(overrides, str):
        overrides = [overrides]
    for item in overrides:
        key, value = parse_override(item)
        data = apply_override(data, key, value)
    case = case_from_dict(data, base_dir=path.parent, source=str(path), comm=comm)
    return replace(case, source_path=path.resolve())


def _parse_toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _TOML_POSITION.search(message)
        if not match:
            raise CaseError("", f"{source}: invalid TOML: {message}") from None
        line, column = int(match.group(1)), int(match.group(2))
        reason = message[: match.start()]
        lines = text.splitlines()
        shown = ""
        if 0 < line <= len(lines):
            shown = f"\n    {lines[line - 1]}\n    {' ' * (column - 1)}^"
        raise CaseError(
            "",
            f"{source}:{line}:{column}: invalid TOML at line {line}: {reason}{shown}",
        ) from None


def parse_override(text: str) -> tuple[str, Any]:
    """Split ``"key=value"``; the value is read as a TOML value (``1.5``, ``[1, 2]``,
    ``"text"``, ``true``, ``{a = 1}``), else taken as a bare string (``slab``)."""
    if "=" not in text:
        raise CaseError(
            text,
            f"an override must have the form key=value ({_OVERRIDE_EXAMPLE}); "
            "quote strings with spaces",
        )
    key, raw = (part.strip() for part in text.split("=", 1))
    if not key:
        raise CaseError(text, f"the key before '=' is empty ({_OVERRIDE_EXAMPLE})")
    split_key(key)  # validates the key syntax
    if not raw:
        raise CaseError(
            key, f"no value after '=' ({_OVERRIDE_EXAMPLE}); for an empty string use \"\""
        )
    try:
        parsed = tomllib.loads(f"v = {raw}")
    except tomllib.TOMLDecodeError:
        return key, raw
    if list(parsed) != ["v"]:
        return key, raw
    return key, parsed["v"]


def split_key(key: str) -> tuple[str, ...]:
    """Split a dotted key with TOML rules (parts may be quoted: ``geometry.groups."a b"``)."""
    try:
        parsed: Any = tomllib.loads(f"{key} = 0")
    except tomllib.TOMLDecodeError:
        parsed = None
    parts: list[str] = []
    while isinstance(parsed, dict):
        if len(parsed) != 1:
            parts = []
            break
        ((name, parsed),) = parsed.items()
        parts.append(name)
    if not parts:
        raise CaseError(
            key,
            "not a valid dotted key; use section.key (e.g. geometry.pore_radius_nm) and quote "
            'parts with spaces or dots (geometry.groups."my group")',
        )
    return tuple(parts)


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return copy.copy(value)


def apply_override(data: Mapping[str, Any], key: str | Sequence[str], value: Any) -> dict[str, Any]:
    """A new case table with `value` set at the dotted `key`; `data` is not modified.

    Missing tables are created (``regions.pore.fixed_charge_M`` without a
    ``[regions.pore]``); species are addressed by name (``species.Na.inside_mM``);
    ``species = [...]`` replaces the whole list. Unknown sections, regions,
    surfaces and species raise `CaseError`; other keys are checked when the
    result is validated.
    """
    parts = split_key(key) if isinstance(key, str) else tuple(key)
    dotted = ".".join(parts)
    new = _plain(data)
    value = _plain(value)
    top = parts[0]
    if top not in TOP_KEYS:
        raise CaseError(dotted, f"unknown section {top!r}; {suggest(top, TOP_KEYS)}")
    if top in ("name", "description") and len(parts) > 1:
        raise CaseError(dotted, f"{top} is a string, not a table; use {top}=...")
    if top in ("species", "segments") and len(parts) > 1:
        _override_entry(new, top, parts, value)
        return new
    if top in ("regions", "surfaces") and len(parts) > 1:
        names = REGION_NAMES if top == "regions" else SURFACE_NAMES
        if parts[1] not in names:
            raise CaseError(
                f"{top}.{parts[1]}",
                f"unknown {top[:-1]} {parts[1]!r}; {did_you_mean(parts[1], names)}"
                f"valid {top}: {', '.join(names)}",
            )
    _set(new, parts, value)
    return new


def _set(table: dict[str, Any], parts: Sequence[str], value: Any, prefix: str = "") -> None:
    current = table
    for i, part in enumerate(parts[:-1]):
        nxt = current.get(part)
        if nxt is None:
            nxt = current[part] = {}
        elif not isinstance(nxt, dict):
            where = ".".join([*([prefix] if prefix else []), *parts[: i + 1]])
            raise CaseError(
                where,
                f"is a value ({nxt!r}), not a table; cannot set "
                f"{'.'.join(parts[i + 1 :])} inside it",
            )
        current = nxt
    current[parts[-1]] = value


def _override_entry(data: dict[str, Any], top: str, parts: Sequence[str], value: Any) -> None:
    """Set a key of the [[species]] or [[segments]] entry named parts[1]."""
    listed_entries = data.get(top)
    name = parts[1]
    entries = listed_entries if isinstance(listed_entries, list) else []
    noun = {"species": "species", "segments": "segment"}[top]
    names = [e.get("name") for e in entries if isinstance(e, dict)]
    index = next(
        (i for i, e in enumerate(entries) if isinstance(e, dict) and e.get("name") == name), None
    )
    example = "inside_mM=150" if top == "species" else "fixed_charge_M=-1"
    if index is None:
        listed = ", ".join(map(str, names)) if names else "none defined"
        raise CaseError(
            f"{top}.{name}",
            f"no {noun} named {name!r} ({top}: {listed}); address an existing {noun} "
            f"by name, or replace the whole list with {top} = [...]",
        )
    if len(parts) == 2:
        if not isinstance(value, dict):
            raise CaseError(
                f"{top}.{name}",
                f"a {noun} is a table; set one of its keys (e.g. {top}."
                f"{name}.{example}) or give a whole table",
            )
        entries[index] = value
        return
    _set(entries[index], parts[2:], value, prefix=f"{top}.{name}")
