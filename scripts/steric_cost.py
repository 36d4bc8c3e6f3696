"""Cost of one Newton step with finite ion size against point ions, on the same mesh.

    .venv/bin/python scripts/steric_cost.py cases/default.toml geometry.refine=2
    .venv/bin/python scripts/steric_cost.py cases/pore_3d.toml

Times the residual and Jacobian assembly (mean of 10) and one Newton solve from the
charged state at 0 mV to +10 mV, with and without 0.3 nm ions (every species), and
prints the ratio per Newton iteration. A benchmark, not a test.
"""

from __future__ import annotations

import sys
import time

from mpi4py import MPI

from pnp.case import load_case
from pnp.run import prepare
from pnp.solver.continuation import ramp_fixed_charge


def measure(case_file: str, overrides: list[str]) -> dict:
    case = load_case(case_file, overrides)
    problem = prepare(case, MPI.COMM_WORLD)
    try:
        ramp_fixed_charge(problem)
        snes = problem.newton.snes
        x = problem.state.x.petsc_vec
        residual = x.duplicate()
        jacobian, preconditioner, _ = snes.getJacobian()
        repeats = 10
        t0 = time.perf_counter()
        for _ in range(repeats):
            snes.computeFunction(x, residual)
        t1 = time.perf_counter()
        for _ in range(repeats):
            snes.computeJacobian(x, jacobian, preconditioner)
        t2 = time.perf_counter()
        problem.set_voltage(10.0)
        report = problem.solve()
        t3 = time.perf_counter()
        residual.destroy()
        bs = problem.V.dofmap.index_map_bs
        return {
            "unknowns": problem.V.dofmap.index_map.size_global * bs,
            "residual_ms": 1e3 * (t1 - t0) / repeats,
            "jacobian_ms": 1e3 * (t2 - t1) / repeats,
            "step_s": (t3 - t2) / max(report.iterations, 1),
            "iterations": report.iterations,
        }
    finally:
        problem.destroy()


def main() -> None:
    case_file, *overrides = sys.argv[1:]
    case = load_case(case_file, overrides)
    sizes = [f"species.{s.name}.size_nm=0.3" for s in case.species]
    plain = measure(case_file, overrides)
    steric = measure(case_file, [*overrides, *sizes])
    for label, m in (("point ions", plain), ("0.3 nm ions", steric)):
        print(
            f"{label:12s} {m['unknowns']} unknowns: residual {m['residual_ms']:.1f} ms, "
            f"Jacobian {m['jacobian_ms']:.1f} ms, {m['step_s']:.3f} s per Newton step "
            f"({m['iterations']} steps)"
        )
    print(
        f"steric / plain: assembly {steric['jacobian_ms'] / plain['jacobian_ms']:.2f}x, "
        f"Newton step {steric['step_s'] / plain['step_s']:.2f}x"
    )


if __name__ == "__main__":
    main()
