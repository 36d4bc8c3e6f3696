"""A structure from a PDB file: pdb2pqr's charges and radii with gramicidin's blocking
groups completed, against the shipped 1grm.pqr and against the PARSE values read straight
from the text; the [structure] pdb_file keys, their one-line errors and the provenance."""

from __future__ import annotations

import hashlib
import importlib.util
import math
import sys
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest
from mpi4py import MPI

from pnp.case import CaseError, case_from_dict, case_to_dict
from pnp.structure import read_pqr

CASES = Path(__file__).resolve().parents[1] / "cases"
PDB = CASES / "structures" / "1grm_single.pdb"
SHIPPED = CASES / "structures" / "1grm.pqr"
HAS_PDB2PQR = importlib.util.find_spec("pdb2pqr") is not None
needs_pdb2pqr = pytest.mark.skipif(
    not HAS_PDB2PQR, reason='pdb2pqr is not installed (pip install "pnp-channels[structures]")'
)

# Val-Gly-Ala, heavy atoms only (residues 1-3 of 1GRM chain A, without the formyl group)
PEPTIDE = """\
ATOM      1  N   VAL A   1      -2.330  -0.205   1.496  1.00  1.00           N
ATOM      2  CA  VAL A   1      -3.501   0.435   2.070  1.00  1.00           C
ATOM      3  C   VAL A   1      -3.595   0.079   3.555  1.00  1.00           C
ATOM      4  O   VAL A   1      -3.911  -1.055   3.906  1.00  1.00           O
ATOM      5  CB  VAL A   1      -4.752   0.042   1.281  1.00  1.00           C
ATOM      6  CG1 VAL A   1      -5.974   0.826   1.764  1.00  1.00           C
ATOM      7  CG2 VAL A   1      -4.535   0.232  -0.221  1.00  1.00           C
ATOM      8  N   GLY A   2      -3.315   1.072   4.387  1.00  1.00           N
ATOM      9  CA  GLY A   2      -3.364   0.879   5.826  1.00  1.00           C
ATOM     10  C   GLY A   2      -2.503   1.917   6.549  1.00  1.00           C
ATOM     11  O   GLY A   2      -3.009   2.947   6.992  1.00  1.00           O
ATOM     12  N   ALA A   3      -1.218   1.610   6.645  1.00  1.00           N
ATOM     13  CA  ALA A   3      -0.282   2.504   7.305  1.00  1.00           C
ATOM     14  C   ALA A   3       1.118   2.286   6.729  1.00  1.00           C
ATOM     15  O   ALA A   3       1.488   1.161   6.395  1.00  1.00           O
ATOM     16  CB  ALA A   3      -0.333   2.271   8.817  1.00  1.00           C
END
"""
# its hydrogens with charged termini (NH3+, COO-): Val 3 + HA + HB + 6 HG, Gly H + 2 HA,
# Ala H + HA + 3 HB; and the terminal OXT
PEPTIDE_ATOMS = 16 + 1 + (3 + 1 + 1 + 6) + (1 + 2) + (1 + 1 + 3)


def _rows(path: Path) -> list[list[str]]:
    """The ATOM/HETATM records of a PQR file, split on whitespace (no library code)."""
    return [
        line.split() for line in path.read_text().splitlines() if line[:6] in ("ATOM  ", "HETATM")
    ]


def _write(path: Path, text: str) -> Path:
    if MPI.COMM_WORLD.rank == 0:
        path.write_text(text)
    MPI.COMM_WORLD.barrier()
    return path


@pytest.fixture(scope="module")
def gramicidin():
    """pdb2pqr once for the module: the result on every rank and the PQR it wrote."""
    if not HAS_PDB2PQR:
        pytest.skip("pdb2pqr is not installed")
    from pnp.structure.pdb2pqr import generate_pqr, run_pdb2pqr

    result = run_pdb2pqr(PDB, force_field="PARSE", neutral_termini=True)
    generated = generate_pqr(MPI.COMM_WORLD, PDB, force_field="PARSE", neutral_termini=True)
    return result, generated


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    comm = MPI.COMM_WORLD
    path = str(tmp_path_factory.mktemp("pdb")) if comm.rank == 0 else None
    return Path(comm.bcast(path, root=0))


@pytest.fixture(scope="module")
def peptide(folder) -> Path:
    return _write(folder / "peptide.pdb", PEPTIDE)


def _case(structure: dict) -> dict:
    return {
        "name": "pdb",
        "geometry": {"kind": "structure", "pore_length_nm": 0.0, "bath_radius_nm": 2.0,
                     "bath_length_nm": 1.5, "mesh_size_nm": 0.5},
        "structure": {"protein_permittivity": 4.0, "ion_radius_nm": 0.1, **structure},
        "species": [
            {"name": "K", "charge": 1, "diffusion_m2_per_s": 2e-9, "inside_mM": 100.0,
             "outside_mM": 100.0},
            {"name": "Cl", "charge": -1, "diffusion_m2_per_s": 2e-9, "inside_mM": 100.0,
             "outside_mM": 100.0},
        ],
        "conditions": {"voltages_mV": [0.0]},
    }  # fmt: skip


# -- gramicidin A: the library against the shipped PQR and against the PARSE values ---


@needs_pdb2pqr
def test_each_chain_is_neutral(gramicidin):
    result, _ = gramicidin
    chains = sorted({a.chain for a in result.atoms})
    assert chains == ["A", "B"]
    for chain in chains:
        net = math.fsum(a.charge for a in result.atoms if a.chain == chain)
        assert abs(net) < 1e-12, (chain, net)
    assert result.caps == ("FOR A 0", "ETA A 16", "FOR B 0", "ETA B 16")


@needs_pdb2pqr
def test_generated_atoms_are_the_shipped_pqr(gramicidin):
    """Every rank reads the same generated file, whose atoms are those of 1grm.pqr."""
    _, generated = gramicidin
    digest = hashlib.sha256(generated.path.read_bytes()).hexdigest()
    assert len(set(MPI.COMM_WORLD.allgather(digest))) == 1
    made, shipped = read_pqr(generated.path), read_pqr(SHIPPED)
    assert len(made) == len(shipped) == 354
    np.testing.assert_array_equal(made.positions_nm, shipped.positions_nm)
    np.testing.assert_array_equal(made.charges_e, shipped.charges_e)
    np.testing.assert_array_equal(made.radii_nm, shipped.radii_nm)
    assert made.atom_names == shipped.atom_names
    assert made.residue_names == shipped.residue_names
    assert made.chains == shipped.chains
    assert generated.provenance["net_charge_e"] == pytest.approx(0.0, abs=1e-12)


@needs_pdb2pqr
def test_caps_carry_the_parse_backbone_and_serine_values(gramicidin):
    """Read from the generated text without the library: per chain two FOR atoms and six
    ETA atoms with the PARSE values of the docstring at the PDB's heavy-atom positions,
    the backbone of every amino acid N -0.40, H +0.40, C +0.55, O -0.55 (the last
    residue's O included: no free carboxyl is left), hydrogens 0.96-1.01 Å from their
    atom, no atom of radius 0, and each chain neutral."""
    _, generated = gramicidin
    rows = _rows(generated.path)
    pdb = {}
    for line in PDB.read_text().splitlines():
        if line.startswith("ENDMDL"):
            break
        if line[:6] in ("ATOM  ", "HETATM") and line[17:20] in ("FOR", "ETA"):
            xyz = [float(line[30:38]), float(line[38:46]), float(line[46:54])]
            pdb[(line[21], line[17:20], line[12:16].strip())] = xyz
    parse = {("FOR", "C"): 0.55, ("FOR", "O"): -0.55, ("ETA", "N"): -0.40, ("ETA", "H"): 0.40,
             ("ETA", "CA"): 0.0, ("ETA", "CB"): 0.0, ("ETA", "O"): -0.49,
             ("ETA", "HO"): 0.49}  # fmt: skip
    backbone = {"N": -0.40, "H": 0.40, "C": 0.55, "O": -0.55}
    for chain in "AB":
        mine = [r for r in rows if r[4] == chain]
        caps = {(r[3], r[2]): r for r in mine if r[3] in ("FOR", "ETA")}
        assert sorted(caps) == sorted(parse)
        for (res, name), q in parse.items():
            row = caps[(res, name)]
            assert float(row[9]) == q
            if (chain, res, name) in pdb:
                assert [float(v) for v in row[6:9]] == pdb[(chain, res, name)]
        xyz = {k: np.array([float(v) for v in r[6:9]]) for k, r in caps.items()}
        assert np.linalg.norm(xyz[("ETA", "H")] - xyz[("ETA", "N")]) == pytest.approx(
            1.01, abs=2e-3
        )
        assert np.linalg.norm(xyz[("ETA", "HO")] - xyz[("ETA", "O")]) == pytest.approx(
            0.96, abs=2e-3
        )
        a, b = xyz[("ETA", "CB")] - xyz[("ETA", "O")], xyz[("ETA", "HO")] - xyz[("ETA", "O")]
        angle = np.degrees(np.arccos(a @ b / np.linalg.norm(a) / np.linalg.norm(b)))
        assert angle == pytest.approx(108.5, abs=0.3)
        amino = [r for r in mine if r[3] not in ("FOR", "ETA")]
        assert {int(r[5]) for r in amino} == set(range(1, 16))
        assert not [r for r in amino if r[2] in ("OXT", "HO")]
        for r in amino:
            if r[2] in backbone:
                assert float(r[9]) == backbone[r[2]], r
        assert all(float(r[10]) > 0 for r in mine)
        assert abs(math.fsum(float(r[9]) for r in mine)) < 1e-12


# -- the [structure] keys ---------------------------------------------------------------


@needs_pdb2pqr
def test_gramicidin_from_its_pdb_is_the_shipped_channel(gramicidin):
    """The case with pdb_file has the lumen (narrowest radius) of the case with pqr_file."""
    data = _case({"pdb_file": str(PDB), "force_field": "PARSE", "neutral_termini": True,
                  "net_charge_e": 0.0})  # fmt: skip
    data["geometry"] |= {"pore_length_nm": 2.5, "bath_radius_nm": 2.5, "bath_length_nm": 2.0}
    data["structure"]["ion_radius_nm"] = 0.0
    from_pdb = case_from_dict(data, comm=MPI.COMM_WORLD)
    del data["structure"]["pdb_file"], data["structure"]["force_field"]
    del data["structure"]["neutral_termini"]
    data["structure"]["pqr_file"] = str(SHIPPED)
    assert from_pdb.geometry.pore_radius_nm == case_from_dict(data).geometry.pore_radius_nm
    assert from_pdb.structure.pqr_file == gramicidin[1].path


@needs_pdb2pqr
@pytest.mark.parametrize("force_field", ["AMBER", "parse"])
def test_a_peptide_goes_through_the_case_loader(peptide, folder, force_field):
    from pnp.run import keep_generated_pqr, structure_provenance

    case = case_from_dict(_case({"pdb_file": "peptide.pdb", "force_field": force_field}),
                          base_dir=peptide.parent, comm=MPI.COMM_WORLD)  # fmt: skip
    s = case.structure
    assert s.pdb_file == peptide.resolve() and s.force_field == force_field.upper()
    rows = _rows(s.pqr_file)
    # PARSE folds the hydrogens of carbons (charge and radius 0): left out
    carbon_h = 1 + 1 + 6 + 2 + 1 + 3
    assert len(rows) == PEPTIDE_ATOMS - (carbon_h if force_field == "parse" else 0)
    assert abs(math.fsum(float(r[9]) for r in rows)) < 1e-12  # NH3+ and COO-
    if force_field == "parse":
        # PARSE's NH3+ hydrogens have charge and radius 0: written with a sphere inside N's
        xyz = {r[2]: np.array([float(v) for v in r[6:9]]) for r in rows if r[5] == "1"}
        radius = {r[2]: float(r[10]) for r in rows if r[5] == "1"}
        for h in ("H", "H2", "H3"):
            assert float(next(r[9] for r in rows if r[5] == "1" and r[2] == h)) == 0.33
            assert 0.9 < radius[h] < radius["N"] - np.linalg.norm(xyz[h] - xyz["N"])
    assert case.geometry.pore_radius_nm == 2.0  # no membrane: the domain's radius
    assert case_from_dict(case_to_dict(case), base_dir=folder) == case
    record = structure_provenance(case)["structure"]
    assert record["force_field"] == force_field.upper()
    assert record["version"] == metadata.version("pdb2pqr")
    assert record["arguments"] == [f"--ff={force_field.upper()}", "--keep-chain"]
    assert record["net_charge_e"] == pytest.approx(0.0, abs=1e-12)
    out = folder / f"run_{force_field}"
    if MPI.COMM_WORLD.rank == 0:
        out.mkdir()
    MPI.COMM_WORLD.barrier()
    keep_generated_pqr(case, out, MPI.COMM_WORLD)
    assert (out / record["pqr_file"]).read_text() == s.pqr_file.read_text()


@needs_pdb2pqr
def test_pdb2pqr_runs_once_on_rank_zero(folder, monkeypatch):
    """With the communicator, rank 0 alone converts; the case is then validated again
    (a round trip, without it) from the memory of every rank."""
    from pnp.structure import pdb2pqr

    calls = []
    run = pdb2pqr.run_pdb2pqr
    monkeypatch.setattr(pdb2pqr, "run_pdb2pqr", lambda *a, **k: calls.append(1) or run(*a, **k))
    pdb = _write(folder / "once.pdb", PEPTIDE)
    case = case_from_dict(_case({"pdb_file": str(pdb), "force_field": "CHARMM"}),
                          comm=MPI.COMM_WORLD)  # fmt: skip
    assert case_from_dict(case_to_dict(case)) == case
    assert MPI.COMM_WORLD.allgather(len(calls)) == [1] + [0] * (MPI.COMM_WORLD.size - 1)


@needs_pdb2pqr
@pytest.mark.parametrize(
    "structure, key, words",
    [
        ({"pdb_file": "absent.pdb", "force_field": "PARSE"}, "structure.pdb_file",
         "file not found"),
        ({"pdb_file": "peptide.pdb", "pqr_file": str(SHIPPED), "force_field": "PARSE"},
         "structure.pqr_file", "exactly one of pqr_file and pdb_file"),
        ({}, "structure.pqr_file", "exactly one of pqr_file and pdb_file"),
        ({"pdb_file": "peptide.pdb", "force_field": "GROMOS"}, "structure.force_field",
         "AMBER, CHARMM, PARSE"),
        ({"pdb_file": "peptide.pdb"}, "structure.force_field", "missing required key"),
        ({"pdb_file": "empty.pdb", "force_field": "PARSE"}, "structure.pdb_file",
         "empty.pdb: no ATOM or HETATM records"),
        ({"pdb_file": "unknown.pdb", "force_field": "PARSE"}, "structure.pdb_file",
         "unknown.pdb: pdb2pqr failed (No biomolecule heavy atoms found"),
        ({"pdb_file": "peptide.pdb", "force_field": "AMBER", "neutral_termini": True},
         "structure.neutral_termini", "PARSE only"),
        ({"pdb_file": str(PDB), "force_field": "AMBER"}, "structure.force_field",
         "1grm_single.pdb: its blocking groups (FOR, ETA)"),
        ({"pdb_file": "peptide.pdb", "force_field": "PARSE", "net_charge_e": 1.0},
         "structure.net_charge_e", "not the stated +1 e; fix the charges"),
        ({"pqr_file": "one.pqr", "force_field": "PARSE"}, "structure.force_field",
         "pdb_file only"),
    ],
)  # fmt: skip
def test_bad_pdb_input_is_one_line_naming_the_key(peptide, folder, structure, key, words):
    _write(folder / "empty.pdb", "REMARK   1 no atoms\nEND\n")
    _write(folder / "unknown.pdb", PEPTIDE.replace("ALA", "XYZ").replace("GLY", "XYZ")
           .replace("VAL", "XYZ"))  # fmt: skip
    _write(folder / "one.pqr", "ATOM      1  C   ONE A   1  0.0 0.0 0.0  0.0 1.5\nEND\n")
    with pytest.raises(CaseError) as info:
        case_from_dict(_case(structure), base_dir=folder, comm=MPI.COMM_WORLD)
    error = info.value
    assert len(error.problems) == 1, error.problems
    message = str(error)
    assert "\n" not in message and "Traceback" not in message
    assert error.key == key and words in message, message
    if key == "structure.net_charge_e":
        assert "made from" in message and "peptide.pdb" in message, message


def test_without_pdb2pqr_the_error_names_the_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "pdb2pqr", None)  # import pdb2pqr raises ImportError
    pdb = tmp_path / "peptide.pdb"
    pdb.write_text(PEPTIDE)
    with pytest.raises(CaseError) as info:
        case_from_dict(_case({"pdb_file": str(pdb), "force_field": "PARSE"}))
    message = str(info.value)
    assert "\n" not in message, message
    assert info.value.key == "structure.pdb_file"
    assert 'pip install "pnp-channels[structures]"' in message
