"""Constant-potential CI-NEB: every image keeps its own SJM electron count, also across a resume.

GPAW-free: each interior image gets an :class:`ElectrodeCalculator` around an
EMT stand-in for SJM (tests/helpers/sjm_stand_in.py).
"""

from __future__ import annotations

import pytest

from cudiss.workflows.checkpoint import Checkpoint
from cudiss.workflows.neb import NebSettings, interpolate_band, run_neb
from tests.helpers.neb_reference import relaxed_hop_endpoints
from tests.helpers.sjm_stand_in import (
    STEP_ELECTRONS,
    WORK_FUNCTION_V,
    SjmStandIn,
    stand_in_electrode,
)

N_IMAGES = 3


@pytest.fixture(scope="module")
def hop():
    return relaxed_hop_endpoints()


def band_run(hop, logs: dict[int, list[float]], checkpoint: Checkpoint, crash_at=None):
    initial, final, energies = hop
    return run_neb(
        interpolate_band(initial, final, N_IMAGES),
        lambda i: stand_in_electrode(logs.setdefault(i, []), crash_at),
        NebSettings(n_images=N_IMAGES, optimizer="fire"),
        endpoint_energies=tuple(energies),
        traj_prefix=None,
        checkpoint=checkpoint,
    )


def test_every_image_reports_its_potential_and_charge(hop, tmp_path):
    SjmStandIn.calls = 0
    logs: dict[int, list[float]] = {}
    run = band_run(hop, logs, Checkpoint(tmp_path / "band.pkl"))
    assert run.converged
    first, *interior, last = run.electrodes
    assert first is None and last is None  # frozen endpoints: their relaxations say it
    assert len(interior) == N_IMAGES
    for record in interior:
        assert record.potential_absolute_V == WORK_FUNCTION_V
        assert record.potential_V == pytest.approx(-1.0, abs=1e-12)
        # one stand-in calculation per image and band step
        assert record.excess_electrons == pytest.approx(STEP_ELECTRONS * run.force_calls / 3)


def test_a_resumed_band_gives_each_image_its_saved_electron_count(hop, tmp_path):
    checkpoint = tmp_path / "band.pkl"
    SjmStandIn.calls = 0
    logs: dict[int, list[float]] = {}
    with pytest.raises(RuntimeError, match="node lost"):
        band_run(hop, logs, Checkpoint(checkpoint), crash_at=3 * 5 + 2)
    # five band steps done (3 images each), the sixth stopped in its second image
    saved = Checkpoint(checkpoint).load()
    counts = [state["electrode"]["excess_electrons"] for state in saved["electrodes"]]
    assert counts == pytest.approx([5 * STEP_ELECTRONS] * 3)
    SjmStandIn.calls = 0
    resumed: dict[int, list[float]] = {}
    run = band_run(hop, resumed, Checkpoint(checkpoint))
    assert run.converged and run.resumed_steps > 0
    for index in range(1, N_IMAGES + 1):
        # built from the spec (0 e), then given the checkpoint's count
        assert resumed[index] == [0.0, pytest.approx(5 * STEP_ELECTRONS)]


def test_a_band_at_an_electrode_keeps_the_presets_scf_criteria(hop):
    # a live legacy SJM cannot change its SCF criteria (GPAW: AttributeError on the
    # next background-charge update), so the loosened early SCF of the fast path
    # must leave electrode calculators alone
    initial, final, energies = hop
    calcs = []

    def factory(i):
        calcs.append(stand_in_electrode([]))
        return calcs[-1]

    SjmStandIn.calls = 0
    run = run_neb(
        interpolate_band(initial, final, N_IMAGES),
        factory,
        NebSettings(n_images=N_IMAGES, optimizer="fire", scf_force_fraction=0.5),
        endpoint_energies=tuple(energies),
        traj_prefix=None,
    )
    assert run.converged
    assert len(calcs) == N_IMAGES
    for calc in calcs:
        calc.set_force_tolerance(0.2)
        assert calc.force_tolerance is None
        assert not calc.loose
        assert calc._applied == {}  # never touched: the preset's criteria throughout
