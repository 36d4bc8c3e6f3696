"""Steady incompressible Stokes flow of the electrolyte, coupled to PNP.

`forms` builds the UFL forms (pure functions); `problem` holds the Taylor–Hood
space, the boundary conditions and the linear solve. See `pnp.solver.scaling`
for the units.
"""
