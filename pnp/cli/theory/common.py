"""Shared pieces of the `pnp theory` sub-commands: argument types, common options,
and running a handler with text or ``--json`` output.

A handler takes the parsed arguments and returns ``(payload, lines)``: the JSON
payload and the text lines. A `ValueError` it raises becomes a one-line error
naming the command-line option (exit code 2).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import textwrap
from collections.abc import Callable
from typing import Any, NoReturn

from pnp.constants import DEFAULT_TEMPERATURE, MV

Payload = dict[str, Any]
Handler = Callable[[argparse.Namespace], tuple[Payload, list[str]]]

EPILOG = (
    "Conventions: V = phi_in - phi_out (inside relative to outside); outward current "
    "positive; concentrations in mM; potentials in mV."
)


class OneLineErrorParser(argparse.ArgumentParser):
    """Argument parser whose usage errors are a single line on stderr (exit code 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


# ---------------------------------------------------------------------------
# argument types


def number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def positive(text: str) -> float:
    value = number(text)
    if value <= 0.0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


def non_negative(text: str) -> float:
    value = number(text)
    if value < 0.0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {text}")
    return value


def valence(text: str) -> float:
    value = number(text)
    if value == 0.0:
        raise argparse.ArgumentTypeError(f"must be a non-zero valence, got {text}")
    return value


def _split(text: str, fields: str) -> list[str]:
    parts = text.split(":")
    n = len(fields.split(":"))
    if len(parts) != n or not all(parts):
        raise argparse.ArgumentTypeError(f"expected {fields}, got {text!r}")
    return parts


def _field(parts: list[str], index: int, name: str, kind: Callable[[str], float]) -> float:
    try:
        return kind(parts[index])
    except argparse.ArgumentTypeError as exc:
        raise argparse.ArgumentTypeError(f"{name} {exc} in {':'.join(parts)!r}") from None


def ghk_species(text: str) -> tuple[str, float, float, float, float]:
    """NAME:Z:C_IN:C_OUT:P -> (name, z, c_in, c_out, P)."""
    parts = _split(text, "NAME:Z:C_IN:C_OUT:P")
    return (
        parts[0],
        _field(parts, 1, "Z", valence),
        _field(parts, 2, "C_IN", non_negative),
        _field(parts, 3, "C_OUT", non_negative),
        _field(parts, 4, "P", non_negative),
    )


def _ion(text: str, concentration: Callable[[str], float]) -> tuple[str, float, float]:
    parts = _split(text, "NAME:Z:C")
    return parts[0], _field(parts, 1, "Z", number), _field(parts, 2, "C", concentration)


def bath_ion(text: str) -> tuple[str, float, float]:
    """NAME:Z:C -> (name, z, c)."""
    return _ion(text, positive)


def strength_ion(text: str) -> tuple[str, float, float]:
    """NAME:Z:C -> (name, z, c), c >= 0."""
    return _ion(text, non_negative)


def reject_duplicates(names: list[str], option: str) -> None:
    """Raise `ValueError` if a name was given more than once (to `option`)."""
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ValueError(f"{option} {name!r} given more than once")
        seen.add(name)


# ---------------------------------------------------------------------------
# output


def mv(volts: float) -> float:
    return volts / MV


def fmt_mv(volts: float) -> str:
    return f"{mv(volts):+.2f} mV"


def _fail(prog: str, message: str) -> int:
    print(f"{prog}: error: {message}", file=sys.stderr)
    return 2


_LEADING_NAME = re.compile(r"^([A-Za-z_][A-Za-z0-9_/]*)")


def _translate(message: str, options: dict[str, str]) -> str:
    """Replace the leading argument name of a theory error with the CLI option."""
    match = _LEADING_NAME.match(message)
    if match and match.group(1) in options:
        return options[match.group(1)] + message[match.end() :]
    return message


def _run(handler: Handler, options: dict[str, str]) -> Callable[[argparse.Namespace], int]:
    def func(args: argparse.Namespace) -> int:
        try:
            payload, lines = handler(args)
        except ValueError as exc:
            return _fail(args.theory_prog, _translate(str(exc), options))
        if args.json:
            print(json.dumps(payload, indent=2))
        else:
            print("\n".join(lines))
        return 0

    return func


# ---------------------------------------------------------------------------
# parsers

_COMMON_OPTIONS = {
    "temperature": "--temperature",
    "relative_permittivity": "--eps-r",
}


def _wrap(text: str, width: int = 79) -> str:
    """Wrap each line of a help text; ``Example...: cmd`` lines put the command on its own line."""
    out = []
    for line in text.split("\n"):
        if line.startswith("Example"):
            head, _, command = line.partition(": ")
            out.append(f"\n{head}:\n  {command}")
        else:
            out.append(textwrap.fill(line, width))
    return "\n".join(out)


def leaf(
    sub: argparse._SubParsersAction,
    name: str,
    help_text: str,
    handler: Handler,
    options: dict[str, str],
    description: str | None = None,
) -> argparse.ArgumentParser:
    """Register sub-command `name` running `handler`, with ``--json``; `options` maps
    the argument names in the theory's error messages to the command-line options."""
    p = sub.add_parser(
        name,
        help=help_text,
        description=_wrap(description or help_text),
        epilog=_wrap(EPILOG),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=_run(handler, {**_COMMON_OPTIONS, **options}), theory_prog=p.prog)
    return p


def add_temperature(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "-T",
        "--temperature",
        type=positive,
        default=DEFAULT_TEMPERATURE,
        metavar="K",
        help=f"absolute temperature in K (default {DEFAULT_TEMPERATURE})",
    )


def add_eps(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--eps-r",
        type=positive,
        default=78.5,
        metavar="EPS_R",
        help="relative permittivity of the solvent (default 78.5)",
    )
