"""A GPAW CI-NEB through CuNebMaker gives the same barrier serially and on 2 MPI ranks."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import numpy as np
import pytest
from ase.build import add_adsorbate, fcc100
from ase.calculators.emt import EMT
from ase.constraints import FixAtoms
from ase.optimize import BFGS

from cudiss.workflows import mpi
from cudiss.workflows.calculators import CalculatorSpec
from cudiss.workflows.checkpoint import CHECKPOINT_ENV
from cudiss.workflows.makers import CuNebMaker, CuRelaxMaker
from cudiss.workflows.neb import NebSettings, interpolate_band

pytestmark = pytest.mark.mpi

# Cu adatom hop on a 2x1x2 Cu(100) slab (5 atoms): PW(200), kpts (2,2,1); two
# interior images so that 2 ranks run one image each (ASE's parallel NEB).
SPEC = CalculatorSpec(code="gpaw", preset="test", overrides={"mode": {"ecut": 200}})
SETTINGS = NebSettings(n_images=2, fmax=0.1, climb=True, optimizer="ode", max_steps=60)


def _endpoint(hollow: tuple[float, float]) -> object:
    slab = fcc100("Cu", size=(2, 1, 2), vacuum=4.0)
    add_adsorbate(slab, "Cu", 1.7, position=hollow)
    slab.set_constraint(FixAtoms(indices=[a.index for a in slab if a.tag == 2]))
    slab.calc = EMT()  # EMT endpoints: the NEB inputs only need to be identical
    BFGS(slab, logfile=None).run(fmax=0.05, steps=100)
    slab.calc = None
    return slab


@pytest.fixture(scope="module")
def band() -> list:
    a = 3.615 / np.sqrt(2)  # surface lattice spacing of Cu(100)
    initial = _endpoint((0.5 * a, 0.5 * a))
    final = _endpoint((1.5 * a, 0.5 * a))
    return interpolate_band(initial, final, SETTINGS.n_images, displacement=None)


def _run(band: list, folder: Path, monkeypatch: pytest.MonkeyPatch, ranks: int):
    folder.mkdir()
    monkeypatch.chdir(folder)
    # the same band twice: the second run must not resume from the first's checkpoint
    monkeypatch.setenv(CHECKPOINT_ENV, str(folder / "checkpoints"))
    if ranks > 1:
        monkeypatch.setenv(mpi.MPI_LAUNCHER_ENV, mpi.launcher_for_ranks(ranks))
    else:
        monkeypatch.delenv(mpi.MPI_LAUNCHER_ENV, raising=False)
    mpi.last_run = None
    start = time.perf_counter()
    result = CuNebMaker(calculator_spec=SPEC, settings=SETTINGS).run_ase(band)
    return result, time.perf_counter() - start


def test_two_ranks_give_the_serial_barrier(band, tmp_path, monkeypatch) -> None:
    serial, t_serial = _run(band, tmp_path / "serial", monkeypatch, 1)
    assert mpi.last_run is None  # in-process

    parallel, t_mpi = _run(band, tmp_path / "mpi", monkeypatch, 2)
    info = mpi.last_run
    print(f"serial {t_serial:.0f} s, 2 ranks {t_mpi:.0f} s, {info}")
    assert info is not None and info.ranks == 2 and info.parallel_images
    # each image ran on its own rank: GPAW logs one core per image
    for index in (1, 2):
        log = (tmp_path / "mpi" / f"gpaw-image-{index}.txt").read_text()
        assert re.search(r"^cores: +1$", log, re.MULTILINE)
    assert serial.converged and parallel.converged
    barrier = max(serial.energies) - serial.energies[0]
    assert 0.1 < barrier < 2.0  # a real hop barrier, not zeros
    assert max(parallel.energies) - parallel.energies[0] == pytest.approx(barrier, abs=1e-3)
    assert parallel.force_calls == pytest.approx(serial.force_calls, abs=4)
    # files from rank 0 only, with every image's frames (stand-ins included)
    assert len(parallel.trajectories) == len(band)
    assert all(Path(p).exists() for p in parallel.trajectories)


def test_relax_on_two_ranks_matches_serial(tmp_path, monkeypatch) -> None:
    """A GPAW single point through CuStaticMaker's path (relax with 1 step) under MPI."""
    from pymatgen.io.ase import AseAtomsAdaptor

    slab = fcc100("Cu", size=(1, 1, 3), vacuum=5.0)
    structure = AseAtomsAdaptor().get_structure(slab)
    maker = CuRelaxMaker(calculator_spec=SPEC, steps=1)
    energies = {}
    for ranks in (1, 2):
        folder = tmp_path / f"r{ranks}"
        folder.mkdir()
        monkeypatch.chdir(folder)
        monkeypatch.setenv(CHECKPOINT_ENV, str(folder / "checkpoints"))
        if ranks > 1:
            monkeypatch.setenv(mpi.MPI_LAUNCHER_ENV, mpi.launcher_for_ranks(ranks))
        mpi.last_run = None
        energies[ranks] = maker.run_ase(structure).trajectory.frame_properties[-1]["energy"]
        assert (mpi.last_run.ranks if mpi.last_run else 1) == ranks
        assert (folder / "relax.traj").exists()
        log = (folder / "gpaw.txt").read_text()
        assert re.search(rf"^cores: +{ranks}$", log, re.MULTILINE)
    assert energies[1] < -1.0
    assert energies[2] == pytest.approx(energies[1], abs=1e-4)
    assert os.environ.get(mpi.MPI_LAUNCHER_ENV)  # still set for this test only


def test_scf_retries_on_mpi_ranks_reach_the_document(tmp_path, monkeypatch) -> None:
    """SCF recovery inside a 2-rank relaxation is recorded in the parent's result."""
    from pymatgen.io.ase import AseAtomsAdaptor

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(mpi.MPI_LAUNCHER_ENV, mpi.launcher_for_ranks(2))
    slab = fcc100("Cu", size=(1, 1, 3), vacuum=5.0)
    # three SCF iterations cannot converge: the first rung of the ladder must
    spec = CalculatorSpec(code="gpaw", preset="test", overrides={"maxiter": 3})
    maker = CuRelaxMaker(calculator_spec=spec, steps=1)
    result = maker.run_ase(AseAtomsAdaptor().get_structure(slab))
    assert mpi.last_run is not None and mpi.last_run.ranks == 2
    (line,) = result.scf_recoveries
    assert "rung 1" in line
