"""A structure as a channel: its atoms in the pore frame, the lumen's radius profile, and
the checks that the channel fits its domain and stays open (pure numpy and scipy).

The domain is a cylinder of radius R_b along the pore axis, |z| < L/2 + L_b, with a
membrane slab |z| < L/2 (see `pnp.geometry.atomic`). Every problem is an `InputError`
naming the case key to change and, for an atom, the file and line.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from pnp.errors import InputError
from pnp.structure.geometry import pore_frame, radius_profile
from pnp.structure.pqr import read_pqr

PROFILE_STEP_NM = 0.01
NEAREST_ATOMS = 16  # atoms examined per point for the distance to the protein surface


@dataclasses.dataclass(frozen=True)
class Atoms:
    """The structure in its pore frame: positions (nm), radii (nm), charges (e), the file
    line and label of every atom, and the lumen's free radius r(z) on the axis."""

    path: str
    positions_nm: np.ndarray
    radii_nm: np.ndarray
    charges_e: np.ndarray
    lines: np.ndarray
    labels: tuple[str, ...]
    profile_z_nm: np.ndarray
    profile_r_nm: np.ndarray  # largest axis-centred sphere that overlaps no atom

    @property
    def half_span_nm(self) -> float:
        """Largest |z| of an atom centre."""
        return float(np.max(np.abs(self.positions_nm[:, 2])))

    def lumen_radius(self, z: np.ndarray) -> np.ndarray:
        """r(z) interpolated on the profile (infinite beyond the atoms' reach)."""
        return np.interp(z, self.profile_z_nm, self.profile_r_nm, left=np.inf, right=np.inf)

    def narrowest(self, half_length_nm: float) -> tuple[float, float]:
        """(r, z) of the narrowest free radius within |z| <= half_length."""
        z, r = self.profile_z_nm, self.profile_r_nm
        inside = np.abs(z) <= half_length_nm
        k = int(np.argmin(np.where(inside, r, np.inf)))
        return float(r[k]), float(z[k])

    def surface_distance(self, points: np.ndarray) -> np.ndarray:
        """min_a (|x - x_a| - R_a) at `points` (n, 3): < 0 inside the protein."""
        from scipy.spatial import cKDTree

        points = np.asarray(points, dtype=float).reshape(-1, 3)
        if not len(points):
            return np.zeros(0)
        k = min(NEAREST_ATOMS, len(self.radii_nm))
        distance, index = cKDTree(self.positions_nm).query(points, k=k)
        distance, index = distance.reshape(len(points), k), index.reshape(len(points), k)
        return np.min(distance - self.radii_nm[index], axis=1)


def load_atoms(
    path: str | Path, *, axis: tuple[float, float, float] | None, net_charge_e: float | None
) -> Atoms:
    """Read the PQR and put it in its pore frame."""
    structure = read_pqr(path, net_charge_e=net_charge_e)
    frame = pore_frame(structure.positions_nm, None if axis is None else np.asarray(axis))
    local = frame.to_local(structure.positions_nm)
    reach = np.max(np.abs(local[:, 2]) + structure.radii_nm)
    z = np.arange(-reach, reach + 0.5 * PROFILE_STEP_NM, PROFILE_STEP_NM)
    labels = tuple(
        f"{n} {r}{s}"
        for n, r, s in zip(
            structure.atom_names, structure.residue_names, structure.residue_numbers, strict=True
        )
    )
    return Atoms(
        path=str(structure.path),
        positions_nm=local,
        radii_nm=structure.radii_nm,
        charges_e=structure.charges_e,
        lines=structure.lines,
        labels=labels,
        profile_z_nm=z,
        profile_r_nm=radius_profile(local, structure.radii_nm, z),
    )


def check_channel(
    atoms: Atoms,
    *,
    membrane_thickness_nm: float,
    bath_radius_nm: float,
    bath_length_nm: float,
    ion_radius_nm: float,
) -> float:
    """The narrowest free radius of the lumen in the membrane, after checking that the
    membrane is no thicker than the structure, that every atom (with its exclusion
    layer) lies inside the domain and that ions of `ion_radius_nm` can pass. Without a
    membrane (thickness 0: the structure in free solution) it is the domain's radius,
    whose section then carries the reported current density."""
    half = 0.5 * membrane_thickness_nm
    if half > atoms.half_span_nm:
        raise InputError(
            "geometry.pore_length_nm",
            f"the membrane ({membrane_thickness_nm:g} nm) is thicker than the structure along "
            f"its axis ({2 * atoms.half_span_nm:.2f} nm between the outermost atoms); make it "
            "at most that thick",
        )
    reach = atoms.radii_nm + ion_radius_nm
    rho = np.hypot(atoms.positions_nm[:, 0], atoms.positions_nm[:, 1]) + reach
    z = np.abs(atoms.positions_nm[:, 2]) + reach
    for value, bound, key, what in (
        (rho, bath_radius_nm, "geometry.bath_radius_nm", "from the pore axis"),
        (z, half + bath_length_nm, "geometry.bath_length_nm", "along the axis from its centre"),
    ):
        worst = int(np.argmax(value))
        if value[worst] >= bound:
            raise InputError(
                key,
                f"{atoms.path}:{atoms.lines[worst]}: atom {atoms.labels[worst]} reaches "
                f"{value[worst]:.3f} nm {what} (its radius and the ion radius included), "
                f"outside the domain ({bound:.3f} nm); enlarge {key}",
            )
    if half == 0.0:
        return bath_radius_nm
    radius, at = atoms.narrowest(half)
    if radius - ion_radius_nm <= 0.0:
        raise InputError(
            "structure.ion_radius_nm",
            f"the pore is closed to ions of radius {ion_radius_nm:g} nm: its narrowest free "
            f"radius is {radius:.3f} nm at z = {at:.2f} nm; lower ion_radius_nm",
        )
    return radius
