"""PETSc options: one merge path (defaults < preset < case file < command line).

Every problem uses a fixed options prefix, so options given with that prefix on
the PETSc command line (e.g. -pnp_snes_monitor) also apply.

Presets
-------
"direct"
    Newton with MUMPS LU. Robust; the fastest choice for small and medium
    problems (2D meshes, 3D meshes up to a few 10^4 unknowns).
"iterative"
    Inexact Newton (Eisenstat–Walker forcing terms) around right-preconditioned
    GMRES with a block Gauss–Seidel (multiplicative field-split) preconditioner
    built on the blocked layout of the unknowns, node-major (psi, u_1..u_n):
    first the Poisson block (a variable-permittivity Laplacian), then the
    Nernst–Planck block (for each species a diffusion operator weighted by
    c = exp(u), plus drift), one smoothed-aggregation AMG (PCGAMG) V-cycle each.
    Memory and time per Newton step grow about linearly with the unknowns, so
    it wins over LU for large 2D and all but the smallest 3D meshes, and it is
    the preset for 10^6 unknowns. Needs no hypre.

The split of the iterative preset depends on the number of fields n + 1 (psi
and n log-densities): pass ``n_fields`` to `merged_options`. Without it the
preset falls back to one GAMG hierarchy for the whole blocked system (nodal
aggregation from the matrix block size), which converges but needs about
twice the work; `split_options` gives the missing options for a known field
count, e.g. to pass on the command line.

Right preconditioning matters: the Krylov tolerance is then tested on the true
linear residual, which keeps every inexact Newton direction a descent
direction for the backtracking line search.

Checks
------
`merged_options` refuses a type name (``ksp_type``, ``pc_type``, ``snes_type``,
``snes_linesearch_type``, ``pc_factor_mat_solver_type``, the matrix types, also
under sub-solver prefixes such as ``fieldsplit_0_``) that PETSc does not register,
with a suggestion; `suggest_option` proposes the option a misspelt name meant.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping

from pnp.errors import SolverConfigurationError

PNP_PREFIX = "pnp_"

DEFAULTS: Mapping[str, object] = {
    "snes_type": "newtonls",
    "snes_linesearch_type": "bt",
    # quadratic backtracking: the cubic default stalls the first (uncharged) solve
    # of trace-ion cases (calcium.toml) with the iterative preset
    "snes_linesearch_order": 2,
    "snes_rtol": 1e-9,
    "snes_atol": 1e-10,
    "snes_stol": 0.0,
    "snes_max_it": 25,
    "snes_divergence_tolerance": -1,
}

# The PETSc matrix types of the Jacobian and of the matrix the preconditioner is
# built from: not PETSc options, read by `matrix_types` when the matrices are made.
# Block CSR (baij, one (psi, u_1..u_n) block per pair of vertices) assembles in
# about 60 % of the time of scalar CSR (aij): fewer index look-ups.
MATRIX_TYPE_KEY = "mat_type"
PRECONDITIONER_MATRIX_TYPE_KEY = "pmat_type"

# Sparse direct LU: robust and fastest up to a few 10^5 unknowns in 2D.
DIRECT: Mapping[str, object] = {
    MATRIX_TYPE_KEY: "baij",
    "ksp_type": "preonly",
    "pc_type": "lu",
    "pc_factor_mat_solver_type": "mumps",
    # extra workspace: log-density Jacobians fill in more than MUMPS estimates
    "mat_mumps_icntl_14": 80,
    "mat_mumps_icntl_24": 1,  # detect null pivots instead of failing
}

# Inexact Newton around right-preconditioned GMRES. The preconditioner is set
# by `split_options` (or the whole-system GAMG fallback below).
ITERATIVE: Mapping[str, object] = {
    "snes_ksp_ew": True,
    # Eisenstat–Walker forcing terms (version 3), kept between 1e-4 (first
    # step) and 1e-3. Looser bounds (PETSc's 0.3 / 0.9, or 0.01 / 0.1) leave the
    # hard first solves from the linear initial guess (bi_ionic, calcium: trace
    # concentrations) stalling in the line search, and cost extra Newton steps,
    # each with a Jacobian assembly that is dearer than the Krylov iterations saved.
    "snes_ksp_ew_version": 3,
    "snes_ksp_ew_rtol0": 1e-4,
    "snes_ksp_ew_rtolmax": 1e-3,
    # a Krylov solve that stops at ksp_max_it still gives a usable direction
    "snes_max_linear_solve_fail": 10,
    "ksp_type": "gmres",
    "ksp_pc_side": "right",
    "ksp_gmres_restart": 100,
    "ksp_max_it": 400,
    "ksp_rtol": 1e-8,  # replaced by the Eisenstat–Walker forcing term
    "pc_type": "gamg",  # fallback without a field count, see `split_options`
    # The field split needs scalar CSR: assemble block CSR, copy the values over.
    MATRIX_TYPE_KEY: "baij",
    PRECONDITIONER_MATRIX_TYPE_KEY: "aij",
}

# One smoothed-aggregation AMG V-cycle per block. The drop threshold keeps the
# aggregates aligned with the strong couplings of graded meshes (small cells
# at the walls next to large bath cells): about half the Krylov iterations of
# the default 0.
GAMG_BLOCK: Mapping[str, object] = {
    "ksp_type": "preonly",
    "pc_type": "gamg",
    "pc_gamg_threshold": 0.02,
}

PRESETS: Mapping[str, Mapping[str, object]] = {"direct": DIRECT, "iterative": ITERATIVE}

# The Stokes solve of [flow] (options prefix pnp_flow_), chosen by the same preset name.
# "direct": MUMPS LU, factorised once per problem, one back-substitution per solve.
STOKES_DIRECT: Mapping[str, object] = {
    "ksp_type": "preonly",
    "pc_type": "lu",
    "pc_factor_mat_solver_type": "mumps",
}
# "iterative": right-preconditioned GMRES (the tolerance tests the true residual) with
# the block upper-triangular preconditioner [[A, B^T], [0, -M]] of the saddle point
# [[A, B^T], [B, 0]]: A the (r-weighted) vector Laplacian, one GAMG V-cycle on its
# blocked layout; M the (r-weighted) pressure mass matrix, spectrally equivalent to the
# Schur complement B A^-1 B^T for viscosity 1, put into the (1, 1) slot of the
# preconditioner matrix ("a11"), one Jacobi sweep (its diagonal is equivalent to it
# too). The iteration count is then about independent of the mesh size; without M it
# grows like 1 / h. The splits are named "velocity" and "pressure" by
# `pnp.solver.flow.problem.StokesFlow`.
STOKES_ITERATIVE: Mapping[str, object] = {
    "ksp_type": "gmres",
    "ksp_pc_side": "right",
    "ksp_gmres_restart": 200,
    "ksp_rtol": 1e-10,
    "ksp_atol": 0.0,
    "ksp_max_it": 1000,
    "pc_type": "fieldsplit",
    "pc_fieldsplit_type": "schur",
    "pc_fieldsplit_schur_fact_type": "upper",
    "pc_fieldsplit_schur_precondition": "a11",
    "fieldsplit_velocity_ksp_type": "preonly",
    "fieldsplit_velocity_pc_type": "gamg",
    "fieldsplit_velocity_pc_gamg_threshold": 0.02,
    "fieldsplit_pressure_ksp_type": "preonly",
    "fieldsplit_pressure_pc_type": "jacobi",
}
STOKES_PRESETS: Mapping[str, Mapping[str, object]] = {
    "direct": STOKES_DIRECT,
    "iterative": STOKES_ITERATIVE,
}


def split_options(n_fields: int) -> dict[str, object]:
    """Field-split preconditioner of the iterative preset for `n_fields` = n + 1 fields.

    Split 0 is psi (field 0), split 1 the log-densities (fields 1..n), in the
    node-major blocked layout whose block size PETSc reads from the matrix.
    """
    if n_fields < 2:
        raise ValueError(f"n_fields must count psi and at least one species, got {n_fields}")
    options: dict[str, object] = {
        "pc_type": "fieldsplit",
        "pc_fieldsplit_type": "multiplicative",
        "pc_fieldsplit_block_size": n_fields,
        "pc_fieldsplit_0_fields": "0",
        "pc_fieldsplit_1_fields": ",".join(str(k) for k in range(1, n_fields)),
    }
    for split in (0, 1):
        options.update({f"fieldsplit_{split}_{k}": v for k, v in GAMG_BLOCK.items()})
    return options


def preset_options(preset: str, n_fields: int | None = None) -> dict[str, object]:
    """The options of a preset (without prefix), completed for `n_fields` if given."""
    if preset not in PRESETS:
        raise ValueError(
            f"solver.preset: unknown preset {preset!r}; choose one of {sorted(PRESETS)}"
        )
    options = dict(PRESETS[preset])
    if preset == "iterative" and n_fields is not None:
        options.update(split_options(n_fields))
    return options


def matrix_types(
    options: Mapping[str, object],
) -> tuple[str | None, str | None, dict[str, object]]:
    """The Jacobian's and the preconditioner matrix's types named in `options` (None:
    DOLFINx's default, AIJ; the Jacobian itself) and the options without them."""
    rest = dict(options)
    kinds = [rest.pop(key, None) for key in (MATRIX_TYPE_KEY, PRECONDITIONER_MATRIX_TYPE_KEY)]
    jacobian, preconditioner = (None if k is None else str(k) for k in kinds)
    split = rest.get("pc_type") == "fieldsplit"
    if split and "baij" in (jacobian or "") and preconditioner in (None, jacobian):
        raise SolverConfigurationError(
            f"PETSc options: {MATRIX_TYPE_KEY}={jacobian} cannot feed pc_type=fieldsplit; "
            f"add {PRECONDITIONER_MATRIX_TYPE_KEY}=aij or use {MATRIX_TYPE_KEY}=aij"
        )
    return jacobian, preconditioner, rest


def merged_options(
    preset: str,
    case_options: Mapping[str, object] | None = None,
    cli_options: Mapping[str, object] | None = None,
    tolerances: Mapping[str, object] | None = None,
    *,
    n_fields: int | None = None,
) -> dict[str, object]:
    """Options dict (without prefix) for a problem, in precedence order.

    `n_fields` (psi plus one log-density per species) completes presets whose
    preconditioner depends on the block layout; see the module notes. An unknown
    PETSc type name in the case or command-line options raises
    `SolverConfigurationError`.
    """
    check_type_names(case_options or {}, "[solver.petsc_options]")
    check_type_names(cli_options or {}, "--petsc")
    options: dict[str, object] = dict(DEFAULTS)
    options.update(tolerances or {})
    options.update(preset_options(preset, n_fields))
    options.update(case_options or {})
    options.update(cli_options or {})
    return options


_TYPE_LABELS = {
    "Mat.SolverType": "MatSolver",
    "SNESLineSearch.Type": "SNESLineSearch",
    "SNES.Type": "SNES",
    "KSP.Type": "KSP",
    "PC.Type": "PC",
    "Mat.Type": "Mat",
}

# Option-name endings whose value is a type PETSc registers, and the petsc4py class
# that lists those types (longest ending first: it decides).
TYPE_OPTIONS: tuple[tuple[str, str], ...] = (
    ("pc_factor_mat_solver_type", "Mat.SolverType"),
    ("snes_linesearch_type", "SNESLineSearch.Type"),
    ("snes_type", "SNES.Type"),
    ("ksp_type", "KSP.Type"),
    ("pc_type", "PC.Type"),
    (PRECONDITIONER_MATRIX_TYPE_KEY, "Mat.Type"),
    (MATRIX_TYPE_KEY, "Mat.Type"),
)

# Options of the PNP solve often given by hand, beside those of the presets: the
# vocabulary of `suggest_option`.
COMMON_OPTIONS = (
    "snes_monitor",
    "snes_converged_reason",
    "snes_view",
    "snes_linesearch_monitor",
    "snes_linesearch_max_it",
    "snes_linesearch_damping",
    "snes_max_funcs",
    "snes_lag_jacobian",
    "snes_lag_preconditioner",
    "ksp_monitor",
    "ksp_monitor_true_residual",
    "ksp_converged_reason",
    "ksp_view",
    "ksp_rtol",
    "ksp_atol",
    "ksp_divtol",
    "ksp_norm_type",
    "ksp_initial_guess_nonzero",
    "ksp_error_if_not_converged",
    "pc_factor_levels",
    "pc_factor_mat_ordering_type",
    "pc_factor_shift_type",
    "pc_gamg_type",
    "pc_gamg_agg_nsmooths",
    "pc_gamg_square_graph",
    "pc_gamg_coarse_eq_limit",
    "pc_mg_levels",
    "pc_mg_cycle_type",
    "pc_hypre_type",
    "pc_fieldsplit_schur_fact_type",
    "mg_levels_ksp_type",
    "mg_levels_pc_type",
    "mg_coarse_ksp_type",
    "mg_coarse_pc_type",
    "sub_ksp_type",
    "sub_pc_type",
    "mat_mumps_icntl_4",
    "mat_mumps_icntl_7",
    "mat_mumps_cntl_1",
)

# Sub-solver prefixes that PETSc puts in front of option names.
_SUB_PREFIX = re.compile(r"(?:fieldsplit_[A-Za-z0-9]+_|sub_|mg_levels_(?:\d+_)?|mg_coarse_)*")


def _registered(type_class: str) -> frozenset[str]:
    from pnp.fem import PETSc

    owner = PETSc
    for part in type_class.split("."):
        owner = getattr(owner, part)
    return frozenset(
        v for k, v in vars(owner).items() if not k.startswith("_") and isinstance(v, str)
    )


def type_class_of(name: str) -> str | None:
    """The petsc4py class listing the valid values of option `name` (None: not a type)."""
    for ending, type_class in TYPE_OPTIONS:
        if name == ending or name.endswith("_" + ending):
            return type_class
    return None


def check_type_names(options: Mapping[str, object], origin: str) -> None:
    """Refuse an unknown PETSc type name in `options` (given by `origin`, e.g. "--petsc")."""
    for name, value in options.items():
        type_class = type_class_of(name)
        if type_class is None:
            continue
        known = _registered(type_class)
        if str(value) in known:
            continue
        close = difflib.get_close_matches(str(value).lower(), sorted(known), n=1, cutoff=0.5)
        hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(sorted(known))}"
        raise SolverConfigurationError(
            f"PETSc option {name}={value} ({origin}): PETSc has no {_TYPE_LABELS[type_class]} "
            f"type {str(value)!r}; {hint}"
        )


def builtin_option_names(n_fields: int) -> frozenset[str]:
    """Names of every option the package itself sets (defaults, tolerances, presets)."""
    names = set(DEFAULTS) | set(split_options(max(n_fields, 2)))
    for preset in PRESETS.values():
        names |= set(preset)
    return frozenset(names)


def suggest_option(name: str) -> str | None:
    """The known option closest to the misspelt `name` (sub-solver prefixes kept)."""
    prefix = _SUB_PREFIX.match(name).group()
    rest = name[len(prefix) :]
    vocabulary = {*COMMON_OPTIONS, *builtin_option_names(2)}
    vocabulary |= {v[len(p) :] for v in list(vocabulary) if (p := _SUB_PREFIX.match(v).group())}
    vocabulary.discard(rest)
    close = difflib.get_close_matches(rest, sorted(vocabulary), n=1, cutoff=0.75)
    return prefix + close[0] if close else None


def parse_cli_option(text: str) -> tuple[str, str]:
    """'ksp_type=gmres' or '-ksp_monitor' (flag) -> (name, value)."""
    name, _, value = text.lstrip("-").partition("=")
    if not name:
        raise ValueError(f"--petsc {text!r}: expected NAME=VALUE, e.g. --petsc ksp_type=gmres")
    return name, value
