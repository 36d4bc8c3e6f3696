"""A smooth axial field E_z = -dphi/dz from samples of a P1 potential along the axis.

The derivative of a P1 potential is constant in each cell, so E_z sampled along the axis
is a staircase. Here the samples of phi (exact values of the piecewise-linear function)
give back its nodes on the axis: samples on one straight line are one cell, and two such
lines meet at the node between them. At each node E_z is the three-point
difference of the nodal values, exact for a quadratic potential (the slope of each
neighbouring cell weighted by the length of the other), and between nodes it is linear.
A linear or quadratic potential thus has its exact field back; where cells are shorter
than the sample spacing, the samples stand in for the nodes.
"""

from __future__ import annotations

import numpy as np

RELATIVE_TOLERANCE = 1e-6  # of the largest slope: samples on one cell's line


def smooth_axial_field(z: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """-dphi/dz at the sample positions `z` (increasing) of a piecewise-linear `phi`
    (units of phi per unit of z); NaN samples are left out and give NaN."""
    z, phi = np.asarray(z, dtype=float), np.asarray(phi, dtype=float)
    result = np.full(z.shape, np.nan)
    ok = np.isfinite(z) & np.isfinite(phi)
    if ok.sum() < 2:
        return result
    nz, nphi = _nodes(z[ok], phi[ok])
    result[ok] = -np.interp(z[ok], nz, _nodal_slope(nz, nphi))
    return result


def _nodes(z: np.ndarray, phi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions and values of the breakpoints of the piecewise-linear samples, from the
    left: where the slope changes at segment k, the next line starts at sample k if
    segment k+1 continues it; else one node inside segment k where the current line meets
    that of segment k+1, if it does so inside and segment k+1 is a cell's (segment k+2 on
    its line, or a one-segment cell followed by the same pattern); else (cells shorter than
    the samples) sample k stands in for a node."""
    slope = np.diff(phi) / np.diff(z)
    tol = RELATIVE_TOLERANCE * max(float(np.max(np.abs(slope))), 1e-300)
    n = slope.size

    def same(j: int) -> bool:  # segments j and j+1 on one line
        return j + 1 < n and abs(slope[j + 1] - slope[j]) <= tol

    nz, nphi = [z[0]], [phi[0]]
    line = 0  # the segment whose line is the current one
    k = 1
    while k < n:
        if abs(slope[k] - slope[line]) <= tol:
            k += 1
            continue
        if k + 1 < n and abs(slope[k + 1] - slope[k]) > tol:
            at = _meeting(z, phi, slope, line, k)
            if at is not None and (same(k + 1) or _one_cell(z, phi, slope, k + 1, same)):
                nz.append(at)
                nphi.append(phi[k] + slope[line] * (at - z[k]))
                line, k = k + 1, k + 2
                continue
        nz.append(z[k])
        nphi.append(phi[k])
        line, k = k, k + 1
    nz.append(z[-1])
    nphi.append(phi[-1])
    return np.asarray(nz), np.asarray(nphi)


def _one_cell(z, phi, slope, j: int, same) -> bool:
    """Segment j is a cell of its own: its line meets that of segment j+2, which continues
    in segment j+3, inside segment j+1."""
    return j + 3 < slope.size and same(j + 2) and _meeting(z, phi, slope, j, j + 1) is not None


def _meeting(z, phi, slope, line: int, k: int) -> float | None:
    """Where the line of segment `line` (ending at sample k) meets that of segment k+1
    (starting at sample k+1), if inside segment k."""
    a, b = slope[line], slope[k + 1]
    if a == b:
        return None
    at = (phi[k + 1] - phi[k] + a * z[k] - b * z[k + 1]) / (a - b)
    return float(at) if z[k] < at < z[k + 1] else None


def _nodal_slope(z: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """dphi/dz at the nodes: three-point differences, exact for a quadratic."""
    if z.size == 2:
        return np.full(2, (phi[1] - phi[0]) / (z[1] - z[0]))
    h = np.diff(z)
    s = np.diff(phi) / h
    out = np.empty(z.size)
    out[1:-1] = (h[1:] * s[:-1] + h[:-1] * s[1:]) / (h[1:] + h[:-1])
    out[0] = s[0] - h[0] * (s[1] - s[0]) / (h[0] + h[1])
    out[-1] = s[-1] + h[-1] * (s[-1] - s[-2]) / (h[-1] + h[-2])
    return out
