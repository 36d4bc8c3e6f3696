"""One PNP problem reused by the consecutive cases of a sweep that share its set-up.

Cases that differ only in values (fixed and surface charges, permittivities,
diffusion coefficients; concentrations and temperature where they keep the
Debye length, which sets the mesh) keep the
mesh, forms, sparsity, matrices and solver of the previous case:
`PnpProblem.retarget` loads the new values into its Constants and DG0
functions. Anything else (a different mesh, species, set of charged surfaces
or solver settings) builds a new problem.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from pathlib import Path

from mpi4py import MPI

from pnp.case import Case
from pnp.run import domain_inputs, prepare
from pnp.solver.excess import excess_key
from pnp.solver.problem import PnpProblem


def setup_key(case: Case, cli_petsc_options: Mapping[str, object] | None) -> str:
    """What a problem's structure depends on: equal keys allow `PnpProblem.retarget`."""
    solver = case.solver
    key = {
        "mesh": domain_inputs(case),
        "species": [(s.name, s.charge) for s in case.species],
        "excess": excess_key(case),
        "charged_surfaces": sorted(n for n, s in case.surfaces.items() if s.charge_C_per_m2),
        "profile": case.permittivity_profile.kind,
        "solver": [
            solver.preset,
            solver.degree,
            solver.quadrature,
            solver.rtol,
            solver.atol,
            solver.max_iterations,
            dict(solver.petsc_options),
        ],
        "cli": dict(cli_petsc_options or {}),
    }
    if case.flow is not None:
        flow = case.flow
        key["flow"] = list(flow.slip_walls) if flow.slip_length_nm > 0.0 else []
    return json.dumps(key, sort_keys=True, default=str)


class ProblemCache:
    """Holds the problem of the last case run on one communicator (collective use)."""

    def __init__(self) -> None:
        self.key: str | None = None
        self.problem: PnpProblem | None = None
        self.msh_path: Path | None = None
        self.reused = 0

    def problem_for(
        self,
        case: Case,
        comm: MPI.Comm,
        msh_path: Path,
        cli_petsc_options: Mapping[str, object] | None,
    ) -> PnpProblem:
        key = setup_key(case, cli_petsc_options)
        if self.problem is not None and key == self.key:
            self.problem.retarget(case)
            if comm.rank == 0 and self.msh_path is not None and self.msh_path.exists():
                shutil.copyfile(self.msh_path, msh_path)  # every case folder has its mesh
            comm.barrier()
            self.reused += 1
            return self.problem
        self.clear()
        self.problem = prepare(case, comm, msh_path=msh_path, cli_petsc_options=cli_petsc_options)
        self.key, self.msh_path = key, msh_path
        return self.problem

    def clear(self) -> None:
        """Free the held problem (collective)."""
        if self.problem is not None:
            self.problem.destroy()
        self.problem, self.key, self.msh_path = None, None, None
