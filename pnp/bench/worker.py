"""``python -m pnp.bench.worker SPEC``: one measurement, its JSON record as the last line.

SPEC is a JSON object with "kind" = "case" (`pnp.bench.measure`), "poisson"
(`pnp.bench.poisson`), "double_layer" (`pnp.bench.double_layer`) or "fipy"
(`pnp.bench.fipy_peer`). Runs on
all ranks of COMM_WORLD (start it under mpiexec for several); rank 0 prints.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence

from pnp.fem import dolfinx  # noqa: F401  (import order: the DOLFINx wheel first)


def run(spec: dict) -> dict:
    from mpi4py import MPI

    comm = MPI.COMM_WORLD
    kind = spec["kind"]
    if kind == "case":
        from pnp.bench.measure import measure_case

        return measure_case(spec, comm)
    if kind == "poisson":
        from pnp.bench.poisson import measure_poisson

        return measure_poisson(spec, comm)
    if kind == "double_layer":
        from pnp.bench.double_layer import compare

        return compare(list(spec["resolutions"]), comm)
    if kind == "fipy":
        from pnp.bench.fipy_peer import compare as compare_fipy

        return compare_fipy(list(spec["resolutions"]), comm)
    raise ValueError(f"unknown measurement kind {kind!r}")


def main(argv: Sequence[str] | None = None) -> None:
    from mpi4py import MPI

    args = sys.argv[1:] if argv is None else list(argv)
    record = run(json.loads(args[0]))
    if MPI.COMM_WORLD.rank == 0:
        print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
