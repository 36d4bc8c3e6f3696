"""Case names (a run writes into out/NAME) and the PETSc options a case file may hold.

A case file is data: it may tune the solver, but not make PETSc write files, open
windows or sockets, or import Python code. Such options belong on the command line
(``--petsc``), which is the user's own.
"""

from __future__ import annotations

import re

CASE_NAME = re.compile(r"[A-Za-z0-9_.+-]+\Z")
OPTION_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")

# Words of the PETSc option names that take a viewer (an output destination) or print:
# *_view*, *_monitor*, *_converged_reason, *_draw, snes_compare_explicit, ...
_OUTPUT_WORDS = frozenset(
    {"view", "viewer", "monitor", "converged", "draw", "plot", "compare", "print", "file"}
)
_TERMINAL_VIEWERS = ("", "ascii")


def name_problem(name: str) -> str | None:
    """Why `name` cannot name a run's output folder, or None."""
    if CASE_NAME.match(name) and name not in (".", ".."):
        return None
    return (
        "must be one folder name of letters, digits and - _ . + (a run writes into "
        f"out/NAME), not . or ..; got {name!r}, e.g. use {sanitized_name(name)!r}"
    )


def sanitized_name(text: str) -> str:
    """`text` made a valid case name: every other character becomes _."""
    name = re.sub(r"[^A-Za-z0-9_.+-]", "_", text)
    return "case" if name.strip(".") == "" else name


def option_problem(name: str, value: object) -> str | None:
    """Why a case file may not give the PETSc option `name` = `value`, or None."""
    if not OPTION_NAME.match(name):
        return (
            "not a PETSc option name (letters, digits and _, e.g. ksp_type); write it "
            "without prefix or dash"
        )
    command_line = f"pass it on the command line instead: --petsc {name}={value}"
    words = set(name.lower().split("_"))
    if "python" in name.lower() or (name.endswith("_type") and value == "python"):
        return f"loads Python code; a case file is data, so {command_line}"
    if words & _OUTPUT_WORDS and isinstance(value, str):
        kind, _, rest = value.partition(":")
        target = rest.partition(":")[0]
        if kind not in _TERMINAL_VIEWERS or target:
            return (
                f'a case file may send PETSc output only to the terminal ("" or '
                f'"ascii", optionally "ascii::<format>"), not to {value!r}: case files are '
                f"data and must not write files; {command_line}"
            )
    return None
