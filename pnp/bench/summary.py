"""The bench's JSON document and its progress lines, from the worker records."""

from __future__ import annotations

from collections.abc import Sequence

from pnp.bench.fit import growth_exponent

CASE_KEYS = (
    "name",
    "preset",
    "dofs",
    "newton_iterations_mean",
    "assembly_seconds",
    "solve_seconds",
    "seconds_per_point",
    "peak_memory_MB",
    "converged",
)
PRESETS = ("direct", "iterative")
SAME_MESH = "the PNP case's mesh"
MATCHED_MESH = "a finer mesh, one vertex per PNP unknown"
FIT = "least-squares slope of log(seconds_per_point) on log(dofs), 1 rank"


def case_record(name: str, preset: str, ranks: int, record: dict) -> dict:
    """A worker's case record with every contract key (None where it failed)."""
    full = {key: None for key in CASE_KEYS}
    full.update(name=name, preset=preset, ranks=ranks, converged=False)
    if "failed" in record:
        full["error"] = record["failed"]
        return full
    full.update(record)
    return full


def skipped(name: str, preset: str, dofs: int | None, reason: str) -> dict:
    record = case_record(name, preset, 1, {"dofs": dofs})
    record.update(skipped=True, reason=reason)
    return record


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def case_line(r: dict) -> str:
    head = f"{r['name']:>16} {r['preset']:>9} {r['ranks']}r {_fmt(r['dofs'], '>8d')} dofs"
    if r.get("skipped"):
        return f"{head}  skipped: {r['reason']}"
    if r.get("error"):
        return f"{head}  FAILED: {r['error']}"
    return (
        f"{head}  newton {_fmt(r['newton_iterations_mean'], '.2f')}"
        f"  krylov {_fmt(r.get('linear_iterations_mean'), '.1f')}"
        f"  {_fmt(r['seconds_per_point'], '.2f')} s/point"
        f" (assembly {_fmt(r['assembly_seconds'], '.2f')}, solve {_fmt(r['solve_seconds'], '.2f')})"
        f"  {_fmt(r['peak_memory_MB'], '.0f')} MB  converged {r['converged']}"
    )


def poisson_line(name: str, preset: str, r: dict) -> str:
    """Progress line of a Poisson yardstick record."""
    if "failed" in r:
        return f"poisson ({name}) {preset:>9}: FAILED: {r['failed']}"
    return (
        f"poisson ({name}) {preset:>9}: {r['dofs']} dofs, {r['seconds']:.3f} s per solve, "
        f"{r['linear_iterations']} Krylov iterations"
    )


def double_layer_line(r: dict) -> str:
    if "failed" in r:
        return f"double layer: FAILED: {r['failed']}"
    return (
        f"double layer: pnp {r['pnp_seconds']:.3f} s, error {r['pnp_error_mV']:.2e} mV "
        f"({r['pnp_cells']} cells); matscipy {r['matscipy_seconds']:.3f} s, "
        f"error {r['matscipy_error_mV']:.2e} mV ({r['matscipy_segments']} segments)"
    )


def fipy_line(r: dict) -> str:
    if "failed" in r:
        return f"fipy pore: FAILED: {r['failed']}"
    ratio = r["fipy_over_pnp_seconds"]
    parts = [
        f"{code} G* {r[code]['converged_conductance_S'] * 1e9:.5f} nS" for code in ("pnp", "fipy")
    ]
    return (
        f"fipy pore: {', '.join(parts)} (differ by {r['converged_relative_difference']:.1e}); "
        + ", ".join(f"FiPy/pnp seconds at {k}: {_fmt(v, '.1f')}" for k, v in ratio.items())
    )


def fipy_comparison(record: dict) -> dict:
    """Per code: unknowns, seconds, iterations, conductance and error of every grid, the
    converged values and the times to given errors; FiPy's seconds over pnp's."""
    if "failed" in record:
        return {"failed": record["failed"]}
    out = {k: record[k] for k in ("problem", "ohmic_conductance_S")}
    for code in ("pnp", "fipy"):
        run = record[code]
        out[code] = {
            "grids": run["rows"],
            "converged_conductance_S": run["converged_conductance_S"],
            "observed_order": run["observed_order"],
            "to_error": run["to_error"],
            "uncharged_error_vs_ohmic": record["uncharged"][code]["error_vs_ohmic"],
        }
    out["converged_relative_difference"] = record["converged_relative_difference"]
    out["fipy_over_pnp_seconds"] = record["fipy_over_pnp_seconds"]
    return out


def _measured(cases: Sequence[dict], names: Sequence[str], preset: str) -> list[dict]:
    by_name = {c["name"]: c for c in cases if c["preset"] == preset and c.get("ranks", 1) == 1}
    return [
        by_name[n]
        for n in names
        if n in by_name and by_name[n]["converged"] and by_name[n]["seconds_per_point"]
    ]


def growth(cases: Sequence[dict], names: Sequence[str]) -> dict:
    out: dict = {}
    for preset in PRESETS:
        runs = _measured(cases, names, preset)
        out[preset] = growth_exponent(
            [r["dofs"] for r in runs], [r["seconds_per_point"] for r in runs]
        )
        out[f"{preset}_cases"] = [r["name"] for r in runs]
    return out


def newton_step_seconds(record: dict) -> float | None:
    its = record.get("newton_iterations_mean")
    if not its or record.get("assembly_seconds") is None:
        return None
    return (record["assembly_seconds"] + record["solve_seconds"]) / its


def poisson_ratio(cases: Sequence[dict], poisson: Sequence[dict], name: str) -> dict:
    out: dict = {"pnp_case": name, "newton_step_seconds": {}, "poisson_seconds": {}}
    for p in poisson:
        preset = p["preset"]
        pnp = next((c for c in _measured(cases, [name], preset)), None)
        step = newton_step_seconds(pnp) if pnp else None
        seconds = p.get("seconds")
        out[preset] = step / seconds if step and seconds else None
        out["newton_step_seconds"][preset] = step
        out["poisson_seconds"][preset] = seconds
        out["pnp_dofs"] = pnp["dofs"] if pnp else None
        out["poisson_dofs"] = p.get("dofs")
        out["poisson_mesh"] = SAME_MESH if p.get("same_mesh") else MATCHED_MESH
    return out


def speedup(cases: Sequence[dict], two_ranks: Sequence[dict], name: str) -> dict:
    out: dict = {"case": name}
    for two in two_ranks:
        preset = two["preset"]
        one = next((c for c in _measured(cases, [name], preset)), None)
        t1 = one["seconds_per_point"] if one else None
        t2 = two["seconds_per_point"] if two["converged"] else None
        out[preset] = {
            "seconds_per_point_1_rank": t1,
            "seconds_per_point_2_ranks": t2,
            "peak_memory_MB_2_ranks": two.get("peak_memory_MB"),
            "speedup": t1 / t2 if t1 and t2 else None,
        }
    return out


def preset_agreement(cases: Sequence[dict]) -> dict:
    """Largest relative difference of the currents of the two presets, per case."""
    out: dict = {}
    names = dict.fromkeys(c["name"] for c in cases)
    for name in names:
        pair = {c["preset"]: c for c in cases if c["name"] == name and c.get("currents_pA")}
        if set(pair) != set(PRESETS):
            continue
        a, b = pair["direct"]["currents_pA"], pair["iterative"]["currents_pA"]
        diffs = [abs(x - y) / max(abs(x), abs(y)) for x, y in zip(a, b, strict=True) if x and y]
        out[name] = max(diffs) if diffs else None
    return out


def ratio_at(record: dict | None, error: str) -> float | None:
    """FiPy's seconds over pnp's to reach a conductance error (None if not measured)."""
    if not record or "failed" in record:
        return None
    return record["fipy_over_pnp_seconds"].get(error)


def document(
    *,
    cases: list[dict],
    two_ranks: list[dict],
    poisson: list[dict],
    double_layer: dict,
    fipy_pore: dict | None = None,
    poisson_3d: list[dict] | None = None,
    axisymmetric: list[str],
    pore_3d: list[str],
    machine: dict,
) -> dict:
    largest = axisymmetric[-1]
    axi = growth(cases, axisymmetric)
    axi.update(fit=FIT, sequence=f"axisymmetric default.toml: {', '.join(axisymmetric)}")
    three = growth(cases, pore_3d)
    three.update(fit=FIT, sequence=f"3D pore_3d.toml: {', '.join(pore_3d)}")
    return {
        "cases": cases,
        "growth_exponent": {**axi, "3d": three},
        "newton_step_over_poisson_solve": poisson_ratio(cases, poisson, largest),
        "newton_step_over_poisson_solve_3d": poisson_ratio(cases, poisson_3d or [], pore_3d[0]),
        "speedup_2_ranks": speedup(cases, two_ranks, largest),
        "matscipy": double_layer,
        "fipy_comparison": fipy_comparison(fipy_pore or {"failed": "not run"}),
        "fipy_speed_ratio_at_1pct": ratio_at(fipy_pore, "1%"),
        "fipy_speed_ratio_at_0.1pct": ratio_at(fipy_pore, "0.1%"),
        "fipy_speed_ratio_at_0.01pct": ratio_at(fipy_pore, "0.01%"),
        "preset_agreement": preset_agreement(cases),
        "machine": machine,
    }
