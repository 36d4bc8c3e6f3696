"""`pnp theory` charged surfaces: grahame, gouy-chapman (point ions, or ions of a size)."""

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

# The ion size's argument name in theory errors, and its option.
_SIZE_OPTION = {"size_nm": "--size-nm"}


def _grahame(args: argparse.Namespace) -> tuple[Payload, list[str]]:
    from pnp.theory import (
        debye_length,
        grahame_surface_charge,
        grahame_surface_potential,
        steric_surface_charge,
        steric_surface_potential,
    )

    medium = (args.eps_r, args.temperature)
    steric = args.size_nm is not None
    if args.sigma is not None:
        sigma = args.sigma
        if steric:
            phi0 = steric_surface_potential(sigma, args.salt, args.size_nm, 1, *medium)
        else:
            phi0 = grahame_surface_potential(sigma, args.salt, *medium)
    else:
        phi0 = args.potential * MV
        if steric:
            sigma = steric_surface_charge(phi0, args.salt, args.size_nm, 1, *medium)
        else:
            sigma = grahame_surface_charge(phi0, args.salt, *medium)
    lam = debye_length(args.salt, args.eps_r, args.temperature)
    per_nm2 = sigma / ELEMENTARY_CHARGE * NM**2
    payload = {
        "surface_charge_C_per_m2": sigma,
        "surface_potential_mV": mv(phi0),
        "salt_mM": args.salt,
        "debye_length_nm": lam / NM,
        "relative_permittivity": args.eps_r,
        "temperature_K": args.temperature,
        **_steric_payload(args),
    }
    lines = [
        f"{_title('Grahame', args)} (1:1 salt {args.salt:g} mM, eps_r = {args.eps_r:g}, "
        f"T = {args.temperature:g} K):",
        f"  surface charge    sigma = {sigma:.6g} C/m^2 ({per_nm2:.4g} e/nm^2)",
        f"  surface potential phi0  = {fmt_mv(phi0)}",
        f"  Debye length            = {lam / NM:.4g} nm",
    ]
    if steric:
        lines.append(f"  packing parameter nu    = {payload['packing_parameter']:.4g}")
    return payload, lines


def _gouy_chapman(args: argparse.Namespace) -> tuple[Payload, list[str]]:
    from pnp.theory import debye_length, gouy_chapman_potential, steric_double_layer_potential

    phi0 = args.potential * MV
    medium = (args.eps_r, args.temperature)
    if args.size_nm is None:
        phis = [float(gouy_chapman_potential(x * NM, phi0, args.salt, *medium)) for x in args.x]
    else:
        profile = steric_double_layer_potential(
            [x * NM for x in args.x], phi0, args.salt, args.size_nm, 1, *medium
        )
        phis = [float(p) for p in profile]
    lam = debye_length(args.salt, args.eps_r, args.temperature)
    payload = {
        "x_nm": list(args.x),
        "potential_mV": [mv(p) for p in phis],
        "surface_potential_mV": args.potential,
        "salt_mM": args.salt,
        "debye_length_nm": lam / NM,
        "relative_permittivity": args.eps_r,
        "temperature_K": args.temperature,
        **_steric_payload(args),
    }
    lines = [
        f"{_title('Gouy-Chapman', args)} potential, phi0 = {args.potential:+g} mV, "
        f"1:1 salt {args.salt:g} mM, lambda_D = {lam / NM:.4g} nm",
        f"{'x (nm)':>10}  {'phi (mV)':>10}",
    ]
    lines += [f"{x:10.4g}  {mv(p):+10.3f}" for x, p in zip(args.x, phis, strict=True)]
    return payload, lines


def _title(name: str, args: argparse.Namespace) -> str:
    if args.size_nm is None:
        return name
    return f"Steric (Bikerman, {args.size_nm:g} nm ions) {name}"


def _steric_payload(args: argparse.Namespace) -> Payload:
    """The ion size and what it implies, for ``--size-nm`` (nothing for point ions)."""
    from pnp.theory import packing_parameter, steric_saturation_concentration

    if args.size_nm is None:
        return {}
    return {
        "size_nm": args.size_nm,
        "packing_parameter": packing_parameter(args.salt, args.size_nm),
        "saturation_mM": (
            steric_saturation_concentration(args.size_nm) if args.size_nm > 0 else None
        ),
    }


def add_grahame(sub: argparse._SubParsersAction) -> None:
    p = leaf(
        sub,
        "grahame",
        "Grahame relation between surface charge and surface potential",
        _grahame,
        {"salt_mM": "--salt", "sigma": "--sigma", "potential": "--potential", **_SIZE_OPTION},
        description="Grahame equation sigma = sqrt(8 n eps kT) sinh(phi0 / 2V_T) for a 1:1 salt; "
        "give either --potential or --sigma. With --size-nm a, the ions fill a lattice of "
        "spacing a (Bikerman; Kilic, Bazant, Ajdari 2007): "
        "sigma = sgn(phi0) sqrt(2 n eps kT) sqrt((2/nu) ln(1 + 2 nu sinh^2(phi0 / 2V_T))), "
        "nu = 2 a^3 n.\n"
        "Example: pnp theory grahame --sigma -0.05 --salt 150\n"
        "Example with 0.7 nm ions: pnp theory grahame --potential -500 --salt 100 --size-nm 0.7",
    )
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument(
        "--potential", type=number, metavar="MV", help="surface potential relative to bulk, mV"
    )
    g.add_argument("--sigma", type=number, metavar="C_PER_M2", help="surface charge density, C/m^2")
    _add_salt(p)
    _add_size(p)
    add_eps(p)
    add_temperature(p)


def add_gouy_chapman(sub: argparse._SubParsersAction) -> None:
    p = leaf(
        sub,
        "gouy-chapman",
        "Gouy-Chapman potential profile near a charged wall",
        _gouy_chapman,
        {"x": "--x", "surface_potential": "--potential", "salt_mM": "--salt", **_SIZE_OPTION},
        description="Gouy-Chapman phi(x) = 4 V_T artanh(tanh(phi0 / 4V_T) exp(-x / lambda_D)). "
        "With --size-nm, the modified Poisson-Boltzmann profile of ions of that size "
        "(Bikerman; Kilic, Bazant, Ajdari 2007), by quadrature.\n"
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
    _add_size(p)
    add_eps(p)
    add_temperature(p)


def _add_size(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--size-nm",
        type=non_negative,
        metavar="NM",
        help="ion size (lattice spacing) for the steric (Bikerman) double layer, nm "
        "(default: point ions)",
    )


def _add_salt(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--salt", type=positive, required=True, metavar="MM", help="1:1 salt concentration, mM"
    )
