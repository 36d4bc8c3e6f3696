"""The time trace of a transient run, in the units of results.json and transient.csv.

Currents are in pA for a pore (with the density over the pore area beside the
total) and in A/m^2 for a slab, as in the steady I–V results.

The charge passed is the time integral of the total (external-circuit) current
from t = 0, in pC (C/m^2 for a slab). It is accumulated by each step's own BDF
formula (`pnp.solver.transient.bdf_accumulate`): the plain sum of I_n dt_n for
backward Euler, the BDF2 recurrence after a BDF2 step. The displacement part of
the current is the BDF difference of the field, so the charge then equals the
change of the discrete displacement field exactly (to solver tolerance), at
every step; the sum of I_n dt_n after BDF2 steps would not. The charge of an
instantaneous voltage step is in the first step after it, whose current
carries it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from pnp.post.units import PLANAR, PORE, ReportUnits
from pnp.solver.transient import bdf_accumulate
from pnp.transient.current import TransientCurrents


@dataclass
class TransientTrace:
    """One row per accepted step (and the initial state), currents in A (A/m^2 in 1D)."""

    species_names: Sequence[str]
    units: ReportUnits  # how this geometry reports currents (pnp.post.units)
    times_s: list[float] = field(default_factory=list)
    voltage_mV: list[float] = field(default_factory=list)
    total: list[float] = field(default_factory=list)
    charge: list[float] = field(default_factory=list)  # passed since t = 0, C (C/m^2 in 1D)
    ionic: list[float] = field(default_factory=list)
    displacement: list[float] = field(default_factory=list)
    species: list[np.ndarray] = field(default_factory=list)
    section_spread: list[float] = field(default_factory=list)
    step_s: list[float] = field(default_factory=list)
    order: list[int] = field(default_factory=list)
    newton_iterations: list[int] = field(default_factory=list)
    error_estimate: list[float | None] = field(default_factory=list)

    def append(
        self,
        time_s: float,
        voltage_mV: float,
        currents: TransientCurrents,
        *,
        step_s: float = 0.0,
        order: int = 0,
        previous_step_s: float | None = None,
        newton_iterations: int = 0,
        error_estimate: float | None = None,
    ) -> None:
        """A row: the initial instant (`order` 0) or a step of `order` and `step_s` (after a
        step of `previous_step_s` in its BDF2 stencil), whose weights integrate the charge."""
        if order == 0:
            charge = 0.0
        else:
            past = (self.charge[-1], self.charge[-2] if len(self.charge) > 1 else 0.0)
            charge = bdf_accumulate(currents.total, step_s, order, previous_step_s, past)
        self.charge.append(charge)
        self.times_s.append(time_s)
        self.voltage_mV.append(voltage_mV)
        self.total.append(currents.total)
        self.ionic.append(currents.ionic)
        self.displacement.append(currents.displacement)
        self.species.append(currents.species.copy())
        self.section_spread.append(currents.section_spread)
        self.step_s.append(step_s)
        self.order.append(order)
        self.newton_iterations.append(newton_iterations)
        self.error_estimate.append(error_estimate)

    # -- units ------------------------------------------------------------------------
    @property
    def unit(self) -> str:
        """Suffix of the current keys: "pA" for a pore, "per_depth_pA_per_nm" for a planar
        2D section, "density_A_per_m2" for a slab."""
        return self.units.extensive or "density_A_per_m2"

    def _scaled(self, values: Sequence[float]) -> list[float]:
        factor = self.units.scale if self.units.extensive is not None else 1.0
        return [factor * v for v in values]

    @property
    def charge_key(self) -> str:
        """``charge_pC`` for a pore, ``charge_per_depth_pC_per_nm`` for a planar 2D section,
        ``charge_C_per_m2`` for a slab (the same scale as the currents: pA s = pC)."""
        return {PORE: "charge_pC", PLANAR: "charge_per_depth_pC_per_nm"}.get(
            self.units.extensive or "", "charge_C_per_m2"
        )

    @property
    def labels(self) -> tuple[str, str]:
        """Units of the current and the charge, for plots and progress lines."""
        charge = {PORE: "pC", PLANAR: "pC/nm"}.get(self.units.extensive or "", "C/m^2")
        return self.units.label, charge

    def current(self) -> list[float]:
        """The total current in the unit of `unit`."""
        return self._scaled(self.total)

    def currents(self) -> dict[str, list[float]]:
        """Total, ionic and displacement current by key (``current_pA`` or
        ``current_density_A_per_m2``, ``ionic_current_...``, ``displacement_current_...``)."""
        u = self.unit
        columns = {
            f"current_{u}": self._scaled(self.total),
            f"ionic_current_{u}": self._scaled(self.ionic),
            f"displacement_current_{u}": self._scaled(self.displacement),
        }
        if self.units.extensive is not None and self.units.reference is not None:
            columns["current_density_A_per_m2"] = [self.units.density(v) for v in self.total]
        return columns

    def segments(self, steps: Sequence[tuple[float, float]]) -> list[dict]:
        """The charge passed in each protocol segment, from its step time (`steps`: the
        protocol's (time_s, voltage_mV)) to the next or to the end of the trace; a step's
        own charge counts in the segment it starts. Segments the trace has not reached
        are left out."""
        times = np.asarray(self.times_s)
        starts = [t for t, _ in steps]
        ends = [*starts[1:], self.times_s[-1]]
        rows = []
        for (start, voltage), end in zip(steps, ends, strict=True):
            if start > times[-1]:
                break
            first, last = (int(np.searchsorted(times, t, side="right")) - 1 for t in (start, end))
            passed = self._scaled([self.charge[last] - self.charge[first]])[0]
            rows.append(
                {
                    "start_s": start,
                    "end_s": min(end, times[-1]),
                    "voltage_mV": voltage,
                    self.charge_key: passed,
                }
            )
        return rows

    def species_currents(self) -> dict[str, list[float]]:
        matrix = np.array(self.species).reshape(len(self.species), len(self.species_names))
        return {
            name: self._scaled(matrix[:, i].tolist()) for i, name in enumerate(self.species_names)
        }

    # -- outputs ------------------------------------------------------------------------
    def block(self) -> dict:
        """The arrays of the results.json ``transient`` block."""
        species_key = (
            "species_current_densities_A_per_m2"
            if self.units.extensive is None
            else f"species_currents_{self.units.extensive}"
        )
        data: dict = {"times_s": self.times_s, "voltage_mV": self.voltage_mV}
        if self.units.extensive != PORE:
            data["current_pA"] = None  # as in the steady results
        data.update(self.currents())
        data[self.charge_key] = self._scaled(self.charge)
        data[species_key] = self.species_currents()
        data.update(
            section_spread=self.section_spread,
            step_s=self.step_s,
            order=self.order,
            newton_iterations=self.newton_iterations,
            error_estimate=self.error_estimate,
        )
        return data

    def columns(self) -> dict[str, np.ndarray]:
        """Columns of transient.csv."""
        cols: dict[str, list] = {"time_s": self.times_s, "voltage_mV": self.voltage_mV}
        cols.update(self.currents())
        cols[self.charge_key] = self._scaled(self.charge)
        per = f"current_{self.unit}" if self.units.extensive else "current_density_A_per_m2"
        for name, values in self.species_currents().items():
            cols[f"{name}_{per}"] = values
        cols.update(
            section_spread=self.section_spread,
            step_s=self.step_s,
            order=self.order,
            newton_iterations=self.newton_iterations,
            error_estimate=[np.nan if e is None else e for e in self.error_estimate],
        )
        return {k: np.asarray(v, dtype=float) for k, v in cols.items()}
