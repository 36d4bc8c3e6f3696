"""Run one transient case: steady start, time stepping, results. Collective over `comm`.

The initial state is the steady state at the first voltage of the protocol
(fixed-charge ramp and voltage continuation, as in the steady run). The march
then records, after every accepted step, the total current (ionic +
displacement, the same through every cross-section: the external-circuit
current), the ionic current into the outside electrode per species and the
displacement current there (see `pnp.transient.current`). At the end the final
state is compared with the steady solution at the final voltage.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path

from mpi4py import MPI

from pnp.case import Case, case_to_dict
from pnp.errors import ConvergenceError
from pnp.interrupt import Interrupted
from pnp.post.labels import conditions_text
from pnp.post.output import write_columns, write_json, write_plot
from pnp.run import prepared_run, provenance
from pnp.solver.continuation import ramp_fixed_charge, to_voltage
from pnp.solver.problem import PnpProblem
from pnp.transient.march import TransientMarch
from pnp.transient.plot import plot_transient
from pnp.transient.problem import TransientProblem
from pnp.transient.protocol import VoltageProtocol
from pnp.transient.steady_check import steady_check
from pnp.transient.stepping import SteppingSummary
from pnp.transient.trace import TransientTrace


def run_transient_case(
    case: Case,
    out_dir: Path,
    comm: MPI.Comm,
    *,
    cli_petsc_options: Mapping[str, object] | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Run `case` (which has a [transient] table) and write its outputs into `out_dir`.

    Writes results.json (``transient`` block, ``steady_check``, provenance),
    transient.csv, ParaView fields at the output steps (``output.fields``) and
    transient.png (``output.plots``). Returns the results dict (the same on
    every rank). A Newton failure is written to results.json with the trace so
    far and re-raised as `ConvergenceError`; so is an interruption (`Interrupted`).
    """
    if case.transient is None:
        raise ValueError(f"case {case.name!r} has no [transient] table; use pnp.run.run_case")
    with prepared_run(case, out_dir, comm, cli_petsc_options, progress) as (problem, say, t0):
        return _run(problem, Path(out_dir), say, t0)


def steady_start(problem: PnpProblem, voltage_mV: float) -> int:
    """Put the steady state at `voltage_mV` into `problem`; returns the Newton iterations."""
    iterations = ramp_fixed_charge(problem).newton_iterations
    if voltage_mV != 0.0:
        iterations += to_voltage(problem, 0.0, voltage_mV).newton_iterations
    return iterations


def _run(problem: PnpProblem, out_dir: Path, say: Callable[[str], None], t_start: float) -> dict:
    case, domain = problem.case, problem.domain
    comm = domain.mesh.comm
    settings = case.transient
    protocol = VoltageProtocol.from_settings(settings)
    results: dict = {"case": case_to_dict(case)}
    dofs = problem.V.dofmap.index_map.size_global * problem.V.dofmap.index_map_bs
    say(
        f"{case.name}: transient {settings.scheme} to {settings.end_time_s:g} s, {domain.kind} "
        f"mesh, {dofs} unknowns on {comm.size} rank(s)"
    )

    def fail(err: ConvergenceError) -> None:
        results["error"] = err.as_dict()
        results["all_converged"] = False
        results["provenance"] = provenance(domain, problem, comm, time.perf_counter() - t_start)
        write_json(comm, out_dir / "results.json", results)

    try:
        results["initial_newton_iterations"] = steady_start(problem, protocol.initial_mV)
    except ConvergenceError as err:
        fail(err)
        raise

    def checkpoint(trace: TransientTrace) -> None:
        results["transient"] = trace.block()
        write_json(comm, out_dir / "results.json", results)  # keep the trace so far on disk

    transient = TransientProblem(problem)
    try:
        march = TransientMarch(transient, protocol, out_dir, say, checkpoint)
        try:
            summary = march.run()
        except ConvergenceError as err:
            march.finish()
            results["transient"] = march.trace.block()
            fail(err)
            write_columns(comm, out_dir / "transient.csv", march.trace.columns())
            raise
        except Interrupted:  # raised on every rank at once: keep the steps done
            if march.fields is not None:  # the state is a step's start guess: do not write it
                march.fields.close()
                march.fields = None
            results["transient"] = march.trace.block()
            write_json(comm, out_dir / "results.json", results)
            write_columns(comm, out_dir / "transient.csv", march.trace.columns())
            raise
        march.finish()
        results["transient"] = _summary_block(march, summary)
        results["steady_check"] = steady_check(
            problem, march.meter.steady, protocol.final_mV, march.last, march.trace.units
        )
    finally:
        transient.destroy()
    results["all_converged"] = True
    results["provenance"] = provenance(domain, problem, comm, time.perf_counter() - t_start)
    write_json(comm, out_dir / "results.json", results)
    write_columns(comm, out_dir / "transient.csv", march.trace.columns())
    if case.output.plots:
        write_plot(
            comm,
            out_dir / f"transient.{case.output.figure_format}",
            lambda path: plot_transient(
                path,
                results["transient"],
                unit=march.trace.unit,
                labels=march.trace.labels,
                charge_key=march.trace.charge_key,
                step_times_s=[t for t, _ in protocol.steps[1:]],
                instantaneous=settings.rise_time_s == 0.0,
                title=case.name,
                subtitle=conditions_text(results["case"]),
            ),
        )
    say(_closing_line(results, march.trace.unit, march.trace.labels[0], out_dir))
    return results


def _summary_block(march: TransientMarch, summary: SteppingSummary) -> dict:
    s = march.settings
    return {
        "scheme": s.scheme,
        "adaptive": s.adaptive,
        "time_scale_s": march.transient.time_scale_s,
        "steps": summary.steps,
        "steps_rejected": summary.rejected,
        "steps_rejected_newton": summary.rejected_newton,
        "steps_rejected_error": summary.rejected_error,
        "newton_iterations_total": summary.newton_iterations,
        "field_times_s": march.field_times,
        "max_section_spread": max(march.trace.section_spread),
        "segments": march.trace.segments(march.protocol.steps),
        **march.trace.block(),
    }


def _closing_line(results: dict, unit: str, unit_text: str, out_dir: Path) -> str:
    block, check = results["transient"], results["steady_check"]
    if not check["converged"]:
        relaxed = f"steady check failed ({check.get('reason')})"
    else:
        relaxed = (
            f"final current {check[f'final_current_{unit}']:+.6g}, steady "
            f"{check[f'steady_current_{unit}']:+.6g} "
            f"(relative difference {check['relative_current_difference']:.2e}"
            f"{'' if check['relaxed'] else ', NOT relaxed: raise transient.end_time_s'})"
        )
    return (
        f"{block['steps']} steps ({block['steps_rejected']} rejected), {relaxed} {unit_text}; "
        f"wall time {results['provenance']['wall_time_s']:.1f} s; results in {out_dir}"
    )
