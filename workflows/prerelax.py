"""An MLIP's Hessian as a relaxation's first one, and optionally its geometry first.

A relaxation with ``prerelax`` set (:class:`~cudiss.workflows.makers.CuRelaxMaker`)
starts its real calculator's BFGS from the MLIP's Hessian (:func:`mlip_hessian`)
instead of ASE's 70 eV/Å² times the identity. By default the Hessian is taken
at the input geometry, and the real relaxation starts there: it follows its
own path into the minimum plain BFGS finds, in fewer steps. With
``prerelax_geometry`` the relaxation runs in two stages:

1. the structure is relaxed with the MLIP (ASE BFGS, the maker's fmax and step
   limit); fixed atoms stay where they are, so the slab keeps the real
   calculator's lattice even though the MLIP's Cu lattice constant is not DFT's;
2. the real calculator relaxes from the MLIP's geometry, its BFGS starting from
   the MLIP's Hessian there.

Measured on GPAW (docs/mlip.md): on the adatom + CO the MLIP's geometry led the
DFT relaxation into a minimum 41 meV above plain BFGS's, where the Hessian at
the input took half of plain BFGS's calls into plain BFGS's minimum.

The MLIP stage is computed once and saved (:func:`stage_checkpoint`): a rerun, a
resume and the ranks of an MPI run all start the real stage from the same
geometry and Hessian. A resumed real stage continues with its own checkpointed
BFGS Hessian, never the MLIP's again (:func:`with_initial_hessian`).

If the MLIP moves an atom other than H further than :data:`MAX_SHIFT`, or an H
atom to another partner (:func:`another_basin`), it has found another basin (an
adatom hopping, an adsorbate changing site, H moving from O to the metal) and
the real relaxation would no longer find the minimum a plain one finds: its
geometry is then dropped, and the real stage starts from the input with ASE's
default Hessian; the stage's record says so. An H turning about its bond (an OH
bending over, 1.1 Å of H motion on Cu(100)) is not another basin: the DFT
relaxation of the same start turns it as far.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np
from ase import Atoms
from ase.optimize import BFGS
from ase.parallel import broadcast, world

from cudiss.workflows.calculators.force_calls import count_force_calls
from cudiss.workflows.calculators.mlip import mlip_calculator
from cudiss.workflows.checkpoint import Checkpoint, checkpoint_key, checkpoint_root
from cudiss.workflows.errors import SettingsError
from cudiss.workflows.initial_hessian import with_initial_hessian
from cudiss.workflows.schemas import PrerelaxRecord

__all__ = [
    "BASIN_RULE",
    "FD_STEP",
    "FIXED_CURVATURE",
    "HESSIAN_FLOOR",
    "MAX_SHIFT",
    "PRERELAX_CHOICES",
    "PrerelaxName",
    "PrerelaxStage",
    "another_basin",
    "auto_prerelax",
    "check_prerelax",
    "free_coordinates",
    "mlip_hessian",
    "prerelax",
    "stage_checkpoint",
    "with_initial_hessian",
]

#: What a relaxation may be pre-relaxed with: nothing, an MLIP of
#: :mod:`cudiss.workflows.calculators.mlip`, or ``auto`` (:func:`auto_prerelax`).
PrerelaxName = Literal["none", "auto", "sevennet", "chgnet"]
PRERELAX_CHOICES: tuple[str, ...] = get_args(PrerelaxName)

#: Smallest |eigenvalue| (eV/Å²) kept in the MLIP Hessian; smaller ones, and
#: negative ones (the MLIP stopped on a saddle or a ridge), are raised to it, so
#: BFGS's first steps stay bounded along the MLIP's soft modes. The same floor
#: as the NEB surrogate preconditioner's (``NebSettings.surrogate_precon_floor``).
HESSIAN_FLOOR = 1.0

#: Curvature (eV/Å²) given to fixed coordinates, uncoupled: ASE BFGS's default
#: ``alpha``. Their forces are zero, so the value only has to keep the matrix regular.
FIXED_CURVATURE = 70.0

#: Finite-difference step of the Hessian, Å (that of ``surrogate_neb_hessian``).
FD_STEP = 0.01

#: Largest displacement (Å) of an atom other than H in the MLIP stage for its
#: geometry to be used: beyond it the MLIP went to another basin (a hop is 1.8 Å
#: on Cu(100)), while a different Cu lattice or a softer adsorbate moves atoms by
#: tenths. H is judged by its partner instead (:func:`another_basin`).
MAX_SHIFT = 1.0
#: The rule :func:`another_basin` applies; part of every checkpoint key, so a stage
#: judged by an earlier rule (every atom within MAX_SHIFT) is computed again.
BASIN_RULE = "heavy-atom-shift+hydrogen-partner"


def another_basin(start: Atoms, relaxed: Atoms) -> str | None:
    """Why ``relaxed`` (the MLIP's minimum) lies in another basin than ``start``, or ``None``.

    Another basin: an atom other than H moved more than :data:`MAX_SHIFT` Å, or
    an H atom's nearest atom (its bond partner) changed. H is light and
    terminal: an OH or H2O turning about its bond moves H by more than 1 Å
    (1.1 Å for the bent OH on a Cu(100) adatom, which GPAW bends as far) without
    breaking or making a bond.
    """
    moved = np.linalg.norm(relaxed.positions - start.positions, axis=1)
    hydrogen = np.array(start.get_chemical_symbols()) == "H"
    heavy = np.where(~hydrogen, moved, 0.0)
    if heavy.max(initial=0.0) > MAX_SHIFT:
        atom = int(heavy.argmax())
        return f"atom {atom} ({start[atom].symbol}) moved {heavy[atom]:.2f} Å (> {MAX_SHIFT:g} Å)"
    for index in np.flatnonzero(hydrogen):
        before, after = _partner(start, index), _partner(relaxed, index)
        if before != after:
            return f"H {index} left atom {before} for atom {after}"
    return None


def _partner(atoms: Atoms, index: int) -> int:
    """The atom nearest to atom ``index`` (minimum image)."""
    others = np.delete(np.arange(len(atoms)), index)
    return int(others[np.argmin(atoms.get_distances(index, others, mic=True))])


def auto_prerelax(code: str, electrode: bool, takes_hessian: bool) -> str:
    """What ``prerelax: auto`` runs: ``sevennet`` (its Hessian at the input) or ``none``.

    SevenNet's Hessian where it was measured to pay: GPAW relaxations of
    neutral slabs, 0.30x / 0.50x / 0.48x plain BFGS's GPAW force calls on the
    Cu(100) adatom bare / with CO / with OH, final energies 1.4 meV above plain
    BFGS's at most, or lower (bench/RESULTS.md, docs/mlip.md). Nothing
    elsewhere: EMT and the MLIPs cost milliseconds per call, so the MLIP's
    import and Hessian would cost more than they save; a GPAW electrode (SJM's
    implicit solvent and jellium) was not measured; and the Hessian needs a
    relaxation BFGS can start from it (``takes_hessian``: several steps, fixed
    cell, a BFGS optimizer).

    Parameters
    ----------
    code
        The calculator's code (``gpaw``, ``emt``, ``sevennet``, ...).
    electrode
        The calculator models an electrode (GPAW SJM), at a potential or a charge.
    takes_hessian
        The relaxation can start from an initial Hessian.
    """
    if code == "gpaw" and not electrode and takes_hessian:
        return "sevennet"
    return "none"


def check_prerelax(value: object, where: str = "prerelax") -> str:
    """``value`` as one of :data:`PRERELAX_CHOICES` (case ignored), else one line.

    Raises
    ------
    SettingsError
        Naming the choices, e.g. ``prerelax must be one of none, auto, ..., got 'emt'``.
    """
    key = value.strip().lower() if isinstance(value, str) else None
    if key not in PRERELAX_CHOICES:
        what = f"{where} must" if where else "must"
        raise SettingsError(f"{what} be one of {', '.join(PRERELAX_CHOICES)}, got {value!r}")
    return key


def free_coordinates(atoms: Atoms) -> np.ndarray:
    """Which of the 3N Cartesian coordinates the constraints let move, shape (3N,).

    A coordinate is free if the constraints leave a unit force on it non-zero
    (FixAtoms zeroes whole atoms, FixCartesian single directions).
    """
    probe = np.ones((len(atoms), 3))
    for constraint in atoms.constraints:
        constraint.adjust_forces(atoms, probe)
    return (probe != 0).ravel()


def mlip_hessian(
    atoms: Atoms,
    delta: float = FD_STEP,
    floor: float = HESSIAN_FLOOR,
    central: bool = False,
) -> tuple[np.ndarray, float, int]:
    """Hessian of ``atoms`` with its calculator, by finite differences of the forces.

    Only free coordinates (:func:`free_coordinates`) are displaced. The block of
    free coordinates is symmetrised and its eigenvalues replaced by
    ``max(|lambda|, floor)``, so the matrix is symmetric positive definite; fixed
    coordinates get :data:`FIXED_CURVATURE` on the diagonal and no coupling.

    Parameters
    ----------
    atoms
        Structure with a calculator (not moved in the end).
    delta
        Displacement, Å.
    floor
        Smallest eigenvalue kept, eV/Å².
    central
        Central differences (2 calls per free coordinate) instead of forward ones
        (1 call, plus the forces at ``atoms``).

    Returns
    -------
    hessian : numpy.ndarray
        Shape (3N, 3N), eV/Å², ordered like ``atoms.positions.ravel()`` (ASE
        BFGS's ``H0``).
    lowest : float
        Lowest eigenvalue of the free block before the floor, eV/Å² (negative: the
        geometry is a saddle or a ridge of the MLIP's surface).
    floored : int
        How many eigenvalues were raised to ``floor``.
    """
    free = free_coordinates(atoms)
    x0 = atoms.positions.copy()
    flat = x0.ravel()

    def forces_at(x: np.ndarray) -> np.ndarray:
        # positions set directly: constraints must not undo a displaced coordinate
        atoms.positions[:] = x.reshape(-1, 3)
        return atoms.get_forces(apply_constraint=False).ravel()

    f0 = None if central else forces_at(flat)
    columns = []
    for j in np.flatnonzero(free):
        x = flat.copy()
        x[j] += delta
        plus = forces_at(x)
        if central:
            x[j] -= 2 * delta
            columns.append(-(plus - forces_at(x)) / (2 * delta))
        else:
            columns.append(-(plus - f0) / delta)
    atoms.positions[:] = x0
    jacobian = np.array(columns).T[free]  # d(-F_i)/dx_j over free i, j
    block = 0.5 * (jacobian + jacobian.T)
    values, vectors = np.linalg.eigh(block)
    kept = np.maximum(np.abs(values), floor)
    hessian = np.eye(len(flat)) * FIXED_CURVATURE
    hessian[np.ix_(free, free)] = (vectors * kept) @ vectors.T
    lowest = float(values.min()) if len(values) else float("nan")
    return hessian, lowest, int(np.count_nonzero(np.abs(values) < floor))


@dataclass
class PrerelaxStage:
    """The MLIP stage's outcome: where the real relaxation starts, and how.

    Attributes
    ----------
    atoms
        The start of the real stage: the MLIP-relaxed geometry, or the input if
        it was dropped (constraints kept, no calculator).
    hessian
        BFGS's initial Hessian (3N, 3N), eV/Å², or ``None`` (ASE's default).
    record
        What happened, for the relaxation document.
    """

    atoms: Atoms
    hessian: np.ndarray | None
    record: PrerelaxRecord


def _run_stage(
    atoms: Atoms,
    name: str,
    fmax: float,
    steps: int,
    hessian: bool,
    geometry: bool,
    trajectory: str | None,
) -> PrerelaxStage:
    """The MLIP stage on a copy of ``atoms``: its relaxation if ``geometry``, its Hessian."""
    start = time.perf_counter()
    work = atoms.copy()
    work.calc = mlip_calculator(name)
    if geometry:
        record, work = _relax(atoms, work, fmax, steps, trajectory)
    else:
        # the real stage starts at the input: no MLIP steps, nothing moved
        record = {
            "relaxed": False,
            "steps": 0,
            "force_calls": 0,
            "converged": False,
            "max_shift_A": 0.0,
        }
    record["mlip"] = name
    matrix = None
    if hessian and work.calc is not None:
        with count_force_calls(work.calc) as hessian_calls:
            forces = work.get_forces()
            matrix, lowest, floored = mlip_hessian(work)
        record.setdefault("fmax", float(np.sqrt((forces**2).sum(axis=1).max(initial=0.0))))
        record.update(
            hessian_force_calls=hessian_calls.count,
            hessian_used=True,
            lowest_eigenvalue=lowest,
            floored=floored,
        )
    work.calc = None
    record["wall_time_s"] = time.perf_counter() - start
    return PrerelaxStage(work, matrix, PrerelaxRecord(**record))


def _relax(
    atoms: Atoms, work: Atoms, fmax: float, steps: int, trajectory: str | None
) -> tuple[dict[str, Any], Atoms]:
    """Relax ``work`` (``atoms`` with the MLIP); the record, and where the real stage starts.

    The start is ``work`` with its MLIP calculator, or a copy of ``atoms``
    without one when the MLIP went to another basin (:func:`another_basin`).
    """
    with count_force_calls(work.calc) as relax_calls:
        optimizer = BFGS(work, logfile=None, trajectory=trajectory)
        converged = bool(optimizer.run(fmax=fmax, steps=steps))
        forces = work.get_forces()
    record: dict[str, Any] = {
        "steps": int(optimizer.nsteps),
        "force_calls": relax_calls.count,
        "converged": converged,
        "fmax": float(np.sqrt((forces**2).sum(axis=1).max(initial=0.0))),
        "max_shift_A": float(
            np.linalg.norm(work.positions - atoms.positions, axis=1).max(initial=0.0)
        ),
    }
    finite = bool(np.all(np.isfinite(work.positions)))
    reason = another_basin(atoms, work) if finite else "non-finite positions"
    if reason is None:
        record["used"] = True
        return record, work
    record["note"] = (
        f"MLIP geometry dropped: {reason}, another basin; the real relaxation "
        "starts from the input with ASE's default Hessian"
    )
    return record, atoms.copy()


def stage_checkpoint(
    atoms: Atoms, name: str, fmax: float, steps: int, hessian: bool, geometry: bool = False
) -> Checkpoint:
    """Where the MLIP stage of these inputs is saved.

    Under :func:`~cudiss.workflows.checkpoint.checkpoint_root`, or in the job
    folder when checkpoints are switched off: the MPI worker of a GPAW
    relaxation reads the stage its parent process computed from there, so
    torch is never loaded on the MPI ranks.
    """
    if geometry:
        key = checkpoint_key(
            "prerelax",
            atoms,
            name,
            fmax,
            steps,
            hessian,
            FD_STEP,
            HESSIAN_FLOOR,
            MAX_SHIFT,
            BASIN_RULE,
        )
    else:  # the Hessian at the input: no MLIP relaxation, so no fmax, steps or basin rule
        key = checkpoint_key("prerelax-hessian", atoms, name, FD_STEP, HESSIAN_FLOOR)
    return Checkpoint((checkpoint_root() or Path.cwd()) / f"{key}.pkl")


def prerelax(
    atoms: Atoms,
    name: str,
    fmax: float,
    steps: int,
    hessian: bool = True,
    geometry: bool = False,
    checkpoint: Checkpoint | None = None,
    trajectory: str | None = None,
) -> PrerelaxStage:
    """The MLIP stage of a relaxation of ``atoms``: saved once, reused after.

    Parameters
    ----------
    atoms
        The input structure (not modified); its constraints are kept.
    name
        ``sevennet`` or ``chgnet``.
    fmax
        Force threshold of the MLIP relaxation, eV/Å.
    steps
        Step limit of the MLIP relaxation (an unconverged stage is still used
        unless :func:`another_basin` finds it in another basin).
    hessian
        Compute the MLIP Hessian (:func:`mlip_hessian`) where the real stage starts.
    geometry
        Relax with the MLIP first, and start the real stage from its geometry;
        ``False``: the real stage starts from ``atoms``, with the MLIP Hessian
        there.
    checkpoint
        Where the stage is saved and looked up (:func:`stage_checkpoint`);
        ``None``: computed every time.
    trajectory
        ASE trajectory of the MLIP relaxation (written when computed, not when reused).

    Returns
    -------
    PrerelaxStage
        On MPI ranks, rank 0 computes it and the others receive it, so every
        rank starts the real stage from the same numbers.
    """
    saved = checkpoint.load() if checkpoint is not None else None
    if saved is not None and "record" in saved:
        start = atoms.copy()
        start.positions = np.asarray(saved["positions"])
        record = PrerelaxRecord(**{**saved["record"], "reused": True})
        return PrerelaxStage(start, saved["hessian"], record)
    stage = None
    if world.rank == 0:
        stage = _run_stage(atoms, name, fmax, steps, hessian, geometry, trajectory)
    if world.size > 1:
        stage = broadcast(stage, root=0, comm=world)
    if checkpoint is not None:
        checkpoint.save(
            {
                "nsteps": stage.record.steps,
                "positions": stage.atoms.positions,
                "hessian": stage.hessian,
                "record": stage.record.model_dump(),
            }
        )
    return stage
