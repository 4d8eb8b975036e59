"""Calculator specs: presets, key-by-key overrides, one field switching EMT <-> GPAW."""

from __future__ import annotations

import numpy as np
import pytest
from ase.calculators.emt import EMT

from cudiss.structures.errors import CudissInputError
from cudiss.workflows.calculators import GPAW_PRESETS, CalculatorSpec, as_spec
from cudiss.workflows.errors import SettingsError


def test_test_preset_is_pw250_as_calibrated():
    params = CalculatorSpec(code="gpaw", preset="test").parameters()
    assert params["mode"] == {"name": "pw", "ecut": 250}
    assert params["kpts"] == {"size": [2, 2, 1]}
    assert params["occupations"]["name"] == "fermi-dirac"


def test_production_preset_meets_the_stated_minimums():
    params = CalculatorSpec(code="gpaw", preset="production").parameters()
    assert params["mode"]["ecut"] >= 400
    assert params["poissonsolver"] == {"dipolelayer": "xy"}
    assert "density" in params["kpts"]


def test_overrides_replace_one_key_and_merge_nested_dicts():
    spec = CalculatorSpec(
        code="gpaw", preset="production", overrides={"xc": "RPBE", "mode": {"ecut": 500}}
    )
    params = spec.parameters()
    assert params["xc"] == "RPBE"
    assert params["mode"] == {"name": "pw", "ecut": 500}
    # The preset itself is untouched.
    assert GPAW_PRESETS["production"]["mode"]["ecut"] == 450


def test_emt_builds_emt_and_labels():
    assert isinstance(CalculatorSpec().build(), EMT)
    assert CalculatorSpec().label() == "emt"
    assert CalculatorSpec(code="gpaw", preset="production").label() == "gpaw-production"


def test_gpaw_builds_a_real_gpaw_calculator(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    calc = CalculatorSpec(code="gpaw").build(txt=None)
    # GPAW inside the SCF-recovery wrapper (workflows/calculators/recovery.py).
    assert type(calc.inner).__module__.startswith("gpaw")
    assert calc.recoveries == []


@pytest.mark.parametrize(
    ("text", "code", "preset"),
    [("emt", "emt", "test"), ("gpaw", "gpaw", "test"), ("gpaw:production", "gpaw", "production")],
)
def test_as_spec_shorthand(text, code, preset):
    spec = as_spec(text)
    assert (spec.code, spec.preset) == (code, preset)


def test_bad_calculator_names():
    with pytest.raises(CudissInputError, match="unknown calculator 'vasp'"):
        as_spec("vasp")
    with pytest.raises(SettingsError, match="unknown GPAW preset 'huge' in 'gpaw:huge'"):
        as_spec("gpaw:huge")
    with pytest.raises(SettingsError, match="EMT has no presets"):
        as_spec("emt:fast")
    with pytest.raises(SettingsError, match=r"^CalculatorSpec: preset: unknown GPAW preset"):
        CalculatorSpec(code="gpaw", preset="huge")
    with pytest.raises(SettingsError, match=r"^CalculatorSpec: code: Input should be 'emt'"):
        CalculatorSpec(code="vasp")


@pytest.mark.parametrize(
    "spelling",
    [
        {},
        {"code": "emt"},
        {"code": "EMT"},
        {"code": " emt ", "preset": "production"},
        {"code": "emt", "preset": "TEST"},
        "emt",
        "EMT:production",
    ],
)
def test_emt_is_one_calculator_however_spelled(spelling):
    # EMT has no presets: a preset name is dropped, so the spec (and every config id
    # hashed from it) is the default one, as stores written before keep it.
    spec = as_spec(spelling) if isinstance(spelling, str) else CalculatorSpec(**spelling)
    assert spec == CalculatorSpec()
    assert spec.model_dump(mode="json") == {"code": "emt", "preset": "test", "overrides": {}}


def test_gpaw_code_and_preset_are_case_insensitive():
    assert as_spec("GPAW:Production") == CalculatorSpec(code="gpaw", preset="production")
    assert CalculatorSpec(code="Gpaw", preset=" TEST ") == CalculatorSpec(code="gpaw")


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"mode": {"name": "nonsense"}}, "mode.name must be one of fd, lcao, pw, got 'nonsense'"),
        ({"mode": {"name": "lcao"}}, "mode.ecut: GPAW's lcao mode takes no 'ecut'"),
        ({"mode": {"ecut": 30}}, "mode.ecut must be between 100 and 2000 eV"),
        ({"xcc": "PBE"}, "xcc: not a GPAW parameter"),
        ({"txt": "log.txt"}, "txt: set by cudiss"),
        ({"kpts": [2, 2]}, "kpts must be three integers >= 1"),
        ({"kpts": {"size": [2, 0, 1]}}, "kpts must be three integers >= 1"),
        ({"kpts": {"densty": 4.0}}, "kpts.densty: unknown k-point key"),
        ({"occupations": {"name": "gauss"}}, "occupations.name must be one of"),
        ({"occupations": {"width": -0.1}}, "occupations.width (eV) must be a finite number"),
        ({"convergence": {"energie": 1e-4}}, "convergence.energie: unknown SCF criterion"),
        ({"convergence": {"density": -1}}, "convergence.density must be a finite number > 0"),
        ({"symmetry": "maybe"}, "symmetry must be 'on', 'off' or a dict"),
        ({"maxiter": 0}, "maxiter must be an integer >= 1"),
        ({"mixer": {"beta": 2.0}}, "mixer.beta must be a finite number in (0, 1]"),
        ({"xc": ""}, "xc must be a functional name"),
        ({"spinpol": "yes"}, "spinpol must be true or false"),
    ],
)
def test_gpaw_overrides_gpaw_would_reject_are_refused_before_running(overrides, fragment):
    spec = CalculatorSpec(code="gpaw", overrides=overrides)  # plain data until checked
    with pytest.raises(SettingsError) as info:
        spec.check()
    assert str(info.value).startswith("overrides: ")
    assert fragment in str(info.value) and "\n" not in str(info.value)
    with pytest.raises(SettingsError, match=r"^calculator: overrides: "):
        as_spec({"code": "gpaw", "overrides": overrides})


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"xc": "RPBE", "mode": {"ecut": 500}},
        {"mode": "lcao", "basis": "dzp"},
        {"mode": "fd", "h": 0.2},
        {"kpts": {"density": 3.5, "gamma": True}},
        {"kpts": [4, 4, 1]},
        {"occupations": {"name": "marzari-vanderbilt", "width": 0.2}},
        {"convergence": {"energy": 1e-5, "bands": "occupied", "maximum iterations": 400}},
        {"symmetry": "off"},
        {"mixer": {"beta": 0.05, "nmaxold": 5, "weight": 50.0}, "maxiter": 500},
        {"poissonsolver": {"dipolelayer": "xy"}, "spinpol": False, "charge": -1},
    ],
)
def test_gpaw_overrides_gpaw_takes_pass(overrides):
    for preset in GPAW_PRESETS:
        if preset == "sjm-test" and "ecut" in overrides.get("mode", {}):
            continue  # a real-space grid has no cutoff: refused, as the next test shows
        CalculatorSpec(code="gpaw", preset=preset, overrides=overrides).check()


def test_a_cutoff_merged_into_the_real_space_sjm_preset_is_refused():
    with pytest.raises(SettingsError, match="fd mode takes no 'ecut'"):
        CalculatorSpec(code="gpaw", preset="sjm-test", overrides={"mode": {"ecut": 500}}).check()


def test_emt_overrides_are_emt_parameters():
    CalculatorSpec(overrides={"asap_cutoff": True}).check()
    with pytest.raises(SettingsError, match="xc: EMT has no such parameter"):
        CalculatorSpec(overrides={"xc": "PBE"}).check()


def test_the_parameter_names_are_those_of_the_installed_gpaw():
    import inspect

    gpaw_dft = pytest.importorskip("gpaw.dft")
    from cudiss.workflows.calculators.parameters import GPAW_MODES, GPAW_PARAMETERS

    assert set(gpaw_dft.PARAMETER_NAMES) == GPAW_PARAMETERS
    for name, cls in (("pw", gpaw_dft.PW), ("lcao", gpaw_dft.LCAO), ("fd", gpaw_dft.FD)):
        takes = {
            p.name
            for p in inspect.signature(cls.__init__).parameters.values()
            if p.name != "self" and p.kind is not p.VAR_KEYWORD
        } - {"interpolation"}  # accepted only at its default (LegacyGPAWError otherwise)
        assert takes == GPAW_MODES[name], name
    mp = inspect.signature(gpaw_dft.MonkhorstPack.__init__).parameters
    from cudiss.workflows.calculators.parameters import KPOINT_KEYS

    assert set(mp) - {"self"} == KPOINT_KEYS


# --------------------------------------------------------------------------- adaptive SCF


def test_scf_convergence_for_loosens_density_and_eigenstates_only():
    from cudiss.workflows.calculators import (
        FORCE_ERROR_PER_DENSITY_ERROR,
        GPAW_DEFAULT_CONVERGENCE,
        LOOSEST_DENSITY,
        scf_convergence_for,
    )

    base = GPAW_PRESETS["test"]["convergence"]
    # None: the preset's criteria, GPAW's defaults filling the gaps.
    assert scf_convergence_for(base, None) == {**GPAW_DEFAULT_CONVERGENCE, **base}
    loose = scf_convergence_for(base, 0.1)
    assert loose["density"] == pytest.approx(0.1 / FORCE_ERROR_PER_DENSITY_ERROR)
    factor = loose["density"] / base["density"]
    assert loose["eigenstates"] == pytest.approx(4e-8 * factor**2)
    assert loose["energy"] == base["energy"]
    # Never looser than LOOSEST_DENSITY, never tighter than the preset.
    assert scf_convergence_for(base, float("inf"))["density"] == LOOSEST_DENSITY
    assert scf_convergence_for(base, 1e-6) == scf_convergence_for(base, None)
    assert scf_convergence_for({"density": 1e-3}, 0.01)["density"] == 1e-3


def test_gpaw_spec_builds_an_adaptive_calculator_with_the_preset_criteria():
    from cudiss.workflows.calculators import AdaptiveScfCalculator

    calc = CalculatorSpec(code="gpaw", preset="production").build(txt=None)
    assert isinstance(calc, AdaptiveScfCalculator)
    assert calc.base_convergence == GPAW_PRESETS["production"]["convergence"]
    assert calc.force_tolerance is None and not calc.loose
    # EMT has no SCF: plain EMT, nothing to adapt.
    assert not hasattr(CalculatorSpec().build(), "set_force_tolerance")


# A tiny, fast GPAW system: primitive fcc Cu, PW(200), 4x4x4 k-points, one atom moved
# off its site so that forces are not zero by symmetry.
TINY = {"mode": {"name": "pw", "ecut": 200}, "kpts": {"size": [4, 4, 4]}}


def _cu2():
    from ase.build import bulk

    atoms = bulk("Cu", "fcc", a=3.63, cubic=False).repeat((2, 1, 1))
    atoms.positions[1] += [0.05, -0.03, 0.02]
    return atoms


@pytest.mark.gpaw
def test_loose_scf_then_preset_criteria_in_place(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    spec = CalculatorSpec(code="gpaw", overrides=TINY)
    reference = _cu2()
    reference.calc = spec.build(txt=None)
    f_ref = reference.get_forces()
    e_ref = reference.get_potential_energy()
    n_ref = reference.calc.get_number_of_iterations()
    # A calculator never given a tolerance is never touched: plain GPAW.
    criteria = reference.calc.inner.dft.scf_loop.convergence
    reference.positions[0] += [0.01, 0.0, 0.0]
    reference.get_forces()
    assert reference.calc.inner.dft.scf_loop.convergence is criteria
    reference.positions[0] -= [0.01, 0.0, 0.0]
    f_ref = reference.get_forces()
    e_ref = reference.get_potential_energy()

    atoms = _cu2()
    atoms.calc = calc = spec.build(txt=None)
    calc.set_force_tolerance(0.2)
    atoms.get_forces()
    n_loose = calc.get_number_of_iterations()
    assert calc.loose
    live = calc.inner.dft.scf_loop
    assert live.convergence["density"].tol == pytest.approx(1e-3)
    assert n_loose < n_ref

    # Back to the preset: results already there stay (no recomputation) ...
    calc.set_force_tolerance(None)
    assert calc.loose
    assert calc.calculation_required(atoms, ["forces"]) is False
    # ... until the loose ones are discarded: the same geometry is then
    # re-converged from the loose wave functions, eigensolver target included.
    assert calc.discard_loose_results()
    assert not calc.loose
    forces = atoms.get_forces()
    assert not calc.loose
    assert live.convergence["density"].tol == pytest.approx(1e-4)
    assert live.eigensolver.residual_target == pytest.approx(4e-8)
    assert calc.get_number_of_iterations() < n_ref
    assert np.abs(forces - f_ref).max() < 0.01
    assert atoms.get_potential_energy() == pytest.approx(e_ref, abs=2e-3)

    assert not calc.discard_loose_results()  # nothing loose left
    # Without any call the criteria are the preset's, as before.
    atoms.positions[0] += [0.01, 0.0, 0.0]
    atoms.get_forces()
    assert not calc.loose


@pytest.mark.gpaw
def test_set_scf_convergence_on_a_live_new_gpaw(tmp_path, monkeypatch):
    from cudiss.workflows.calculators import make_calculator, set_scf_convergence

    monkeypatch.chdir(tmp_path)
    params = CalculatorSpec(code="gpaw", overrides=TINY).parameters()
    calc = make_calculator("gpaw", params, txt=None)
    assert calc.old is False  # GPAW(...) gives new GPAW for the presets
    atoms = _cu2()
    atoms.calc = calc
    atoms.get_potential_energy()
    wave_functions = calc.dft.ibzwfs
    set_scf_convergence(calc, {"energy": 5e-4, "density": 5e-4, "eigenstates": 1e-6})
    assert calc.dft.ibzwfs is wave_functions  # nothing rebuilt
    assert calc.params.convergence["density"] == 5e-4
    assert calc.dft.scf_loop.convergence["eigenstates"].tol == 1e-6
    assert calc.dft.scf_loop.eigensolver.residual_target == 1e-6


# ------------------------------------------------------------ MLIPs for screening
@pytest.mark.parametrize(
    ("spelling", "code"),
    [
        ("sevennet", "sevennet"),
        (" SevenNet ", "sevennet"),
        ("chgnet", "chgnet"),
        ({"code": "CHGNet"}, "chgnet"),
        ({"code": "sevennet", "preset": "production"}, "sevennet"),  # a GPAW preset: dropped
        ({"code": "sevennet", "overrides": {}}, "sevennet"),
    ],
)
def test_an_mlip_is_one_calculator_however_spelled(spelling, code):
    spec = as_spec(spelling)
    assert spec == CalculatorSpec(code=code)
    assert spec.model_dump(mode="json") == {"code": code, "preset": "test", "overrides": {}}
    assert spec.label() == code and spec.is_mlip
    # No presets, no parameters, nothing that depends on the kind of system.
    assert [spec.parameters_for(kind) for kind in ("slab", "bulk", "molecule")] == [{}, {}, {}]


def test_the_mlip_codes_are_the_mlips_and_the_documents_take_them():
    from typing import get_args

    from cudiss.analysis.documents import CalculatorInfo
    from cudiss.analysis.methods import MLIP_CODES
    from cudiss.workflows.calculators import MLIP_NAMES, CalculatorCode

    assert set(MLIP_CODES) == set(MLIP_NAMES)
    assert set(get_args(CalculatorCode)) == {"emt", "gpaw", *MLIP_NAMES}
    for code in MLIP_NAMES:
        assert CalculatorInfo(code=code).code == code
    assert not CalculatorSpec().is_mlip and not CalculatorSpec(code="gpaw").is_mlip


@pytest.mark.parametrize(
    ("value", "error", "fragment"),
    [
        ("sevennet:foo", SettingsError, "sevennet has no presets (got 'sevennet:foo')"),
        ("chgnet:test", SettingsError, "chgnet has no presets (got 'chgnet:test')"),
        ("sevennet:", SettingsError, "sevennet has no presets"),
        ("mace", CudissInputError, "unknown calculator 'mace'; choose 'emt', 'gpaw', "),
        ({"code": "sevennet", "preset": "foo"}, SettingsError, "has no presets (got 'foo')"),
        (
            {"code": "sevennet", "overrides": {"model": "7net-l3i5"}},
            SettingsError,
            "calculator: overrides: model: sevennet takes no parameters",
        ),
        (
            {"code": "chgnet", "overrides": {"xc": "PBE"}},
            SettingsError,
            "calculator: overrides: xc: chgnet takes no parameters",
        ),
    ],
)
def test_bad_mlip_specs_are_one_line(value, error, fragment):
    with pytest.raises(error) as info:
        as_spec(value)
    assert fragment in str(info.value) and "\n" not in str(info.value)


def test_the_unknown_calculator_error_names_the_mlips():
    with pytest.raises(CudissInputError) as info:
        as_spec("vasp")
    assert "'sevennet', 'chgnet'" in str(info.value)


def test_an_mlip_spec_builds_a_new_calculator_on_the_shared_model():
    from sevenn.calculator import SevenNetCalculator

    from cudiss.workflows.calculators import make_calculator

    spec = as_spec("sevennet")
    first, bulk, molecule = (spec.build(kind=k) for k in ("slab", "bulk", "molecule"))
    assert all(isinstance(c, SevenNetCalculator) for c in (first, bulk, molecule))
    assert first is not bulk and first.model is bulk.model is molecule.model
    # What the bulk step calls directly (workflows/thermo_makers.py).
    assert isinstance(make_calculator("sevennet", {}, txt="gpaw-bulk.txt"), SevenNetCalculator)
    with pytest.raises(CudissInputError, match=r"^sevennet takes no parameters, got communicator$"):
        make_calculator("sevennet", {}, communicator=object())


def test_results_record_the_mlip_package_versions():
    from cudiss.workflows.calculators import software_versions

    versions = software_versions()
    assert {"torch", "sevenn", "chgnet", "ase"} <= set(versions)
