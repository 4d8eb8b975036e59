"""The CI-NEB driver: a band taken through named stages to a :class:`NebRun`.

ASE owns the physics (``NEB``/``DyNEB``, IDPP interpolation, ``NEBOptimizer``);
the driver adds what a workflow needs around it, as a chain of short stages
(docs/neb.md)::

    start band       checkpoint | surrogate stage | the interpolated band given
    attach           endpoint energies frozen, one fresh calculator per interior image
    optimizer ladder preconditioned ODE on probation -> user's optimizer -> FIRE
    loose-SCF refine a band converged on loosened SCF is re-evaluated in place
    result           energies, forces, convergence and cost as a NebRun

Every band step is checkpointed (:class:`BandState`), so an interrupted run
continues where it stopped.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from ase import Atoms
from ase.calculators.calculator import Calculator
from ase.io import Trajectory
from ase.mep.neb import NEB, DyNEB

from cudiss.workflows.calculators.force_calls import ForceCallCounter
from cudiss.workflows.checkpoint import Checkpoint
from cudiss.workflows.neb.band import freeze_energy, moving_system
from cudiss.workflows.neb.optimizers import stage_ladder
from cudiss.workflows.neb.result import NebRun
from cudiss.workflows.neb.scf import discard_loose_results, scf_follower, set_force_tolerance
from cudiss.workflows.neb.settings import NebSettings
from cudiss.workflows.neb.state import Band, BandState, restore_electrodes
from cudiss.workflows.neb.surrogate import shifted_surrogates, surrogate_neb_hessian
from cudiss.workflows.neb.watch import PRECON_PROBATION_STEPS, BandWatch, Stalled

ProgressCallback = Callable[[int, float], None]
"""Called after every band step with (step, fmax of the band in eV/Å)."""


def run_neb(
    images: Sequence[Atoms],
    calculator_factory: Callable[[int], Calculator],
    settings: NebSettings,
    endpoint_energies: tuple[float, float] | None = None,
    traj_prefix: str | Path | None = "neb",
    progress: ProgressCallback | None = None,
    logfile: str | None = None,
    parallel: bool = False,
    world=None,
    checkpoint: Checkpoint | None = None,
) -> NebRun:
    """Run a (climbing-image) NEB on an interpolated band.

    Parameters
    ----------
    images
        The full band, endpoints included (e.g. from
        :func:`~cudiss.workflows.neb.band.interpolate_band`). Not modified.
    calculator_factory
        ``factory(i)`` returns a fresh calculator for interior image ``i``
        (1-based); it is called once per image, so each image keeps its own
        calculator, and with GPAW its wavefunctions, across band steps.
    settings
        NEB settings; ``surrogate: auto`` is resolved here from what moves along
        the band (:meth:`NebSettings.resolved_for`).
    endpoint_energies
        Energies of the relaxed endpoints (eV); computed with the factory if ``None``.
    traj_prefix
        Each image's trajectory goes to ``{traj_prefix}-{i}.traj``; ``None`` writes none.
    progress
        Called after each band step with (step, fmax).
    logfile
        Optimizer log file (``None``: silent, ``"-"``: stdout).
    parallel, world
        Passed to ASE's ``NEB``: images computed in parallel over ``world``
        (an MPI communicator; see :mod:`cudiss.workflows.mpi`).
    checkpoint
        Saved after every band step (:class:`BandState`); if it holds a band,
        the run continues from there (no surrogate stage, same optimizer stage
        and state, trajectories appended to).

    Returns
    -------
    NebRun
        Final band, energies, per-image NEB force maxima, convergence, cost.
    """
    settings = settings.resolved_for(moving_system(images[0], images[-1]))
    saved = BandState.load(checkpoint)
    band_images, surrogate_calls = start_band(images, settings, saved)
    counter = ForceCallCounter()
    if endpoint_energies is None and saved is not None:
        endpoint_energies = saved.endpoint_energies
    energies = attach_calculators(band_images, calculator_factory, endpoint_energies, counter)
    if saved is not None:
        restore_electrodes(band_images[1:-1], saved.electrodes)
    neb = _make_neb(band_images, settings, parallel, world)
    paths = _trajectory_paths(traj_prefix, len(band_images))
    # with no trajectories to start, a restored band is not evaluated before its
    # optimizer needs it (a resumed ODE has its forces saved: 3 DFT calls saved)
    new_files = bool(paths) and not any(
        Path(path).exists() and Path(path).stat().st_size for path in paths
    )
    with _trajectories(band_images, paths, append=saved is not None) as writers:
        start = time.perf_counter()
        watch = BandWatch(
            neb, writers, progress, settings.stall_steps, scf_follower(band_images, settings)
        )
        watch.probation_floor = settings.fmax
        precon, hessian_calls = _preconditioner(neb, settings, saved)
        run = Band(
            images=band_images,
            neb=neb,
            settings=settings,
            watch=watch,
            counter=counter,
            endpoint_energies=energies,
            surrogate_calls=surrogate_calls,
            hessian_calls=hessian_calls,
            precon=precon,
            stages=stage_ladder(settings, precon is not None),
            checkpoint=checkpoint,
            logfile=logfile,
        )
        resumed_steps = _resume(run, saved)
        if saved is not None and new_files:
            _record_restored_band(run, writers)
        run_ladder(run, saved)
    return band_result(run, time.perf_counter() - start, paths, resumed_steps)


def start_band(
    images: Sequence[Atoms], settings: NebSettings, saved: BandState | None
) -> tuple[list[Atoms], int]:
    """The band the real calculator starts from, and the surrogate calls it cost.

    From the checkpoint if there is one; else pre-converged by the surrogate
    stage if the settings ask for one; else the given (interpolated) band.
    """
    band = [image.copy() for image in images]
    if saved is not None:
        for image, positions in zip(band, saved.band, strict=True):
            image.positions = positions
        return band, saved.surrogate_force_calls
    if settings.surrogate != "none":
        # Cheap pre-convergence: the real calculator starts near the path.
        return surrogate_band(band, settings)
    return band, 0


def surrogate_band(images: Sequence[Atoms], settings: NebSettings) -> tuple[list[Atoms], int]:
    """Pre-converge the interior of ``images`` with the settings' cheap surrogate.

    Returns the band with new interior positions (endpoints unchanged, no
    calculators attached) and the number of surrogate force calls. Elements the
    surrogate cannot describe (EMT: H, C, N, O, Al, Ni, Cu, Pd, Ag, Pt, Au) leave
    the band unchanged, with 0 calls.
    """
    unchanged = [image.copy() for image in images]
    surrogates = shifted_surrogates(images, settings.surrogate)
    if surrogates is None:
        return unchanged, 0
    factory, energies = surrogates
    stage = settings.model_copy(
        update={
            "surrogate": "none",
            "scf_force_fraction": None,
            "surrogate_precon": False,
            "fmax": settings.surrogate_fmax,
            "climb": settings.surrogate_climb,
        }
    )
    run = run_neb(unchanged, factory, stage, energies, traj_prefix=None)
    if not run.converged:
        # The endpoint shift is a constant force per atom: where the surrogate
        # describes the real endpoints badly (large EMT forces on C/O), it can
        # pull atoms out of the slab. An unconverged surrogate band is not used.
        return unchanged, run.force_calls + 2
    for image, relaxed in zip(unchanged[1:-1], run.images[1:-1], strict=True):
        image.positions = relaxed.positions
    return unchanged, run.force_calls + 2


def attach_calculators(
    band: list[Atoms],
    factory: Callable[[int], Calculator],
    endpoint_energies: Sequence[float] | None,
    counter: ForceCallCounter,
) -> tuple[float, float]:
    """Freeze the endpoints at their energies and give each interior image its calculator.

    Endpoint energies are computed with the factory when not given (two force
    calls, counted). Returns the endpoint energies (eV).
    """
    if endpoint_energies is None:
        endpoint_energies = []
        for index in (0, len(band) - 1):
            band[index].calc = factory(index)
            endpoint_energies.append(band[index].get_potential_energy())
            counter.count += 1
    for index, energy in zip((0, -1), endpoint_energies, strict=True):
        freeze_energy(band[index], energy)
    for index, image in enumerate(band[1:-1], start=1):
        image.calc = factory(index)
        counter.attach(image)
    return float(endpoint_energies[0]), float(endpoint_energies[1])


def _make_neb(band: list[Atoms], settings: NebSettings, parallel: bool, world) -> NEB:
    kwargs = {
        "k": settings.spring,
        "climb": settings.climb,
        "method": settings.method,
        "parallel": parallel,
        "world": world,
    }
    if settings.dynamic:
        return DyNEB(band, fmax=settings.fmax, dynamic_relaxation=True, **kwargs)
    return NEB(band, **kwargs)


def _trajectory_paths(prefix: str | Path | None, n_images: int) -> list[str]:
    return [] if prefix is None else [f"{prefix}-{index}.traj" for index in range(n_images)]


@contextmanager
def _trajectories(band: list[Atoms], paths: list[str], append: bool) -> Iterator[list]:
    """One open ASE trajectory per image (appended to when resuming)."""
    mode = "a" if append else "w"
    images = band[: len(paths)]
    writers = [Trajectory(path, mode, image) for path, image in zip(paths, images, strict=True)]
    try:
        yield writers
    finally:
        for writer in writers:
            writer.close()


def _preconditioner(
    neb: NEB, settings: NebSettings, saved: BandState | None
) -> tuple[np.ndarray | None, int]:
    """The inverse surrogate NEB Hessian for the preconditioned ODE stage (or ``None``).

    Returns it with the surrogate force calls its Hessian took (a resume: those
    of the first start).
    """
    if saved is not None:
        return saved.precon, saved.surrogate_hessian_calls
    if not (settings.surrogate_precon and settings.optimizer in ("ode", "bfgs")):
        return None, 0
    surrogate = settings.surrogate if settings.surrogate != "none" else "emt"
    hessian = surrogate_neb_hessian(neb, surrogate, settings.surrogate_precon_floor)
    precon = None if hessian.matrix is None else np.linalg.inv(hessian.matrix)
    return precon, hessian.force_calls


def _resume(run: Band, saved: BandState | None) -> int:
    """Restore counters and watch from ``saved``; return the band steps done before."""
    if saved is None:
        return 0
    run.counter.count = saved.force_calls
    run.watch.state = saved.watch
    run.used = list(run.stages[: saved.stage])
    # band steps whose forces were known before the interruption
    return run.watch.steps - 1


def _record_restored_band(run: Band, writers: list) -> None:
    """Write the band restored from a checkpoint as the first frame of new trajectories.

    A run resumed in another folder (a rerun into a new store, the next
    allocation) starts new trajectory files; without this frame a band that
    was already converged would leave them empty. Its forces are needed next
    anyway (the optimizer's first step or the final check), so they cost
    nothing extra.
    """
    run.neb.get_forces()
    for writer in writers:
        writer.write()


def run_ladder(run: Band, saved: BandState | None) -> None:
    """Run the optimizer stages in order until the band converges or steps run out."""
    first = saved.stage if saved is not None else 0
    for index in range(first, len(run.stages)):
        resume = saved.optimizer if saved is not None and index == first else None
        run_stage(run, index, resume)
        refine_loose_scf(run, index)
        if run.converged or run.out_of_steps:
            return


def run_stage(run: Band, index: int, resume: dict | None) -> None:
    """Run ladder stage ``index`` until it converges, runs out of steps or is handed on."""
    stage = run.stages[index]
    optimizer = run.optimizer(index)
    if resume is not None:
        optimizer.restore(resume)
    run.watch.may_stall = index < len(run.stages) - 1
    run.used.append(stage)
    if stage.on_probation and resume is None:
        run.watch.probation, run.watch.probation_fmax = PRECON_PROBATION_STEPS, None
    if stage.is_ode and resume is None:
        # ASE's ODE optimizer calls observers only after accepted steps;
        # record the starting band too, as BFGS and FIRE do (a resumed
        # ODE band was recorded when it was accepted).
        run.watch()
    try:
        optimizer.run(fmax=run.settings.fmax, steps=run.settings.max_steps - run.watch.steps)
    except Stalled:
        run.watch.reset_stall()


def refine_loose_scf(run: Band, index: int) -> None:
    """A band converged on loosened SCF: re-evaluate it with the calculators' own criteria.

    If the re-evaluated band is not converged, a fresh optimizer of the same
    stage goes on from it (and so on, until it holds on tight forces).
    """
    while run.converged:
        set_force_tolerance(run.images, None)
        if not discard_loose_results(run.images):
            return
        run.watch()
        if run.converged or run.out_of_steps:
            return
        optimizer = run.optimizer(index)
        try:
            optimizer.run(fmax=run.settings.fmax, steps=run.settings.max_steps - run.watch.steps)
        except Stalled:
            run.watch.reset_stall()
            return


def band_result(run: Band, wall: float, paths: list[str], resumed_steps: int) -> NebRun:
    """The :class:`NebRun` of a finished band (a converged band is checkpointed as such)."""
    images = run.images
    neb_forces = run.neb.get_forces().reshape(len(images) - 2, len(images[0]), 3)
    image_fmax = [0.0, *np.linalg.norm(neb_forces, axis=2).max(axis=1).tolist(), 0.0]
    # Judged here, not by the optimizer's return value: ASE's ODE optimizer
    # returns True when it runs out of steps.
    converged = max(image_fmax) <= run.settings.fmax
    if converged:
        # a rerun finds the converged band and only checks it
        final = {"x": run.neb.get_positions().ravel(), "nsteps": 0, "state": None, "extra": {}}
        run.save(len(run.used) - 1, final)
    return NebRun(
        images=images,
        energies=[float(image.get_potential_energy()) for image in images],
        image_fmax=image_fmax,
        forces=[image.get_forces() for image in images],
        converged=converged,
        steps=run.watch.steps - 1,
        optimizers=[stage.value for stage in run.used],
        force_calls=run.counter.count,
        surrogate_force_calls=run.surrogate_calls,
        surrogate_hessian_calls=run.hessian_calls,
        wall_time_s=wall,
        trajectories=paths,
        resumed_steps=resumed_steps,
        electrodes=[
            image.calc.record() if hasattr(image.calc, "record") else None for image in images
        ],
        scf_recoveries=[
            f"image {index}: {line}"
            for index, image in enumerate(images)
            for line in getattr(image.calc, "recoveries", [])
        ],
    )
