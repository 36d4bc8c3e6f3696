"""The time trace of a transient run, in the units of results.json and transient.csv.

Currents are in pA for a pore (with the density over the pore area beside the
total) and in A/m^2 for a slab, as in the steady I–V results.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from pnp.transient.current import TransientCurrents


@dataclass
class TransientTrace:
    """One row per accepted step (and the initial state), currents in A (A/m^2 in 1D)."""

    species_names: Sequence[str]
    area_m2: float | None  # pore area for densities; None for a slab
    times_s: list[float] = field(default_factory=list)
    voltage_mV: list[float] = field(default_factory=list)
    total: list[float] = field(default_factory=list)
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
        newton_iterations: int = 0,
        error_estimate: float | None = None,
    ) -> None:
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
        """Suffix of the current keys: "pA" for a pore, "density_A_per_m2" for a slab."""
        return "density_A_per_m2" if self.area_m2 is None else "pA"

    def _scaled(self, values: Sequence[float]) -> list[float]:
        factor = 1.0 if self.area_m2 is None else 1e12
        return [factor * v for v in values]

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
        if self.area_m2 is not None:
            columns["current_density_A_per_m2"] = [v / self.area_m2 for v in self.total]
        return columns

    def species_currents(self) -> dict[str, list[float]]:
        matrix = np.array(self.species).reshape(len(self.species), len(self.species_names))
        return {
            name: self._scaled(matrix[:, i].tolist()) for i, name in enumerate(self.species_names)
        }

    # -- outputs ------------------------------------------------------------------------
    def block(self) -> dict:
        """The arrays of the results.json ``transient`` block."""
        species_key = (
            "species_current_densities_A_per_m2" if self.area_m2 is None else "species_currents_pA"
        )
        data: dict = {"times_s": self.times_s, "voltage_mV": self.voltage_mV}
        if self.area_m2 is None:
            data["current_pA"] = None  # a slab has densities only, as in the steady results
        data.update(self.currents())
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
        per = "current_density_A_per_m2" if self.area_m2 is None else "current_pA"
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
