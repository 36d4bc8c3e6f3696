"""Excess chemical potentials of the Nernst–Planck fluxes, one module per physical term.

A term applies to a case when the case asks for it (`applies`); built by
`for_case`, it holds its own Constants, filled from the case by `load` (at set-up
and when a sweep retargets the problem), and gives the forms its `potentials`
(see `pnp.solver.forms.ExcessPotential`). Adding a term is adding a module here and
its class to `TERMS`: currents, transient storage, manufactured solutions and the
problem cache pick it up through the forms.
"""

from __future__ import annotations

from pnp.case import Case
from pnp.solver.excess.steric import StericExclusion

TERMS = (StericExclusion,)


def excess_terms(mesh, case: Case, scales) -> list:
    """The terms `case` asks for, built on `mesh` and loaded with its values."""
    return [term.for_case(mesh, case, scales) for term in TERMS if term.applies(case)]


def excess_key(case: Case) -> list[str]:
    """Names of the terms `case` uses (they change the forms, so a problem's set-up)."""
    return [term.name for term in TERMS if term.applies(case)]
