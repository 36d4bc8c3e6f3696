"""The time loop of a run with its bookkeeping: trace, progress lines, fields, checkpoints."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pnp.post.output import FieldWriter
from pnp.post.units import report_units
from pnp.solver.current import pore_sections
from pnp.transient.current import TransientCurrentMeter, TransientCurrents
from pnp.transient.problem import TransientProblem
from pnp.transient.protocol import VoltageProtocol
from pnp.transient.stepping import AcceptedStep, SteppingSummary, TimeStepper
from pnp.transient.trace import TransientTrace


class TransientMarch:
    """Steps `transient` through `protocol`, measuring the currents after every step.

    Every `output_every` accepted steps it writes the fields (``output.fields``),
    prints a progress line through `say` and calls `checkpoint` with the trace (to
    keep it on disk). The initial state is recorded as the instant t = 0.
    """

    def __init__(
        self,
        transient: TransientProblem,
        protocol: VoltageProtocol,
        out_dir: Path,
        say: Callable[[str], None],
        checkpoint: Callable[[TransientTrace], None] = lambda _trace: None,
    ) -> None:
        case = transient.problem.case
        self.transient, self.protocol = transient, protocol
        self.say, self.checkpoint = say, checkpoint
        self.settings = case.transient
        sections = pore_sections(transient.problem.domain.pore_extent_nm, case.output.sections)
        self.meter = TransientCurrentMeter(transient, sections)
        problem = transient.problem
        self.trace = TransientTrace(case.species_names, report_units(case, problem.domain))
        self.fields = FieldWriter(transient.problem, out_dir) if case.output.fields else None
        self.field_times: list[float] = []
        self.index = 0  # accepted steps so far
        self._written = -1  # step index of the last field snapshot
        transient.hold()  # time derivatives vanish: the initial state is at rest
        self.last: TransientCurrents = self.meter.measure()
        self.trace.append(0.0, protocol.initial_mV, self.last)
        self._write_fields(0.0)

    def run(self) -> SteppingSummary:
        return TimeStepper(self.transient, self.protocol, self.settings).run(self._on_step)

    def finish(self) -> None:
        """Write the last state's fields (unless just written) and close the field file."""
        self._write_fields(self.trace.times_s[-1])
        if self.fields is not None:
            self.fields.close()
            self.fields = None

    def _on_step(self, step: AcceptedStep) -> None:
        self.last = self.meter.measure()  # the step's BDF weights are still in place
        self.trace.append(
            step.time_s,
            step.voltage_mV,
            self.last,
            step_s=step.step_s,
            order=step.order,
            previous_step_s=step.previous_step_s,
            newton_iterations=step.newton_iterations,
            error_estimate=step.error,
        )
        self.index = step.index
        if step.index % self.settings.output_every == 0:
            self._write_fields(step.time_s)
            self.say(self._progress_line(step))
            self.checkpoint(self.trace)

    def _write_fields(self, time_s: float) -> None:
        if self.fields is not None and self.index != self._written:
            self.fields.write(time_s)  # the time is the label of the snapshot
            self.field_times.append(time_s)
        self._written = self.index

    def _progress_line(self, step: AcceptedStep) -> str:
        current = self.trace.current()[-1]
        unit = self.trace.units.label
        return (
            f"  step {step.index:5d}  t = {step.time_s:.4e} s  V = {step.voltage_mV:+8.2f} mV  "
            f"I = {current:+.5e} {unit}  dt = {step.step_s:.2e} s  newton {step.newton_iterations}"
        )
