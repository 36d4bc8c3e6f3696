"""Reader of whitespace-separated PQR files (the pdb2pqr output format).

A record is ``ATOM|HETATM serial name resName [chainID] resSeq x y z charge radius``:
coordinates and radii in ångström, charges in elementary charges. Other records
(REMARK, TER, END, ...) are skipped. Every problem is an `InputError` whose detail names
the file and, where there is one, the line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pnp.errors import InputError

ANGSTROM_NM = 0.1
FILE_KEY = "structure.pqr_file"
NET_CHARGE_KEY = "structure.net_charge_e"
NET_CHARGE_TOLERANCE_E = 1e-3


@dataclass(frozen=True)
class Structure:
    """Atoms of one structure; positions and radii in nm, charges in e."""

    path: Path
    positions_nm: np.ndarray  # (n, 3)
    charges_e: np.ndarray  # (n,)
    radii_nm: np.ndarray  # (n,)
    atom_names: tuple[str, ...]
    residue_names: tuple[str, ...]
    chains: tuple[str, ...]  # "" where the file has no chain column
    residue_numbers: np.ndarray  # (n,) int
    lines: np.ndarray  # (n,) 1-based line number of each atom in the file

    @property
    def net_charge_e(self) -> float:
        return float(np.sum(self.charges_e))

    def __len__(self) -> int:
        return len(self.charges_e)


def read_pqr(
    path: str | Path,
    *,
    net_charge_e: float | None = None,
    tolerance_e: float = NET_CHARGE_TOLERANCE_E,
) -> Structure:
    """Read the atoms of a PQR file.

    With `net_charge_e`, the summed partial charges must equal it to `tolerance_e`.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(FILE_KEY, f"{path}: no such file; give the path of a PQR file")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            FILE_KEY, f"{path}: cannot be read as text ({exc}); give a plain-text PQR file"
        ) from None

    xyz, q, rad, names, resnames, chains, resseq, lines = [], [], [], [], [], [], [], []
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if not fields or fields[0] not in ("ATOM", "HETATM"):
            continue
        where = f"{path}:{number}"
        if len(fields) not in (10, 11):
            raise InputError(
                FILE_KEY,
                f"{where}: expected 'ATOM serial name resName [chain] resSeq x y z charge "
                f"radius' (10 or 11 fields), found {len(fields)} fields",
            )
        chain = fields[4] if len(fields) == 11 else ""
        try:
            seq = int(fields[-6])
            x, y, z, charge, radius = (float(v) for v in fields[-5:])
        except ValueError:
            raise InputError(
                FILE_KEY,
                f"{where}: resSeq must be an integer and x y z charge radius numbers, "
                f"found {' '.join(fields[-6:])!r}",
            ) from None
        values = np.array([x, y, z, charge, radius])
        if not np.all(np.isfinite(values)):
            raise InputError(FILE_KEY, f"{where}: coordinates, charge and radius must be finite")
        if radius <= 0.0:
            raise InputError(
                FILE_KEY, f"{where}: atom radius {radius:g} Å must be positive (atom {fields[2]})"
            )
        xyz.append((x, y, z))
        q.append(charge)
        rad.append(radius)
        names.append(fields[2])
        resnames.append(fields[3])
        chains.append(chain)
        resseq.append(seq)
        lines.append(number)

    if not q:
        raise InputError(FILE_KEY, f"{path}: no ATOM or HETATM records; give a PQR file")
    structure = Structure(
        path=path,
        positions_nm=np.asarray(xyz, dtype=float) * ANGSTROM_NM,
        charges_e=np.asarray(q, dtype=float),
        radii_nm=np.asarray(rad, dtype=float) * ANGSTROM_NM,
        atom_names=tuple(names),
        residue_names=tuple(resnames),
        chains=tuple(chains),
        residue_numbers=np.asarray(resseq, dtype=int),
        lines=np.asarray(lines, dtype=int),
    )
    if net_charge_e is not None and abs(structure.net_charge_e - net_charge_e) > tolerance_e:
        raise InputError(
            NET_CHARGE_KEY,
            f"{path}: the atoms' charges sum to {structure.net_charge_e:+.4f} e, not the "
            f"stated {net_charge_e:+g} e; fix the charges or the stated net charge",
        )
    return structure
