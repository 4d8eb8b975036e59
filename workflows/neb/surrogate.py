"""Cheap surrogate calculators for a band: endpoint-shifted forces and the NEB Hessian.

A surrogate is ASE's EMT (milliseconds per call) or a machine-learned potential
(SevenNet, CHGNet: about 0.1-0.4 s per call on 15-30 atoms, one thread;
:mod:`cudiss.workflows.calculators.mlip`). It helps a DFT NEB twice
(docs/neb.md): its band, relaxed first, starts the DFT stage near the path, and
its NEB Hessian preconditions the DFT stage's ODE optimizer. It never reports a
barrier. This module only builds those calculators and that Hessian; running
the surrogate stage is the driver's job (:mod:`cudiss.workflows.neb.driver`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import NamedTuple, get_args

import numpy as np
from ase import Atoms
from ase.calculators.calculator import Calculator
from ase.mep.neb import NEB

from cudiss.structures.errors import CudissInputError
from cudiss.workflows.calculators.force_calls import ForceCallCounter
from cudiss.workflows.calculators.mlip import MLIP_NAMES, mlip_calculator
from cudiss.workflows.neb.settings import SurrogateName

UNDESCRIBED_ELEMENTS = (NotImplementedError, KeyError)
"""What EMT raises for an element it has no parameters for (KeyError)."""

FORWARD_DIFFERENCES: frozenset[str] = frozenset({"sevennet"})
"""Surrogates whose NEB Hessian is taken by forward differences (half the calls).

Measured on Cu(100) adatom bands (docs/neb.md). SevenNet's forces are smooth:
its forward Hessian is within 2 % (Frobenius) of the central one, and it took
72-86 s instead of 137 s on a 30-atom band of 3 images (189 free coordinates, one
core shared with GPAW). CHGNet's forces wiggle on the 0.01 Å scale (the
adatom's curvature reads -0.9 to 4.5 eV/Å² depending on the step), so it keeps
central differences, which average over 0.02 Å: forward ones cost its
preconditioned runs up to 4 times the target calls. EMT calls cost
milliseconds: central.
"""


def _undescribed(name: SurrogateName) -> tuple[type[Exception], ...]:
    """The errors that mean "surrogate ``name`` cannot describe these elements".

    Only EMT lacks elements (H, C, N, O, Al, Ni, Cu, Pd, Ag, Pt, Au only). The
    MLIPs describe 89 elements each, so an error of theirs is
    a real failure and is not caught (an empty tuple catches nothing).
    """
    return UNDESCRIBED_ELEMENTS if name == "emt" else ()


class EndpointShiftedCalculator(Calculator):
    """A cheap calculator whose forces are shifted so the real endpoints are minima.

    EMT and DFT disagree on the slab's own equilibrium (EMT's Cu lattice constant
    is 3.59 Å, PBE's ~3.63 Å), so plain EMT would relax every free slab atom of the
    interior images towards EMT's geometry, which the real calculator must then
    undo. Subtracting the surrogate's forces at the two endpoints, interpolated
    linearly along the band (``(1 - t) F(initial) + t F(final)`` for image
    ``t = i / (n + 1)``), makes both real endpoints stationary for the surrogate
    while keeping its description of the moving atoms. The energy gets the
    matching linear term, so energies and forces stay consistent.

    Parameters
    ----------
    inner
        The cheap calculator (e.g. EMT).
    offset
        Force shift for this image (eV/Å, shape (n_atoms, 3)).
    reference
        Positions at which the energy shift is zero (Å).
    """

    implemented_properties = ("energy", "forces")

    def __init__(self, inner: Calculator, offset: np.ndarray, reference: np.ndarray) -> None:
        super().__init__()
        self.inner, self.offset, self.reference = inner, offset, reference

    def calculate(self, atoms=None, properties=("energy",), system_changes=()):
        super().calculate(atoms, properties, system_changes)
        work = self.atoms.copy()
        work.calc = self.inner
        energy = work.get_potential_energy()
        forces = work.get_forces(apply_constraint=False)
        shift = float(np.sum(self.offset * (self.atoms.positions - self.reference)))
        self.results = {"energy": energy + shift, "forces": forces - self.offset}


def surrogate_calculator(name: SurrogateName) -> Callable[[], Calculator]:
    """A no-argument factory of new calculators of the surrogate called ``name``.

    Parameters
    ----------
    name
        ``"emt"`` (ASE's EMT class), ``"sevennet"`` or ``"chgnet"``
        (:func:`~cudiss.workflows.calculators.mlip.mlip_calculator`: the model is
        loaded on the first call, once per process, with torch's threads limited
        as BLAS's are).

    Raises
    ------
    CudissInputError
        For ``"none"`` or any other name.
    """
    if name == "emt":
        from ase.calculators.emt import EMT

        return EMT
    if name in MLIP_NAMES:
        return functools.partial(mlip_calculator, name)
    choices = ", ".join(n for n in get_args(SurrogateName) if n != "none")
    raise CudissInputError(f"unknown NEB surrogate {name!r}: choose one of {choices}")


def shifted_surrogates(
    band: Sequence[Atoms], name: SurrogateName
) -> tuple[Callable[[int], Calculator], tuple[float, float]] | None:
    """Surrogate calculators for ``band`` whose forces vanish at both real endpoints.

    Returns ``factory(i)`` (an :class:`EndpointShiftedCalculator` for image
    ``i``, its force offset interpolated linearly between the endpoints'
    surrogate forces) and the endpoints' surrogate energies (eV), or ``None``
    when EMT cannot describe the band's elements (H, C, N, O, Al, Ni, Cu, Pd,
    Ag, Pt, Au only). An MLIP's equilibrium differs from DFT's as EMT's does
    (SevenNet's Cu lattice constant is not PBE's), so its forces are shifted too.
    """
    make = surrogate_calculator(name)
    endpoint_forces, endpoint_energies = [], []
    try:
        for image in (band[0], band[-1]):
            probe = image.copy()
            probe.calc = make()
            endpoint_forces.append(probe.get_forces(apply_constraint=False))
            endpoint_energies.append(float(probe.get_potential_energy()))
    except _undescribed(name):
        return None
    n = len(band) - 1

    def factory(index: int) -> Calculator:
        t = index / n
        offset = (1 - t) * endpoint_forces[0] + t * endpoint_forces[1]
        return EndpointShiftedCalculator(make(), offset, band[index].positions.copy())

    return factory, (endpoint_energies[0], endpoint_energies[1])


class SurrogateHessian(NamedTuple):
    """A surrogate NEB Hessian and what it cost."""

    matrix: np.ndarray | None
    """eV/Å², shape (3 N n, 3 N n); ``None`` if EMT cannot describe the elements."""
    force_calls: int
    """Surrogate force calls at new positions: every image once, one or two per
    free coordinate, and one per interior image but the last, put back when the
    next one is displaced."""


def surrogate_neb_hessian(
    band: NEB,
    surrogate: SurrogateName = "emt",
    floor: float = 1.0,
    delta: float = 0.01,
    central: bool | None = None,
) -> SurrogateHessian:
    """The surrogate's NEB Hessian at ``band``'s positions, shape (3 N n, 3 N n).

    Minus the Jacobian of the NEB force of the same band (same springs, tangent
    method and climbing image) computed with the surrogate, by finite
    differences of ``delta`` Å over the free coordinates of the interior images.
    Only the displaced image is recomputed (the others' calculators keep their
    results), yet every image's NEB force is differentiated, so the spring and
    tangent coupling between neighbouring images is in. The endpoint shift of
    :class:`EndpointShiftedCalculator` is constant and drops out. Symmetrised;
    |eigenvalues| below ``floor`` (eV/Å²) are raised to it; fixed coordinates
    get 70 eV/Å² (ASE's BFGS default) and no coupling.

    Parameters
    ----------
    band
        The band whose positions, springs, tangent method and climbing image are used.
    surrogate
        Which surrogate's Hessian (not ``"none"``).
    floor
        Smallest |eigenvalue| kept (eV/Å²).
    delta
        Finite-difference step (Å).
    central
        Central differences (2 surrogate calls per free coordinate) or forward
        ones (1 call). ``None``: forward for the surrogates in
        :data:`FORWARD_DIFFERENCES` (SevenNet), central for the others.

    Returns
    -------
    SurrogateHessian
        The Hessian (eV/Å², ``None`` if EMT cannot describe the elements) and
        the surrogate force calls it took.
    """
    make = surrogate_calculator(surrogate)
    if central is None:
        central = surrogate not in FORWARD_DIFFERENCES
    images = [image.copy() for image in band.images]
    counter = ForceCallCounter()
    try:
        for image in images:
            image.calc = make()
            counter.attach(image)
            image.get_forces()
    except _undescribed(surrogate):
        return SurrogateHessian(None, counter.count)
    neb = NEB(images, k=list(band.k), climb=band.climb, method=band.method)
    natoms, nint = len(images[0]), len(images) - 2
    free = np.ones((nint, natoms), bool)
    for i, image in enumerate(images[1:-1]):
        for constraint in image.constraints:
            free[i, getattr(constraint, "index", [])] = False
    x0 = neb.get_positions()
    f0 = neb.get_forces().ravel()
    steps = (delta, -delta) if central else (delta,)
    dof = nint * natoms * 3
    jacobian = np.zeros((dof, dof))
    for i, a in zip(*np.nonzero(free), strict=True):
        for d in range(3):
            columns = []
            for step in steps:
                x = x0.copy()
                x[i * natoms + a, d] += step
                neb.set_positions(x)
                columns.append(neb.get_forces().ravel())
            if central:
                column = (columns[0] - columns[1]) / (2 * delta)
            else:
                column = (columns[0] - f0) / delta
            jacobian[:, (i * natoms + a) * 3 + d] = column
    mask = np.repeat(free.ravel(), 3)
    block = -0.5 * (jacobian + jacobian.T)[np.ix_(mask, mask)]
    values, vectors = np.linalg.eigh(block)
    hessian = np.eye(dof) * 70.0
    hessian[np.ix_(mask, mask)] = (vectors * np.maximum(np.abs(values), floor)) @ vectors.T
    return SurrogateHessian(hessian, counter.count)
