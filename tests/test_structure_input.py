"""Bad PQR input: one-line InputErrors naming the file and the line."""

from __future__ import annotations

import numpy as np
import pytest

from pnp.errors import InputError
from pnp.structure import read_pqr

GOOD = """REMARK   1 two atoms
ATOM      1  N   ALA A   1      -1.000   2.000   3.000  0.5000 1.8240
HETATM    2  O   HOH     2       4.000   5.000   6.000 -0.2500 1.6612
END
"""


def _write(shared_tmp, text: str, name: str = "x.pqr"):
    path = shared_tmp / name
    from mpi4py import MPI

    if MPI.COMM_WORLD.rank == 0:
        path.write_text(text)
    MPI.COMM_WORLD.barrier()
    return path


def _one_line(error: InputError) -> str:
    message = str(error)
    assert "\n" not in message
    assert "Traceback" not in message
    return message


def test_reads_atoms_with_and_without_chain(shared_tmp):
    s = read_pqr(_write(shared_tmp, GOOD), net_charge_e=0.25)
    assert len(s) == 2
    np.testing.assert_allclose(s.positions_nm, [[-0.1, 0.2, 0.3], [0.4, 0.5, 0.6]])
    np.testing.assert_allclose(s.charges_e, [0.5, -0.25])
    np.testing.assert_allclose(s.radii_nm, [0.1824, 0.16612])
    assert s.chains == ("A", "")
    assert s.residue_names == ("ALA", "HOH")
    assert list(s.residue_numbers) == [1, 2]
    assert list(s.lines) == [2, 3]
    assert s.net_charge_e == pytest.approx(0.25)


def test_missing_file(shared_tmp):
    with pytest.raises(InputError) as info:
        read_pqr(shared_tmp / "absent.pqr")
    message = _one_line(info.value)
    assert info.value.key == "structure.pqr_file"
    assert "absent.pqr" in message and "no such file" in message


def test_unreadable_file(shared_tmp):
    path = shared_tmp / "binary.pqr"
    from mpi4py import MPI

    if MPI.COMM_WORLD.rank == 0:
        path.write_bytes(b"ATOM \xff\xfe\x00\x81 garbage")
    MPI.COMM_WORLD.barrier()
    with pytest.raises(InputError) as info:
        read_pqr(path)
    message = _one_line(info.value)
    assert "binary.pqr" in message and "cannot be read" in message


def test_no_atoms(shared_tmp):
    with pytest.raises(InputError) as info:
        read_pqr(_write(shared_tmp, "REMARK nothing here\nEND\n"))
    message = _one_line(info.value)
    assert "x.pqr" in message and "no ATOM or HETATM" in message


@pytest.mark.parametrize(
    "bad_line, words",
    [
        ("ATOM      3  C   ALA A   1      1.0   2.0", "10 or 11 fields"),
        ("ATOM      3  C   ALA A   1      1.0   2.0   x.0  0.1 1.7", "numbers"),
        ("ATOM      3  C   ALA A   one    1.0   2.0   3.0  0.1 1.7", "integer"),
        ("ATOM      3  C   ALA A   1      1.0   nan   3.0  0.1 1.7", "finite"),
    ],
)
def test_malformed_line(shared_tmp, bad_line, words):
    text = GOOD.replace("END\n", bad_line + "\nEND\n")
    with pytest.raises(InputError) as info:
        read_pqr(_write(shared_tmp, text))
    message = _one_line(info.value)
    assert "x.pqr:4:" in message
    assert words in message


@pytest.mark.parametrize("radius", ["0.0000", "-1.2000"])
def test_non_positive_radius(shared_tmp, radius):
    text = GOOD.replace("1.6612", radius)
    with pytest.raises(InputError) as info:
        read_pqr(_write(shared_tmp, text))
    message = _one_line(info.value)
    assert "x.pqr:3:" in message and "must be positive" in message


def test_net_charge_differs_from_stated(shared_tmp):
    path = _write(shared_tmp, GOOD)
    with pytest.raises(InputError) as info:
        read_pqr(path, net_charge_e=0.0)
    message = _one_line(info.value)
    assert info.value.key == "structure.net_charge_e"
    assert "x.pqr" in message and "+0.2500" in message
    # within the tolerance the stated value is accepted
    assert read_pqr(path, net_charge_e=0.2505).net_charge_e == pytest.approx(0.25)
