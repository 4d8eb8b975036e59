"""The CI-NEB engine against plain ASE runs on the same endpoints (EMT)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from ase.calculators.emt import EMT

from cudiss.structures.errors import CudissInputError
from cudiss.workflows.neb import NebSettings, interpolate_band, run_neb
from tests.helpers.neb_reference import plain_ase_barrier, relaxed_hop_endpoints


@pytest.fixture(scope="module")
def hop():
    return relaxed_hop_endpoints()


@pytest.mark.parametrize("optimizer", ["ode", "bfgs", "fire"])
def test_barrier_matches_plain_ase(hop, optimizer):
    initial, final, energies = hop
    reference, _ = plain_ase_barrier(initial, final)
    band = interpolate_band(initial, final, 3)
    run = run_neb(
        band,
        lambda i: EMT(),
        NebSettings(optimizer=optimizer),
        endpoint_energies=tuple(energies),
        traj_prefix=None,
    )
    assert run.converged
    assert run.forward_barrier == pytest.approx(reference, abs=0.02)
    # Symmetric hop: reaction energy ~ 0, both barriers equal.
    assert abs(run.reaction_energy) < 0.01
    assert run.reverse_barrier == pytest.approx(run.forward_barrier, abs=0.02)
    # Every interior image converged to fmax (per-atom norm), endpoints untouched.
    assert max(run.image_fmax[1:-1]) <= 0.05 + 1e-9
    assert run.force_calls >= 3


def test_emt_adatom_hop_barrier_in_literature_range(hop):
    # EMT Cu/Cu(100) hopping barrier ~0.40-0.43 eV (ASE EMT; docs/calibration.md
    # measured 0.41-0.42 eV); DFT-PBE gives ~0.5 eV. A number far outside means
    # a broken band, not a different physics.
    initial, final, energies = hop
    run = run_neb(
        interpolate_band(initial, final, 3),
        lambda i: EMT(),
        NebSettings(),
        endpoint_energies=tuple(energies),
        traj_prefix=None,
    )
    assert 0.35 < run.forward_barrier < 0.48


def test_ode_needs_fewer_force_calls_than_fire(hop):
    initial, final, energies = hop
    calls = {}
    for optimizer in ("ode", "fire"):
        run = run_neb(
            interpolate_band(initial, final, 3),
            lambda i: EMT(),
            NebSettings(optimizer=optimizer),
            endpoint_energies=tuple(energies),
            traj_prefix=None,
        )
        calls[optimizer] = run.force_calls
    assert calls["ode"] < calls["fire"]


def test_trajectories_written_per_image(hop, tmp_path):
    from ase.io import read

    initial, final, energies = hop
    run = run_neb(
        interpolate_band(initial, final, 3),
        lambda i: EMT(),
        NebSettings(),
        endpoint_energies=tuple(energies),
        traj_prefix=tmp_path / "neb",
    )
    assert len(run.trajectories) == 5
    frames = read(run.trajectories[2], ":")
    assert len(frames) == run.steps + 1
    assert np.allclose(frames[-1].positions, run.images[2].positions)


def test_a_rerun_from_a_converged_checkpoint_writes_its_band(hop, tmp_path):
    """A rerun in a new folder (a new store, the next allocation) finds the converged
    band in its checkpoint; its new trajectories hold that band, not nothing."""
    from ase.io import read

    from cudiss.workflows.checkpoint import Checkpoint

    initial, final, energies = hop
    runs = []
    for folder in ("first", "rerun"):
        (tmp_path / folder).mkdir()
        runs.append(
            run_neb(
                interpolate_band(initial, final, 3),
                lambda i: EMT(),
                NebSettings(),
                endpoint_energies=tuple(energies),
                traj_prefix=tmp_path / folder / "neb",
                checkpoint=Checkpoint(tmp_path / "band.pkl"),
            )
        )
    first, rerun = runs
    assert first.converged and rerun.converged
    assert rerun.steps == first.steps  # nothing recomputed but the check
    for index in range(5):
        frames = read(rerun.trajectories[index], ":")
        assert len(frames) == 1
        assert np.allclose(frames[0].positions, first.images[index].positions, atol=1e-6)


def test_a_resumed_band_keeps_the_surrogate_hessian_calls_of_its_first_start(hop, tmp_path):
    from cudiss.workflows.checkpoint import Checkpoint
    from cudiss.workflows.neb.state import BandState

    initial, final, energies = hop
    checkpoint = tmp_path / "band.pkl"
    runs = [
        run_neb(
            interpolate_band(initial, final, 3),
            lambda i: EMT(),
            NebSettings.fast(fmax=0.05),
            endpoint_energies=tuple(energies),
            traj_prefix=None,
            checkpoint=Checkpoint(checkpoint),
        )
        for _ in range(2)
    ]
    assert runs[0].optimizers[0] == "ode-precon"  # the Hessian was built
    assert runs[0].surrogate_hessian_calls > 3 * len(initial)  # every image, then the steps
    assert runs[1].surrogate_hessian_calls == runs[0].surrogate_hessian_calls
    # a checkpoint written before the count existed loads with none
    older = Checkpoint(checkpoint)
    data = older.load()
    del data["surrogate_hessian_calls"]
    older.save(data)
    assert BandState.load(Checkpoint(checkpoint)).surrogate_hessian_calls == 0


def test_a_band_resumed_without_trajectories_repeats_only_the_interrupted_trial(hop, tmp_path):
    from cudiss.workflows.checkpoint import Checkpoint

    initial, final, energies = hop

    def run(progress=None, checkpoint: bool = True):
        return run_neb(
            interpolate_band(initial, final, 3),
            lambda i: EMT(),
            NebSettings(),
            endpoint_energies=tuple(energies),
            traj_prefix=None,
            progress=progress,
            checkpoint=Checkpoint(tmp_path / "band.pkl") if checkpoint else None,
        )

    class Interrupted(Exception):
        pass

    def stop_at_step_5(step: int, fmax: float) -> None:
        if step == 5:
            raise Interrupted

    unbroken = run(checkpoint=False)
    with pytest.raises(Interrupted):
        run(stop_at_step_5)
    resumed = run()
    assert resumed.converged and resumed.steps == unbroken.steps
    assert resumed.forward_barrier == pytest.approx(unbroken.forward_barrier, abs=1e-6)
    # The ODE checkpoints before each trial band's force call, so the count
    # goes on from there and the repeated trial counts once. Nothing else is
    # computed: no restored band is evaluated for trajectories that do not exist.
    assert resumed.force_calls == unbroken.force_calls


def test_idpp_keeps_fixed_atoms_fixed(hop):
    initial, final, _ = hop
    band = interpolate_band(initial, final, 5, method="idpp")
    fixed = initial.constraints[0].index
    for image in band:
        assert np.allclose(image.positions[fixed], initial.positions[fixed])
    # The moving atom goes monotonically from one hollow to the next.
    x = [image.positions[-1, 0] for image in band]
    assert all(b > a for a, b in itertools.pairwise(x))


def test_mismatched_endpoints_are_rejected(hop):
    initial, final, _ = hop
    with pytest.raises(CudissInputError, match="atom count"):
        interpolate_band(initial, final[:-1], 3)
    swapped = final.copy()
    swapped.symbols[0] = "Au"
    with pytest.raises(CudissInputError, match="atom order or species"):
        interpolate_band(initial, swapped, 3)


def test_interpolate_band_rejects_single_displacement_vector(hop):
    """A (3,) vector would move every atom's periodic-image hint, not just the hopping one."""
    initial, final, _ = hop
    with pytest.raises(CudissInputError, match="per atom"):
        interpolate_band(initial, final, 3, displacement=np.array([1.0, 0.0, 0.0]))
