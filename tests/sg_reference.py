"""Independent 1D reference: steady Poisson–Nernst–Planck in a channel of cross-section area A(x).

numpy/scipy only, so that the finite-element results can be checked against it. The model
(x along the axis, from the inside electrode x_0 to the outside electrode x_N):

    Poisson:        -(1/A) d/dx (A eps0 eps_r dphi/dx) = F (sum_i z_i c_i + X)
    Nernst–Planck:  d/dx (A J_i) = 0,   J_i = -D_i (dc_i/dx + c_i dw_i/dx)
                    w_i = z_i phi / V_T + mu_ex / kT
    steric excess:  mu_ex / kT = -ln(1 - sum_j v_j c_j),  v_j = N_A a_j^3
                    (lattice gas, the same for every species; off without sizes)
    electrodes:     phi = V, c_i = c_i,in at x_0;  phi = 0, c_i = c_i,out at x_N

A, eps_r, the fixed charge X (M of elementary charges, signed) and D_i are constant on each
cell [x_k, x_k+1]. Finite volumes: node j owns the half cells next to it.

    Poisson at node j:  sum_k kappa eps_k A_k (psi_j - psi_other) / h_k
                        = sum_k (A_k h_k / 2) (sum_i z_i c_ij + X_k)
    flux in cell k:     A_k J_ik = (A_k D_ik / h_k) (B(dw) c_ik - B(-dw) c_i,k+1),
                        dw = w_i,k+1 - w_ik,  B(t) = t / (e^t - 1)   (Scharfetter–Gummel:
                        exact for a constant flux in a linear effective potential)
    Nernst–Planck at j: A J_i(left cell) - A J_i(right cell) = 0

with psi = phi / V_T and kappa = eps0 V_T / (F * 1 M * 1 nm^2). The unknowns at the nodes are
psi and eta_i = ln(c_i / 1 M) + mu_ex / kT, from which c_i = e^eta_i / (1 + sum_j v_j e^eta_j):
concentrations stay positive (1e-12 M to tens of M) and the packing fraction below 1 at every
Newton iterate. Newton uses the exact Jacobian by complex-step differentiation, coloured over
every third node (a node's equations involve only its neighbours), and continuation in the
fixed charge and the voltage. Species current I_i = z_i F A J_i (pA): positive for positive
charge moving from inside (x_0) to outside (x_N).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import spsolve

# CODATA 2018 exact values, SI
FARADAY = 96485.33212
GAS_CONSTANT = 8.314462618
AVOGADRO = 6.02214076e23
VACUUM_PERMITTIVITY = 8.8541878128e-12

MOLAR = 1e3  # mol/m^3 per M
NM = 1e-9
D_UNIT = 1e-9  # m^2/s, the internal unit of D
# internal flux unit (nm^2 * 1e-9 m^2/s * M / nm) in mol/s
FLUX_UNIT_MOL_PER_S = NM**2 * D_UNIT * MOLAR / NM


class SolverError(RuntimeError):
    """Newton with continuation did not converge."""


def thermal_voltage(temperature_K: float) -> float:
    return GAS_CONSTANT * temperature_K / FARADAY


def bernoulli(t: np.ndarray) -> np.ndarray:
    """t / (e^t - 1) without overflow or 0/0; analytic in t, so complex steps pass through."""
    small = np.abs(t.real) < 1e-5
    s = np.where(small, -1.0, np.where(t.real < 0, t, -t))  # Re s <= 0: e^s never overflows
    b = s / np.expm1(s)  # B(s); B(-s) = B(s) e^s
    b = np.where(t.real < 0, b, b * np.exp(s))
    return np.where(small, 1.0 - t / 2 + t * t / 12, b)


@dataclass(frozen=True)
class Result:
    voltage_mV: float
    x_nm: np.ndarray  # nodes
    phi_V: np.ndarray  # nodes
    c_mM: np.ndarray  # nodes x species
    cell_current_pA: np.ndarray  # cells x species: z_i F A_k J_ik in every cell
    newton_steps: int

    @property
    def species_current_pA(self) -> np.ndarray:
        return self.cell_current_pA.mean(axis=0)

    @property
    def current_pA(self) -> float:
        return float(self.species_current_pA.sum())

    @property
    def current_spread_pA(self) -> float:
        """Largest minus smallest total current over the cells (conservation)."""
        return float(np.ptp(self.cell_current_pA.sum(axis=1)))


class Channel:
    """The discrete problem on one grid; solve() and iv() share the last solution."""

    def __init__(
        self,
        x_nm: Sequence[float],
        area_nm2: Sequence[float],
        permittivity: Sequence[float],
        fixed_charge_M: Sequence[float],
        diffusion_m2_per_s: Sequence[Sequence[float]],
        charges: Sequence[int],
        c_in_mM: Sequence[float],
        c_out_mM: Sequence[float],
        temperature_K: float = 298.15,
        sizes_nm: Sequence[float] | None = None,
    ) -> None:
        self.x = np.asarray(x_nm, float)
        h = np.diff(self.x)
        cells = h.size
        self.z = np.asarray(charges, float)
        ns = self.z.size
        self.area_nm2 = area = np.asarray(area_nm2, float)
        self.permittivity = eps = np.asarray(permittivity, float)
        self.fixed_charge_M = np.asarray(fixed_charge_M, float)
        D = np.asarray(diffusion_m2_per_s, float).reshape(cells, ns) / D_UNIT
        c_in = np.asarray(c_in_mM, float) / MOLAR
        c_out = np.asarray(c_out_mM, float) / MOLAR
        for name, a in (
            ("area_nm2", area),
            ("permittivity", eps),
            ("fixed_charge_M", self.fixed_charge_M),
        ):
            if a.shape != (cells,):
                raise ValueError(f"{name}: need one value per cell ({cells}), got {a.shape}")
        if np.any(h <= 0) or np.any(area <= 0) or np.any(eps <= 0) or np.any(D <= 0):
            raise ValueError("x_nm must increase; area, permittivity and diffusion be positive")
        if c_in.shape != (ns,) or c_out.shape != (ns,) or np.any(c_in <= 0) or np.any(c_out <= 0):
            raise ValueError("c_in_mM, c_out_mM: one positive concentration per species")
        self.temperature_K = temperature_K
        self.VT = thermal_voltage(temperature_K)
        kappa = VACUUM_PERMITTIVITY * self.VT / (FARADAY * MOLAR * NM**2)
        self.g_psi = kappa * eps * area / h  # cells
        self.g_c = D * (area / h)[:, None]  # cells x species
        self.half = 0.5 * area * h  # cells
        self.v = np.zeros(ns)  # v_j = N_A a_j^3 (1/M): no steric term without sizes
        if sizes_nm is not None:
            a = np.asarray(sizes_nm, float)
            if a.shape != (ns,) or np.any(a < 0):
                raise ValueError("sizes_nm: one non-negative ion size per species")
            self.v = AVOGADRO * (a * NM) ** 3 * MOLAR
        for c in (c_in, c_out):
            if c @ self.v >= 1:
                raise ValueError("sizes_nm: the ions fill more than the bath volume")
        # eta_i = ln(c_i / 1 M) + mu_ex / kT
        self.eta_in = np.log(c_in) - np.log1p(-(c_in @ self.v))
        self.eta_out = np.log(c_out) - np.log1p(-(c_out @ self.v))
        self.shape = (self.x.size, ns + 1)
        self._y = None  # last converged state
        self._params = None  # (fixed-charge scale, psi_in) of that state

    def _concentrations(self, eta):
        """c_i = e^eta_i / (1 + S), S = sum_j v_j e^eta_j, so that sum_j v_j c_j = S / (1 + S) < 1,
        and mu_ex / kT = ln(1 + S)."""
        c = np.exp(eta)
        s = c @ self.v
        return c / (1.0 + s)[:, None], np.log1p(s)

    def _flux(self, psi, c, mu_ex):
        """A_k J_ik in every cell (internal units)."""
        w = self.z * psi[:, None] + mu_ex[:, None]
        dw = w[1:] - w[:-1]
        return self.g_c * (bernoulli(dw) * c[:-1] - bernoulli(-dw) * c[1:])

    def _residual(self, y: np.ndarray, scale: float, psi_in: float) -> np.ndarray:
        y = y.reshape(self.shape)
        psi = y[:, 0]
        c, mu_ex = self._concentrations(y[:, 1:])
        flux = self._flux(psi, c, mu_ex)
        e_flux = self.g_psi * (psi[1:] - psi[:-1])
        rho = c @ self.z
        X = scale * self.fixed_charge_M
        r = np.zeros(self.shape, dtype=y.dtype)
        r[:-1, 0] -= e_flux + self.half * (rho[:-1] + X)
        r[1:, 0] += e_flux - self.half * (rho[1:] + X)
        r[:-1, 1:] += flux
        r[1:, 1:] -= flux
        r[0] = y[0] - np.concatenate(([psi_in], self.eta_in))
        r[-1] = y[-1] - np.concatenate(([0.0], self.eta_out))
        return r.ravel()

    def _jacobian(self, y: np.ndarray, *params: float) -> sp.csr_matrix:
        nodes, nv = self.shape
        step = 1e-30
        rows, cols, vals = [], [], []
        for colour in range(3):
            cn = np.arange(colour, nodes, 3)
            for k in range(nv):
                yc = y.astype(complex)
                yc[cn * nv + k] += 1j * step
                d = self._residual(yc, *params).imag / step
                for off in (-1, 0, 1):
                    nb = cn + off
                    ok = (nb >= 0) & (nb < nodes)
                    r = (nb[ok, None] * nv + np.arange(nv)).ravel()
                    rows.append(r)
                    cols.append(np.repeat(cn[ok] * nv + k, nv))
                    vals.append(d[r])
        n = nodes * nv
        return sp.csr_matrix(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n)
        )

    def _newton(self, y, params, max_steps=30, tol=1e-10, max_change=4.0):
        """Converged state and Newton steps, or None."""
        with np.errstate(all="ignore"):
            for it in range(1, max_steps + 1):
                r = self._residual(y, *params)
                jac = self._jacobian(y, *params)
                if not np.all(np.isfinite(jac.data)):
                    return None
                row = 1.0 / abs(jac).max(axis=1).toarray().ravel()  # row equilibration
                dy = -spsolve(sp.diags(row) @ jac, row * r)
                if not np.all(np.isfinite(dy)):
                    return None
                size = np.abs(dy).max()
                t = min(1.0, max_change / size)
                while not np.all(np.isfinite(self._residual(y + t * dy, *params))):
                    t /= 2
                    if t < 1e-3:
                        return None
                y = y + t * dy
                if size < tol:
                    return y, it
        return None

    def _continue(self, y, start, end, min_step=1e-4):
        """Follow the parameters (fixed-charge scale, psi_in) linearly from start to end."""
        t, dt, steps = 0.0, 1.0, 0
        start, end = np.asarray(start), np.asarray(end)
        while t < 1.0:
            dt = min(dt, 1.0 - t)
            found = self._newton(y, tuple(start + (t + dt) * (end - start)))
            if found is None:
                dt /= 2
                if dt < min_step:
                    raise SolverError(f"no convergence past {t:.4g} of the continuation")
                continue
            y, n = found
            steps += n
            t += dt
            dt *= 2
        return y, steps

    def solve(self, voltage_mV: float) -> Result:
        """Steady state at voltage_mV, continued from the last solution (or from no charge, 0 V)."""
        target = (1.0, voltage_mV * 1e-3 / self.VT)
        if self._y is None:
            y = np.zeros(self.shape)
            s = (self.x - self.x[0]) / (self.x[-1] - self.x[0])
            y[:, 1:] = np.outer(1 - s, self.eta_in) + np.outer(s, self.eta_out)
            self._y, self._params = y, (0.0, 0.0)
        y, steps = self._continue(self._y.ravel(), self._params, target)
        self._y, self._params = y, target
        return self._result(voltage_mV, y, steps)

    def iv(self, voltages_mV: Sequence[float]) -> list[Result]:
        return [self.solve(v) for v in voltages_mV]

    def _result(self, voltage_mV, y, steps) -> Result:
        y = y.reshape(self.shape)
        c, mu_ex = self._concentrations(y[:, 1:])
        flux = self._flux(y[:, 0], c, mu_ex)
        current = self.z * FARADAY * FLUX_UNIT_MOL_PER_S * flux * 1e12
        return Result(voltage_mV, self.x, y[:, 0] * self.VT, c * MOLAR, current, steps)


def solve_channel(*args, voltage_mV: float, **kwargs) -> Result:
    """One steady state: Channel(*args, **kwargs).solve(voltage_mV)."""
    return Channel(*args, **kwargs).solve(voltage_mV)


@dataclass(frozen=True)
class Segment:
    """An axial piece of the channel or a bath. fixed_charge_e (total elementary charges in
    the segment) is converted to M over the volume pi r^2 L; otherwise fixed_charge_M applies."""

    length_nm: float
    radius_nm: float
    permittivity: float
    diffusion_m2_per_s: tuple[float, ...]
    fixed_charge_M: float = 0.0
    fixed_charge_e: float | None = None

    @property
    def area_nm2(self) -> float:
        return np.pi * self.radius_nm**2

    @property
    def charge_M(self) -> float:
        if self.fixed_charge_e is None:
            return self.fixed_charge_M
        volume_L = self.area_nm2 * self.length_nm * NM**3 * MOLAR
        return self.fixed_charge_e / AVOGADRO / volume_L


def graded_points(length_nm: float, h_min_nm: float, growth: float, h_max_nm: float) -> np.ndarray:
    """Nodes on [0, length]: spacing h_min at both ends, growing by `growth` up to h_max."""
    steps, d = [], 0.0
    while d < length_nm / 2:
        steps.append(min(h_min_nm * growth ** len(steps), h_max_nm))
        d += steps[-1]
    half = np.concatenate(([0.0], np.cumsum(steps))) * (length_nm / 2 / d)
    return np.concatenate((half, length_nm - half[-2::-1]))


def channel_from_segments(
    segments: Sequence[Segment],
    charges: Sequence[int],
    c_in_mM: Sequence[float],
    c_out_mM: Sequence[float],
    *,
    x0_nm: float = 0.0,
    h_min_nm: float = 0.005,
    growth: float = 1.1,
    h_max_nm: float = 0.1,
    refine: int = 1,
    temperature_K: float = 298.15,
    sizes_nm: Sequence[float] | None = None,
) -> Channel:
    """A Channel on a grid graded towards every segment end, each cell then split into
    `refine` equal parts (nested grids for convergence studies)."""
    xs, props, start = [np.array([x0_nm])], [], x0_nm
    for seg in segments:
        p = graded_points(seg.length_nm, h_min_nm, growth, h_max_nm)
        fine = np.interp(np.arange((p.size - 1) * refine + 1) / refine, np.arange(p.size), p)
        xs.append(start + fine[1:])
        props += [seg] * (fine.size - 1)
        start += seg.length_nm
    return Channel(
        np.concatenate(xs),
        [s.area_nm2 for s in props],
        [s.permittivity for s in props],
        [s.charge_M for s in props],
        [s.diffusion_m2_per_s for s in props],
        charges,
        c_in_mM,
        c_out_mM,
        temperature_K=temperature_K,
        sizes_nm=sizes_nm,
    )


def kcsa_segments(bath_nm: float = 5.0) -> list[Segment]:
    """The 1D KcsA model of Gardner, Nonner and Eisenberg (J. Comput. Electron. 2004) for K, Cl:
    baths of radius 5.5 nm, a channel of radius 0.5 nm from 0 to 3.5 nm in four segments."""
    bath = Segment(bath_nm, 5.5, 80.0, (1.5e-9, 1.5e-9))
    channel = [
        Segment(length, 0.5, eps, (d * 1e-9, d * 1e-9), fixed_charge_e=q)
        for length, eps, d, q in (
            (0.2, 80.0, 0.4, -4.0),
            (1.1, 4.0, 0.4, 0.0),
            (1.0, 30.0, 0.4, -0.5),
            (1.2, 30.0, 0.5, -1.5),
        )
    ]
    return [bath, *channel, bath]
