"""Transient PNP: voltage-clamp protocols, charging and relaxation in time.

    from pnp.transient import run_transient_case
    case = load_case("cases/transient_step.toml")
    results = run_transient_case(case, Path("out/step"), MPI.COMM_WORLD)

A case with a ``[transient]`` table runs here (``pnp run`` dispatches it). The
modules, one job each:

- `protocol`: the applied voltage V(t) and its breakpoints
- `problem`: one implicit BDF step, composed with the steady `PnpProblem`
- `error`: local error estimate and step-size rule
- `stepping`: the adaptive time loop
- `current`: ionic, displacement and total currents during charging
- `march`: the loop of a run with its trace, progress lines and field output
- `trace`, `plot`, `steady_check`: outputs
- `run`: the driver behind ``pnp run``

The time discretisation itself (scaled time, BDF weights, storage term) is in
`pnp.solver.transient`.
"""

from pnp.transient.run import run_transient_case, steady_start

__all__ = ["run_transient_case", "steady_start"]
