"""Images in parallel at constant potential: every rank learns every image's electron count.

ASE's parallel NEB computes image i on its own rank group and broadcasts its
energy and forces. The SJM state (electron count, slope) stayed on the owning
ranks, so rank 0's checkpoint and document held only its own image. These
tests play rank 0 of two ranks through a scripted communicator (no MPI), with
ASE's real ``NEB.get_forces``: rank 0 owns image 1, rank 1 owns image 2.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from ase.calculators.singlepoint import SinglePointCalculator
from ase.mep import NEB

from cudiss.workflows.mpi.task import _OtherRanksImage, _RecordingWorld, electrode_of
from cudiss.workflows.neb import interpolate_band
from cudiss.workflows.neb.state import electrode_states
from tests.helpers.neb_reference import relaxed_hop_endpoints
from tests.helpers.sjm_stand_in import SjmStandIn, stand_in_electrode


class ScriptedComm:
    """Rank 0 of a 2-rank communicator: sends are recorded, receives are read from a script."""

    rank, size = 0, 2

    def __init__(self, incoming: list[np.ndarray]) -> None:
        self.incoming = list(incoming)
        self.sent: list[np.ndarray] = []

    def sum(self, value, root=-1):
        return value  # rank 1 reports no error

    def broadcast(self, array: np.ndarray, root: int) -> None:
        if root == self.rank:
            self.sent.append(array.copy())
        else:
            array[...] = self.incoming.pop(0)


def pickled(obj) -> list[np.ndarray]:
    """What :func:`ase.parallel.broadcast` puts on the wire for ``obj``: length, bytes."""
    data = np.frombuffer(pickle.dumps(obj, pickle.HIGHEST_PROTOCOL), np.int8)
    return [np.array([len(data)]), data]


def unpickled(wire: list[np.ndarray]) -> object:
    return pickle.loads(wire[1].tobytes())


@pytest.fixture(scope="module")
def band():
    initial, final, energies = relaxed_hop_endpoints()
    images = interpolate_band(initial, final, 2)
    for end, energy in zip((images[0], images[-1]), energies, strict=True):
        end.calc = SinglePointCalculator(end, energy=energy, forces=np.zeros((len(end), 3)))
    return images


def image_two_from_rank_one(band, electrode) -> list[np.ndarray]:
    """Rank 1's broadcasts for image 2: energy, NEB forces, real forces, then ``electrode``."""
    n = len(band[2])
    arrays = [np.array([-1.25]), np.full((n, 3), 0.1), np.full((n, 3), 0.2)]
    return arrays if electrode is None else [*arrays, *pickled(electrode)]


def rank_zero(band, incoming, share: bool):
    """Rank 0's band: its own SJM image 1, a stand-in for image 2, one NEB force call."""
    SjmStandIn.calls = 0
    images = [atoms.copy() for atoms in band]
    images[0].calc, images[-1].calc = band[0].calc, band[-1].calc
    own = stand_in_electrode([])
    stand_in = _OtherRanksImage()
    images[1].calc, images[2].calc = own, stand_in
    comm = ScriptedComm(incoming)
    world = _RecordingWorld(comm, {2: stand_in}, (lambda: own) if share else None)
    NEB(images, parallel=True, world=world, method="improvedtangent").get_forces()
    return images, own, comm


def test_the_other_ranks_image_brings_its_electron_count(band) -> None:
    theirs = (
        {"electrode": {"excess_electrons": 0.37, "potential_V": -1.0}, "potential_rung": 1},
        {"excess_electrons": 0.37, "potential_V": -1.0},
    )
    images, own, comm = rank_zero(band, image_two_from_rank_one(band, theirs), share=True)
    states = electrode_states(images[1:-1])
    # image 1: rank 0's own SJM after one calculation (the stand-in steps by 0.01 e)
    assert states[0]["electrode"]["excess_electrons"] == pytest.approx(0.01)
    # image 2: what rank 1 sent, no longer None
    assert states[1] == theirs[0]
    assert images[2].calc.record() == theirs[1]
    # and rank 0 sent image 1's state and record after its forces
    assert len(comm.sent) == 5 and not comm.incoming
    state, record = unpickled(comm.sent[3:])
    assert state == own.electrode_state()
    assert record.excess_electrons == pytest.approx(own.record().excess_electrons)


def test_constant_charge_bands_broadcast_nothing_more(band) -> None:
    images, _, comm = rank_zero(band, image_two_from_rank_one(band, None), share=False)
    assert len(comm.sent) == 3 and not comm.incoming  # energy, forces, real forces
    assert images[2].calc.get_potential_energy() == pytest.approx(-1.25)
    assert electrode_of(images[2].calc) == (None, None)
