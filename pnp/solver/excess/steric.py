"""Steric exclusion of finite-size ions: the lattice-gas (Bikerman) excess potential.

    mu^ex / kT = -ln(1 - Phi),   Phi = sum_j a_j^3 N_A c_j,

the same for every species (a_j the size of ion j, 0 for a point ion; Kilic,
Bazant and Ajdari, Phys. Rev. E 75, 021502 (2007), for equal sizes). In
equilibrium c_i = c_i,bath exp(-z_i psi) (1 - Phi) / (1 - Phi_bath), so no
concentration exceeds the close packing 1 / (a_i^3 N_A). In the scaled unknowns
Phi = sum_j v_j exp(u_j) with v_j = a_j^3 N_A c0.
"""

from __future__ import annotations

from collections.abc import Sequence

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
        """`volumes`: v_j = a_j^3 N_A c0 per species (numbers, Constants or UFL)."""
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

    def packing_fraction(self, us: Sequence) -> ufl.core.expr.Expr:
        return sum(v * ufl.exp(u) for v, u in zip(self.volumes, us, strict=True))

    def potentials(self, us: Sequence) -> list[ufl.core.expr.Expr]:
        mu = -ufl.ln(1.0 - self.packing_fraction(us))
        return [mu] * len(us)
