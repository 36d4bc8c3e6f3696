"""Exact limits and manufactured solutions the solver must reproduce, as measurements.

Each function solves a problem and returns the measured error(s) against an
independent closed form (`pnp.theory`) or an exact solution; the test suite
asserts bounds on them and `scripts/validate` prints them as a table.
"""
