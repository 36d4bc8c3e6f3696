"""`pnp theory` electrolyte properties: debye, activity, donnan."""

from __future__ import annotations

import argparse

from pnp.cli.theory.common import (
    Payload,
    add_eps,
    add_temperature,
    bath_ion,
    fmt_mv,
    leaf,
    non_negative,
    number,
    positive,
    reject_duplicates,
    strength_ion,
)
from pnp.constants import NM


def _ionic_strength_arg(args: argparse.Namespace) -> float:
    from pnp.theory import ionic_strength

    if args.ionic_strength is not None:
        return args.ionic_strength
    return ionic_strength([c for _, _, c in args.ion], [z for _, z, _ in args.ion])


def _debye(args: argparse.Namespace) -> tuple[Payload, list[str]]:
    from pnp.theory import bjerrum_length, debye_length

    ion = _ionic_strength_arg(args)
    if ion <= 0.0:
        raise ValueError(f"ionic_strength_mM must be > 0 mM, got {ion:g}")
    lam = debye_length(ion, args.eps_r, args.temperature)
    l_b = bjerrum_length(args.eps_r, args.temperature)
    payload = {
        "debye_length_nm": lam / NM,
        "bjerrum_length_nm": l_b / NM,
        "ionic_strength_mM": ion,
        "relative_permittivity": args.eps_r,
        "temperature_K": args.temperature,
    }
    lines = [
        f"Debye length lambda_D = {lam / NM:.4g} nm",
        f"  ionic strength I = {ion:g} mM, eps_r = {args.eps_r:g}, T = {args.temperature:g} K "
        f"(Bjerrum length {l_b / NM:.4g} nm)",
    ]
    return payload, lines


def _activity(args: argparse.Namespace) -> tuple[Payload, list[str]]:
    from pnp.theory import ACTIVITY_MODELS, activity_coefficient, debye_huckel_a, debye_huckel_b

    ion = _ionic_strength_arg(args)
    models = ACTIVITY_MODELS if args.model == "all" else (args.model,)
    gammas = {
        m: activity_coefficient(
            args.z, ion, m, args.temperature, args.eps_r, ion_size_m=args.ion_size * NM
        )
        for m in models
    }
    a_const = debye_huckel_a(args.temperature, args.eps_r)
    b_const = debye_huckel_b(args.temperature, args.eps_r)
    payload = {
        "activity_coefficients": gammas,
        "z": args.z,
        "ionic_strength_mM": ion,
        "ion_size_nm": args.ion_size,
        "debye_huckel_A_sqrt_L_per_mol": a_const,
        "debye_huckel_B_per_nm_sqrt_L_per_mol": b_const * NM,
        "relative_permittivity": args.eps_r,
        "temperature_K": args.temperature,
    }
    lines = [
        f"Activity coefficient, z = {args.z:+g}, I = {ion:g} mM, T = {args.temperature:g} K, "
        f"eps_r = {args.eps_r:g} (A = {a_const:.4f} (L/mol)^1/2)"
    ]
    for m, g in gammas.items():
        extra = f"  (ion size {args.ion_size:g} nm)" if m == "extended" else ""
        lines.append(f"  {m:>13}: gamma = {g:.4f}{extra}")
    return payload, lines


def _donnan(args: argparse.Namespace) -> tuple[Payload, list[str]]:
    from pnp.theory import donnan_equilibrium

    names = [i[0] for i in args.ion]
    reject_duplicates(names, "--ion")
    bath = {name: (z, c) for name, z, c in args.ion}
    res = donnan_equilibrium(args.fixed_charge, bath, args.temperature)
    payload = {
        "donnan_potential_mV": res.potential_mV,
        "donnan_ratio": res.donnan_ratio,
        "fixed_charge_mM": res.fixed_charge_mM,
        "osmotic_pressure_Pa": res.osmotic_pressure,
        "temperature_K": res.temperature,
        "species": {
            n: {
                "z": res.charges[n],
                "bath_mM": res.bath[n],
                "charged_region_mM": res.concentrations[n],
            }
            for n in names
        },
    }
    lines = [
        f"Donnan potential (charged region - bath) = {fmt_mv(res.potential)}",
        f"  fixed charge X = {res.fixed_charge_mM:g} mM, T = {res.temperature:g} K, "
        f"Donnan ratio r = {res.donnan_ratio:.6g}, excess osmotic pressure "
        f"{res.osmotic_pressure / 1e3:.4g} kPa",
        f"{'species':>10} {'z':>4} {'bath (mM)':>12} {'region (mM)':>14}",
    ]
    lines += [
        f"{n:>10} {res.charges[n]:+4g} {res.bath[n]:12.6g} {res.concentrations[n]:14.6g}"
        for n in names
    ]
    return payload, lines


def add_debye(sub: argparse._SubParsersAction) -> None:
    p = leaf(
        sub,
        "debye",
        "Debye screening length",
        _debye,
        {"ionic_strength_mM": "--ionic-strength", "concentrations_mM": "--ion", "charges": "--ion"},
        description="Debye length lambda_D = sqrt(eps kT / (2 e^2 N_A I)).\n"
        "Example: pnp theory debye --ionic-strength 100   (0.962 nm)",
    )
    _add_ionic_strength(p)
    add_eps(p)
    add_temperature(p)


def add_activity(sub: argparse._SubParsersAction) -> None:
    p = leaf(
        sub,
        "activity",
        "Debye-Hückel / extended / Davies activity coefficient",
        _activity,
        {
            "z": "--z",
            "ionic_strength_mM": "--ionic-strength",
            "ion_size_m": "--ion-size",
            "model": "--model",
        },
        description="Single-ion activity coefficient from Debye-Hückel theory (A and B computed "
        "from T and eps_r).\nExample: pnp theory activity --z 1 --ionic-strength 150 --model all",
    )
    p.add_argument("--z", type=number, required=True, help="signed valence")
    _add_ionic_strength(p)
    p.add_argument(
        "--model",
        choices=("debye-huckel", "extended", "davies", "all"),
        default="davies",
        help="activity model (default davies; 'all' prints every model)",
    )
    p.add_argument(
        "--ion-size",
        type=positive,
        default=0.3,
        metavar="NM",
        help="ion-size parameter of the extended model, nm (default 0.3)",
    )
    add_eps(p)
    add_temperature(p)


def add_donnan(sub: argparse._SubParsersAction) -> None:
    p = leaf(
        sub,
        "donnan",
        "Donnan equilibrium of a fixed-charge region with a bath",
        _donnan,
        {"fixed_charge_mM": "--fixed-charge", "bath": "--ion: bath"},
        description="Donnan equilibrium: potential of the charged region relative to the bath and "
        "the ion concentrations in it.\n"
        "Example: pnp theory donnan --fixed-charge -50 --ion Na:+1:100 --ion Cl:-1:100",
    )
    p.add_argument(
        "--fixed-charge",
        type=number,
        required=True,
        metavar="MM",
        help="fixed charge of the region, mM of elementary charges, signed "
        "(negative = cation-selective)",
    )
    p.add_argument(
        "--ion",
        type=bath_ion,
        action="append",
        required=True,
        metavar="NAME:Z:C",
        help="a bath ion: name, signed valence, bath concentration in mM "
        "(repeat for each ion; the bath must be electroneutral)",
    )
    add_temperature(p)


def _add_ionic_strength(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--ionic-strength", type=non_negative, metavar="MM", help="ionic strength in mM")
    g.add_argument(
        "--ion",
        type=strength_ion,
        action="append",
        metavar="NAME:Z:C",
        help="an ion: name, signed valence, concentration in mM (repeat for each ion); "
        "I = 1/2 sum z^2 c",
    )
