"""Just-in-time compilation settings, safe for many jobs on one node.

FFCx compiles each distinct form once into a cache folder (DOLFINx's default
is ~/.cache/fenics, or $XDG_CACHE_HOME/fenics). Processes that need the same
module coordinate through the file system: the first creates ``<module>.c``
exclusively and compiles, the others wait for ``<module>.c.cached``. Within an
MPI job only rank 0 compiles. Two limits of that scheme matter for batch
sweeps, and are set here:

- the wait is bounded by the JIT option "timeout", 10 s by default: too short
  when many jobs start on one node at once and the compiler is slow under
  load. `jit_options` raises it to 600 s (``PNP_JIT_TIMEOUT``);
- a compile killed half-way (a job hitting its wall-time limit) leaves a
  ``<module>.c`` without ``.c.cached``, and every later job waits out the
  timeout and fails; FFCx's error then names the file to delete. A cache of
  one's own avoids both: ``PNP_JIT_CACHE_DIR`` (e.g. node-local scratch).
"""

from __future__ import annotations

import os
from pathlib import Path

TIMEOUT_ENV = "PNP_JIT_TIMEOUT"
CACHE_ENV = "PNP_JIT_CACHE_DIR"
DEFAULT_TIMEOUT_S = 600


def jit_options() -> dict[str, object]:
    """JIT options for DOLFINx forms, from the environment (see the module notes)."""
    text = os.environ.get(TIMEOUT_ENV, str(DEFAULT_TIMEOUT_S))
    try:
        timeout = int(text)
    except ValueError:
        raise ValueError(f"{TIMEOUT_ENV}={text!r}: give whole seconds, e.g. 600") from None
    if timeout < 1:
        raise ValueError(f"{TIMEOUT_ENV}={text!r}: give at least 1 second")
    options: dict[str, object] = {"timeout": timeout}
    cache = os.environ.get(CACHE_ENV)
    if cache:
        options["cache_dir"] = Path(cache).expanduser()
    return options
