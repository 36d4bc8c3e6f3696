"""A smooth axial field E_z = -dphi/dz from samples of a P1 potential along the axis.

The derivative of a P1 potential is constant in each cell, so E_z sampled along the axis
is a staircase. Here the samples of phi (exact values of the piecewise-linear function)
give back its nodes on the axis: runs of samples on one straight line are one cell, and
two such lines meet at the node between them. At each node E_z is the three-point
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
    """Positions and values of the breakpoints of the piecewise-linear samples."""
    slope = np.diff(phi) / np.diff(z)
    scale = max(float(np.max(np.abs(slope))), 1e-300)
    same = np.abs(np.diff(slope)) <= RELATIVE_TOLERANCE * scale  # segments k, k+1 one line
    n = slope.size
    clean = np.zeros(n, dtype=bool)  # segment on a line that another segment shares
    clean[:-1] |= same
    clean[1:] |= same
    nz, nphi = [z[0]], [phi[0]]
    k = 0
    while k < n:
        if clean[k]:
            end = k
            while end + 1 < n and clean[end + 1] and same[end]:
                end += 1
            nxt = end + 1  # the first segment after this cell's line
            if nxt < n and clean[nxt]:  # the next line starts at a sample: a node there
                nz.append(z[nxt])
                nphi.append(phi[nxt])
            elif nxt + 1 < n and clean[nxt + 1]:  # one segment with a node inside
                zk = _meeting(z, phi, slope, end, nxt + 1)
                if zk is not None:
                    nz.append(zk)
                    nphi.append(phi[end + 1] + slope[end] * (zk - z[end + 1]))
                nxt += 1
            k = nxt
        else:  # cells shorter than the samples: the samples stand in for nodes
            if z[k] != nz[-1]:
                nz.append(z[k])
                nphi.append(phi[k])
            if k + 1 < n and not clean[k + 1]:
                nz.append(z[k + 1])
                nphi.append(phi[k + 1])
            k += 1
    if z[-1] != nz[-1]:
        nz.append(z[-1])
        nphi.append(phi[-1])
    order = np.argsort(nz, kind="stable")
    nz_arr, nphi_arr = np.asarray(nz)[order], np.asarray(nphi)[order]
    keep = np.concatenate([[True], np.diff(nz_arr) > 0])
    return nz_arr[keep], nphi_arr[keep]


def _meeting(z, phi, slope, left: int, right: int) -> float | None:
    """Where the line of segment `left` meets that of segment `right` (one segment
    apart), if inside the segment between them."""
    a, b = slope[left], slope[right]
    if a == b:
        return None
    za, pa = z[left + 1], phi[left + 1]
    zb, pb = z[right], phi[right]
    at = (pb - pa + a * za - b * zb) / (a - b)
    return float(at) if za < at < zb else None


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
