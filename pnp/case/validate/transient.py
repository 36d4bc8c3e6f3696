"""Validation of the [transient] table: the voltage protocol and time stepping."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pnp.case.schema import TRANSIENT_SCHEMES, Transient
from pnp.case.validate.reader import MISSING, Reader, describe, fmt

TRANSIENT_KEYS = (
    "end_time_s",
    "voltage_steps_mV",
    "rise_time_s",
    "scheme",
    "adaptive",
    "initial_step_s",
    "min_step_s",
    "max_step_s",
    "rtol",
    "output_every",
)

_STEPS_EXAMPLE = "voltage_steps_mV = [[0.0, 0.0], [1e-9, 100.0]]"


def _voltage_steps(r: Reader, raw: Any) -> tuple[tuple[float, float], ...] | None:
    """[[time_s, voltage_mV], ...]: starting at t = 0, times strictly increasing."""
    key = "transient.voltage_steps_mV"
    meaning = "pairs [time_s, voltage_mV], the voltage held from that time on"
    if raw is MISSING:
        r.problem(key, f"missing required key; add {_STEPS_EXAMPLE} ({meaning})")
        return None
    if not isinstance(raw, list | tuple) or not raw:
        got = "an empty array" if isinstance(raw, list | tuple) else describe(raw)
        r.problem(key, f"expected an array of {meaning}, e.g. {_STEPS_EXAMPLE}; got {got}")
        return None
    steps: list[tuple[float, float]] = []
    for i, pair in enumerate(raw):
        item = f"{key}[{i}]"
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            r.problem(item, f"expected a pair [time_s, voltage_mV], got {describe(pair)}")
            return None
        time = r.check_number(pair[0], f"{item}[0]", ge=0.0)
        voltage = r.check_number(pair[1], f"{item}[1]", within="voltage_mV")
        if time is None or voltage is None:
            return None
        steps.append((time, voltage))
    if steps[0][0] != 0.0:
        r.problem(
            f"{key}[0][0]",
            f"the protocol must start at t = 0 s (the initial state is the steady state at the "
            f"first voltage), got {fmt(steps[0][0])} s; add [0.0, V0] first",
        )
        return None
    for i in range(1, len(steps)):
        if steps[i][0] <= steps[i - 1][0]:
            r.problem(
                f"{key}[{i}][0]",
                f"step times must increase: {fmt(steps[i][0])} s follows {fmt(steps[i - 1][0])} s",
            )
            return None
    return tuple(steps)


def _round(x: float) -> float:
    """`x` to 12 significant digits (a derived default that prints cleanly)."""
    return float(f"{x:.12g}")


def read_transient(r: Reader, data: Mapping[str, Any]) -> Transient | None:
    if "transient" not in data:
        return None
    t = r.table(data["transient"], "transient")
    if t is None:
        return None
    p = "transient"
    r.keys(t, TRANSIENT_KEYS, p)
    end = r.number(t, "end_time_s", p, example="2e-7", gt=0.0)
    steps = _voltage_steps(r, t.get("voltage_steps_mV", MISSING))
    rise = r.number(t, "rise_time_s", p, default=0.0, ge=0.0)
    scheme = r.string(t, "scheme", p, default="bdf2", choices=TRANSIENT_SCHEMES)
    adaptive = r.boolean(t, "adaptive", p, default=True)
    rtol = r.number(t, "rtol", p, default=1e-3, gt=0.0, lt=1.0)
    every = r.integer(t, "output_every", p, default=10, ge=1)
    if end is None:
        return None
    # defaults scale with the run: 50 steps at least, starting 1e-5 of the way in
    max_step = r.number(t, "max_step_s", p, default=_round(end / 50), gt=0.0)
    initial = r.number(
        t, "initial_step_s", p, default=_round(min(1e-5 * end, max_step or end)), gt=0.0
    )
    min_step = r.number(t, "min_step_s", p, default=_round(1e-4 * (initial or end)), gt=0.0)
    if None in (max_step, initial, min_step):
        return None
    if not min_step <= initial <= max_step:
        r.problem(
            f"{p}.initial_step_s",
            f"must lie between min_step_s = {fmt(min_step)} s and max_step_s = "
            f"{fmt(max_step)} s, got {fmt(initial)} s",
        )
    if steps is not None:
        _protocol_timing(r, steps, end, rise)
    if None in (steps, rise, scheme, adaptive, rtol, every):
        return None
    return Transient(
        end_time_s=end,
        voltage_steps_mV=steps,
        initial_step_s=initial,
        min_step_s=min_step,
        max_step_s=max_step,
        rise_time_s=rise,
        scheme=scheme,
        adaptive=adaptive,
        rtol=rtol,
        output_every=every,
    )


def _protocol_timing(
    r: Reader, steps: Sequence[tuple[float, float]], end: float, rise: float | None
) -> None:
    """Every step lies before the end, and each ramp ends before the next step and the end."""
    last = steps[-1][0]
    if last >= end:
        r.problem(
            "transient.end_time_s",
            f"must be later than the last step at {fmt(last)} s, got {fmt(end)} s",
        )
        return
    if not rise:
        return
    times = [time for time, _ in steps[1:]] + [end]
    gaps = [b - a for a, b in zip([time for time, _ in steps[1:]], times[1:], strict=False)]
    shortest = min(gaps, default=end)
    if len(steps) > 1 and rise > shortest:
        r.problem(
            "transient.rise_time_s",
            f"{fmt(rise)} s is longer than the {fmt(shortest)} s between a step and the "
            "next one (or the end); shorten it or space the steps further apart",
        )
