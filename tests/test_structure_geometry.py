"""Pore axis and radius profile against a synthetic channel of rings of atoms, whose
on-axis radius is known in closed form."""

from __future__ import annotations

import numpy as np
import pytest

from pnp.structure import pore_frame, radius_profile
from pnp.structure.geometry import principal_axis

RING_RADIUS = 0.6  # nm, atom centres
ATOM_RADIUS = 0.15
RING_Z = np.linspace(-1.5, 1.5, 7)  # 7 rings, 0.5 nm apart
PER_RING = 12


def _ring_channel() -> np.ndarray:
    angles = 2 * np.pi * np.arange(PER_RING) / PER_RING
    return np.array(
        [
            [RING_RADIUS * np.cos(a + 0.3 * k), RING_RADIUS * np.sin(a + 0.3 * k), z]
            for k, z in enumerate(RING_Z)
            for a in angles
        ]
    )


def _exact_radius(z: np.ndarray, probe: float = 0.0) -> np.ndarray:
    """Every atom of a ring is at distance sqrt(R^2 + (z - z_k)^2) from (0, 0, z)."""
    d = np.sqrt(RING_RADIUS**2 + (z[:, None] - RING_Z[None, :]) ** 2)
    return np.min(d, axis=1) - ATOM_RADIUS - probe


def _rotation(seed: int) -> np.ndarray:
    q, r = np.linalg.qr(np.random.default_rng(seed).normal(size=(3, 3)))
    q = q * np.sign(np.diag(r))
    return q if np.linalg.det(q) > 0 else -q


def test_radius_profile_of_ring_channel_is_exact():
    atoms = _ring_channel()
    z = np.linspace(-2.5, 2.5, 201)
    radii = np.full(len(atoms), ATOM_RADIUS)
    profile = radius_profile(atoms, radii, z)
    np.testing.assert_allclose(profile, _exact_radius(z), rtol=0, atol=1e-12)
    # at a ring the constriction is R - a; midway between rings it is wider
    assert radius_profile(atoms, radii, [0.0])[0] == pytest.approx(RING_RADIUS - ATOM_RADIUS)
    with_probe = radius_profile(atoms, radii, z, probe_radius=0.1)
    np.testing.assert_allclose(with_probe, _exact_radius(z, 0.1), rtol=0, atol=1e-12)


def test_principal_axis_and_frame_of_rotated_channel():
    rotation = _rotation(7)
    shift = np.array([3.0, -2.0, 5.0])
    atoms = _ring_channel() @ rotation.T + shift
    true_axis = rotation[:, 2]

    axis = principal_axis(atoms)
    assert abs(abs(axis @ true_axis) - 1.0) < 1e-12

    frame = pore_frame(atoms)
    np.testing.assert_allclose(frame.origin, shift, atol=1e-12)
    np.testing.assert_allclose(frame.axes @ frame.axes.T, np.eye(3), atol=1e-12)
    local = frame.to_local(atoms)
    np.testing.assert_allclose(frame.to_global(local), atoms, atol=1e-12)
    np.testing.assert_allclose(np.hypot(local[:, 0], local[:, 1]), RING_RADIUS, atol=1e-12)

    z = np.linspace(-2.0, 2.0, 81)
    profile = radius_profile(local, np.full(len(atoms), ATOM_RADIUS), z)
    # the profile is symmetric about the centre, so the axis sign does not matter
    np.testing.assert_allclose(profile, _exact_radius(z), atol=1e-12)


def test_given_axis_is_used_and_off_axis_centre_changes_the_profile():
    atoms = _ring_channel()
    tilted = pore_frame(atoms, axis=np.array([0.0, 0.2, 1.0]))
    np.testing.assert_allclose(tilted.axes[2], np.array([0, 0.2, 1]) / np.hypot(0.2, 1))
    z = np.array([0.0, 1.5])
    profile = radius_profile(tilted.to_local(atoms), np.full(len(atoms), ATOM_RADIUS), z)
    # the axis passes through the centroid, then closer to the outer rings' atoms
    on_axis = tilted.origin + z[:, None] * tilted.axes[2]
    brute = np.min(np.linalg.norm(atoms[None] - on_axis[:, None], axis=2), axis=1) - ATOM_RADIUS
    np.testing.assert_allclose(profile, brute, atol=1e-12)
    assert profile[0] == pytest.approx(RING_RADIUS - ATOM_RADIUS)
    assert profile[1] < _exact_radius(z)[1] - 0.1
    with pytest.raises(ValueError, match="non-zero 3-vector"):
        pore_frame(atoms, axis=np.zeros(3))
