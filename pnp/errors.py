"""Typed errors raised by the geometry and solver layers."""

from __future__ import annotations


class PnpError(Exception):
    """Base class of the package's own errors."""


class ConvergenceError(PnpError):
    """A Newton solve failed even after continuation refinement.

    Attributes name what diverged and where, so a batch driver can record them.
    """

    def __init__(
        self,
        *,
        stage: str,
        target: str,
        last_converged: str,
        reason: str,
        iterations: int,
        residual_norm: float,
        hint: str,
    ) -> None:
        self.stage = stage
        self.target = target
        self.last_converged = last_converged
        self.reason = reason
        self.iterations = iterations
        self.residual_norm = residual_norm
        self.hint = hint
        super().__init__(
            f"Newton diverged during {stage} at {target} (last converged: {last_converged}); "
            f"SNES reason {reason} after {iterations} iterations, residual norm "
            f"{residual_norm:.3e}. Try: {hint}"
        )

    def as_dict(self) -> dict:
        return {
            "error": "ConvergenceError",
            "stage": self.stage,
            "target": self.target,
            "last_converged": self.last_converged,
            "reason": self.reason,
            "iterations": self.iterations,
            "residual_norm": self.residual_norm,
            "hint": self.hint,
            "message": str(self),
        }


class InputError(PnpError, ValueError):
    """Bad input found after the case was validated: a mesh file that cannot be used, a
    mesh too large to hold, sizes that contradict each other. A command ends with exit
    code 2.

    `key` is the case key to change (``"geometry.mesh_file"``), `detail` says what is
    wrong and how to fix it; ``str(error)`` is ``"key: detail"``.
    """

    def __init__(self, key: str, detail: str) -> None:
        self.key = key
        self.detail = detail
        super().__init__(f"{key}: {detail}" if key else detail)

    def __reduce__(self):
        return (type(self), (self.key, self.detail))


class SolverConfigurationError(PnpError, ValueError):
    """A combination of solver settings (preset, PETSc options) that cannot work."""
