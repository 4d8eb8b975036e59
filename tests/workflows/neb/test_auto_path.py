"""``surrogate: auto``: the NEB path measured cheapest for what moves along the band."""

from __future__ import annotations

import json

import pytest
from ase.build import add_adsorbate, fcc100
from ase.calculators.emt import EMT
from monty.json import MontyDecoder, MontyEncoder

from cudiss.workflows.calculators import CalculatorSpec
from cudiss.workflows.neb import NebSettings, interpolate_band, run_neb
from cudiss.workflows.neb.band import moving_system
from cudiss.workflows.neb_maker import CuNebMaker
from tests.helpers.neb_reference import relaxed_hop_endpoints

A = 3.59


def hop_with(adsorbate: str | None):
    """Cu(100) with an adatom (and ``adsorbate`` on it) and the adatom one hollow over."""
    slab = fcc100("Cu", (3, 3, 2), a=A, vacuum=6.0)
    add_adsorbate(slab, "Cu", 1.8, "hollow")
    if adsorbate:
        add_adsorbate(slab, adsorbate, 3.6, "hollow")
    final = slab.copy()
    moved = [len(slab) - 1] if not adsorbate else [len(slab) - 2, len(slab) - 1]
    final.positions[moved, 0] += A / 2**0.5
    return slab, final


@pytest.mark.parametrize(
    ("adsorbate", "system"), [(None, "bare"), ("O", "adsorbate-bound"), ("H", "hydrogen-bearing")]
)
def test_the_moving_system_is_read_from_the_endpoints(adsorbate, system):
    assert moving_system(*hop_with(adsorbate)) == system


def test_an_adsorbate_that_stays_put_does_not_make_the_band_adsorbate_bound():
    initial, final = hop_with("O")
    final.positions[-1] = initial.positions[-1]  # O stays, only the Cu hops
    assert moving_system(initial, final) == "bare"


def test_auto_takes_the_measured_path_for_each_system():
    auto = NebSettings(surrogate="auto")
    bare = auto.resolved_for("bare")
    assert (bare.surrogate, bare.optimizer, bare.surrogate_precon) == ("emt", "ode", True)
    assert bare.scf_force_fraction == 0.5
    bound = auto.resolved_for("adsorbate-bound")
    assert (bound.surrogate, bound.optimizer, bound.surrogate_precon) == ("sevennet", "bfgs", True)
    assert bound.surrogate_precon_floor == 3.0
    # OH on GPAW: no surrogate path beat plain BFGS (bench/RESULTS.md)
    hydrogen = auto.resolved_for("hydrogen-bearing")
    assert (hydrogen.surrogate, hydrogen.optimizer) == ("none", "bfgs")
    assert hydrogen.surrogate_precon is False


def test_a_cheap_target_does_not_load_an_mlip():
    auto = NebSettings(surrogate="auto")
    assert auto.resolved_for("bare", "emt").surrogate == "emt"  # EMT is its own surrogate
    for system in ("adsorbate-bound", "hydrogen-bearing"):
        for target in ("emt", "mlip"):
            cheap = auto.resolved_for(system, target)
            assert (cheap.surrogate, cheap.optimizer) == ("none", "ode")


def test_the_neb_maker_resolves_auto_for_its_calculator():
    initial, final = hop_with("O")
    for code, surrogate in (("emt", "none"), ("gpaw", "sevennet"), ("sevennet", "none")):
        maker = CuNebMaker(
            calculator_spec=CalculatorSpec(code=code), settings=NebSettings(surrogate="auto")
        )
        assert maker.resolved_settings([initial, final]).surrogate == surrogate


def test_fields_the_user_set_win_over_the_auto_path():
    settings = NebSettings(surrogate="auto", optimizer="fire", fmax=0.03, n_images=5)
    bare = settings.resolved_for("bare")
    assert (bare.surrogate, bare.optimizer, bare.fmax, bare.n_images) == ("emt", "fire", 0.03, 5)


@pytest.mark.parametrize(
    "user", [{}, {"optimizer": "fire"}, {"surrogate_precon": False, "fmax": 0.1}]
)
def test_auto_takes_the_same_path_after_a_trip_through_json(user):
    # jobflow-remote sends each Job's maker through JSON; a full dump read back
    # made every field look set, and the queue's bare band ran without the
    # preconditioner the in-process one had (1.5 meV apart)
    maker = CuNebMaker(settings=NebSettings(surrogate="auto", n_images=1, **user))
    back = json.loads(json.dumps(maker, cls=MontyEncoder), cls=MontyDecoder)
    assert isinstance(back.settings, NebSettings)
    for system in ("bare", "adsorbate-bound", "hydrogen-bearing"):
        for target in ("dft", "emt", "mlip"):
            expected = maker.settings.resolved_for(system, target)
            assert back.settings.resolved_for(system, target) == expected
    bare = back.settings.resolved_for("bare")
    assert bare.surrogate_precon is user.get("surrogate_precon", True)
    assert bare.optimizer == user.get("optimizer", "ode")


def test_named_surrogate_settings_dump_every_field():
    settings = NebSettings(surrogate="emt", fmax=0.1)
    assert set(settings.model_dump()) == set(NebSettings.model_fields)


def test_a_named_surrogate_is_not_changed():
    settings = NebSettings(surrogate="emt", optimizer="bfgs")
    assert settings.resolved_for("adsorbate-bound") is settings


def test_run_neb_resolves_auto_from_the_band():
    initial, final, energies = relaxed_hop_endpoints()
    run = run_neb(
        interpolate_band(initial, final, 3),
        lambda i: EMT(),
        NebSettings(surrogate="auto"),
        endpoint_energies=tuple(energies),
        traj_prefix=None,
    )
    assert run.converged
    assert run.surrogate_force_calls > 0  # the bare hop took the EMT surrogate path
    assert run.optimizers[0] == "ode-precon"
