"""`pnp theory ...`: closed-form electrophysiology from the command line.

Inputs are in user units (mM, mV, nm, C/m^2, K, m^2/s, m/s); every result is
printed with its unit, or as JSON with unit-suffixed keys with ``--json``.
Conventions: ``V = phi_in - phi_out``, outward current positive.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import textwrap
from collections.abc import Callable
from typing import Any, NoReturn

from pnp.constants import DEFAULT_TEMPERATURE, ELEMENTARY_CHARGE, MV, NM

Payload = dict[str, Any]
Handler = Callable[[argparse.Namespace], tuple[Payload, list[str]]]

_EPILOG = (
    "Conventions: V = phi_in - phi_out (inside relative to outside); outward current "
    "positive; concentrations in mM; potentials in mV."
)


class _OneLineErrorParser(argparse.ArgumentParser):
    """Argument parser whose usage errors are a single line on stderr (exit code 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


# ---------------------------------------------------------------------------
# argument types


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def _positive(text: str) -> float:
    value = _number(text)
    if value <= 0.0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


def _non_negative(text: str) -> float:
    value = _number(text)
    if value < 0.0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {text}")
    return value


def _valence(text: str) -> float:
    value = _number(text)
    if value == 0.0:
        raise argparse.ArgumentTypeError(f"must be a non-zero valence, got {text}")
    return value


def _split(text: str, fields: str) -> list[str]:
    parts = text.split(":")
    n = len(fields.split(":"))
    if len(parts) != n or not all(parts):
        raise argparse.ArgumentTypeError(f"expected {fields}, got {text!r}")
    return parts


def _field(parts: list[str], index: int, name: str, kind: Callable[[str], float]) -> float:
    try:
        return kind(parts[index])
    except argparse.ArgumentTypeError as exc:
        raise argparse.ArgumentTypeError(f"{name} {exc} in {':'.join(parts)!r}") from None


def _ghk_species(text: str) -> tuple[str, float, float, float, float]:
    """NAME:Z:C_IN:C_OUT:P -> (name, z, c_in, c_out, P)."""
    parts = _split(text, "NAME:Z:C_IN:C_OUT:P")
    return (
        parts[0],
        _field(parts, 1, "Z", _valence),
        _field(parts, 2, "C_IN", _non_negative),
        _field(parts, 3, "C_OUT", _non_negative),
        _field(parts, 4, "P", _non_negative),
    )


def _bath_ion(text: str) -> tuple[str, float, float]:
    """NAME:Z:C -> (name, z, c)."""
    parts = _split(text, "NAME:Z:C")
    return parts[0], _field(parts, 1, "Z", _number), _field(parts, 2, "C", _positive)


def _strength_ion(text: str) -> tuple[str, float, float]:
    """NAME:Z:C -> (name, z, c), c >= 0."""
    parts = _split(text, "NAME:Z:C")
    return parts[0], _field(parts, 1, "Z", _number), _field(parts, 2, "C", _non_negative)


# ---------------------------------------------------------------------------
# helpers


def _mv(volts: float) -> float:
    return volts / MV


def _fmt_mv(volts: float) -> str:
    return f"{_mv(volts):+.2f} mV"


def _fail(prog: str, message: str) -> int:
    print(f"{prog}: error: {message}", file=sys.stderr)
    return 2


_LEADING_NAME = re.compile(r"^([A-Za-z_][A-Za-z0-9_/]*)")


def _translate(message: str, options: dict[str, str]) -> str:
    """Replace the leading argument name of a theory error with the CLI option."""
    match = _LEADING_NAME.match(message)
    if match and match.group(1) in options:
        return options[match.group(1)] + message[match.end() :]
    return message


def _run(handler: Handler, options: dict[str, str]) -> Callable[[argparse.Namespace], int]:
    def func(args: argparse.Namespace) -> int:
        try:
            payload, lines = handler(args)
        except ValueError as exc:
            return _fail(args.theory_prog, _translate(str(exc), options))
        if args.json:
            print(json.dumps(payload, indent=2))
        else:
            print("\n".join(lines))
        return 0

    return func


def _duplicate(names: list[str]) -> str | None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            return name
        seen.add(name)
    return None


_COMMON_OPTIONS = {
    "temperature": "--temperature",
    "relative_permittivity": "--eps-r",
}


# ---------------------------------------------------------------------------
# handlers


def _nernst(args: argparse.Namespace) -> tuple[Payload, list[str]]:
    from pnp.theory import nernst_potential

    e = nernst_potential(
        args.z, args.c_in, args.c_out, args.temperature, args.gamma_in, args.gamma_out
    )
    payload = {
        "reversal_potential_mV": _mv(e),
        "z": args.z,
        "c_in_mM": args.c_in,
        "c_out_mM": args.c_out,
        "gamma_in": args.gamma_in,
        "gamma_out": args.gamma_out,
        "temperature_K": args.temperature,
    }
    lines = [
        f"Nernst potential E = {_fmt_mv(e)}",
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
    dup = _duplicate(names)
    if dup is not None:
        raise ValueError(f"--species {dup!r} given more than once")
    charges = {s[0]: s[1] for s in args.species}
    c_in = {s[0]: s[2] for s in args.species}
    c_out = {s[0]: s[3] for s in args.species}
    perms = {s[0]: s[4] for s in args.species}
    v = ghk_voltage(perms, c_in, c_out, charges, args.temperature)
    closed = all(abs(z) == 1.0 for z in charges.values())
    species: Payload = {}
    method_text = "closed form" if closed else "zero of the summed GHK currents"
    lines = [
        f"GHK reversal potential V_rev = {_fmt_mv(v)}  ({method_text}, T = {args.temperature:g} K)",
        f"{'species':>10} {'z':>4} {'c_in (mM)':>11} {'c_out (mM)':>11} {'P':>10} {'E (mV)':>10}",
    ]
    for name in names:
        e = None
        if c_in[name] > 0 and c_out[name] > 0:
            e = _mv(nernst_potential(charges[name], c_in[name], c_out[name], args.temperature))
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
        "reversal_potential_mV": _mv(v),
        "method": "closed-form" if closed else "root",
        "temperature_K": args.temperature,
        "species": species,
    }
    return payload, lines


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
    dup = _duplicate(names)
    if dup is not None:
        raise ValueError(f"--ion {dup!r} given more than once")
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
        f"Donnan potential (charged region - bath) = {_fmt_mv(res.potential)}",
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
        "surface_potential_mV": _mv(phi0),
        "salt_mM": args.salt,
        "debye_length_nm": lam / NM,
        "relative_permittivity": args.eps_r,
        "temperature_K": args.temperature,
    }
    lines = [
        f"Grahame (1:1 salt {args.salt:g} mM, eps_r = {args.eps_r:g}, T = {args.temperature:g} K):",
        f"  surface charge    sigma = {sigma:.6g} C/m^2 ({per_nm2:.4g} e/nm^2)",
        f"  surface potential phi0  = {_fmt_mv(phi0)}",
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
        "potential_mV": [_mv(p) for p in phis],
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
    lines += [f"{x:10.4g}  {_mv(p):+10.3f}" for x, p in zip(args.x, phis, strict=True)]
    return payload, lines


def _planck(args: argparse.Namespace) -> tuple[Payload, list[str]]:
    from pnp.theory import planck_potential

    v = planck_potential(args.c_in, args.c_out, args.d_cation, args.d_anion, args.temperature)
    payload = {
        "reversal_potential_mV": _mv(v),
        "c_in_mM": args.c_in,
        "c_out_mM": args.c_out,
        "d_cation_m2_per_s": args.d_cation,
        "d_anion_m2_per_s": args.d_anion,
        "temperature_K": args.temperature,
    }
    lines = [
        f"Planck diffusion potential V = {_fmt_mv(v)}",
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
        "membrane_potential_mV": _mv(parts.total),
        "inside_donnan_mV": _mv(parts.inside_donnan),
        "diffusion_mV": _mv(parts.diffusion),
        "outside_donnan_mV": _mv(parts.outside_donnan),
        "planck_potential_mV": _mv(planck),
        "c_in_mM": args.c_in,
        "c_out_mM": args.c_out,
        "fixed_charge_mM": args.fixed_charge,
        "d_cation_m2_per_s": args.d_cation,
        "d_anion_m2_per_s": args.d_anion,
        "temperature_K": args.temperature,
    }
    lines = [
        f"TMS membrane potential V = {_fmt_mv(parts.total)}",
        f"  inside Donnan  {_fmt_mv(parts.inside_donnan)}",
        f"  diffusion      {_fmt_mv(parts.diffusion)}",
        f"  outside Donnan {_fmt_mv(parts.outside_donnan)}",
        f"  (Planck value without fixed charge: {_fmt_mv(planck)})",
        f"  1:1 salt c_in = {args.c_in:g} mM, c_out = {args.c_out:g} mM, "
        f"X = {args.fixed_charge:g} mM, D+ = {args.d_cation:g} m^2/s, "
        f"D- = {args.d_anion:g} m^2/s, T = {args.temperature:g} K",
    ]
    return payload, lines


def _driving_force(args: argparse.Namespace) -> tuple[Payload, list[str]]:
    from pnp.theory import driving_force, ohmic_current_density

    v, e = args.voltage * MV, args.reversal * MV
    df = driving_force(v, e)
    payload: Payload = {
        "driving_force_mV": _mv(df),
        "voltage_mV": args.voltage,
        "reversal_mV": args.reversal,
    }
    if df > 0:
        meaning = "outward current: cation efflux or anion influx"
    elif df < 0:
        meaning = "inward current: cation influx or anion efflux"
    else:
        meaning = "equilibrium: no net current"
    lines = [f"driving force V - E = {_fmt_mv(df)} ({meaning})"]
    if args.conductance is not None:
        current = ohmic_current_density(args.conductance, v, e)
        payload["conductance_S_per_m2"] = args.conductance
        payload["current_density_A_per_m2"] = current
        lines.append(
            f"ohmic current density g (V - E) = {current:.6g} A/m^2 ({current * 1e3:.4g} mA/m^2)"
        )
    return payload, lines


def _energy(args: argparse.Namespace) -> tuple[Payload, list[str]]:
    from pnp.theory import transport_free_energy

    g = transport_free_energy(
        args.z, args.c_from, args.c_to, args.v_from * MV, args.v_to * MV, args.temperature
    )
    payload = {
        "free_energy_kJ_per_mol": g / 1e3,
        "z": args.z,
        "c_from_mM": args.c_from,
        "c_to_mM": args.c_to,
        "v_from_mV": args.v_from,
        "v_to_mV": args.v_to,
        "temperature_K": args.temperature,
    }
    verdict = "uphill: work must be supplied" if g > 0 else "downhill: spontaneous"
    lines = [
        f"transport free energy Delta mu = {g / 1e3:+.4g} kJ/mol ({verdict})",
        f"  z = {args.z:+g}, {args.c_from:g} mM at {args.v_from:+g} mV -> "
        f"{args.c_to:g} mM at {args.v_to:+g} mV, T = {args.temperature:g} K",
    ]
    return payload, lines


def _pmf(args: argparse.Namespace) -> tuple[Payload, list[str]]:
    from pnp.theory import proton_free_energy, proton_motive_force, protons_per_atp

    dpsi = args.delta_psi * MV
    p = proton_motive_force(args.delta_ph, dpsi, args.temperature)
    g = proton_free_energy(args.delta_ph, dpsi, args.temperature)
    chemical = p - dpsi
    payload: Payload = {
        "proton_motive_force_mV": _mv(p),
        "electrical_part_mV": args.delta_psi,
        "chemical_part_mV": _mv(chemical),
        "free_energy_kJ_per_mol": g / 1e3,
        "delta_pH": args.delta_ph,
        "delta_psi_mV": args.delta_psi,
        "temperature_K": args.temperature,
    }
    lines = [
        f"proton-motive force Delta p = {_fmt_mv(p)} "
        f"(electrical {args.delta_psi:+.2f} mV, chemical {_mv(chemical):+.2f} mV)",
        f"  free energy per mole of H+ moving out -> in: {g / 1e3:+.4g} kJ/mol",
    ]
    if args.atp_energy is not None:
        if p >= 0.0:
            raise ValueError(
                "--atp-energy needs a negative proton-motive force (inward proton flow "
                f"releasing energy), got {_mv(p):+.2f} mV"
            )
        n = protons_per_atp(args.atp_energy * 1e3, p)
        payload["atp_free_energy_kJ_per_mol"] = args.atp_energy
        payload["protons_per_atp"] = n
        payload["whole_protons_per_atp"] = math.ceil(n)
        lines.append(
            f"  protons per ATP ({args.atp_energy:g} kJ/mol): {n:.3g} -> at least {math.ceil(n)}"
        )
    return payload, lines


# ---------------------------------------------------------------------------
# parser


def _wrap(text: str, width: int = 79) -> str:
    """Wrap each line of a help text; ``Example...: cmd`` lines put the command on its own line."""
    out = []
    for line in text.split("\n"):
        if line.startswith("Example"):
            head, _, command = line.partition(": ")
            out.append(f"\n{head}:\n  {command}")
        else:
            out.append(textwrap.fill(line, width))
    return "\n".join(out)


def _leaf(
    sub: argparse._SubParsersAction,
    name: str,
    help_text: str,
    handler: Handler,
    options: dict[str, str],
    description: str | None = None,
) -> argparse.ArgumentParser:
    p = sub.add_parser(
        name,
        help=help_text,
        description=_wrap(description or help_text),
        epilog=_wrap(_EPILOG),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=_run(handler, {**_COMMON_OPTIONS, **options}), theory_prog=p.prog)
    return p


def _add_temperature(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "-T",
        "--temperature",
        type=_positive,
        default=DEFAULT_TEMPERATURE,
        metavar="K",
        help=f"absolute temperature in K (default {DEFAULT_TEMPERATURE})",
    )


def _add_eps(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--eps-r",
        type=_positive,
        default=78.5,
        metavar="EPS_R",
        help="relative permittivity of the solvent (default 78.5)",
    )


def _add_ionic_strength(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument(
        "--ionic-strength", type=_non_negative, metavar="MM", help="ionic strength in mM"
    )
    g.add_argument(
        "--ion",
        type=_strength_ion,
        action="append",
        metavar="NAME:Z:C",
        help="an ion: name, signed valence, concentration in mM (repeat for each ion); "
        "I = 1/2 sum z^2 c",
    )


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``pnp theory`` and its sub-commands on `subparsers`."""
    theory = subparsers.add_parser(
        "theory",
        help="closed-form electrophysiology (Nernst, GHK, Donnan, Debye, ...)",
        description=(
            "Closed-form electrophysiology: Nernst and GHK potentials, GHK currents, "
            "activity coefficients, Debye length, Donnan equilibrium, Grahame/Gouy-Chapman, "
            "Planck and TMS diffusion potentials, driving forces and free energies."
        ),
        epilog=_EPILOG,
    )

    def _theory_help(args: argparse.Namespace) -> int:
        theory.print_help(sys.stderr)
        return 2

    theory.set_defaults(func=_theory_help)
    sub = theory.add_subparsers(
        dest="theory_command", metavar="SUBCOMMAND", parser_class=_OneLineErrorParser
    )

    # nernst
    p = _leaf(
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
    p.add_argument("--z", type=_valence, required=True, help="signed valence (e.g. 1, -1, 2)")
    p.add_argument(
        "--c-in", type=_positive, required=True, metavar="MM", help="inside concentration, mM"
    )
    p.add_argument(
        "--c-out", type=_positive, required=True, metavar="MM", help="outside concentration, mM"
    )
    p.add_argument(
        "--gamma-in",
        type=_positive,
        default=1.0,
        metavar="G",
        help="inside activity coefficient (default 1)",
    )
    p.add_argument(
        "--gamma-out",
        type=_positive,
        default=1.0,
        metavar="G",
        help="outside activity coefficient (default 1)",
    )
    _add_temperature(p)

    # ghk-current
    p = _leaf(
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
    p.add_argument("--z", type=_valence, required=True, help="signed valence")
    p.add_argument(
        "--permeability",
        type=_non_negative,
        required=True,
        metavar="M_PER_S",
        help="permeability in m/s",
    )
    p.add_argument(
        "--c-in", type=_non_negative, required=True, metavar="MM", help="inside concentration, mM"
    )
    p.add_argument(
        "--c-out", type=_non_negative, required=True, metavar="MM", help="outside concentration, mM"
    )
    p.add_argument(
        "--voltage",
        type=_number,
        nargs="+",
        required=True,
        metavar="MV",
        help="membrane potential(s) V = phi_in - phi_out, mV",
    )
    _add_temperature(p)

    # ghk-voltage
    p = _leaf(
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
        type=_ghk_species,
        action="append",
        required=True,
        metavar="NAME:Z:C_IN:C_OUT:P",
        help="one permeant ion: name, signed valence, inside and outside concentrations (mM) "
        "and permeability (m/s, or relative: only ratios matter); repeat for each ion",
    )
    _add_temperature(p)

    # debye
    p = _leaf(
        sub,
        "debye",
        "Debye screening length",
        _debye,
        {"ionic_strength_mM": "--ionic-strength", "concentrations_mM": "--ion", "charges": "--ion"},
        description="Debye length lambda_D = sqrt(eps kT / (2 e^2 N_A I)).\n"
        "Example: pnp theory debye --ionic-strength 100   (0.962 nm)",
    )
    _add_ionic_strength(p)
    _add_eps(p)
    _add_temperature(p)

    # activity
    p = _leaf(
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
    p.add_argument("--z", type=_number, required=True, help="signed valence")
    _add_ionic_strength(p)
    p.add_argument(
        "--model",
        choices=("debye-huckel", "extended", "davies", "all"),
        default="davies",
        help="activity model (default davies; 'all' prints every model)",
    )
    p.add_argument(
        "--ion-size",
        type=_positive,
        default=0.3,
        metavar="NM",
        help="ion-size parameter of the extended model, nm (default 0.3)",
    )
    _add_eps(p)
    _add_temperature(p)

    # donnan
    p = _leaf(
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
        type=_number,
        required=True,
        metavar="MM",
        help="fixed charge of the region, mM of elementary charges, signed "
        "(negative = cation-selective)",
    )
    p.add_argument(
        "--ion",
        type=_bath_ion,
        action="append",
        required=True,
        metavar="NAME:Z:C",
        help="a bath ion: name, signed valence, bath concentration in mM "
        "(repeat for each ion; the bath must be electroneutral)",
    )
    _add_temperature(p)

    # grahame
    p = _leaf(
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
        "--potential", type=_number, metavar="MV", help="surface potential relative to bulk, mV"
    )
    g.add_argument(
        "--sigma", type=_number, metavar="C_PER_M2", help="surface charge density, C/m^2"
    )
    p.add_argument(
        "--salt", type=_positive, required=True, metavar="MM", help="1:1 salt concentration, mM"
    )
    _add_eps(p)
    _add_temperature(p)

    # gouy-chapman
    p = _leaf(
        sub,
        "gouy-chapman",
        "Gouy-Chapman potential profile near a charged wall",
        _gouy_chapman,
        {"x": "--x", "surface_potential": "--potential", "salt_mM": "--salt"},
        description="Gouy-Chapman phi(x) = 4 V_T artanh(tanh(phi0 / 4V_T) exp(-x / lambda_D)).\n"
        "Example: pnp theory gouy-chapman --potential -50 --salt 100 --x 0 0.5 1 2 5",
    )
    p.add_argument(
        "--potential", type=_number, required=True, metavar="MV", help="surface potential phi0, mV"
    )
    p.add_argument(
        "--salt", type=_positive, required=True, metavar="MM", help="1:1 salt concentration, mM"
    )
    p.add_argument(
        "--x",
        type=_non_negative,
        nargs="+",
        required=True,
        metavar="NM",
        help="distance(s) from the wall, nm",
    )
    _add_eps(p)
    _add_temperature(p)

    # planck
    p = _leaf(
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
    _add_temperature(p)

    # tms
    p = _leaf(
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
        type=_number,
        required=True,
        metavar="MM",
        help="membrane fixed charge, mM of elementary charges, signed "
        "(negative = cation-selective)",
    )
    _add_temperature(p)

    # driving-force
    p = _leaf(
        sub,
        "driving-force",
        "driving force V - E (and ohmic current g (V - E))",
        _driving_force,
        {"voltage": "--voltage", "reversal": "--reversal", "conductance": "--conductance"},
        description="Electrochemical driving force V - E; with --conductance also the ohmic "
        "current density.\n"
        "Example: pnp theory driving-force --voltage -70 --reversal -90.9 --conductance 5",
    )
    p.add_argument(
        "--voltage", type=_number, required=True, metavar="MV", help="membrane potential, mV"
    )
    p.add_argument(
        "--reversal", type=_number, required=True, metavar="MV", help="reversal potential, mV"
    )
    p.add_argument(
        "--conductance", type=_non_negative, metavar="S_PER_M2", help="conductance density, S/m^2"
    )

    # energy
    p = _leaf(
        sub,
        "energy",
        "free energy of moving an ion between compartments",
        _energy,
        {
            "z": "--z",
            "c_from": "--c-from",
            "c_to": "--c-to",
            "voltage_from": "--v-from",
            "voltage_to": "--v-to",
        },
        description="Transport free energy RT ln(c_to/c_from) + zF(V_to - V_from), kJ/mol.\n"
        "Example: pnp theory energy --z 1 --c-from 5 --c-to 140 -T 310.15",
    )
    p.add_argument(
        "--z", type=_number, required=True, help="signed valence (0 for a neutral solute)"
    )
    p.add_argument(
        "--c-from",
        type=_positive,
        required=True,
        metavar="MM",
        help="concentration at the origin, mM",
    )
    p.add_argument(
        "--c-to",
        type=_positive,
        required=True,
        metavar="MM",
        help="concentration at the destination, mM",
    )
    p.add_argument(
        "--v-from",
        type=_number,
        default=0.0,
        metavar="MV",
        help="potential of the origin, mV (default 0)",
    )
    p.add_argument(
        "--v-to",
        type=_number,
        default=0.0,
        metavar="MV",
        help="potential of the destination, mV (default 0)",
    )
    _add_temperature(p)

    # pmf
    p = _leaf(
        sub,
        "pmf",
        "proton-motive force",
        _pmf,
        {"delta_pH": "--delta-ph", "delta_psi": "--delta-psi", "atp_free_energy": "--atp-energy"},
        description="Proton-motive force Delta p = Delta psi - ln(10) (RT/F) Delta pH, with "
        "Delta psi = psi_in - psi_out and Delta pH = pH_in - pH_out, 'in' being the side protons "
        "enter through the ATP synthase (matrix, stroma, cytoplasm). Negative = inward proton "
        "flow releases energy.\n"
        "Example (mitochondrion): pnp theory pmf --delta-ph 0.8 --delta-psi -170",
    )
    p.add_argument("--delta-ph", type=_number, required=True, metavar="DPH", help="pH_in - pH_out")
    p.add_argument(
        "--delta-psi", type=_number, required=True, metavar="MV", help="psi_in - psi_out, mV"
    )
    p.add_argument(
        "--atp-energy",
        type=_positive,
        metavar="KJ_PER_MOL",
        help="free energy of ATP synthesis, kJ/mol: also print protons per ATP",
    )
    _add_temperature(p)

    return theory


def _add_salt_pair(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--c-in", type=_positive, required=True, metavar="MM", help="inside salt concentration, mM"
    )
    p.add_argument(
        "--c-out",
        type=_positive,
        required=True,
        metavar="MM",
        help="outside salt concentration, mM",
    )
    p.add_argument(
        "--d-cation",
        type=_positive,
        required=True,
        metavar="M2_PER_S",
        help="cation diffusion coefficient, m^2/s",
    )
    p.add_argument(
        "--d-anion",
        type=_positive,
        required=True,
        metavar="M2_PER_S",
        help="anion diffusion coefficient, m^2/s",
    )
