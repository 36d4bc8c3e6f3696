"""Steric exclusion of finite-size ions: the lattice-gas (Bikerman) excess potential.

    mu^ex / kT = -ln(1 - Phi),   Phi = sum_j a_j^3 N_A c_j,

the same for every species (a_j the size of ion j, 0 for a point ion; Kilic,
Bazant and Ajdari, Phys. Rev. E 75, 021502 (2007), for equal sizes).

The species unknowns are the chemical-potential variables
u_i = ln(c_i / c0) - ln(1 - Phi). With v_j = a_j^3 N_A c0 and S = sum_j v_j e^{u_j},
1 - Phi = 1 / (1 + S), so

    c_i / c0 = e^{u_i} / (1 + S),

positive and below close packing (Phi = S / (1 + S) < 1) for every u, including
Newton iterates; in equilibrium c_i = c_i,bath e^{-z_i psi} (1 - Phi) / (1 - Phi_bath).

Osmotic pressure. With C = sum_j c_j, the excess part of a uniform solution's osmotic
pressure, integrated along its dilution line c(s) = s c (Gibbs–Duhem, dPi = sum_i c_i
dmu_i), is

    Pi^ex / kT = (C / Phi) (-Phi - ln(1 - Phi)),

which for equal sizes a is the lattice gas's -ln(1 - Phi) / a^3 N_A - C: then
sum_i c_i grad(mu^ex) = grad(Pi^ex) everywhere. With unequal sizes the excess potential
derives from no free energy and Pi^ex is this definition.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import ufl

from pnp.case import Case
from pnp.fem import dolfinx


def packing_volumes(case: Case, concentration_mM: float) -> list[float]:
    """v_j = a_j^3 N_A c0 (c0 in mM = mol/m^3) per species; 0 for a point ion."""
    return [s.lattice_volume_m3_per_mol * concentration_mM for s in case.species]


class StericExclusion:
    name = "steric"

    @staticmethod
    def applies(case: Case) -> bool:
        return case.has_finite_ion_size

    def __init__(self, volumes: Sequence) -> None:
        """`volumes`: v_j = a_j^3 N_A c0 per species (numbers or Constants)."""
        self.volumes = list(volumes)

    @classmethod
    def for_case(cls, mesh, case: Case, scales) -> StericExclusion:
        """The term with one Constant per species, loaded from `case`."""
        term = cls([dolfinx.fem.Constant(mesh, 0.0) for _ in case.species])
        term.load(case, scales)
        return term

    def load(self, case: Case, scales) -> None:
        for constant, v in zip(
            self.volumes, packing_volumes(case, scales.concentration_mM), strict=True
        ):
            constant.value = v

    def _values(self) -> np.ndarray:
        return np.array([float(getattr(v, "value", v)) for v in self.volumes])

    def concentrations(self, us: Sequence) -> list[ufl.core.expr.Expr]:
        crowding = 1.0 + sum(v * ufl.exp(u) for v, u in zip(self.volumes, us, strict=True))
        return [ufl.exp(u) / crowding for u in us]

    def nodal_concentrations(self, us: np.ndarray) -> np.ndarray:
        """c / c0 for an array whose last axis runs over the species."""
        # exp(u - m) / (exp(-m) + sum v exp(u - m)) with m = max(u, 0): no overflow
        m = np.maximum(us.max(axis=-1, keepdims=True), 0.0)
        scaled = np.exp(us - m)
        return scaled / (np.exp(-m) + (scaled * self._values()).sum(axis=-1, keepdims=True))

    def osmotic_pressure(self, cs: Sequence) -> ufl.core.expr.Expr:
        """Pi^ex / (kT c0) (module doc) of the scaled concentrations `cs` (UFL)."""
        phi = sum(v * c for v, c in zip(self.volumes, cs, strict=True))
        ratio = (-phi - ufl.ln(1.0 - phi)) / phi  # Phi / 2 + Phi^2 / 3 + ...
        return sum(cs) * ufl.conditional(ufl.gt(phi, 1e-6), ratio, 0.5 * phi + phi**2 / 3.0)

    def bath_osmotic_pressure(self, c: Sequence[float]) -> float:
        """Pi^ex / (kT c0) (module doc) of a uniform solution c / c0."""
        phi = float(np.dot(self._values(), c))
        if phi == 0.0:
            return 0.0
        return float(sum(c)) * (-phi - math.log1p(-phi)) / phi

    def chemical_potentials(self, c: Sequence[float]) -> list[float]:
        free = 1.0 - float(np.dot(self._values(), c))  # 1 - Phi
        return [math.log(ci) - math.log(free) for ci in c]
