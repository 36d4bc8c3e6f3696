"""The validated, immutable case: what a TOML case file loads into.

Every field keeps the unit suffix of its TOML key (``pore_radius_nm``,
``inside_mM``, ``charge_C_per_m2``). Construct cases with `pnp.case.load_case`
or `pnp.case.case_from_dict`, which validate and fill in defaults; the solver
then reads plain attributes and never needs defaults of its own.

Sign conventions (see the physics notes): V = phi_inside - phi_outside, the
inside bath is at negative z, fixed volume charge is in M of elementary charges
(signed), surface charge in C/m^2 (signed).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pnp.constants import AVOGADRO, DEFAULT_TEMPERATURE, NM

# Names shared with pnp.geometry.domain (kept here so that the case layer imports
# without the geometry package; tests check that the two agree).
KINDS = ("slab", "channel_1d", "axisymmetric", "3d", "mesh", "structure")
REGION_NAMES = ("bath", "pore", "membrane", "filter")
ELECTROLYTE_REGIONS = ("bath", "pore", "filter")
BOUNDARY_ROLES = (
    "electrode_inside",
    "electrode_outside",
    "pore_wall",
    "membrane_face",
    "filter_wall",
    "bath_wall",
)
SURFACE_NAMES = ("pore_wall", "membrane_face", "filter_wall")
ENTRANCES = ("sharp", "rounded", "conical")
SHAPES = ("cylindrical", "conical", "double_conical", "bullet", "profile")
TIPS = ("inside", "outside")
SOLVER_PRESETS = ("direct", "iterative")
# Quadrature of the volume integrals (`solver.quadrature`): "gauss", the form compiler's
# Gauss rule at its own degree estimate; "vertex", the rule with the cell's vertices as
# points (P1 only): exp(u) is then evaluated at the nodes, each cell sees the mean of
# its vertices' concentrations, and assembly is cheaper (see `pnp.solver.problem`).
QUADRATURE_RULES = ("gauss", "vertex")
TRANSIENT_SCHEMES = ("bdf2", "backward-euler")

DEFAULT_PERMITTIVITY = {"bath": 78.5, "pore": 78.5, "membrane": 2.0}  # filter: pore's value


class FrozenMap(Mapping[str, Any]):
    """A read-only, hashable, picklable mapping (the case's tables).

    Compares equal to any mapping with the same items, so
    ``case.regions == {"bath": ..., ...}`` works.
    """

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any] | None = None) -> None:
        object.__setattr__(self, "_data", dict(data or {}))

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        return hash(frozenset(self._data.items()))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("FrozenMap is read-only")

    def __reduce__(self) -> tuple[type, tuple[dict[str, Any]]]:
        return (FrozenMap, (self._data,))

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"


@dataclass(frozen=True)
class Geometry:
    """Channel/nanopore geometry, lengths in nm.

    The pore (membrane thickness `pore_length_nm`) is centred on z = 0 between an
    inside bath (z < 0) and an outside bath (z > 0), each `bath_length_nm` long
    and `bath_radius_nm` in radius. An optional inner segment (`filter_length_nm`,
    `filter_radius_nm`, centred in the pore) models a selectivity filter or gate.

    A `shape` other than "cylindrical" replaces the cylinder (and its entrance and
    filter) by a conical, double-conical, bullet or tabulated wall; `pore_radius_nm` is
    then resolved to its narrowest radius and, for a profile, `pore_length_nm` to the
    table's z span.

    Resolved values: `filter_radius_nm` defaults to `pore_radius_nm`;
    `axisymmetric` is True for kind "axisymmetric" and as given for "mesh" (None
    when not given; a 2D mesh needs it);
    `mesh_file` is an absolute path. Fields that do not apply to a kind keep
    their defaults (slab: no radii needed; mesh: the file defines the shape).
    """

    kind: str
    pore_length_nm: float
    pore_radius_nm: float | None = None
    bath_radius_nm: float | None = None
    bath_length_nm: float = 0.0
    # the membrane (and pore) moved this far towards the outside electrode: the inside
    # bath is bath_length_nm + offset long, the outside one bath_length_nm - offset
    membrane_offset_nm: float = 0.0
    entrance: str = "sharp"
    entrance_radius_nm: float = 0.0
    filter_length_nm: float = 0.0
    filter_radius_nm: float | None = None
    mesh_file: Path | None = None
    axisymmetric: bool | None = False  # kind "mesh": None when not given
    # physical-group name in the mesh file -> region name or boundary role
    groups: FrozenMap = field(default_factory=FrozenMap)
    # the pore wall of kinds axisymmetric/3d (pnp.geometry.params.wall_outline)
    shape: str = "cylindrical"
    tip_radius_nm: float | None = None
    base_radius_nm: float | None = None
    tip: str = "inside"  # the mouth of a conical or bullet pore's tip
    bullet_exponent: float = 0.5
    profile_nm: tuple[tuple[float, float], ...] = ()  # [z, r] from the inside mouth
    mesh_size_nm: float | None = None  # None: the geometry builder's default
    wall_size_nm: float | None = None
    refine: int = 0
    # width of the tanh transitions between axial segments (channel_1d; 0: sharp)
    transition_nm: float = 0.0

    @property
    def has_filter(self) -> bool:
        """True if the geometry has a filter segment.

        For kind "mesh" the file decides: this is True only if `groups` maps a
        physical group to "filter" (a group named "filter" itself is not seen here).
        """
        if self.kind == "mesh":
            return "filter" in self.groups.values()
        return self.filter_length_nm > 0.0


@dataclass(frozen=True)
class Region:
    """Material of one region.

    `permittivity` is relative; `fixed_charge_M` is a signed volume charge in M of
    elementary charges; `diffusion_factor` multiplies every species' D in this
    region and is None for the membrane, which holds no ions.
    """

    permittivity: float
    fixed_charge_M: float = 0.0
    diffusion_factor: float | None = 1.0


@dataclass(frozen=True)
class Segment:
    """One axial segment of the pore, listed from the inside bath to the outside one.

    `radius_nm` gives the cross-section pi r^2 of the 1D channel model (None in a
    slab, which has no area); `fixed_charge_M` is the signed volume charge (a charge
    given in elementary charges per segment is converted over pi r^2 L);
    `diffusion_m2_per_s` maps every species name to its diffusion coefficient here.
    """

    name: str
    length_nm: float
    radius_nm: float | None
    permittivity: float
    fixed_charge_M: float
    diffusion_m2_per_s: FrozenMap

    @property
    def volume_nm3(self) -> float | None:
        if self.radius_nm is None:
            return None
        return math.pi * self.radius_nm**2 * self.length_nm


@dataclass(frozen=True)
class Surface:
    """A charged interface (boundary role); `charge_C_per_m2` is signed."""

    charge_C_per_m2: float = 0.0


@dataclass(frozen=True)
class Species:
    """An ion: valence, free diffusion coefficient and the two bath concentrations.

    `size_nm` is the ion size a of the steric (lattice-gas) excess chemical
    potential, -kT ln(1 - sum_j a_j^3 N_A c_j); None for a point ion.
    """

    name: str
    charge: int
    diffusion_m2_per_s: float
    inside_mM: float
    outside_mM: float
    size_nm: float | None = None

    @property
    def lattice_volume_m3_per_mol(self) -> float:
        """a^3 N_A: the volume a mole of these ions fills at close packing (0: point ion)."""
        return 0.0 if self.size_nm is None else AVOGADRO * (self.size_nm * NM) ** 3


@dataclass(frozen=True)
class Conditions:
    """Temperature and the applied voltages V = phi_inside - phi_outside, in the order given.

    `voltages_mV` is empty for a transient case that gives no steady I–V voltages.
    """

    voltages_mV: tuple[float, ...]
    temperature_K: float = DEFAULT_TEMPERATURE


@dataclass(frozen=True)
class SolverSettings:
    """Nonlinear solver, continuation and linear-algebra settings.

    `preset` is one of `SOLVER_PRESETS`: "direct" (MUMPS LU) or "iterative"
    (block-preconditioned Krylov). `petsc_options` (option name without prefix ->
    str/int/float/bool) are applied on top of the preset. Voltage continuation
    uses steps of at most `max_voltage_step_mV`, halved adaptively down to
    `min_voltage_step_mV`; fixed charge is ramped from 0 to full in (initially)
    `charge_steps` steps. `degree` is the Lagrange degree of phi and c (1 or 2);
    `quadrature` one of `QUADRATURE_RULES`.
    """

    preset: str = "direct"
    rtol: float = 1e-9
    atol: float = 1e-10
    max_iterations: int = 25
    max_voltage_step_mV: float = 25.0
    min_voltage_step_mV: float = 0.05
    charge_steps: int = 4
    degree: int = 1
    quadrature: str = "gauss"
    petsc_options: FrozenMap = field(default_factory=FrozenMap)


# File formats of the solution fields (`output.field_format`): "vtx" (ADIOS2 .bp,
# ParaView), "xdmf" (.xdmf + .h5) and "vtu" (one .vtu per voltage and a .pvd
# collection, readable by meshio, pyvista and ParaView).
FIELD_FORMATS = ("vtx", "xdmf", "vtu")
FIGURE_FORMATS = ("png", "pdf", "svg")


@dataclass(frozen=True)
class OutputSettings:
    """What to write: solution fields (in `field_format`), axial profiles, plots (in
    `figure_format`, one of `FIGURE_FORMATS`); `sections` is the number of pore
    cross-sections for the current-conservation report."""

    fields: bool = True
    field_format: str = "vtx"
    profiles: bool = True
    plots: bool = True
    sections: int = 5
    figure_format: str = "png"


PERMITTIVITY_PROFILES = ("piecewise", "smooth")


@dataclass(frozen=True)
class PermittivityProfile:
    """How eps_r varies inside the electrolyte along the pore axis.

    "piecewise": each region has its own constant value (sharp jumps at the pore
    and filter ends). "smooth": within the electrolyte the jumps become logistic
    transitions of width `transition_nm` centred on the pore and filter ends; the
    membrane keeps its value (the membrane | electrolyte interface stays sharp).
    """

    kind: str = "piecewise"
    transition_nm: float = 0.0


@dataclass(frozen=True)
class Transient:
    """A time-dependent (voltage-clamp) run instead of the steady I–V.

    The applied voltage follows `voltage_steps_mV`: pairs (time in s, voltage in
    mV), the first at t = 0, each voltage held from its time on. With
    `rise_time_s` > 0 every change is a linear ramp of that duration starting at
    the step time. The initial state is the steady state at the first voltage;
    the run ends at `end_time_s`.

    `scheme` is "bdf2" (second order, variable step) or "backward-euler". With
    `adaptive` the step starts at `initial_step_s` after every change of the
    protocol and then follows a local error estimate of the concentrations
    (relative tolerance `rtol`), between `min_step_s` and `max_step_s`; without
    it the step is `initial_step_s` throughout. A failed Newton solve halves the
    step, down to `min_step_s`. Fields are written (and a progress line printed)
    every `output_every` accepted steps.
    """

    end_time_s: float
    voltage_steps_mV: tuple[tuple[float, float], ...]
    initial_step_s: float
    min_step_s: float
    max_step_s: float
    rise_time_s: float = 0.0
    scheme: str = "bdf2"
    adaptive: bool = True
    rtol: float = 1e-3
    output_every: int = 10

    @property
    def order(self) -> int:
        """Order of the time discretisation: 2 for BDF2, 1 for backward Euler."""
        return 2 if self.scheme == "bdf2" else 1


WATER_VISCOSITY_PA_S = 0.89e-3  # water at 25 C: the default of flow.viscosity_Pa_s
FLOW_WALLS = ("pore_wall", "membrane_face", "filter_wall", "bath_wall")  # the electrodes are open


@dataclass(frozen=True)
class Flow:
    """Steady Stokes flow of the electrolyte, coupled to PNP (a [flow] table turns it on).

    `pressure_difference_Pa` is p_inside - p_outside, the hydrostatic pressure of the
    inside bath over the outside one: > 0 drives the fluid from inside to outside
    (positive flow rate, the direction of a positive current). Walls are no-slip
    unless `slip_length_nm` > 0, which lets the fluid slip on `slip_walls`
    (names from `FLOW_WALLS`).
    """

    viscosity_Pa_s: float = WATER_VISCOSITY_PA_S
    pressure_difference_Pa: float = 0.0
    # Navier slip length b on `slip_walls` (u_t = b du_t/dn); 0: no slip on every wall
    slip_length_nm: float = 0.0
    slip_walls: tuple[str, ...] = ("pore_wall",)


@dataclass(frozen=True)
class StructureInput:
    """An atomic structure as the channel (a [structure] table, with kind = "structure").

    `pqr_file` (absolute) gives each atom's position, partial charge and radius, or
    `pdb_file` with pdb2pqr's `force_field` (and `neutral_termini`) does. The
    union of the atoms' spheres is the protein, of relative permittivity
    `protein_permittivity`, with no ions inside it nor within `ion_radius_nm` of it (the
    ion-exclusion layer, which has the solvent's permittivity). The partial charges are
    the protein's fixed charge. `net_charge_e`, when given, must be the charges' sum.
    The pore axis is `axis` (a 3-vector in the file's frame) or, when None, the atoms'
    principal axis.
    """

    pqr_file: Path
    protein_permittivity: float
    ion_radius_nm: float
    net_charge_e: float | None = None
    axis: tuple[float, float, float] | None = None
    # a PDB file instead of the PQR: `pqr_file` is then the PQR pdb2pqr made from it
    # (`pnp.structure.pdb2pqr`), in a temporary folder of the process
    pdb_file: Path | None = None
    force_field: str | None = None
    neutral_termini: bool = False
    pdb2pqr: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Case:
    """A complete, validated case.

    `regions` always holds all of `REGION_NAMES` and `surfaces` all of
    `SURFACE_NAMES`, with defaults filled in. `transient` is None for the steady
    I–V run. `source_path` is the case file (or None) and does not take part in
    comparisons.
    """

    name: str
    geometry: Geometry
    regions: FrozenMap
    surfaces: FrozenMap
    species: tuple[Species, ...]
    conditions: Conditions
    solver: SolverSettings = field(default_factory=SolverSettings)
    output: OutputSettings = field(default_factory=OutputSettings)
    permittivity_profile: PermittivityProfile = field(default_factory=PermittivityProfile)
    transient: Transient | None = None
    flow: Flow | None = None  # None: no fluid flow
    segments: tuple[Segment, ...] = ()
    structure: StructureInput | None = None  # kind = "structure" only
    description: str = ""
    source_path: Path | None = field(default=None, compare=False)

    @property
    def species_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.species)

    def species_by_name(self, name: str) -> Species:
        for s in self.species:
            if s.name == name:
                return s
        raise KeyError(f"no species {name!r}; species: {', '.join(self.species_names)}")

    @property
    def has_finite_ion_size(self) -> bool:
        return any(s.size_nm is not None for s in self.species)

    @property
    def is_transient(self) -> bool:
        return self.transient is not None

    @property
    def has_fixed_charge(self) -> bool:
        """True if any region or surface carries charge (fixed-charge continuation needed)."""
        return (
            any(r.fixed_charge_M != 0.0 for r in self.regions.values())
            or any(s.charge_C_per_m2 != 0.0 for s in self.surfaces.values())
            or any(s.fixed_charge_M != 0.0 for s in self.segments)
            or self.structure is not None
        )

    def with_overrides(self, overrides: Mapping[str, Any]) -> Case:
        """A new validated case with dotted-key overrides applied, e.g.
        ``case.with_overrides({"regions.pore.fixed_charge_M": -1.0})``."""
        from pnp.case.load import apply_override, case_from_dict, case_to_dict

        data = case_to_dict(self)
        for key, value in overrides.items():
            data = apply_override(data, key, value)
        source = str(self.source_path) if self.source_path else "<dict>"
        base_dir = self.source_path.parent if self.source_path else None
        new = case_from_dict(data, base_dir=base_dir, source=source)
        return new if self.source_path is None else _with_source(new, self.source_path)


def _with_source(case: Case, path: Path) -> Case:
    from dataclasses import replace

    return replace(case, source_path=path)
