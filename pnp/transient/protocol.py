"""The applied voltage as a function of time: steps, optionally with linear ramps."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

from pnp.case import Transient


@dataclass(frozen=True)
class VoltageProtocol:
    """V(t) in mV from (time_s, voltage_mV) steps, each voltage held from its time on.

    With `rise_time_s` > 0 the change at each step is a linear ramp that starts
    at the step time. The first step is at t = 0.
    """

    steps: Sequence[tuple[float, float]]
    end_time_s: float
    rise_time_s: float = 0.0

    @classmethod
    def from_settings(cls, transient: Transient) -> VoltageProtocol:
        return cls(tuple(transient.voltage_steps_mV), transient.end_time_s, transient.rise_time_s)

    @property
    def initial_mV(self) -> float:
        return self.steps[0][1]

    @property
    def final_mV(self) -> float:
        return self.steps[-1][1]

    def voltage_mV(self, time_s: float, *, left: bool = False) -> float:
        """V(t); `left` gives the limit from earlier times (an instantaneous step at t
        has not happened yet), which is the voltage an implicit step ending at t uses."""
        times = [t for t, _ in self.steps]
        k = (bisect.bisect_left if left else bisect.bisect_right)(times, time_s) - 1
        k = max(k, 0)
        start, target = self.steps[k]
        if k == 0 or self.rise_time_s == 0.0 or time_s >= start + self.rise_time_s:
            return target
        before = self.steps[k - 1][1]
        return before + (target - before) * (time_s - start) / self.rise_time_s

    def breakpoints(self) -> list[float]:
        """Times after 0 where V(t) is not smooth (steps, ramp ends), and the end time."""
        points = {self.end_time_s}
        for time, _ in self.steps[1:]:
            points.add(time)
            if self.rise_time_s > 0.0:
                points.add(time + self.rise_time_s)
        return sorted(p for p in points if 0.0 < p <= self.end_time_s)
