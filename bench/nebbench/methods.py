"""The NEB methods compared, each run on a copy of a case's shared band.

Every method gets the same relaxed endpoints and IDPP band, calculators from
the same factory (metered by one :class:`~nebbench.metering.Meter`), and is
judged by the same criterion afterwards (:func:`judge`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from ase import Atoms
from ase.calculators.singlepoint import SinglePointCalculator
from ase.mep.neb import NEB
from ase.optimize import BFGS, FIRE

from cudiss.workflows.checkpoint import Checkpoint
from cudiss.workflows.neb import NebSettings, band_fmax, run_neb
from cudiss.workflows.neb.band import moving_system
from nebbench.cases import Case
from nebbench.metering import EarlierParts, FreshOnDeepcopy, Meter, metered_surrogates

FMAX = 0.05
"""Convergence criterion of every method and of the endpoints, eV/Å."""
N_IMAGES = 3
MAX_STEPS = 500
BAND_CHECKPOINT = "band.pkl"

SURROGATES = {
    "cudiss-fast": "emt",
    "cudiss-sevennet": "sevennet",
    "cudiss-chgnet": "chgnet",
}
"""The surrogate of each fast-path method (``NebSettings.fast(surrogate=...)``)."""


BFGS_AFTER_SURROGATE = {
    "cudiss-sevennet-bfgs": ("sevennet", False, 1.0),
    "cudiss-sevennet-bfgs-precon": ("sevennet", True, 1.0),
    "cudiss-sevennet-bfgs-precon-floor3": ("sevennet", True, 3.0),
}
"""Surrogate band, then the real stage with BFGS (preset SCF), from its 70 eV/Å²
identity or (``-precon``) from the surrogate's NEB Hessian, its |eigenvalues|
raised to the floor (eV/Å²; ``-floor3``: 3 instead of the default 1, shorter
steps along soft modes)."""


def settings_for(method: str, case: Case | None = None) -> NebSettings:
    """cudiss's settings: the defaults, the path ``surrogate: auto`` takes for ``case``
    (``cudiss-auto``), or the fast path with the method's surrogate."""
    base = {"n_images": N_IMAGES, "fmax": FMAX, "max_steps": MAX_STEPS}
    if method == "cudiss-default":
        return NebSettings(**base)
    if method == "cudiss-auto":
        ends = case.endpoints()
        system = moving_system(ends.initial, ends.final)
        target = "dft" if case.is_gpaw else "emt"
        return NebSettings(surrogate="auto", **base).resolved_for(system, target)
    if method in BFGS_AFTER_SURROGATE:
        surrogate, precon, floor = BFGS_AFTER_SURROGATE[method]
        return NebSettings(
            surrogate=surrogate,
            optimizer="bfgs",
            surrogate_precon=precon,
            surrogate_precon_floor=floor,
            **base,
        )
    if method == "cudiss-fast":
        return NebSettings.fast(**base)
    return NebSettings.fast(surrogate=SURROGATES[method], **base)


def resumable(method: str) -> bool:
    """Methods that checkpoint their band (cudiss's ``run_neb``): a killed run goes on."""
    return method.startswith("cudiss")


def band_copy(band: list[Atoms], energies: list[float]) -> list[Atoms]:
    """A copy of ``band`` whose endpoints carry their relaxed energies (eV), zero forces."""
    images = [image.copy() for image in band]
    for index, energy in ((0, energies[0]), (-1, energies[1])):
        images[index].calc = SinglePointCalculator(
            images[index], energy=energy, forces=np.zeros((len(images[index]), 3))
        )
    return images


def judge(images: list[Atoms], k: float) -> tuple[float, list[float]]:
    """Final NEB fmax (per-atom norm, CI on) and energies; uses cached results only."""
    band = NEB(images, k=k, climb=True, method="improvedtangent")
    fmax = band_fmax(band.get_forces())
    return fmax, [float(image.get_potential_energy()) for image in images]


@contextmanager
def _inside(workdir: Path):
    """Run in ``workdir`` (atomate2 and cudiss write files into the current folder)."""
    cwd = os.getcwd()
    os.chdir(workdir)
    try:
        yield
    finally:
        os.chdir(cwd)


def run_method(
    method: str, case: Case, band: list[Atoms], energies: list[float], workdir: Path
) -> tuple[dict[str, Any], list[Atoms]]:
    """Run one method on the shared band; return its metered cost and result, and its band.

    A resumable method found killed in ``workdir`` goes on from its checkpoint,
    its costs added to those of the earlier parts.
    """
    earlier = EarlierParts.load(workdir) if resumable(method) else EarlierParts()
    meter = earlier.meter
    counter = iter(range(1, 1000))

    def factory(tag: str = "") -> Any:
        return meter.wrap(case.build(txt=str(workdir / f"{method}{tag}-{next(counter)}.txt")))

    images = band_copy(band, energies)
    extra: dict[str, Any] = _preload(method, case)
    start = time.perf_counter()
    if method in ("ase-bfgs", "ase-fire"):
        images, k, more = _run_ase(method, images, factory)
    elif method.startswith("atomate2"):
        images, k, more = _run_atomate2(method, images, factory, workdir)
    else:
        images, k, more = _run_cudiss(method, case, images, energies, meter, workdir, earlier)
    wall = earlier.wall_s + time.perf_counter() - start
    fmax, final_energies = judge(images, k)
    result = {
        **meter.summary(),
        "wall_s": round(wall, 2),
        "barrier_eV": round(max(final_energies) - final_energies[0], 4),
        # an interior image far below both endpoints: the band found a lower
        # minimum, so its barrier is not the one between the given endpoints
        "dip_below_endpoints_eV": round(
            min(final_energies[0], final_energies[-1]) - min(final_energies[1:-1]), 4
        ),
        "final_fmax": round(fmax, 4),
        "converged": bool(fmax <= FMAX),
        **extra,
        **more,
    }
    if earlier.parts:
        result["parts"] = earlier.parts + 1
    return result, images


def _preload(method: str, case: Case) -> dict[str, Any]:
    """Load an MLIP method's model before the clock starts (once per process, 2-10 s)."""
    if not method.startswith("cudiss"):
        return {}
    surrogate = settings_for(method, case).surrogate
    if surrogate in ("none", "emt"):
        return {}
    from cudiss.workflows.calculators.mlip import mlip_calculator

    start = time.perf_counter()
    mlip_calculator(surrogate)
    return {"model_load_s": round(time.perf_counter() - start, 2)}


def _run_ase(
    method: str, images: list[Atoms], factory: Callable[[], Any]
) -> tuple[list[Atoms], float, dict]:
    """Plain ASE: one calculator per interior image, CI-NEB, BFGS or FIRE."""
    for image in images[1:-1]:
        image.calc = factory()
    neb = NEB(images, climb=True, method="improvedtangent")
    opt = (BFGS if method == "ase-bfgs" else FIRE)(neb, logfile=None)
    opt.run(fmax=FMAX, steps=MAX_STEPS)
    return images, 0.1, {"steps": opt.nsteps}


def _run_atomate2(
    method: str, images: list[Atoms], factory: Callable[[], Any], workdir: Path
) -> tuple[list[Atoms], float, dict]:
    """atomate2's ``AseNebFromImagesMaker``, with its defaults or with CI at fmax 0.05."""
    from atomate2.ase.neb import AseNebFromImagesMaker

    proto = FreshOnDeepcopy(factory)

    @dataclass
    class BenchNebMaker(AseNebFromImagesMaker):
        # atomate2's documented hook ("to be implemented by the user", AseMaker)
        def _get_calculator(self) -> Any:
            return proto

    # atomate2's maker passes its own ``neb_kwargs`` field (default: empty) to
    # ase's NEB, so by default it runs ase's defaults: k=0.1, no climbing
    # image, 'aseneb' tangent; DEFAULT_NEB_KWARGS (k=5, climb) only applies to
    # AseNebInterface.run_neb called directly. Its fmax defaults to 0.1.
    if method == "atomate2-default":
        maker = BenchNebMaker()
    else:
        maker = BenchNebMaker(
            relax_kwargs={"fmax": FMAX},
            neb_kwargs={"climb": True, "method": "improvedtangent"},
        )
    images_in = [image.copy() for image in images]
    with _inside(workdir):
        doc = maker.run_ase(images_in)
    return (
        images_in,
        0.1,
        {
            "atomate2_state": str(doc.state),
            "atomate2_tags": [t for t in doc.tags if "converged" in t],
            "atomate2_defaults": {
                "optimizer": "FIRE (fixed by AseNebInterface)",
                "fmax": maker.relax_kwargs.get("fmax", 0.1),
                "steps": maker.steps,
                "neb_kwargs": maker.neb_kwargs or "ase defaults: k=0.1, climb=False, method=aseneb",
            },
        },
    )


def _run_cudiss(
    method: str,
    case: Case,
    images: list[Atoms],
    energies: list[float],
    meter: Meter,
    workdir: Path,
    earlier: EarlierParts,
) -> tuple[list[Atoms], float, dict]:
    """cudiss's ``run_neb`` with the method's settings; surrogate calls metered apart.

    The band is checkpointed in ``workdir`` and the costs so far recorded with
    every band step (``earlier``: those of the parts before this one).
    """
    settings = settings_for(method, case)
    part = f"-part{earlier.parts + 1}" if earlier.parts else ""
    start = time.perf_counter()

    def factory(i: int) -> Any:
        return meter.wrap(case.build(txt=str(workdir / f"{method}-image-{i}{part}.txt")))

    def record(step: int, fmax: float) -> None:
        earlier.save(workdir, meter, time.perf_counter() - start, surrogates.summary())

    with _inside(workdir), metered_surrogates() as surrogates:
        run = run_neb(
            images,
            factory,
            settings,
            endpoint_energies=tuple(energies),
            traj_prefix=None,
            progress=record,
            checkpoint=Checkpoint(workdir / BAND_CHECKPOINT),
        )
    extra = {
        "steps": run.steps,
        "optimizers": run.optimizers,
        "settings": settings.model_dump(exclude_defaults=True),
        "run_neb_force_calls": run.force_calls,
        "surrogate": settings.surrogate if settings.surrogate != "none" else None,
        "surrogate_force_calls": run.surrogate_force_calls,
    }
    if settings.surrogate != "none" or settings.surrogate_precon:
        extra.update(earlier.surrogates or surrogates.summary())
    return run.images, settings.spring, extra


def cold_start_control(case: Case, images: list[Atoms], workdir: Path) -> dict[str, Any]:
    """SCF iterations of the final interior images recomputed by brand-new calculators.

    Compared with the per-call SCF count of a run that keeps one calculator per
    image, this shows what the wavefunction restart saves.
    """
    meter = Meter()
    for index, image in enumerate(images[1:-1], start=1):
        atoms = image.copy()
        atoms.calc = meter.wrap(case.build(txt=str(workdir / f"cold-{index}.txt")))
        atoms.get_forces()
    return {
        "force_calls": meter.force_calls,
        "scf_iterations": meter.scf_iterations,
        "scf_per_call": round(meter.scf_iterations / max(meter.force_calls, 1), 2),
    }
