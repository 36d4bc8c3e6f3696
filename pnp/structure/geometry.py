"""Pore axis and radius profile of a channel structure (pure numpy).

The pore frame puts the atoms' centroid at the origin and the pore axis along z. The
radius profile is the HOLE-like profile along that fixed axis: at each z the radius of
the largest sphere centred on the axis that overlaps no atom's van der Waals sphere.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PoreFrame:
    """Origin and orthonormal axes (rows: e_x, e_y, e_z = pore axis) of the pore frame."""

    origin: np.ndarray  # (3,)
    axes: np.ndarray  # (3, 3)

    def to_local(self, positions: np.ndarray) -> np.ndarray:
        """Coordinates of `positions` (n, 3) in the pore frame."""
        return (np.asarray(positions, dtype=float) - self.origin) @ self.axes.T

    def to_global(self, local: np.ndarray) -> np.ndarray:
        return np.asarray(local, dtype=float) @ self.axes + self.origin


def principal_axis(positions: np.ndarray) -> np.ndarray:
    """Unit direction of largest spread of the points (largest eigenvalue of their
    covariance, i.e. smallest moment of inertia), oriented with a non-negative largest
    component so that the result does not depend on the eigensolver's sign."""
    centred = np.asarray(positions, dtype=float) - np.mean(positions, axis=0)
    values, vectors = np.linalg.eigh(centred.T @ centred)
    axis = vectors[:, np.argmax(values)]
    return axis if axis[np.argmax(np.abs(axis))] >= 0 else -axis


def pore_frame(positions: np.ndarray, axis: np.ndarray | None = None) -> PoreFrame:
    """Frame centred on the atoms' centroid with z along `axis` (the principal axis of
    the atoms if not given)."""
    positions = np.asarray(positions, dtype=float)
    ez = principal_axis(positions) if axis is None else np.asarray(axis, dtype=float)
    norm = np.linalg.norm(ez)
    if ez.shape != (3,) or not np.isfinite(norm) or norm == 0.0:
        raise ValueError(f"pore axis must be a non-zero 3-vector, got {axis!r}")
    ez = ez / norm
    helper = np.eye(3)[np.argmin(np.abs(ez))]
    ex = np.cross(helper, ez)
    ex /= np.linalg.norm(ex)
    ey = np.cross(ez, ex)
    return PoreFrame(origin=positions.mean(axis=0), axes=np.vstack([ex, ey, ez]))


def radius_profile(
    local_positions: np.ndarray,
    radii: np.ndarray,
    z: np.ndarray,
    *,
    probe_radius: float = 0.0,
) -> np.ndarray:
    """Pore radius at each `z` along the frame's axis (same length unit as the input).

    r(z) = min_a (|x_a - (0, 0, z)| - R_a) - probe_radius: with a probe (ion) radius it is
    the radius available to the probe's centre. Negative where the axis is blocked.
    """
    local_positions = np.asarray(local_positions, dtype=float)
    radii = np.asarray(radii, dtype=float)
    z = np.atleast_1d(np.asarray(z, dtype=float))
    rho2 = local_positions[:, 0] ** 2 + local_positions[:, 1] ** 2
    distance = np.sqrt(rho2[None, :] + (local_positions[None, :, 2] - z[:, None]) ** 2)
    return np.min(distance - radii[None, :], axis=1) - probe_radius
