"""Climbing-image NEB on top of ase.mep, with one calculator per image.

ASE owns the physics (``NEB``/``DyNEB``, IDPP interpolation, ``NEBOptimizer``);
this package adds what a workflow needs around it: one fresh calculator per
image built from a factory (GPAW calculators cannot be shared or deep-copied),
a count of real force evaluations, per-image ASE trajectories, progress
callbacks, checkpoints, and a plain result object.

Cheap path (``NebSettings.fast()``): the band is first relaxed with ASE's EMT,
its forces shifted so that the real (e.g. DFT) endpoints are EMT minima; the
real stage's ODE optimizer is preconditioned by EMT's NEB Hessian and early
band steps use looser SCF criteria. How and why, with the measured numbers:
docs/neb.md.

Modules, in the order a run uses them:

    settings    NebSettings and the closed sets of choices (tangent, optimizer, ...)
    band        endpoint checks, continuity across the cell, interpolation
    surrogate   endpoint-shifted surrogate calculators and the surrogate NEB Hessian
    optimizers  optimizer stages (Stage) and their ladder, the resumable ODE optimizer
    watch       force-call counting, the band observer (trajectories, stalls, probation)
    scf         SCF accuracy of the images following the band's fmax
    state       BandState (what a checkpoint holds) and the live Band the stages pass on
    driver      run_neb: start band -> calculators -> optimizer ladder -> refine -> result
    result      NebRun
"""

from cudiss.workflows.calculators.force_calls import ForceCallCounter
from cudiss.workflows.neb.band import (
    band_fmax,
    check_endpoints,
    interpolate_band,
    unwrap_band,
    unwrap_like,
)
from cudiss.workflows.neb.driver import BandState, ProgressCallback, run_neb, surrogate_band
from cudiss.workflows.neb.optimizers import Stage, stage_ladder
from cudiss.workflows.neb.result import NebRun
from cudiss.workflows.neb.settings import (
    InterpolationMethod,
    NebSettings,
    OptimizerName,
    SurrogateName,
    TangentMethod,
)
from cudiss.workflows.neb.surrogate import EndpointShiftedCalculator, surrogate_neb_hessian
from cudiss.workflows.neb.watch import PRECON_PROBATION_STEPS

__all__ = [
    "PRECON_PROBATION_STEPS",
    "BandState",
    "EndpointShiftedCalculator",
    "ForceCallCounter",
    "InterpolationMethod",
    "NebRun",
    "NebSettings",
    "OptimizerName",
    "ProgressCallback",
    "Stage",
    "SurrogateName",
    "TangentMethod",
    "band_fmax",
    "check_endpoints",
    "interpolate_band",
    "run_neb",
    "stage_ladder",
    "surrogate_band",
    "surrogate_neb_hessian",
    "unwrap_band",
    "unwrap_like",
]
