"""Bad input through the Python API: every wrong type, unknown key, unknown species or bad
value given to `pnp.Simulation(...)`, `Simulation.set` or a case table raises the project's
error (`CaseError` / `InputError`) naming the key, never a bare KeyError/TypeError/ValueError.
Also: `import pnp` is fast and loads no DOLFINx."""

from __future__ import annotations

import copy
import statistics
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mpi4py import MPI

import pnp
from pnp.case import CaseError, case_to_dict
from pnp.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "cases" / "default.toml"
BASE = pnp.Simulation(DEFAULT)
TABLE = case_to_dict(BASE.case)
FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)

# the dotted keys of the default case, from its resolved table
KEYS = sorted(
    f"{section}.{key}"
    for section, table in TABLE.items()
    if isinstance(table, dict)
    for key in table
    if not isinstance(table[key], dict)
) + [f"species.{s['name']}.{k}" for s in TABLE["species"] for k in s if k != "name"]

values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.lists(st.one_of(st.integers(-5, 5), st.text(max_size=3), st.none()), max_size=3),
    st.dictionaries(st.text(min_size=1, max_size=4), st.integers(-3, 3), max_size=2),
    st.binary(max_size=3),
    st.sampled_from([object(), complex(1, 2), (1, "a"), {1, 2}, Path("x")]),
)
names = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,8}", fullmatch=True)


def keys_of(err: CaseError | InputError) -> list[str]:
    if isinstance(err, CaseError):
        return [key for key, _ in err.problems]
    return [err.key]


def named(err: CaseError | InputError, key: str) -> bool:
    """The error names `key`, a key inside it, or the table it belongs to (a derived
    check such as electroneutrality is reported on its table, e.g. ``species``)."""
    parts = key.split(".")
    prefixes = {".".join(parts[:i]) for i in range(1, len(parts) + 1)}
    return any(
        k in prefixes or k.startswith(f"{key}.") or k.split("[")[0] in prefixes
        for k in keys_of(err)
    )


def raises_named(build, key: str) -> None:
    """`build()` either succeeds or raises CaseError/InputError naming `key`."""
    try:
        build()
    except (CaseError, InputError) as err:
        assert named(err, key), f"{key}: {err}"
        assert str(err).strip(), key


@FUZZ
@given(key=st.sampled_from(KEYS), value=values)
def test_set_any_value_on_a_known_key_raises_a_case_error_naming_it(key, value):
    sim = pnp.Simulation(DEFAULT)
    before = sim.case
    try:
        sim.set(key, value)
    except (CaseError, InputError) as err:
        assert named(err, key), f"{key}={value!r}: {err}"
        assert sim.case is before  # a failed set keeps the case
        return
    assert sim.overrides[key] is not None


@FUZZ
@given(section=st.sampled_from(["geometry", "conditions", "solver", "output"]), name=names)
def test_an_unknown_key_is_named(section, name):
    if name in TABLE[section]:
        return
    with pytest.raises(CaseError) as err:
        pnp.Simulation(DEFAULT, {f"{section}.{name}": 1.0})
    assert f"{section}.{name}" in keys_of(err.value)


@FUZZ
@given(name=names, field=st.sampled_from(["inside_mM", "outside_mM", "charge"]))
def test_an_unknown_species_is_named(name, field):
    if name in BASE.case.species_names:
        return
    with pytest.raises(CaseError) as err:
        BASE.set(f"species.{name}.{field}", 1)
    assert any(k.startswith(f"species.{name}") for k in keys_of(err.value)), err.value


@FUZZ
@given(data=st.data(), value=values)
def test_a_case_table_with_any_leaf_replaced_raises_a_case_error_naming_it(data, value):
    table = copy.deepcopy(TABLE)
    section = data.draw(st.sampled_from(sorted(table)))
    if isinstance(table[section], dict) and table[section]:
        key = data.draw(st.sampled_from(sorted(table[section])))
        table[section][key] = value
        where = f"{section}.{key}"
    elif isinstance(table[section], list) and table[section]:
        index = data.draw(st.integers(0, len(table[section]) - 1))
        entry = table[section][index]
        key = data.draw(st.sampled_from(sorted(entry)))
        entry[key] = value
        where = section  # reported as species[i].key or species.NAME.key
    else:
        table[section] = value
        where = section
    raises_named(lambda: pnp.Simulation(table), where)


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"petsc_options": "ksp_type=gmres"}, "petsc_options"),
        ({"petsc_options": [("ksp_type", "gmres")]}, "petsc_options"),
        ({"petsc_options": {1: "gmres"}}, "petsc_options"),
        ({"petsc_options": {"ksp_type": ["gmres"]}}, "petsc_options.ksp_type"),
        ({"progress": "print"}, "progress"),
        ({"comm": "world"}, "comm"),
        ({"overrides": [("geometry.refine", 1)]}, ""),
    ],
)
def test_bad_simulation_arguments_are_input_errors(kwargs, key):
    with pytest.raises((CaseError, InputError)) as err:
        pnp.Simulation(DEFAULT, **kwargs)
    assert key in keys_of(err.value)


def test_solve_with_something_that_is_not_a_communicator_names_comm():
    with pytest.raises(InputError) as err:
        pnp.Simulation(DEFAULT).solve(comm=MPI.COMM_WORLD.rank + 3)
    assert err.value.key == "comm"


def test_import_pnp_is_fast_and_loads_no_dolfinx():
    """The median of five fresh interpreters (robust to a loaded machine) is under 0.5 s,
    and neither `import pnp` nor building a Simulation loads DOLFINx, PETSc or MPI."""
    code = (
        "import sys, time; t = time.perf_counter(); import pnp; "
        "dt = time.perf_counter() - t; "
        "sim = pnp.Simulation(sys.argv[1], {'geometry.refine': 1}); "
        "assert not {'dolfinx', 'petsc4py', 'mpi4py', 'ufl'} & set(sys.modules), 'loaded'; "
        "print(dt)"
    )
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    times = []
    for _ in range(5):
        done = subprocess.run(
            [sys.executable, "-c", code, str(DEFAULT)],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        times.append(float(done.stdout))
    assert statistics.median(times) < 0.5, times
