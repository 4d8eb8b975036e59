"""Calculator specs: presets, key-by-key overrides, one field switching EMT <-> GPAW."""

from __future__ import annotations

import pytest
from ase.calculators.emt import EMT
from pydantic import ValidationError

from cudiss.structures.errors import CudissInputError
from cudiss.workflows.calculators import GPAW_PRESETS, CalculatorSpec, as_spec


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
    # GPAW inside the SCF-recovery wrapper (workflows/recovery.py).
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
    with pytest.raises(ValidationError, match="unknown GPAW preset"):
        as_spec("gpaw:huge")
