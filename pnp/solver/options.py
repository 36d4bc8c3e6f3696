"""PETSc options: one merge path (defaults < preset < case file < command line).

Every problem uses a fixed options prefix, so options given with that prefix on
the PETSc command line (e.g. -pnp_snes_monitor) also apply.
"""

from __future__ import annotations

from collections.abc import Mapping

PNP_PREFIX = "pnp_"

DEFAULTS: Mapping[str, object] = {
    "snes_type": "newtonls",
    "snes_linesearch_type": "bt",
    "snes_rtol": 1e-9,
    "snes_atol": 1e-10,
    "snes_stol": 0.0,
    "snes_max_it": 25,
    "snes_divergence_tolerance": -1,
}

PRESETS: Mapping[str, Mapping[str, object]] = {
    # Sparse direct LU: robust and fastest up to a few 10^5 unknowns.
    "direct": {
        "ksp_type": "preonly",
        "pc_type": "lu",
        "pc_factor_mat_solver_type": "mumps",
        # extra workspace: log-density Jacobians fill in more than MUMPS estimates
        "mat_mumps_icntl_14": 80,
        "mat_mumps_icntl_24": 1,  # detect null pivots instead of failing
    },
    # Restarted GMRES with overlapping additive Schwarz / ILU: no factorisation of the
    # global Jacobian, for meshes where LU runs out of memory.
    "iterative": {
        "ksp_type": "gmres",
        "ksp_gmres_restart": 200,
        "ksp_rtol": 1e-10,
        "ksp_max_it": 2000,
        "pc_type": "asm",
        "pc_asm_overlap": 2,
        "sub_pc_type": "ilu",
        "sub_pc_factor_levels": 2,
    },
}


def merged_options(
    preset: str,
    case_options: Mapping[str, object] | None = None,
    cli_options: Mapping[str, object] | None = None,
    tolerances: Mapping[str, object] | None = None,
) -> dict[str, object]:
    """Options dict (without prefix) for a problem, in precedence order."""
    if preset not in PRESETS:
        raise ValueError(
            f"solver.preset: unknown preset {preset!r}; choose one of {sorted(PRESETS)}"
        )
    options: dict[str, object] = dict(DEFAULTS)
    options.update(tolerances or {})
    options.update(PRESETS[preset])
    options.update(case_options or {})
    options.update(cli_options or {})
    return options


def parse_cli_option(text: str) -> tuple[str, str]:
    """'ksp_type=gmres' or '-ksp_monitor' (flag) -> (name, value)."""
    name, _, value = text.lstrip("-").partition("=")
    if not name:
        raise ValueError(f"--petsc {text!r}: expected NAME=VALUE, e.g. --petsc ksp_type=gmres")
    return name, value
