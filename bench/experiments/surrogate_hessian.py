"""BFGS for the real NEB stage, started from the surrogate's NEB Hessian.

The fast path already relaxes the band with EMT (endpoint-shifted) before the
real calculator sees it. Here the same surrogate also gives the real stage's
optimizer its starting curvature: the Jacobian of the surrogate's NEB force
(springs, tangent projection and climbing image included) at the starting band,
by central finite differences over the free coordinates (only the displaced
image is recomputed: 2 x 3 x n_free x n_images EMT calls, milliseconds each),
symmetrised, |eigenvalues| floored. ASE's BFGS then starts from that matrix
instead of 70 eV/Å² x identity.

``patch(floor=..., delta=...)`` monkeypatches cudiss.workflows.neb._optimizer so
that optimizer="bfgs" means this; it returns an undo function.
"""

from __future__ import annotations

import numpy as np
from ase.calculators.emt import EMT
from ase.mep.neb import NEB

from cudiss.workflows import neb as nebmod

STATS: list[dict] = []


def surrogate_neb_hessian(band: NEB, floor: float = 0.5, delta: float = 0.01) -> np.ndarray:
    """-(dF_NEB/dX) of the endpoint-shifted EMT band at ``band``'s positions, (3Nn, 3Nn)."""
    images = [image.copy() for image in band.images]
    ends = []
    for image in (images[0], images[-1]):
        image.calc = EMT()
        ends.append(image.get_forces(apply_constraint=False))
    n = len(images) - 1
    for index in range(1, n):
        t = index / n
        offset = (1 - t) * ends[0] + t * ends[1]
        images[index].calc = nebmod.EndpointShiftedCalculator(
            EMT(), offset, images[index].positions.copy()
        )
    neb = NEB(images, k=list(band.k), climb=band.climb, method=band.method)
    natoms = len(images[0])
    nint = n - 1
    x0 = neb.get_positions().copy()
    dof = nint * natoms * 3
    free = np.ones((nint, natoms), bool)
    for i, image in enumerate(images[1:-1]):
        for constraint in image.constraints:
            if hasattr(constraint, "index"):
                free[i, constraint.index] = False
    J = np.zeros((dof, dof))
    for i in range(nint):
        for a in np.flatnonzero(free[i]):
            for d in range(3):
                col = (i * natoms + a) * 3 + d
                fs = []
                for sign in (1, -1):
                    x = x0.copy()
                    x[i * natoms + a, d] += sign * delta
                    neb.set_positions(x)
                    fs.append(neb.get_forces().ravel().copy())
                J[:, col] = (fs[0] - fs[1]) / (2 * delta)
    neb.set_positions(x0)
    H = -0.5 * (J + J.T)
    mask = np.repeat(free.ravel(), 3)
    Hf = H[np.ix_(mask, mask)]
    w, V = np.linalg.eigh(Hf)
    STATS.append(
        {
            "negative": int((w < 0).sum()),
            "min": float(w.min()),
            "max": float(w.max()),
            "below_floor": int((np.abs(w) < floor).sum()),
        }
    )
    w = np.maximum(np.abs(w), floor)
    out = np.eye(dof) * 70.0
    out[np.ix_(mask, mask)] = (V * w) @ V.T
    return out


def patch(floor: float = 0.5, delta: float = 0.01, maxstep: float | None = None):
    from ase.optimize import BFGS

    original = nebmod._optimizer

    def _optimizer(name, band, logfile, on_step=None, **kwargs):
        surrogate_stage = isinstance(band.images[1].calc, nebmod.EndpointShiftedCalculator)
        if name != "bfgs" or surrogate_stage:
            # the surrogate stage itself keeps ODE
            name = "ode" if surrogate_stage else name
            return original(name, band, logfile, on_step=on_step, **kwargs)
        opt = BFGS(band, logfile=logfile, **({"maxstep": maxstep} if maxstep else {}))
        opt.H0 = surrogate_neb_hessian(band, floor=floor, delta=delta)
        return opt

    nebmod._optimizer = _optimizer

    def undo():
        nebmod._optimizer = original

    return undo


def patch_ode(floor: float = 0.5, delta: float = 0.01, h0: float | None = None):
    """optimizer="ode" in the real stage: ASE's ode12r preconditioned by the surrogate Hessian.

    The prototype of what neb.py now does itself (``NebSettings.surrogate_precon``);
    kept to reproduce the NOTES.md rows, with neb.py's own precon support.
    """
    original = nebmod._optimizer

    def _optimizer(name, band, logfile, on_step=None, **kwargs):
        surrogate_stage = isinstance(band.images[1].calc, nebmod.EndpointShiftedCalculator)
        if name != "ode" or surrogate_stage:
            return original(name, band, logfile, on_step=on_step, **kwargs)
        precon = np.linalg.inv(surrogate_neb_hessian(band, floor=floor, delta=delta))
        optimizer = nebmod._NormNEBOptimizer(
            band, method="ode", logfile=logfile, on_step=on_step, precon=precon
        )
        optimizer.first_h = h0
        return optimizer

    nebmod._optimizer = _optimizer

    def undo():
        nebmod._optimizer = original

    return undo
