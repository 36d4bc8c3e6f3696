"""How crowded the ions are: the peak concentration of every species in the electrolyte.

Point ions (no `size_nm`) have no packing limit: in a strongly charged filter plain
PNP can hold tens of molar of counter-ions, more than fits (hydrated ions of about
0.7 nm pack at 1 / (a^3 N_A) = 4.8 M). Above `POINT_ION_LIMIT_M` of point ions a
run says so and names the fix (species sizes) rather than report such a state as
a clean result.
"""

from __future__ import annotations

import numpy as np
from mpi4py import MPI

from pnp.case import Case
from pnp.solver.problem import PnpProblem

POINT_ION_LIMIT_M = 5.0


def peak_concentrations_mM(problem: PnpProblem) -> np.ndarray:
    """Largest concentration (mM) of each species over the electrolyte nodes (collective)."""
    owned = problem.scalar_space.dofmap.index_map.size_local
    electrolyte = ~problem.ion_free[:owned]
    c = problem.concentrations()[:owned][electrolyte] * problem.scales.concentration_mM
    local = c.max(axis=0) if c.size else np.zeros(len(problem.case.species))
    peaks = np.empty_like(local)
    problem.domain.mesh.comm.Allreduce(np.ascontiguousarray(local), peaks, op=MPI.MAX)
    return peaks


def crowding_warning(case: Case, peaks_mM: dict[str, float]) -> str | None:
    """A warning when point ions are denser than `POINT_ION_LIMIT_M`, else None."""
    dense = {
        s.name: peaks_mM[s.name]
        for s in case.species
        if s.size_nm is None and peaks_mM.get(s.name, 0.0) > 1e3 * POINT_ION_LIMIT_M
    }
    if not dense:
        return None
    listed = ", ".join(f"{name} {c / 1e3:.3g} M" for name, c in dense.items())
    return (
        f"point ions reach {listed}, beyond the close packing of hydrated ions (about "
        f"{POINT_ION_LIMIT_M:g} M); the point-ion model is outside its validity there: give "
        "the species sizes (species.<name>.size_nm) for finite ion size"
    )
