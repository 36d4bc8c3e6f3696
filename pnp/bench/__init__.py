"""Benchmarks of the solver presets (driven by ``scripts/bench``).

Every measurement runs in a worker process of its own (``scripts/bench --worker
SPEC``), so each reports its own peak memory and a crash or a timeout costs
only that measurement. The driver (`pnp.bench.driver`) never imports DOLFINx or
MPI: it starts the workers, serially or under ``mpiexec -n 2``, and assembles
their JSON records.
"""
