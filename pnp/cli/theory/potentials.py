"""`pnp theory` potentials: nernst, ghk-current, ghk-voltage, planck, tms."""

from __future__ import annotations

import argparse

from pnp.cli.theory.common import (
    Payload,
    add_temperature,
    fmt_mv,
    ghk_species,
    leaf,
    mv,
    non_negative,
    number,
    positive,
    reject_duplicates,
    valence,
)
from pnp.constants import MV


def _nernst(args: argparse.Namespace) -> tuple[Payload, list[str]]:
    from pnp.theory import nernst_potential

    e = nernst_potential(
        args.z, args.c_in, args.c_out, args.temperature, args.gamma_in, args.gamma_out
    )
    payload = {
        "reversal_potential_mV": mv(e),
        "z": args.z,
        "c_in_mM": args.c_in,
        "c_out_mM": args.c_out,
        "gamma_in": args.gamma_in,
        "gamma_out": args.gamma_out,
        "temperature_K": args.temperature,
    }
    lines = [
        f"Nernst potential E = {fmt_mv(e)}",
        f"  z = {args.z:+g}, c_in = {args.c_in:g} mM, c_out = {args.c_out:g} mM, "
        f"gamma_in = {args.gamma_in:g}, gamma_out = {args.gamma_out:g}, T = {args.temperature:g} K",
    ]
    return payload, lines


def _ghk_current(args: argparse.Namespace) -> tuple[Payload, list[str]]:
    import numpy as np

    from pnp.theory import ghk_current_density

    volts = np.asarray(args.voltage, dtype=float) * MV
    current = np.atleast_1d(
        ghk_current_density(
            args.z, args.permeability, args.c_in, args.c_out, volts, args.temperature
        )
    )
    payload = {
        "voltage_mV": [float(v) for v in args.voltage],
        "current_density_A_per_m2": [float(i) for i in current],
        "z": args.z,
        "permeability_m_per_s": args.permeability,
        "c_in_mM": args.c_in,
        "c_out_mM": args.c_out,
        "temperature_K": args.temperature,
    }
    lines = [
        f"GHK current density (outward positive), z = {args.z:+g}, P = {args.permeability:g} m/s, "
        f"c_in = {args.c_in:g} mM, c_out = {args.c_out:g} mM, T = {args.temperature:g} K",
        f"{'V (mV)':>12}  {'I (A/m^2)':>14}",
    ]
    lines += [f"{v:12.3f}  {i:14.6g}" for v, i in zip(args.voltage, current, strict=True)]
    return payload, lines


def _ghk_voltage(args: argparse.Namespace) -> tuple[Payload, list[str]]:
    from pnp.theory import ghk_voltage, nernst_potential

    names = [s[0] for s in args.species]
    reject_duplicates(names, "--species")
    charges = {s[0]: s[1] for s in args.species}
    c_in = {s[0]: s[2] for s in args.species}
    c_out = {s[0]: s[3] for s in args.species}
    perms = {s[0]: s[4] for s in args.species}
    v = ghk_voltage(perms, c_in, c_out, charges, args.temperature)
    closed = all(abs(z) == 1.0 for z in charges.values())
    species: Payload = {}
    method_text = "closed form" if closed else "zero of the summed GHK currents"
    lines = [
        f"GHK reversal potential V_rev = {fmt_mv(v)}  ({method_text}, T = {args.temperature:g} K)",
        f"{'species':>10} {'z':>4} {'c_in (mM)':>11} {'c_out (mM)':>11} {'P':>10} {'E (mV)':>10}",
    ]
    for name in names:
        e = None
        if c_in[name] > 0 and c_out[name] > 0:
            e = mv(nernst_potential(charges[name], c_in[name], c_out[name], args.temperature))
        species[name] = {
            "z": charges[name],
            "c_in_mM": c_in[name],
            "c_out_mM": c_out[name],
            "permeability": perms[name],
            "nernst_potential_mV": e,
        }
        e_text = f"{e:+10.2f}" if e is not None else f"{'-':>10}"
        lines.append(
            f"{name:>10} {charges[name]:+4g} {c_in[name]:11.4g} {c_out[name]:11.4g} "
            f"{perms[name]:10.4g} {e_text}"
        )
    payload = {
        "reversal_potential_mV": mv(v),
        "method": "closed-form" if closed else "root",
        "temperature_K": args.temperature,
        "species": species,
    }
    return payload, lines


def _planck(args: argparse.Namespace) -> tuple[Payload, list[str]]:
    from pnp.theory import planck_potential

    v = planck_potential(args.c_in, args.c_out, args.d_cation, args.d_anion, args.temperature)
    payload = {
        "reversal_potential_mV": mv(v),
        "c_in_mM": args.c_in,
        "c_out_mM": args.c_out,
        "d_cation_m2_per_s": args.d_cation,
        "d_anion_m2_per_s": args.d_anion,
        "temperature_K": args.temperature,
    }
    lines = [
        f"Planck diffusion potential V = {fmt_mv(v)}",
        f"  1:1 salt c_in = {args.c_in:g} mM, c_out = {args.c_out:g} mM, "
        f"D+ = {args.d_cation:g} m^2/s, D- = {args.d_anion:g} m^2/s, T = {args.temperature:g} K",
    ]
    return payload, lines


def _tms(args: argparse.Namespace) -> tuple[Payload, list[str]]:
    from pnp.theory import planck_potential, tms_potential_components

    parts = tms_potential_components(
        args.c_in, args.c_out, args.fixed_charge, args.d_cation, args.d_anion, args.temperature
    )
    planck = planck_potential(args.c_in, args.c_out, args.d_cation, args.d_anion, args.temperature)
    payload = {
        "membrane_potential_mV": mv(parts.total),
        "inside_donnan_mV": mv(parts.inside_donnan),
        "diffusion_mV": mv(parts.diffusion),
        "outside_donnan_mV": mv(parts.outside_donnan),
        "planck_potential_mV": mv(planck),
        "c_in_mM": args.c_in,
        "c_out_mM": args.c_out,
        "fixed_charge_mM": args.fixed_charge,
        "d_cation_m2_per_s": args.d_cation,
        "d_anion_m2_per_s": args.d_anion,
        "temperature_K": args.temperature,
    }
    lines = [
        f"TMS membrane potential V = {fmt_mv(parts.total)}",
        f"  inside Donnan  {fmt_mv(parts.inside_donnan)}",
        f"  diffusion      {fmt_mv(parts.diffusion)}",
        f"  outside Donnan {fmt_mv(parts.outside_donnan)}",
        f"  (Planck value without fixed charge: {fmt_mv(planck)})",
        f"  1:1 salt c_in = {args.c_in:g} mM, c_out = {args.c_out:g} mM, "
        f"X = {args.fixed_charge:g} mM, D+ = {args.d_cation:g} m^2/s, "
        f"D- = {args.d_anion:g} m^2/s, T = {args.temperature:g} K",
    ]
    return payload, lines


def add_nernst(sub: argparse._SubParsersAction) -> None:
    p = leaf(
        sub,
        "nernst",
        "Nernst (equilibrium) potential of one ion",
        _nernst,
        {
            "z": "--z",
            "c_in": "--c-in",
            "c_out": "--c-out",
            "gamma_in": "--gamma-in",
            "gamma_out": "--gamma-out",
        },
        description="Nernst potential E = (RT/zF) ln(gamma_out c_out / (gamma_in c_in)).\n"
        "Example: pnp theory nernst --z 1 --c-in 150 --c-out 5 -T 310",
    )
    p.add_argument("--z", type=valence, required=True, help="signed valence (e.g. 1, -1, 2)")
    p.add_argument(
        "--c-in", type=positive, required=True, metavar="MM", help="inside concentration, mM"
    )
    p.add_argument(
        "--c-out", type=positive, required=True, metavar="MM", help="outside concentration, mM"
    )
    p.add_argument(
        "--gamma-in",
        type=positive,
        default=1.0,
        metavar="G",
        help="inside activity coefficient (default 1)",
    )
    p.add_argument(
        "--gamma-out",
        type=positive,
        default=1.0,
        metavar="G",
        help="outside activity coefficient (default 1)",
    )
    add_temperature(p)


def add_ghk_current(sub: argparse._SubParsersAction) -> None:
    p = leaf(
        sub,
        "ghk-current",
        "GHK current density of one ion at one or more voltages",
        _ghk_current,
        {
            "z": "--z",
            "permeability": "--permeability",
            "c_in": "--c-in",
            "c_out": "--c-out",
            "voltage": "--voltage",
        },
        description="GHK current density I = P z F u (c_in - c_out e^-u)/(1 - e^-u), u = zV/V_T, "
        "outward positive.\nExample: pnp theory ghk-current --z 2 --permeability 1e-8 "
        "--c-in 1e-4 --c-out 2 --voltage -80 0 40",
    )
    p.add_argument("--z", type=valence, required=True, help="signed valence")
    p.add_argument(
        "--permeability",
        type=non_negative,
        required=True,
        metavar="M_PER_S",
        help="permeability in m/s",
    )
    p.add_argument(
        "--c-in", type=non_negative, required=True, metavar="MM", help="inside concentration, mM"
    )
    p.add_argument(
        "--c-out", type=non_negative, required=True, metavar="MM", help="outside concentration, mM"
    )
    p.add_argument(
        "--voltage",
        type=number,
        nargs="+",
        required=True,
        metavar="MV",
        help="membrane potential(s) V = phi_in - phi_out, mV",
    )
    add_temperature(p)


def add_ghk_voltage(sub: argparse._SubParsersAction) -> None:
    p = leaf(
        sub,
        "ghk-voltage",
        "GHK reversal potential of several ions",
        _ghk_voltage,
        {"c_in/c_out": "--species", "permeabilities": "--species"},
        description="GHK reversal potential. Closed form for monovalent ions, otherwise the "
        "zero of the summed GHK currents (e.g. with Ca2+).\n"
        "Example: pnp theory ghk-voltage -T 310 --species K:+1:140:5:1 "
        "--species Na:+1:15:145:0.04 --species Cl:-1:10:110:0.45",
    )
    p.add_argument(
        "--species",
        type=ghk_species,
        action="append",
        required=True,
        metavar="NAME:Z:C_IN:C_OUT:P",
        help="one permeant ion: name, signed valence, inside and outside concentrations (mM) "
        "and permeability (m/s, or relative: only ratios matter); repeat for each ion",
    )
    add_temperature(p)


def add_planck(sub: argparse._SubParsersAction) -> None:
    p = leaf(
        sub,
        "planck",
        "Planck diffusion (liquid-junction) potential of a 1:1 salt",
        _planck,
        {"c_in": "--c-in", "c_out": "--c-out", "d_cation": "--d-cation", "d_anion": "--d-anion"},
        description="Planck potential V = V_T (D+ - D-)/(D+ + D-) ln(c_out / c_in).\n"
        "Example (NaCl): pnp theory planck --c-in 100 --c-out 10 "
        "--d-cation 1.33e-9 --d-anion 2.03e-9",
    )
    _add_salt_pair(p)
    add_temperature(p)


def add_tms(sub: argparse._SubParsersAction) -> None:
    p = leaf(
        sub,
        "tms",
        "Teorell-Meyer-Sievers potential of a charged membrane (1:1 salt)",
        _tms,
        {
            "c_in": "--c-in",
            "c_out": "--c-out",
            "fixed_charge_mM": "--fixed-charge",
            "d_cation": "--d-cation",
            "d_anion": "--d-anion",
        },
        description="TMS membrane potential: two Donnan potentials plus the internal diffusion "
        "potential of a uniformly charged electroneutral membrane.\n"
        "Example: pnp theory tms --c-in 100 --c-out 10 --fixed-charge -200 "
        "--d-cation 1.33e-9 --d-anion 2.03e-9",
    )
    _add_salt_pair(p)
    p.add_argument(
        "--fixed-charge",
        type=number,
        required=True,
        metavar="MM",
        help="membrane fixed charge, mM of elementary charges, signed "
        "(negative = cation-selective)",
    )
    add_temperature(p)


def _add_salt_pair(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--c-in", type=positive, required=True, metavar="MM", help="inside salt concentration, mM"
    )
    p.add_argument(
        "--c-out",
        type=positive,
        required=True,
        metavar="MM",
        help="outside salt concentration, mM",
    )
    p.add_argument(
        "--d-cation",
        type=positive,
        required=True,
        metavar="M2_PER_S",
        help="cation diffusion coefficient, m^2/s",
    )
    p.add_argument(
        "--d-anion",
        type=positive,
        required=True,
        metavar="M2_PER_S",
        help="anion diffusion coefficient, m^2/s",
    )


def _ghk_validity(args: argparse.Namespace) -> tuple[Payload, list[str]]:
    from pnp.theory.ghk_validity import FOLD_CAP, LABELS, predict_validity

    groups = {
        name: value
        for name, value in (
            ("debye_over_length", args.debye_over_length),
            ("donnan_ratio", args.donnan_ratio),
            ("permittivity_contrast", args.permittivity_contrast),
            ("access_ratio", args.access_ratio),
            ("bath_concentration_ratio", args.bath_ratio),
            ("max_voltage_over_thermal", args.voltage_over_thermal),
        )
        if value is not None
    }
    predictions = predict_validity(groups, k=args.neighbours)
    payload: Payload = {"groups": groups, "models": {}}
    lines = ["Predicted from the atlas (groups not given take the atlas's base values):"]
    for model, p in predictions.items():
        if p is None:
            payload["models"][model] = None
            continue
        payload["models"][model] = {
            "max_fold_error": p.fold_error,
            "max_fold_factor": p.fold_factor,
            "current_within_5_percent": p.current_within_5_percent,
            "reversal_error_mV": p.reversal_error_mV,
            "reversal_within_1_mV": p.reversal_within_1_mV,
            "nearest_atlas_case_decades": p.nearest,
        }
        reversal = "?" if p.reversal_error_mV is None else f"{p.reversal_error_mV:.3g} mV"
        verdict = "within 5 %" if p.current_within_5_percent else "off by more than 5 %"
        current = f"current x{p.fold_factor:.3g} ({verdict})"
        if p.fold_error >= 0.99 * FOLD_CAP:
            current = "current of the wrong sign at some voltage"
        far = " (an extrapolation)" if p.nearest > 1.0 else ""
        lines.append(
            f"  {LABELS[model]:<20} {current}, |reversal error| {reversal}; "
            f"nearest atlas case {p.nearest:.2g} decades away{far}"
        )
    return payload, lines


def add_ghk_validity(sub: argparse._SubParsersAction) -> None:
    p = leaf(
        sub,
        "ghk-validity",
        "predicted GHK and cheap-model errors from the dimensionless groups (the atlas)",
        _ghk_validity,
        {
            "debye_over_length": "--debye-over-length",
            "donnan_ratio": "--donnan-ratio",
            "permittivity_contrast": "--permittivity-contrast",
            "access_ratio": "--access-ratio",
            "bath_concentration_ratio": "--bath-ratio",
            "max_voltage_over_thermal": "--voltage-over-thermal",
        },
        description="The largest factor between each model's current and PNP's, and its "
        "reversal-potential error, interpolated in the GHK-failure atlas (KCl cases on grids "
        "of the groups; pnp.theory.ghk_validity). The groups are those of results.json's "
        "dimensionless_groups block.\n"
        "Example: pnp theory ghk-validity --debye-over-length 0.1 --donnan-ratio 1",
    )
    for option, help_text in (
        ("--debye-over-length", "Debye length / pore length"),
        ("--donnan-ratio", "|fixed charge| / ionic strength of the bath"),
        ("--permittivity-contrast", "pore / bath permittivity"),
        ("--access-ratio", "pi R / (2 L); 0 or omitted: no mouths (1D)"),
        ("--bath-ratio", "outside / inside ionic strength"),
        ("--voltage-over-thermal", "largest |V| / V_T"),
    ):
        p.add_argument(option, type=non_negative, default=None, metavar="X", help=help_text)
    p.add_argument("--neighbours", type=int, default=2, help="atlas cases averaged (default 2)")
