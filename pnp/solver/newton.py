"""A SNES Newton solve that reports, rather than hides, failure.

DOLFINx's `NonlinearProblem.solve()` returns whatever iterate SNES stopped at;
`NewtonSolver.solve` checks the converged reason and the finiteness of the
iterate and returns a `SolveReport` the continuation logic acts on.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

import numpy as np
import ufl
from mpi4py import MPI
from ufl.algorithms import estimate_total_polynomial_degree, expand_derivatives

from pnp import interrupt
from pnp.errors import SolverConfigurationError
from pnp.fem import PETSc, dolfinx, fem_petsc
from pnp.jit import jit_options as default_jit_options
from pnp.solver.options import PNP_PREFIX, builtin_option_names, matrix_types, suggest_option

log = logging.getLogger(__name__)

# Full names of the options this module has put into PETSc's global database.
_INSTALLED: set[str] = set()


def install_options(prefix: str, options: Mapping[str, object]) -> list[str]:
    """Put `options` under `prefix` into PETSc's options database; the names set.

    They stay there until `remove_options`: a field-split preconditioner reads
    its sub-solver options when it is first set up, at the first solve, not at
    SNESSetFromOptions. Options of an earlier problem with this prefix are
    cleared first, so none leak into this one. Options that were in the
    database before any problem was made (PETSc command line, PETSC_OPTIONS)
    take precedence and are left alone.
    """
    db = PETSc.Options()
    remove_options([name for name in _INSTALLED if name.startswith(prefix)])
    user = {name for name in db.getAll() if name.startswith(prefix)}
    names = []
    for key, value in options.items():
        name = prefix + key
        if name not in user:
            db[name] = value
            names.append(name)
    _INSTALLED.update(names)
    return names


def remove_options(names: Sequence[str]) -> None:
    db = PETSc.Options()
    for name in names:
        db.delValue(name)
        _INSTALLED.discard(name)


_SOURCES = "--petsc, [solver.petsc_options] or PETSC_OPTIONS"
_TRACE_LINE = re.compile(r"\(\) at \S+:\d+$")


@contextmanager
def option_errors(prefix: str, builtin: frozenset[str]) -> Iterator[None]:
    """Turn a PETSc error (an option PETSc rejects while setting up) into a one-line
    `SolverConfigurationError` naming the option, instead of PETSc's printed trace."""
    PETSc.Sys.pushErrorHandler("python")  # keeps the message, prints nothing
    try:
        yield
    except PETSc.Error as err:
        raise SolverConfigurationError(_option_error(err, prefix, builtin)) from None
    finally:
        PETSc.Sys.popErrorHandler()


def _option_error(err: PETSc.Error, prefix: str, builtin: frozenset[str]) -> str:
    trace = [str(line) for line in getattr(err, "_traceback", ())]
    text = ": ".join(line for line in trace if not _TRACE_LINE.search(line)) or str(err)
    given = {k: v for k, v in PETSc.Options().getAll().items() if k.startswith(prefix)}
    named = [
        (name, value)
        for name, value in given.items()
        if value and re.search(rf"(?<![\w.-]){re.escape(str(value))}(?![\w.-])", text)
    ]
    named.sort(key=lambda item: item[0][len(prefix) :] in builtin)  # the user's first
    if named:
        name, value = named[0]
        return f"PETSc rejects option -{name} {value}: {text}; fix or remove it ({_SOURCES})"
    return f"PETSc rejects the solver options: {text} (PETSc error {err.ierr}); check {_SOURCES}"


def warn_unused_options(prefix: str, names: Sequence[str], builtin: frozenset[str]) -> list[str]:
    """Log a warning for each option among `names` and the user's own options with
    `prefix` that PETSc never read (a misspelt name); return their names."""
    db = PETSc.Options()
    user = [name for name in db.getAll() if name.startswith(prefix)]
    unused = []
    for name in sorted({*names, *user}):
        key = name[len(prefix) :]
        if key in builtin or db.used(name):
            continue
        unused.append(name)
        close = suggest_option(key)
        hint = f" (did you mean -{prefix}{close}?)" if close else ""
        log.warning(
            "PETSc option -%s was not used by the solver%s; check its name or remove it",
            name,
            hint,
        )
    return unused


@dataclass(frozen=True)
class SolveReport:
    converged: bool
    reason: str
    iterations: int
    residual_norm: float


def snes_reason_name(code: int) -> str:
    names = {v: k for k, v in vars(PETSc.SNES.ConvergedReason).items() if isinstance(v, int)}
    return f"{names.get(code, 'UNKNOWN')} ({code})"


# Largest last Newton update of a converged solve, in the size given by
# `update_size`. In the quadratic phase the error left after a step of size s
# is of order s^2: 1e-3 leaves about 1e-7 on the shipped cases (the size of
# the next step) and rarely costs an extra step, while a species still
# descending by e-folds moves by about 1 per step and is caught.
STEP_TOLERANCE = 1e-3


def capped_quadrature(form: ufl.Form, degree: int | None) -> ufl.Form:
    """`form` with every integral that has no quadrature degree of its own integrated at
    most at `degree` (None: `form` as it is, each integral at the form compiler's estimate).

    For the Jacobian only: the residual, and so the discrete solution, keeps its own
    quadrature, and Newton converges to the same root along a slightly inexact
    derivative. The estimate of a log-density Jacobian counts exp(u) as a polynomial
    of degree k + 2 (P_k), which makes its quadrature the costliest part of assembly.
    """
    if degree is None:
        return form
    form = expand_derivatives(form)
    integrals = []
    for integral in form.integrals():
        metadata = integral.metadata()
        if "quadrature_degree" not in metadata:
            estimate = estimate_total_polynomial_degree(integral.integrand())
            metadata = {**metadata, "quadrature_degree": min(degree, estimate)}
        integrals.append(integral.reconstruct(metadata=metadata))
    return ufl.Form(integrals)


def max_abs(update: np.ndarray) -> float:
    return float(np.abs(update).max(initial=0.0))


class NewtonSolver:
    """Newton with line search on F(w) = 0 with Dirichlet conditions `bcs`.

    A solve has converged when both
    - the residual is small: continuation starts most solves from a very good
      guess, so a tolerance relative to each solve's own initial residual would
      ask for round-off-level residuals; the absolute tolerance is raised to
      rtol times the largest initial residual seen so far (the problem's residual
      scale), never below the given atol; and
    - the size of the last Newton update, `update_size` of its local entries
      (largest over ranks), is at most `step_tolerance`. The residual alone
      does not see a species that is far from its solution where it is
      scarce: its equations scale with c = exp(u), and Newton moves such a
      log-density by about one unit per step (each step divides its residual
      by e) while the residual norm is already below tolerance.

    `jacobian_degree` caps the quadrature degree of the Jacobian (`capped_quadrature`);
    "mass" caps it at 2k, that of a P_k mass matrix, exact where c = exp(u) is constant.
    The default, None, keeps the compiler's estimate: the exact derivative of the
    residual. The cap cuts the Jacobian evaluation on the 3D pore by about 40 % at no
    Newton step, but Newton from the linear initial guess of trace-species cases
    (tests/test_currents.py) no longer converges with it.
    """

    def __init__(
        self,
        residual: ufl.Form,
        state: dolfinx.fem.Function,
        bcs: Sequence[dolfinx.fem.DirichletBC],
        options: Mapping[str, object],
        prefix: str = PNP_PREFIX,
        jit_options: Mapping[str, object] | None = None,
        step_tolerance: float = STEP_TOLERANCE,
        update_size: Callable[[np.ndarray], float] = max_abs,
        jacobian_degree: int | Literal["mass"] | None = None,
    ) -> None:
        self.state = state
        self.step_tolerance = step_tolerance
        self.update_size = update_size
        if jacobian_degree == "mass":
            jacobian_degree = 2 * state.function_space.ufl_element().embedded_superdegree
        jacobian = capped_quadrature(
            ufl.derivative(residual, state, ufl.TrialFunction(state.function_space)),
            jacobian_degree,
        )
        kind, pmat_kind, options = matrix_types(options)
        self.problem = fem_petsc.NonlinearProblem(
            residual,
            state,
            bcs=list(bcs),
            J=jacobian,
            petsc_options_prefix=prefix,
            kind=kind,
            jit_options=dict(default_jit_options() if jit_options is None else jit_options),
        )
        # Set through our own database entries, not NonlinearProblem's petsc_options:
        # its clean-up does not delete prefixed entries with petsc4py 3.25, so one
        # problem's options would leak into the next.
        self._option_names = install_options(prefix, options)
        self._prefix = prefix
        self._builtin = builtin_option_names(state.function_space.dofmap.index_map_bs)
        self._options_checked = False
        self.snes = self.problem.solver
        self.pmat = None
        if pmat_kind is not None and pmat_kind != kind:
            self._separate_preconditioner_matrix(pmat_kind, list(bcs))
        try:
            with option_errors(prefix, self._builtin):
                self.snes.setFromOptions()
        except SolverConfigurationError:
            self.destroy()  # every rank read the same options and failed alike
            raise
        self.snes.setConvergenceHistory(reset=True)
        self.rtol, self.atol = self.snes.getTolerances()[:2]
        self.residual_scale = 0.0
        self._initial_norm = 0.0
        self.snes.setConvergenceTest(self._converged)

    def _separate_preconditioner_matrix(self, kind: str, bcs: list) -> None:
        """Assemble the Jacobian as before, then copy its values into a matrix of type
        `kind` that the preconditioner is built from (same sparsity)."""
        p = self.problem
        fem_petsc.assemble_matrix(p.A, p.J, bcs, diag=1.0)  # the sparsity, for the copy
        p.A.assemble()
        # petsc4py converts in place unless given an empty Mat to fill
        self.pmat = p.A.convert(kind, PETSc.Mat())
        context = {"u": p.u, "jacobian": p.J, "preconditioner": None, "bcs": bcs}

        def jacobian(snes, x, J, P) -> None:
            fem_petsc.assemble_jacobian(snes, x, J, None, **context)
            J.convert(kind, P)

        self.snes.setJacobian(jacobian, p.A, self.pmat)

    def _converged(self, snes: PETSc.SNES, iteration: int, norms: tuple) -> int:
        """SNES convergence test: residual and update criteria (class notes)."""
        reasons = PETSc.SNES.ConvergedReason
        fnorm = norms[2]
        if not np.isfinite(fnorm):
            return reasons.DIVERGED_FNORM_NAN
        if iteration == 0:
            self._initial_norm = fnorm
            return reasons.CONVERGED_FNORM_ABS if fnorm <= self.atol else reasons.ITERATING
        atol = max(self.atol, self.rtol * self.residual_scale)
        if fnorm > max(atol, self.rtol * self._initial_norm):
            return reasons.ITERATING
        local = self.update_size(snes.getSolutionUpdate().getArray(readonly=True))
        step = self.state.function_space.mesh.comm.allreduce(local, op=MPI.MAX)
        if step > self.step_tolerance:
            return reasons.ITERATING
        return reasons.CONVERGED_FNORM_ABS if fnorm <= atol else reasons.CONVERGED_FNORM_RELATIVE

    def solve(self) -> SolveReport:
        interrupt.check(self.state.function_space.mesh.comm)  # every rank stops here together
        if self._options_checked:
            self.problem.solve()
        else:  # the first solve sets up the linear solvers: they read their options now
            with option_errors(self._prefix, self._builtin):
                self.problem.solve()
            if self.snes.getIterationNumber() > 0:
                warn_unused_options(self._prefix, self._option_names, self._builtin)
                self._options_checked = True
        history = self.snes.getConvergenceHistory()[0]
        if len(history):
            self.residual_scale = max(self.residual_scale, float(history[0]))
        reason = self.snes.getConvergedReason()
        comm = self.state.function_space.mesh.comm
        finite = comm.allreduce(bool(np.isfinite(self.state.x.array).all()), op=MPI.LAND)
        norm = self.snes.getFunctionNorm()
        return SolveReport(
            converged=reason > 0 and finite and np.isfinite(norm),
            reason=snes_reason_name(reason) if finite else "NON_FINITE_ITERATE",
            iterations=self.snes.getIterationNumber(),
            residual_norm=float(norm),
        )

    def destroy(self) -> None:
        """Free the PETSc objects now (collective): do not leave it to garbage collection,
        which runs at different moments on different ranks."""
        p = self.problem
        for obj in (p.solver, p.A, p.P_mat, self.pmat, p.b, p.x):
            if obj is not None:
                obj.destroy()
        self.pmat = None
        remove_options(self._option_names)
        self._option_names = []
