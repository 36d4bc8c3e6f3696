"""`pnp theory` energetics: driving-force, energy, pmf."""

from __future__ import annotations

import argparse
import math

from pnp.cli.theory.common import (
    Payload,
    add_temperature,
    fmt_mv,
    leaf,
    mv,
    non_negative,
    number,
    positive,
)
from pnp.constants import MV


def _driving_force(args: argparse.Namespace) -> tuple[Payload, list[str]]:
    from pnp.theory import driving_force, ohmic_current_density

    v, e = args.voltage * MV, args.reversal * MV
    df = driving_force(v, e)
    payload: Payload = {
        "driving_force_mV": mv(df),
        "voltage_mV": args.voltage,
        "reversal_mV": args.reversal,
    }
    if df > 0:
        meaning = "outward current: cation efflux or anion influx"
    elif df < 0:
        meaning = "inward current: cation influx or anion efflux"
    else:
        meaning = "equilibrium: no net current"
    lines = [f"driving force V - E = {fmt_mv(df)} ({meaning})"]
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
        "proton_motive_force_mV": mv(p),
        "electrical_part_mV": args.delta_psi,
        "chemical_part_mV": mv(chemical),
        "free_energy_kJ_per_mol": g / 1e3,
        "delta_pH": args.delta_ph,
        "delta_psi_mV": args.delta_psi,
        "temperature_K": args.temperature,
    }
    lines = [
        f"proton-motive force Delta p = {fmt_mv(p)} "
        f"(electrical {args.delta_psi:+.2f} mV, chemical {mv(chemical):+.2f} mV)",
        f"  free energy per mole of H+ moving out -> in: {g / 1e3:+.4g} kJ/mol",
    ]
    if args.atp_energy is not None:
        if p >= 0.0:
            raise ValueError(
                "--atp-energy needs a negative proton-motive force (inward proton flow "
                f"releasing energy), got {mv(p):+.2f} mV"
            )
        n = protons_per_atp(args.atp_energy * 1e3, p)
        payload["atp_free_energy_kJ_per_mol"] = args.atp_energy
        payload["protons_per_atp"] = n
        payload["whole_protons_per_atp"] = math.ceil(n)
        lines.append(
            f"  protons per ATP ({args.atp_energy:g} kJ/mol): {n:.3g} -> at least {math.ceil(n)}"
        )
    return payload, lines


def add_driving_force(sub: argparse._SubParsersAction) -> None:
    p = leaf(
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
        "--voltage", type=number, required=True, metavar="MV", help="membrane potential, mV"
    )
    p.add_argument(
        "--reversal", type=number, required=True, metavar="MV", help="reversal potential, mV"
    )
    p.add_argument(
        "--conductance", type=non_negative, metavar="S_PER_M2", help="conductance density, S/m^2"
    )


def add_energy(sub: argparse._SubParsersAction) -> None:
    p = leaf(
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
        "--z", type=number, required=True, help="signed valence (0 for a neutral solute)"
    )
    p.add_argument(
        "--c-from",
        type=positive,
        required=True,
        metavar="MM",
        help="concentration at the origin, mM",
    )
    p.add_argument(
        "--c-to",
        type=positive,
        required=True,
        metavar="MM",
        help="concentration at the destination, mM",
    )
    p.add_argument(
        "--v-from",
        type=number,
        default=0.0,
        metavar="MV",
        help="potential of the origin, mV (default 0)",
    )
    p.add_argument(
        "--v-to",
        type=number,
        default=0.0,
        metavar="MV",
        help="potential of the destination, mV (default 0)",
    )
    add_temperature(p)


def add_pmf(sub: argparse._SubParsersAction) -> None:
    p = leaf(
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
    p.add_argument("--delta-ph", type=number, required=True, metavar="DPH", help="pH_in - pH_out")
    p.add_argument(
        "--delta-psi", type=number, required=True, metavar="MV", help="psi_in - psi_out, mV"
    )
    p.add_argument(
        "--atp-energy",
        type=positive,
        metavar="KJ_PER_MOL",
        help="free energy of ATP synthesis, kJ/mol: also print protons per ATP",
    )
    add_temperature(p)
