"""Charges and radii of a PDB structure from pdb2pqr, with gramicidin's blocking groups.

pdb2pqr (the `structures` extra) assigns the force field's charges and radii to the
standard residues and adds their hydrogens. It has no definition of the blocking groups
of gramicidin, the N-terminal formyl (FOR) and the C-terminal ethanolamine (ETA): it
drops them and builds a free carboxyl (OXT, HO) on the last residue instead. With
PARSE and neutral termini, they are put back with PARSE-style charges, so that each
chain stays exactly neutral:

- last residue: OXT and HO removed, O set to the PARSE backbone value -0.55 (a peptide
  C=O bonded to the ethanolamine N).
- FOR (H-C=O): C +0.55, O -0.55, as the PARSE backbone carbonyl; its H carries no charge
  in PARSE and is left out.
- ETA (-NH-CH2-CH2-OH): N -0.40 with its amide H +0.40 (PARSE backbone), CA and CB
  united CH2 (0, radius 2.0 Å), O -0.49 with its hydroxyl H +0.49 (PARSE serine OG/HG).
  The two hydrogens are placed from the heavy atoms (N-H 1.01 Å on the bisector opposite
  C and CA; O-H 0.96 Å at 108.5° from O-CB, anti to CA).

Radii: PARSE (C 1.7, O 1.4, N 1.5, H 1.0, united CH2 2.0 Å). Atoms of radius 0 and charge
0 (PARSE folds the hydrogens of carbons into their carbon) are left out; a charged atom
of radius 0 (PARSE's NH3+ hydrogens) gets the radius of the largest sphere about it
inside its neighbour's, so every atom written has a positive radius and the protein its
force-field shape. Every problem is an `InputError` naming the case key.
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import math
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from pnp.errors import InputError

if TYPE_CHECKING:
    from mpi4py import MPI

PDB_KEY = "structure.pdb_file"
FORCE_FIELD_KEY = "structure.force_field"
TERMINI_KEY = "structure.neutral_termini"
INSTALL = 'pip install "pnp-channels[structures]"'
CAPS = ("FOR", "ETA")
CAPS_FORCE_FIELD = "PARSE"

FORMYL = {"C": (0.55, 1.7), "O": (-0.55, 1.4)}
ETHANOLAMINE = {
    "N": (-0.40, 1.5),
    "H": (0.40, 1.0),
    "CA": (0.0, 2.0),
    "CB": (0.0, 2.0),
    "O": (-0.49, 1.4),
    "HO": (0.49, 1.0),
}
BACKBONE_O = -0.55


@dataclass(frozen=True)
class Atom:
    record: str
    name: str
    residue: str
    chain: str
    number: int
    xyz: np.ndarray  # Å
    charge: float  # e
    radius: float  # Å


@dataclass(frozen=True)
class Pdb2pqrResult:
    """The atoms pdb2pqr gave (blocking groups completed), how they were made."""

    atoms: tuple[Atom, ...]
    version: str
    arguments: tuple[str, ...]
    caps: tuple[str, ...]  # the blocking groups completed, e.g. ("FOR A 0", "ETA A 16")

    @property
    def net_charge_e(self) -> float:
        return float(sum(a.charge for a in self.atoms))

    def pqr_text(self, remarks: tuple[str, ...] = ()) -> str:
        """The atoms as a PQR file, after ``REMARK   1`` lines."""
        lines = [f"REMARK   1 {text}" for text in remarks]
        for serial, a in enumerate(self.atoms, start=1):
            lines.append(
                f"{a.record:<6}{serial:>5} {a.name:<4} {a.residue:>3} {a.chain} {a.number:>4}    "
                f"{a.xyz[0]:8.3f} {a.xyz[1]:8.3f} {a.xyz[2]:8.3f} {a.charge:7.4f} {a.radius:6.4f}"
            )
        lines.append("END")
        return "\n".join(lines) + "\n"

    def provenance(self) -> dict:
        return {
            "program": "pdb2pqr",
            "version": self.version,
            "arguments": list(self.arguments),
            "completed_caps": list(self.caps),
            "atoms": len(self.atoms),
            "net_charge_e": self.net_charge_e,
        }


@dataclass(frozen=True)
class GeneratedPqr:
    """A PQR file written from a PDB (in a private temporary folder of this process)."""

    path: Path
    provenance: dict


def generate_pqr(
    comm: MPI.Comm | None, pdb_file: Path, *, force_field: str, neutral_termini: bool = False
) -> GeneratedPqr:
    """`run_pdb2pqr` on rank 0 of `comm` (None: this process alone), its PQR written on
    every rank. An error there is raised on every rank. The same PDB (path, size and
    modification time) with the same options is converted once per process."""
    pdb = Path(pdb_file).resolve()
    stat = pdb.stat() if pdb.is_file() else None
    key = (pdb, None if stat is None else (stat.st_mtime_ns, stat.st_size))
    key += (force_field, neutral_termini)

    def convert() -> tuple[str, dict]:
        if key not in _CONVERTED:
            _CONVERTED[key] = _converted(pdb, stat is not None, force_field, neutral_termini)
        return _CONVERTED[key]

    if comm is None:
        convert()
    else:  # always collective: the ranks' memories may differ
        from pnp.parallel import on_root

        _CONVERTED[key] = on_root(comm, convert)
    text, provenance = _CONVERTED[key]
    return GeneratedPqr(_written(pdb.stem, text), dict(provenance))


_CONVERTED: dict[tuple, tuple[str, dict]] = {}


def _converted(
    pdb: Path, exists: bool, force_field: str, neutral_termini: bool
) -> tuple[str, dict]:
    if not exists:
        raise InputError(PDB_KEY, f"file not found: {pdb}; fix the path")
    result = run_pdb2pqr(pdb, force_field=force_field, neutral_termini=neutral_termini)
    remarks = (
        f"Generated from {pdb.name} by pdb2pqr {result.version} {' '.join(result.arguments)}.",
        "Blocking groups completed with PARSE charges: "
        + (", ".join(result.caps) if result.caps else "none")
        + ". Atoms of radius 0 and charge 0 left out.",
        f"Net charge {result.net_charge_e:+.4f} e. Coordinates and radii in angstrom, "
        "charges in e.",
    )
    provenance = {
        "pdb_file": str(pdb),
        "force_field": force_field,
        "neutral_termini": neutral_termini,
        **result.provenance(),
    }
    return result.pqr_text(remarks), provenance


@functools.cache
def _scratch() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="pnp-pqr-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def _written(stem: str, text: str) -> Path:
    path = _scratch() / f"{stem}-{hashlib.sha256(text.encode()).hexdigest()[:16]}.pqr"
    if not path.is_file():
        path.write_text(text, encoding="utf-8")
    return path


def force_fields() -> tuple[str, ...]:
    """The force-field names pdb2pqr offers (its --ff choices)."""
    return tuple(name.upper() for name in _pdb2pqr().config.FORCE_FIELDS)


def pdb2pqr_arguments(force_field: str, neutral_termini: bool) -> tuple[str, ...]:
    termini = ("--neutraln", "--neutralc") if neutral_termini else ()
    return (f"--ff={force_field}", *termini, "--keep-chain")


def run_pdb2pqr(
    pdb_file: str | Path, *, force_field: str, neutral_termini: bool = False
) -> Pdb2pqrResult:
    """pdb2pqr on the first model of `pdb_file`, the FOR and ETA caps completed."""
    module = _pdb2pqr()
    pdb = Path(pdb_file)
    if force_field not in force_fields():
        raise InputError(
            FORCE_FIELD_KEY,
            f"unknown force field {force_field!r}; one of {', '.join(force_fields())}",
        )
    if neutral_termini and force_field != "PARSE":
        raise InputError(
            TERMINI_KEY,
            f"pdb2pqr has neutral termini for PARSE only, not {force_field}; set "
            'force_field = "PARSE" or remove neutral_termini',
        )
    caps = {name: _heavy_atoms(pdb, name) for name in CAPS}
    if any(caps.values()) and (force_field != CAPS_FORCE_FIELD or not neutral_termini):
        raise InputError(
            FORCE_FIELD_KEY,
            f"{pdb}: its blocking groups ({', '.join(n for n in CAPS if caps[n])}) are "
            f'completed with PARSE charges only; set force_field = "{CAPS_FORCE_FIELD}" and '
            "neutral_termini = true",
        )
    arguments = pdb2pqr_arguments(force_field, neutral_termini)
    with tempfile.TemporaryDirectory(prefix="pnp-pdb2pqr-") as tmp:
        raw = Path(tmp) / "raw.pqr"
        done = subprocess.run(
            [sys.executable, "-m", "pdb2pqr", *arguments, str(pdb), str(raw)],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0 or not raw.is_file():
            reason = _failure(done.stderr) or f"exit code {done.returncode}"
            raise InputError(PDB_KEY, f"{pdb}: pdb2pqr failed ({reason}); check the PDB file")
        atoms = _pqr_atoms(raw.read_text())
    atoms, completed = _complete_caps(pdb, atoms, caps["FOR"], caps["ETA"])
    version = str(getattr(module, "__version__", ""))
    return Pdb2pqrResult(atoms, version, arguments, completed)


def _failure(stderr: str) -> str:
    """pdb2pqr's own reason (its first CRITICAL line), else the last line of its output."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    critical = [line.removeprefix("CRITICAL:") for line in lines if line.startswith("CRITICAL:")]
    return (critical or lines or [""])[0 if critical else -1]


def check_pdb(pdb: Path) -> None:
    """The file holds ATOM or HETATM records (pdb2pqr fails with a traceback otherwise)."""
    try:
        text = pdb.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise InputError(PDB_KEY, f"{pdb}: cannot be read ({exc}); give a PDB file") from None
    if not any(line.startswith(("ATOM", "HETATM")) for line in text.splitlines()):
        raise InputError(PDB_KEY, f"{pdb}: no ATOM or HETATM records; give a PDB file")


def _pdb2pqr():
    try:
        import pdb2pqr
        import pdb2pqr.config
    except ImportError:
        raise InputError(
            PDB_KEY, f"a PDB structure needs pdb2pqr: {INSTALL} (or give a pqr_file)"
        ) from None
    return pdb2pqr


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def _heavy_atoms(pdb: Path, residue: str) -> dict[str, dict[str, np.ndarray]]:
    """{chain: {atom name: xyz}} of one residue name in the first model of the PDB."""
    check_pdb(pdb)
    atoms: dict[str, dict[str, np.ndarray]] = {}
    for line in pdb.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("ENDMDL"):
            break
        if line[:6].strip() in ("ATOM", "HETATM") and line[17:20].strip() == residue:
            xyz = np.array([float(line[30:38]), float(line[38:46]), float(line[46:54])])
            atoms.setdefault(line[21], {})[line[12:16].strip()] = xyz
    return atoms


def _pqr_atoms(text: str) -> list[Atom]:
    rows = []
    for line in text.splitlines():
        f = line.split()
        if f and f[0] in ("ATOM", "HETATM"):
            chain = f[4] if len(f) == 11 else ""
            xyz = np.array([float(v) for v in f[-5:-2]])
            rows.append(Atom(f[0], f[2], f[3], chain, int(f[-6]), xyz, float(f[-2]), float(f[-1])))
    return rows


def _ethanolamine(heavy: dict[str, np.ndarray], last_c: np.ndarray) -> dict[str, np.ndarray]:
    n, ca, cb, o = heavy["N"], heavy["CA"], heavy["CB"], heavy["O"]
    h = n + 1.01 * _unit(-(_unit(last_c - n) + _unit(ca - n)))
    v = _unit(cb - o)
    w = ca - cb
    w = _unit(w - (w @ v) * v)
    theta = np.deg2rad(108.5)
    ho = o + 0.96 * (np.cos(theta) * v - np.sin(theta) * w)
    return {"N": n, "H": h, "CA": ca, "CB": cb, "O": o, "HO": ho}


def _cap_atoms(pdb: Path, cap: str, chain: str, found: dict[str, np.ndarray], names) -> None:
    missing = [name for name in names if name not in found]
    if missing:
        raise InputError(
            PDB_KEY,
            f"{pdb}: {cap} of chain {chain!r} lacks atom(s) {', '.join(missing)}; complete it "
            "or remove the blocking group",
        )


def _complete_caps(
    pdb: Path,
    atoms: list[Atom],
    formyl: dict[str, dict[str, np.ndarray]],
    ethanol: dict[str, dict[str, np.ndarray]],
) -> tuple[tuple[Atom, ...], tuple[str, ...]]:
    """The atoms chain by chain, with their FOR and ETA caps; atoms of radius 0 left out."""
    out: list[Atom] = []
    completed: list[str] = []
    for chain in sorted({a.chain for a in atoms}):
        residues = [a for a in atoms if a.chain == chain]
        first, last = min(a.number for a in residues), max(a.number for a in residues)
        if chain in formyl:
            _cap_atoms(pdb, "FOR", chain, formyl[chain], FORMYL)
            for name, (q, rad) in FORMYL.items():
                out.append(
                    Atom("HETATM", name, "FOR", chain, first - 1, formyl[chain][name], q, rad)
                )
            completed.append(f"FOR {chain} {first - 1}")
        capped = chain in ethanol
        last_c = None
        for a in residues:
            if capped and a.number == last and a.name in ("OXT", "HO"):
                continue
            if a.radius == 0.0 and a.charge == 0.0:
                continue
            if capped and a.number == last and a.name == "O":
                a = replace(a, charge=BACKBONE_O)
            if capped and a.number == last and a.name == "C":
                last_c = a.xyz
            out.append(a)
        if capped:
            _cap_atoms(pdb, "ETA", chain, ethanol[chain], ("N", "CA", "CB", "O"))
            if last_c is None:
                raise InputError(PDB_KEY, f"{pdb}: residue {last} of chain {chain!r} has no C")
            for name, xyz in _ethanolamine(ethanol[chain], last_c).items():
                q, rad = ETHANOLAMINE[name]
                out.append(Atom("HETATM", name, "ETA", chain, last + 1, xyz, q, rad))
            completed.append(f"ETA {chain} {last + 1}")
    return _buried(pdb, out), tuple(completed)


def _buried(pdb: Path, atoms: list[Atom]) -> tuple[Atom, ...]:
    """The atoms, a charged one of radius 0 (PARSE's hydrogens of NH3+) given the largest
    radius that keeps its sphere inside the sphere of another atom, less 0.001 Å (the
    rounding of the written coordinates): the protein's shape, the union of the spheres,
    does not change, and every radius is positive."""
    xyz = np.array([a.xyz for a in atoms]).reshape(-1, 3)
    radii = np.array([a.radius for a in atoms])
    out = []
    for i, a in enumerate(atoms):
        if a.radius == 0.0:
            room = radii - np.linalg.norm(xyz - a.xyz, axis=1) - 1e-3
            room[i] = -np.inf
            radius = math.floor(float(np.max(room)) * 1e4) / 1e4
            if radius <= 0.0:
                raise InputError(
                    FORCE_FIELD_KEY,
                    f"{pdb}: pdb2pqr gave atom {a.name} {a.residue}{a.number} charge "
                    f"{a.charge:+g} e, radius 0 and no atom around it; choose another force "
                    "field or give a pqr_file",
                )
            a = replace(a, radius=radius)
        out.append(a)
    return tuple(out)
