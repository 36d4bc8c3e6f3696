"""Build 1grm.pqr (gramicidin A, PDB 1GRM model 1) from 1grm_single.pdb with pdb2pqr.

pdb2pqr (PARSE force field, neutral termini) assigns the 15 amino acids of each chain and
adds their hydrogens. The blocking groups of gramicidin, which pdb2pqr does not know (the
N-terminal formyl FOR and the C-terminal ethanolamine ETA), are completed with PARSE
backbone and serine charges by `pnp.structure.pdb2pqr.run_pdb2pqr`, whose docstring
gives every value; each chain and the dimer are exactly neutral. Hydrogens of carbons
(PARSE: charge 0, radius 0) are left out. Needs the `structures` extra (pdb2pqr).
Usage: python cases/structures/build_1grm_pqr.py [out.pqr]
"""

from __future__ import annotations

import sys
from pathlib import Path

from pnp.structure.pdb2pqr import run_pdb2pqr

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "1grm_single.pdb"
TARGET = HERE / "1grm.pqr"
HEADER = [
    "Gramicidin A, PDB 1GRM model 1 (1grm_single.pdb), as a PQR file.",
    "Charges and radii: pdb2pqr {version} {arguments} for the amino",
    "acids; formyl (FOR) and ethanolamine (ETA) termini, which pdb2pqr does not know,",
    "added with PARSE backbone/serine charges by build_1grm_pqr.py (see its docstring).",
    "Hydrogens of carbons (PARSE: charge 0, radius 0) are left out.",
    "Net charge 0 e. Coordinates and radii in angstrom, charges in e.",
]


def build(source: Path = SOURCE, target: Path = TARGET) -> Path:
    result = run_pdb2pqr(source, force_field="PARSE", neutral_termini=True)
    if abs(result.net_charge_e) > 1e-9:
        raise RuntimeError(f"net charge {result.net_charge_e:+.6f} e, expected 0")
    fields = {"version": result.version, "arguments": " ".join(result.arguments)}
    target.write_text(result.pqr_text(tuple(text.format(**fields) for text in HEADER)))
    return target


if __name__ == "__main__":
    print(build(target=Path(sys.argv[1]) if len(sys.argv) > 1 else TARGET))
