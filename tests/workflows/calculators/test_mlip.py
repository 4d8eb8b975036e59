"""The MLIPs (SevenNet 7net-0, CHGNet 0.3.0): offline, thread-limited, physically sane.

The models load once for the module, with the network blocked; each test then
checks one property against something independent of the model's own code: forces
against finite differences of its energy, the fcc Cu lattice constant against
experiment, a CO-covered slab for finite forces.
"""

from __future__ import annotations

import socket
import sys
import time

import numpy as np
import pytest
import torch
from ase import Atoms
from ase.build import bulk
from ase.eos import EquationOfState

from cudiss.structures.defects import add_adatom
from cudiss.structures.errors import CudissInputError
from cudiss.structures.placement import place_adsorbate
from cudiss.structures.slabs import cu_slab
from cudiss.workflows.calculators import MLIP_NAMES, mlip, mlip_calculator, torch_threads

#: Cu lattice constant at 25 °C, Å: 3.6149 Å (Straumanis & Yu, Acta Cryst. A 25, 676
#: (1969)); both MLIPs learned PBE, which gives 3.63-3.64 Å.
A_EXPERIMENT = 3.615


@pytest.fixture(scope="module")
def offline_load():
    """Load both models from scratch with every network connection refused.

    Returns, per MLIP name, the seconds the load took, and the addresses that
    anything tried to reach (``socket.connect`` and name look-ups fail).
    """
    attempts: list[object] = []

    def refuse(*args, **kwargs):
        attempts.append(args[1:] if args and isinstance(args[0], socket.socket) else args)
        raise OSError("network blocked by the test")

    seconds = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", refuse)
        mp.setattr(socket.socket, "connect_ex", refuse)
        mp.setattr(socket, "getaddrinfo", refuse)
        with pytest.raises(OSError, match="blocked"):  # the block itself works
            socket.create_connection(("127.0.0.1", 9), timeout=1)
        attempts.clear()
        mlip._model.cache_clear()
        for name in MLIP_NAMES:
            start = time.perf_counter()
            mlip_calculator(name, threads=1)
            seconds[name] = time.perf_counter() - start
    return seconds, attempts


@pytest.fixture(params=MLIP_NAMES)
def name(request, offline_load) -> str:
    """Each MLIP, loaded offline (``offline_load``)."""
    return request.param


def adatom_cell() -> Atoms:
    """13 Cu atoms: the README main job's Cu(100) 2x2x3 cell with an adatom, rattled, unfixed."""
    atoms = add_adatom(cu_slab("100", size=(2, 2), layers=3, vacuum=6.0, fixed_layers=1))
    del atoms.constraints
    atoms.rattle(0.05, seed=3)
    return atoms


def test_both_load_without_the_network(offline_load):
    seconds, attempts = offline_load
    assert attempts == []
    assert set(seconds) == {"sevennet", "chgnet"}
    assert all(s < 60 for s in seconds.values()), seconds


def test_each_call_gets_a_new_calculator_on_one_loaded_model(name):
    start = time.perf_counter()
    first, second = mlip_calculator(name), mlip_calculator(name)
    assert time.perf_counter() - start < 2.0  # no second load
    assert first is not second
    assert first.model is second.model
    assert torch.get_num_threads() == 1  # OMP_NUM_THREADS=1 (tests/conftest.py)


def test_forces_are_minus_the_energy_gradient(name):
    atoms = adatom_cell()
    atoms.calc = mlip_calculator(name)
    forces = atoms.get_forces()
    assert forces.shape == (13, 3)
    h = 0.01  # Å; the models compute in float32 (about 1e-5 eV on these energies)
    adatom, top, bottom = len(atoms) - 1, int(np.argmax(atoms.positions[:-1, 2])), 0
    for i in (adatom, top, bottom):
        for k in range(3):
            energies = []
            for step in (h, -h):
                displaced = atoms.copy()
                displaced.positions[i, k] += step
                displaced.calc = atoms.calc
                energies.append(displaced.get_potential_energy())
            numeric = -(energies[0] - energies[1]) / (2 * h)
            assert numeric == pytest.approx(forces[i, k], abs=0.01), (i, k)
    assert np.abs(forces).max() > 0.05  # rattled: the check is not 0 == 0


def test_fcc_cu_lattice_constant_within_2_percent_of_experiment(name):
    calc = mlip_calculator(name)
    volumes, energies = [], []
    for a in A_EXPERIMENT * np.linspace(0.97, 1.03, 7):
        cu = bulk("Cu", "fcc", a=a)  # one atom, primitive cell: V = a³/4
        cu.calc = calc
        volumes.append(cu.get_volume())
        energies.append(cu.get_potential_energy())
    v0, _, bulk_modulus = EquationOfState(volumes, energies, eos="birchmurnaghan").fit()
    a0 = (4 * v0) ** (1 / 3)
    assert abs(a0 - A_EXPERIMENT) / A_EXPERIMENT < 0.02, a0
    assert min(volumes) < v0 < max(volumes)  # a minimum inside the scanned range
    assert bulk_modulus > 0


def test_co_on_cu100_has_finite_forces(name):
    slab = place_adsorbate(cu_slab("100", size=(2, 2), layers=3, vacuum=6.0), "CO", "ontop")
    slab.calc = mlip_calculator(name)
    forces = slab.get_forces()
    assert slab.get_chemical_symbols().count("C") == 1
    assert forces.shape == (len(slab), 3)
    assert np.isfinite(forces).all()
    assert np.isfinite(slab.get_potential_energy())
    assert np.abs(forces).max() < 20.0  # eV/Å: a sane geometry, sane forces


@pytest.mark.parametrize("bad", ["mace", "", None, 7])
def test_unknown_name_is_one_line(bad):
    with pytest.raises(CudissInputError, match="unknown MLIP") as info:
        mlip_calculator(bad)
    assert "\n" not in str(info.value)
    assert "sevennet, chgnet" in str(info.value)


def test_names_are_case_insensitive(offline_load):
    assert mlip_calculator(" SevenNet ").model is mlip_calculator("sevennet").model


def test_missing_package_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "chgnet", None)  # import chgnet -> ImportError
    with pytest.raises(CudissInputError, match=r"chgnet is not installed.*scripts/setup\.sh"):
        mlip_calculator("chgnet")


def test_missing_weight_file_is_refused_not_downloaded(monkeypatch):
    spec = mlip.MLIP_MODELS["sevennet"]
    moved = mlip.MlipModel(spec.package, spec.model, "pretrained_potentials/nowhere.pth")
    monkeypatch.setitem(mlip.MLIP_MODELS, "sevennet", moved)
    with pytest.raises(CudissInputError, match=r"weights .*nothing is downloaded"):
        mlip_calculator("sevennet")


def test_threads_follow_the_argument_then_omp_num_threads(monkeypatch):
    try:
        assert torch_threads(2) == 2 == torch.get_num_threads()
        monkeypatch.setenv("OMP_NUM_THREADS", "1")
        assert torch_threads() == 1 == torch.get_num_threads()
        monkeypatch.delenv("OMP_NUM_THREADS")
        torch.set_num_threads(2)
        assert torch_threads() == 1  # unset: one thread, as for BLAS
    finally:
        torch.set_num_threads(1)


@pytest.mark.parametrize("bad", [0, -1, 1.5, "two", True])
def test_bad_thread_counts_are_refused(bad):
    with pytest.raises(CudissInputError, match="threads must be a positive integer"):
        torch_threads(bad)


def test_bad_omp_num_threads_is_named(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "0")
    with pytest.raises(CudissInputError, match="OMP_NUM_THREADS must be"):
        torch_threads()
