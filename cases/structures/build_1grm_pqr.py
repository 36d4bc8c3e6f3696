"""Build 1grm.pqr (gramicidin A, PDB 1GRM model 1) from 1grm_single.pdb with pdb2pqr.

pdb2pqr (PARSE force field, neutral termini) assigns the 15 amino acids of each chain and
adds their hydrogens. It has no definition of the blocking groups of gramicidin, the
N-terminal formyl (FOR) and the C-terminal ethanolamine (ETA), drops them and builds a
free carboxyl (OXT, HO) on Trp 15 instead. This script puts them back with PARSE-style
charges, so that each chain and the whole dimer are exactly neutral:

- Trp 15: OXT and HO removed, O set to the PARSE backbone value -0.55 (a peptide C=O
  bonded to the ethanolamine N).
- FOR (H-C=O): C +0.55, O -0.55, as the PARSE backbone carbonyl; its H carries no charge
  in PARSE and is left out.
- ETA (-NH-CH2-CH2-OH): N -0.40 with its amide H +0.40 (PARSE backbone), CA and CB
  united CH2 (0, radius 2.0 Å), O -0.49 with its hydroxyl H +0.49 (PARSE serine OG/HG).
  The two hydrogens are placed from the heavy atoms (N-H 1.01 Å on the bisector opposite
  C and CA; O-H 0.96 Å at 108.5° from O-CB, anti to CA).

Radii: PARSE (C 1.7, O 1.4, N 1.5, H 1.0, united CH2 2.0 Å). PARSE folds the hydrogens
of carbons into their carbon (charge 0, radius 0): those are left out, so every atom
written has a positive radius. Needs the `structures`
extra (pdb2pqr). Usage: python cases/structures/build_1grm_pqr.py [out.pqr]
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "1grm_single.pdb"
TARGET = HERE / "1grm.pqr"
PDB2PQR_ARGS = ["--ff=PARSE", "--neutraln", "--neutralc", "--keep-chain"]

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
HEADER = [
    "Gramicidin A, PDB 1GRM model 1 (1grm_single.pdb), as a PQR file.",
    "Charges and radii: pdb2pqr {version} " + " ".join(PDB2PQR_ARGS) + " for the amino",
    "acids; formyl (FOR) and ethanolamine (ETA) termini, which pdb2pqr does not know,",
    "added with PARSE backbone/serine charges by build_1grm_pqr.py (see its docstring).",
    "Hydrogens of carbons (PARSE: charge 0, radius 0) are left out.",
    "Net charge 0 e. Coordinates and radii in angstrom, charges in e.",
]


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def _heavy_atoms(pdb: Path, residue: str) -> dict[str, dict[str, np.ndarray]]:
    """{chain: {atom name: xyz}} of one residue name in the (first model of the) PDB."""
    atoms: dict[str, dict[str, np.ndarray]] = {}
    for line in pdb.read_text().splitlines():
        if line.startswith("ENDMDL"):
            break
        if line[:6].strip() in ("ATOM", "HETATM") and line[17:20].strip() == residue:
            xyz = np.array([float(line[30:38]), float(line[38:46]), float(line[46:54])])
            atoms.setdefault(line[21], {})[line[12:16].strip()] = xyz
    return atoms


def _pqr_atoms(pqr: Path) -> list[list]:
    """[record, name, resName, chain, resSeq, xyz, charge, radius] per atom."""
    rows = []
    for line in pqr.read_text().splitlines():
        f = line.split()
        if f and f[0] in ("ATOM", "HETATM"):
            xyz = np.array([float(v) for v in f[6:9]])
            rows.append([f[0], f[2], f[3], f[4], int(f[5]), xyz, float(f[9]), float(f[10])])
    return rows


def _ethanolamine(heavy: dict[str, np.ndarray], trp_c: np.ndarray) -> dict[str, np.ndarray]:
    n, ca, cb, o = heavy["N"], heavy["CA"], heavy["CB"], heavy["O"]
    h = n + 1.01 * _unit(-(_unit(trp_c - n) + _unit(ca - n)))
    v = _unit(cb - o)
    w = ca - cb
    w = _unit(w - (w @ v) * v)
    theta = np.deg2rad(108.5)
    ho = o + 0.96 * (np.cos(theta) * v - np.sin(theta) * w)
    return {"N": n, "H": h, "CA": ca, "CB": cb, "O": o, "HO": ho}


def build(source: Path = SOURCE, target: Path = TARGET) -> Path:
    import pdb2pqr

    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.pqr"
        subprocess.run(
            [sys.executable, "-m", "pdb2pqr", *PDB2PQR_ARGS, str(source), str(raw)],
            check=True,
            capture_output=True,
        )
        rows = _pqr_atoms(raw)
    formyl = _heavy_atoms(source, "FOR")
    ethanol = _heavy_atoms(source, "ETA")

    out: list[list] = []
    for chain in sorted({r[3] for r in rows}):
        residues = [r for r in rows if r[3] == chain]
        first, last = min(r[4] for r in residues), max(r[4] for r in residues)
        for name, (q, rad) in FORMYL.items():
            out.append(["HETATM", name, "FOR", chain, first - 1, formyl[chain][name], q, rad])
        trp_c = None
        for r in residues:
            if r[4] == last and r[1] in ("OXT", "HO"):
                continue
            if r[7] == 0.0:
                if r[6] != 0.0:
                    raise RuntimeError(f"charged atom of zero radius: {r}")
                continue
            if r[4] == last and r[1] == "O":
                r = [*r[:6], BACKBONE_O, r[7]]
            if r[4] == last and r[1] == "C":
                trp_c = r[5]
            out.append(r)
        for name, xyz in _ethanolamine(ethanol[chain], trp_c).items():
            q, rad = ETHANOLAMINE[name]
            out.append(["HETATM", name, "ETA", chain, last + 1, xyz, q, rad])

    net = sum(r[6] for r in out)
    if abs(net) > 1e-9:
        raise RuntimeError(f"net charge {net:+.6f} e, expected 0")
    version = getattr(pdb2pqr, "__version__", "")
    lines = [f"REMARK   1 {text.format(version=version)}" for text in HEADER]
    for serial, (rec, name, res, chain, seq, xyz, q, rad) in enumerate(out, start=1):
        lines.append(
            f"{rec:<6}{serial:>5} {name:<4} {res:>3} {chain} {seq:>4}    "
            f"{xyz[0]:8.3f} {xyz[1]:8.3f} {xyz[2]:8.3f} {q:7.4f} {rad:6.4f}"
        )
    lines.append("END")
    target.write_text("\n".join(lines) + "\n")
    return target


if __name__ == "__main__":
    print(build(target=Path(sys.argv[1]) if len(sys.argv) > 1 else TARGET))
