"""Excess chemical potentials of the ions, one module per physical term.

A term applies to a case when the case asks for it (`applies`); built by
`for_case`, it holds its own Constants, filled from the case by `load` (at set-up
and when a sweep retargets the problem), and gives the forms the concentrations
of the chemical-potential unknowns (see `pnp.solver.forms.ExcessPotential`).
Adding a term is adding a module here and its class to `TERMS`: fluxes, charge,
currents, transient storage, manufactured solutions, outputs and the problem
cache pick it up through `forms.concentrations` and `PnpProblem.concentrations`.
One term applies at a time (each inverts its own u(c)).
"""

from __future__ import annotations

from pnp.case import Case
from pnp.solver.excess.steric import StericExclusion

TERMS = (StericExclusion,)


def excess_term(mesh, case: Case, scales):
    """The term `case` asks for, built on `mesh` and loaded with its values, or None."""
    terms = [term for term in TERMS if term.applies(case)]
    if len(terms) > 1:
        raise NotImplementedError(
            f"excess terms {', '.join(t.name for t in terms)} cannot be combined yet"
        )
    return terms[0].for_case(mesh, case, scales) if terms else None


def excess_key(case: Case) -> list[str]:
    """Names of the terms `case` uses (they change the forms, so a problem's set-up)."""
    return [term.name for term in TERMS if term.applies(case)]


def quadrature_degree(degree: int, *, weighted: bool) -> int:
    """Quadrature degree of the electrolyte integrals when an excess term applies: the
    degree the form compiler gives the point-ion charge term z exp(u) v (r), degree + 2
    for exp(u), degree for v and 1 for the axisymmetric r. Its own estimate for the
    concentrations of a term (a quotient of exponentials) is 3 times that in the Jacobian.
    Residual and Jacobian share it, so the Jacobian is the exact derivative."""
    return 2 * degree + 2 + (1 if weighted else 0)
