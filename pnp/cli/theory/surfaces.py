"""`pnp theory` charged surfaces: grahame, gouy-chapman."""

from __future__ import annotations

import argparse

from pnp.cli.theory.common import (
    Payload,
    add_eps,
    add_temperature,
    fmt_mv,
    leaf,
    mv,
    non_negative,
    number,
    positive,
)
from pnp.constants import ELEMENTARY_CHARGE, MV, NM


def _grahame(args: argparse.Namespace) -> tuple[Payload, list[str]]:
    from pnp.theory import debye_length, grahame_surface_charge, grahame_surface_potential

    if args.sigma is not None:
        sigma = args.sigma
        phi0 = grahame_surface_potential(sigma, args.salt, args.eps_r, args.temperature)
    else:
        phi0 = args.potential * MV
        sigma = grahame_surface_charge(phi0, args.salt, args.eps_r, args.temperature)
    lam = debye_length(args.salt, args.eps_r, args.temperature)
    per_nm2 = sigma / ELEMENTARY_CHARGE * NM**2
    payload = {
        "surface_charge_C_per_m2": sigma,
        "surface_potential_mV": mv(phi0),
        "salt_mM": args.salt,
        "debye_length_nm": lam / NM,
        "relative_permittivity": args.eps_r,
        "temperature_K": args.temperature,
    }
    lines = [
        f"Grahame (1:1 salt {args.salt:g} mM, eps_r = {args.eps_r:g}, T = {args.temperature:g} K):",
        f"  surface charge    sigma = {sigma:.6g} C/m^2 ({per_nm2:.4g} e/nm^2)",
        f"  surface potential phi0  = {fmt_mv(phi0)}",
        f"  Debye length            = {lam / NM:.4g} nm",
    ]
    return payload, lines


def _gouy_chapman(args: argparse.Namespace) -> tuple[Payload, list[str]]:
    from pnp.theory import debye_length, gouy_chapman_potential

    phi0 = args.potential * MV
    phis = [
        float(gouy_chapman_potential(x * NM, phi0, args.salt, args.eps_r, args.temperature))
        for x in args.x
    ]
    lam = debye_length(args.salt, args.eps_r, args.temperature)
    payload = {
        "x_nm": list(args.x),
        "potential_mV": [mv(p) for p in phis],
        "surface_potential_mV": args.potential,
        "salt_mM": args.salt,
        "debye_length_nm": lam / NM,
        "relative_permittivity": args.eps_r,
        "temperature_K": args.temperature,
    }
    lines = [
        f"Gouy-Chapman potential, phi0 = {args.potential:+g} mV, 1:1 salt {args.salt:g} mM, "
        f"lambda_D = {lam / NM:.4g} nm",
        f"{'x (nm)':>10}  {'phi (mV)':>10}",
    ]
    lines += [f"{x:10.4g}  {mv(p):+10.3f}" for x, p in zip(args.x, phis, strict=True)]
    return payload, lines


def add_grahame(sub: argparse._SubParsersAction) -> None:
    p = leaf(
        sub,
        "grahame",
        "Grahame relation between surface charge and surface potential",
        _grahame,
        {"salt_mM": "--salt", "sigma": "--sigma", "potential": "--potential"},
        description="Grahame equation sigma = sqrt(8 n eps kT) sinh(phi0 / 2V_T) for a 1:1 salt; "
        "give either --potential or --sigma.\n"
        "Example: pnp theory grahame --sigma -0.05 --salt 150",
    )
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument(
        "--potential", type=number, metavar="MV", help="surface potential relative to bulk, mV"
    )
    g.add_argument("--sigma", type=number, metavar="C_PER_M2", help="surface charge density, C/m^2")
    _add_salt(p)
    add_eps(p)
    add_temperature(p)


def add_gouy_chapman(sub: argparse._SubParsersAction) -> None:
    p = leaf(
        sub,
        "gouy-chapman",
        "Gouy-Chapman potential profile near a charged wall",
        _gouy_chapman,
        {"x": "--x", "surface_potential": "--potential", "salt_mM": "--salt"},
        description="Gouy-Chapman phi(x) = 4 V_T artanh(tanh(phi0 / 4V_T) exp(-x / lambda_D)).\n"
        "Example: pnp theory gouy-chapman --potential -50 --salt 100 --x 0 0.5 1 2 5",
    )
    p.add_argument(
        "--potential", type=number, required=True, metavar="MV", help="surface potential phi0, mV"
    )
    _add_salt(p)
    p.add_argument(
        "--x",
        type=non_negative,
        nargs="+",
        required=True,
        metavar="NM",
        help="distance(s) from the wall, nm",
    )
    add_eps(p)
    add_temperature(p)


def _add_salt(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--salt", type=positive, required=True, metavar="MM", help="1:1 salt concentration, mM"
    )
