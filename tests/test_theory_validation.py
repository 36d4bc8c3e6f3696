"""Bad input raises ValueError naming the argument; the package imports without DOLFINx."""

import subprocess
import sys

import pytest

from pnp import theory as th

NA = {"Na": 1.0}


CASES = [
    (th.nernst_potential, (1, -1.0, 5.0), {}, r"^c_in must be > 0 mM, got -1\.0"),
    (th.nernst_potential, (1, 5.0, 0.0), {}, r"^c_out must be > 0 mM, got 0\.0"),
    (th.nernst_potential, (0, 5.0, 1.0), {}, r"^z must be a non-zero valence"),
    (th.nernst_potential, (1, 5.0, 1.0), {"temperature": 0.0}, r"^temperature must be > 0 K"),
    (th.nernst_potential, (1, 5.0, 1.0), {"gamma_in": -0.5}, r"^gamma_in must be > 0"),
    (th.nernst_potential, (1, float("nan"), 1.0), {}, r"^c_in must be finite"),
    (th.nernst_potential, (1, "abc", 1.0), {}, r"^c_in must be a number"),
    (th.ghk_current_density, (0, 1e-8, 1.0, 1.0, 0.0), {}, r"^z must be a non-zero valence"),
    (th.ghk_current_density, (1, -1e-8, 1.0, 1.0, 0.0), {}, r"^permeability must be >= 0 m/s"),
    (th.ghk_current_density, (1, 1e-8, -1.0, 1.0, 0.0), {}, r"^c_in must be >= 0 mM"),
    (th.ghk_current_density, (1, 1e-8, 1.0, 1.0, float("inf")), {}, r"^voltage must be finite"),
    (th.ghk_current_density, (1, 1e-8, 1.0, 1.0, 0.0), {"temperature": -3.0}, r"^temperature"),
    (th.ghk_voltage, (NA, NA, {"K": 1.0}, {"Na": 1}), {}, r"^c_out must have the same species"),
    (th.ghk_voltage, (NA, NA, NA, {"Na": 1, "K": 1}), {}, r"^charges must have the same species"),
    (th.ghk_voltage, (NA, NA, NA, {"Na": 0}), {}, r"^charges\['Na'\] must be a non-zero"),
    (th.ghk_voltage, ({"Na": 0.0}, NA, NA, {"Na": 1}), {}, r"^permeabilities must contain"),
    (th.ghk_voltage, (NA, {"Na": -2.0}, NA, {"Na": 1}), {}, r"^c_in\['Na'\] must be >= 0 mM"),
    (th.ghk_voltage, (NA, NA, {"Na": 0.0}, {"Na": 1}), {}, r"^c_in/c_out: no finite GHK"),
    (th.ghk_voltage, (NA, NA, NA, {"Na": 1}), {"method": "newton"}, r"^method must be one of"),
    (th.ghk_voltage, (NA, NA, NA, {"Na": 2}), {"method": "closed-form"}, r"^charges must all"),
    (th.ghk_voltage, ({}, {}, {}, {}), {}, r"^permeabilities must name at least one"),
    (th.debye_length, (0.0,), {}, r"^ionic_strength_mM must be > 0 mM"),
    (th.debye_length, (10.0,), {"relative_permittivity": 0.0}, r"^relative_permittivity"),
    (th.debye_length, (10.0,), {"temperature": 0.0}, r"^temperature must be > 0 K"),
    (th.ionic_strength, ([1.0, -2.0], [1, -1]), {}, r"^concentrations_mM must be >= 0"),
    (th.ionic_strength, ([1.0, 2.0], [1]), {}, r"^charges must have one entry per"),
    (th.ionic_strength, ({"a": 1.0}, {"b": 1}), {}, r"^charges must have the same species"),
    (th.activity_coefficient, (1, 100.0), {"model": "pitzer"}, r"^model must be one of"),
    (th.activity_coefficient, (1, -1.0), {}, r"^ionic_strength_mM must be >= 0 mM"),
    (th.activity_coefficient, (1, 1.0, "extended"), {"ion_size_m": 0.0}, r"^ion_size_m must be"),
    (th.grahame_surface_charge, (0.01, 0.0), {}, r"^salt_mM must be > 0 mM"),
    (th.grahame_surface_potential, (0.01, 10.0), {"relative_permittivity": -1}, r"^relative_perm"),
    (th.gouy_chapman_potential, (-1e-9, 0.01, 10.0), {}, r"^x must be >= 0 m"),
    (th.planck_potential, (0.0, 1.0, 1e-9, 1e-9), {}, r"^c_in must be > 0 mM"),
    (th.planck_potential, (1.0, 1.0, 0.0, 1e-9), {}, r"^d_cation must be > 0 m\^2/s"),
    (th.tms_potential, (1.0, 1.0, 0.0, 1e-9, -1e-9), {}, r"^d_anion must be > 0"),
    (th.tms_potential, (1.0, -1.0, 0.0, 1e-9, 1e-9), {}, r"^c_out must be > 0 mM"),
    (th.transport_free_energy, (1, 0.0, 1.0, 0.0, 0.0), {}, r"^c_from must be > 0 mM"),
    (th.ohmic_current_density, (-1.0, 0.0, 0.0), {}, r"^conductance must be >= 0"),
    (th.protons_per_atp, (57e3, 0.1), {}, r"^pmf must be < 0 V"),
    (th.protons_per_atp, (0.0, -0.1), {}, r"^atp_free_energy must be > 0"),
    (th.proton_motive_force, (float("nan"), 0.1), {}, r"^delta_pH must be finite"),
    (th.water_relative_permittivity, (400.0,), {}, r"^temperature must be within"),
]


@pytest.mark.parametrize(
    "func,args,kwargs,pattern", CASES, ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(CASES)]
)
def test_bad_input_raises_value_error_naming_argument(func, args, kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        func(*args, **kwargs)


def test_public_api_is_documented():
    for name in th.__all__:
        obj = getattr(th, name)
        if callable(obj):
            assert obj.__doc__ and obj.__doc__.strip(), name


def test_theory_imports_without_solver_stack():
    code = (
        "import sys, pnp.theory; "
        "bad = [m for m in ('dolfinx', 'petsc4py', 'mpi4py', 'scipy') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
