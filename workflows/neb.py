"""Climbing-image NEB on top of ase.mep, with one calculator per image.

ASE owns the physics (``NEB``/``DyNEB``, IDPP interpolation, ``NEBOptimizer``);
this module adds what a workflow needs around it: one fresh calculator per
image built from a factory (GPAW calculators cannot be shared or deep-copied),
a count of real force evaluations, per-image ASE trajectories, progress
callbacks, and a plain result object.

Cheap path (``NebSettings.fast()`` or ``surrogate="emt"``): the band is first
relaxed with ASE's EMT, its forces shifted so that the real (e.g. DFT) endpoints
are EMT minima, and only then handed to the real calculator with the climbing
image on. Surrogate calls cost milliseconds and are reported apart from the real
force calls (``NebRun.surrogate_force_calls``). Measurements: ``bench/RESULTS.md``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
from ase import Atoms
from ase.calculators.calculator import Calculator
from ase.calculators.singlepoint import SinglePointCalculator
from ase.geometry import find_mic
from ase.io import Trajectory
from ase.mep.neb import NEB, DyNEB, NEBOptimizer
from ase.optimize import BFGS, FIRE
from ase.optimize.ode import ode12r
from ase.optimize.sciopt import OptimizerConvergenceError
from pydantic import BaseModel, ConfigDict, Field

from cudiss.structures.errors import CudissInputError
from cudiss.workflows.checkpoint import Checkpoint, resumable

ProgressCallback = Callable[[int, float], None]
"""Called after every band step with (step, fmax of the band in eV/Å)."""


class NebSettings(BaseModel):
    """How to run a CI-NEB.

    Parameters
    ----------
    n_images
        Intermediate images between the two endpoints.
    fmax
        Convergence threshold on the NEB force of every image (eV/Å).
    climb
        Climbing image (CI-NEB) so the highest image converges to the saddle.
    method
        Tangent estimate; ``improvedtangent`` (Henkelman & Jónsson 2000) gives far
        better bands than ASE's old default ``aseneb``.
    optimizer
        ``ode`` (ase.mep.NEBOptimizer, fewest force calls in CALIBRATION.md), ``bfgs``
        or ``fire``.
    spring
        Spring constant in eV/Å².
    interpolation
        ``idpp`` (image-dependent pair potential, Smidstrup et al. 2014) or ``linear``.
    max_steps
        Band steps before giving up (the result is then marked unconverged).
    stall_steps
        Steps without a 2 % drop of the band's fmax after which a non-FIRE
        optimizer hands the band over to FIRE. ODE and BFGS are fastest on smooth
        bands but can stall on rough ones (CO-bound Cu leaving a terrace in EMT),
        where FIRE still converges.
    dynamic
        Use ase's ``DyNEB``: skip force calls on images that are already converged.
    surrogate
        ``"emt"``: before any call to the real calculator, relax the band with ASE's
        EMT (milliseconds per call) to ``surrogate_fmax``, with EMT's forces shifted
        so that the given endpoints are its minima (:class:`EndpointShiftedCalculator`);
        the real calculator then starts from that band. ``"none"``: start from the
        interpolated band. See :meth:`fast` and ``bench/RESULTS.md`` for the
        measured savings.
    surrogate_fmax
        Force threshold of the surrogate stage (eV/Å); loose, the real stage refines.
    surrogate_climb
        Climbing image already in the surrogate stage.
    scf_force_fraction
        Adaptive SCF accuracy, for image calculators that offer
        ``set_force_tolerance`` (cudiss's GPAW:
        :class:`~cudiss.workflows.calculators.AdaptiveScfCalculator`). While the
        band's fmax is above ``scf_tight_factor * fmax``, the images' forces are
        asked only to ``scf_force_fraction`` times that fmax (the first band to
        the loosest level), so the SCF cycles of early band steps stop sooner.
        Below it, and always for the band that is returned, the calculators' own
        (preset) criteria apply: a band that reached ``fmax`` on loose forces is
        re-evaluated in place and optimised further if it is then not
        converged. ``None``: off.
    scf_tight_factor
        See ``scf_force_fraction``.
    surrogate_precon
        Precondition the real stage's ODE optimizer with the surrogate's NEB
        Hessian (:func:`surrogate_neb_hessian`): minus the Jacobian of the
        surrogate band's NEB force (springs, tangents and climbing image
        included) at the starting band, by finite differences (milliseconds of
        EMT per column), symmetrised, with |eigenvalues| floored at
        ``surrogate_precon_floor``. The ODE then takes near-Newton steps in the
        surrogate's metric. Needs a surrogate that describes every element.
    surrogate_precon_floor
        Smallest curvature (eV/Å²) the preconditioner keeps; softer modes (CO
        tilting, frustrated translations) are stiffened to it so a poor
        surrogate cannot ask for huge steps.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    n_images: int = Field(3, ge=1, le=32)
    fmax: float = Field(0.05, gt=0)
    climb: bool = True
    method: Literal["improvedtangent", "aseneb", "eb", "spline", "string"] = "improvedtangent"
    optimizer: Literal["ode", "bfgs", "fire"] = "ode"
    spring: float = Field(0.1, gt=0)
    interpolation: Literal["idpp", "linear"] = "idpp"
    max_steps: int = Field(300, ge=1)
    stall_steps: int = Field(25, ge=1)
    dynamic: bool = False
    surrogate: Literal["none", "emt"] = "none"
    surrogate_fmax: float = Field(0.1, gt=0)
    surrogate_climb: bool = False
    scf_force_fraction: float | None = Field(None, gt=0)
    scf_tight_factor: float = Field(3.0, ge=1)
    surrogate_precon: bool = False
    surrogate_precon_floor: float = Field(1.0, gt=0)

    @classmethod
    def fast(cls, **overrides: object) -> NebSettings:
        """The cheap path measured in ``bench/RESULTS.md``: EMT-preconverged band + ODE.

        Parameters
        ----------
        **overrides
            Any other field (``n_images``, ``fmax``...).
        """
        fields = {
            "surrogate": "emt",
            "optimizer": "ode",
            "climb": True,
            "scf_force_fraction": 0.5,
            "surrogate_precon": True,
            **overrides,
        }
        return cls(**fields)


@dataclass
class NebRun:
    """What an NEB run produced (energies in eV, forces in eV/Å)."""

    images: list[Atoms]
    energies: list[float]
    image_fmax: list[float]
    forces: list[np.ndarray]
    converged: bool
    steps: int
    force_calls: int
    wall_time_s: float
    trajectories: list[str] = field(default_factory=list)
    optimizers: list[str] = field(default_factory=list)
    surrogate_force_calls: int = 0
    scf_recoveries: list[str] = field(default_factory=list)
    resumed_steps: int = 0
    """Band steps done before an interruption, read from the checkpoint (0: fresh start)."""

    @property
    def dips_below_endpoints(self) -> bool:
        """An interior image lies >0.05 eV below both endpoints: a lower minimum
        exists along the path, so the barrier from the initial state is suspect."""
        return min(self.energies[1:-1]) < min(self.energies[0], self.energies[-1]) - 0.05

    @property
    def forward_barrier(self) -> float:
        """Highest image energy minus the initial state's (the climbing image's, with CI)."""
        return max(self.energies) - self.energies[0]

    @property
    def reverse_barrier(self) -> float:
        """Highest image energy minus the final state's."""
        return max(self.energies) - self.energies[-1]

    @property
    def reaction_energy(self) -> float:
        """Final minus initial state energy."""
        return self.energies[-1] - self.energies[0]


class ForceCallCounter:
    """Counts force evaluations that a calculator really performs.

    A call with positions identical to the previous call of the same image is a
    cache hit inside the calculator and is not counted.
    """

    def __init__(self) -> None:
        self.count = 0

    def attach(self, atoms: Atoms) -> None:
        """Wrap ``atoms.calc.get_forces`` so that new geometries are counted."""
        calc = atoms.calc
        original = calc.get_forces
        last: list[np.ndarray | None] = [None]

        def counted_get_forces(atoms_: Atoms | None = None, *args, **kwargs):
            positions = (atoms_ if atoms_ is not None else atoms).get_positions()
            if last[0] is None or not np.array_equal(positions, last[0]):
                self.count += 1
                last[0] = positions.copy()
            return original(atoms_, *args, **kwargs)

        calc.get_forces = counted_get_forces


def check_endpoints(initial: Atoms, final: Atoms) -> None:
    """Raise :class:`CudissInputError` unless the endpoints can form one band."""
    if len(initial) != len(final):
        raise CudissInputError(
            f"NEB endpoints differ in atom count ({len(initial)} vs {len(final)})"
        )
    if initial.get_chemical_symbols() != final.get_chemical_symbols():
        raise CudissInputError("NEB endpoints have different atom order or species")
    if not np.allclose(initial.cell, final.cell, atol=1e-6):
        raise CudissInputError("NEB endpoints have different cells")


def unwrap_like(atoms: Atoms, reference: np.ndarray) -> Atoms:
    """Move each atom to its periodic image nearest to ``reference`` (positions, Å).

    pymatgen wraps coordinates into the cell, so an image or endpoint that went
    through a ``Structure`` can come back shifted by a lattice vector; a band
    must be continuous.
    """
    shift = find_mic(atoms.positions - reference, atoms.cell, atoms.pbc)[0]
    atoms.positions = reference + shift
    return atoms


def unwrap_band(images: Sequence[Atoms]) -> list[Atoms]:
    """Make a band continuous: every image unwrapped against the one before it."""
    band = [images[0].copy()]
    for image in images[1:]:
        band.append(unwrap_like(image.copy(), band[-1].positions))
    return band


def interpolate_band(
    initial: Atoms,
    final: Atoms,
    n_images: int,
    method: str = "idpp",
    displacement: np.ndarray | None = None,
) -> list[Atoms]:
    """Return ``[initial, n_images interior images, final]`` interpolated by ASE.

    Parameters
    ----------
    initial, final
        Relaxed endpoints with identical atom order and cell.
    n_images
        Number of interior images.
    method
        ``idpp`` or ``linear``.
    displacement
        Intended per-atom displacement from initial to final (Å, shape (n, 3)).
        Each final-state atom is taken at its periodic image nearest to
        ``initial + displacement``; without it, at the one nearest to the initial
        position (ambiguous for a hop of half a cell).
    """
    check_endpoints(initial, final)
    if displacement is not None and np.shape(displacement) != (len(initial), 3):
        # A single (3,) vector would broadcast to every atom and silently move
        # the whole slab by it: with a hop of half a cell (2x2 Cu(100)) fixed
        # atoms then jump a lattice vector and two atoms meet mid-band.
        raise CudissInputError(
            f"displacement must be per atom, shape ({len(initial)}, 3); "
            f"got {np.shape(displacement)}"
        )
    hint = initial.positions + (0.0 if displacement is None else np.asarray(displacement))
    final = unwrap_like(final.copy(), hint)
    images = [initial.copy() for _ in range(n_images + 1)] + [final]
    # Fixed atoms coincide in both endpoints, so ignoring constraints while
    # interpolating moves none of them.
    NEB(images, method="improvedtangent").interpolate(
        method=method, mic=False, apply_constraint=False
    )
    for image in images:
        image.calc = None
    return images


def _freeze_energy(atoms: Atoms, energy: float) -> None:
    """Attach a known energy (and zero forces) to an endpoint so it is never recomputed."""
    atoms.calc = SinglePointCalculator(atoms, energy=energy, forces=np.zeros((len(atoms), 3)))


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


def _surrogate_factory(name: str) -> Callable[[], Calculator]:
    if name == "emt":
        from ase.calculators.emt import EMT

        return EMT
    raise CudissInputError(f"unknown NEB surrogate {name!r}")


def surrogate_band(images: Sequence[Atoms], settings: NebSettings) -> tuple[list[Atoms], int]:
    """Pre-converge the interior of ``images`` with the settings' cheap surrogate.

    Returns the band with new interior positions (endpoints unchanged, no
    calculators attached) and the number of surrogate force calls. Elements the
    surrogate cannot describe (EMT: H, C, N, O, Al, Ni, Cu, Pd, Ag, Pt, Au) leave
    the band unchanged, with 0 calls.
    """
    make = _surrogate_factory(settings.surrogate)
    band = [image.copy() for image in images]
    endpoint_forces, endpoint_energies = [], []
    try:
        for image in (band[0], band[-1]):
            image.calc = make()
            endpoint_forces.append(image.get_forces(apply_constraint=False))
            endpoint_energies.append(float(image.get_potential_energy()))
    except (NotImplementedError, KeyError):
        return [image.copy() for image in images], 0
    n = len(band) - 1

    def factory(index: int) -> Calculator:
        t = index / n
        offset = (1 - t) * endpoint_forces[0] + t * endpoint_forces[1]
        return EndpointShiftedCalculator(make(), offset, band[index].positions.copy())

    stage = settings.model_copy(
        update={
            "surrogate": "none",
            "scf_force_fraction": None,
            "surrogate_precon": False,
            "fmax": settings.surrogate_fmax,
            "climb": settings.surrogate_climb,
        }
    )
    run = run_neb(band, factory, stage, tuple(endpoint_energies), traj_prefix=None)
    if not run.converged:
        # The endpoint shift is a constant force per atom: where the surrogate
        # describes the real endpoints badly (large EMT forces on C/O), it can
        # pull atoms out of the slab. An unconverged surrogate band is not used.
        return [image.copy() for image in images], run.force_calls + 2
    out = [image.copy() for image in images]
    for image, relaxed in zip(out[1:-1], run.images[1:-1], strict=True):
        image.positions = relaxed.positions
    return out, run.force_calls + 2


def surrogate_neb_hessian(
    band: NEB, surrogate: str = "emt", floor: float = 1.0, delta: float = 0.01
) -> np.ndarray | None:
    """The surrogate's NEB Hessian at ``band``'s positions, shape (3 N n, 3 N n).

    Minus the Jacobian of the NEB force of the same band (same springs, tangent
    method and climbing image) computed with the surrogate, by central
    differences of ``delta`` Å over the free coordinates of the interior images
    (only the displaced image is recomputed). The endpoint shift of
    :class:`EndpointShiftedCalculator` is constant and drops out. Symmetrised;
    |eigenvalues| below ``floor`` (eV/Å²) are raised to it; fixed coordinates
    get 70 eV/Å² (ASE's BFGS default) and no coupling. ``None`` if the
    surrogate cannot describe the elements.
    """
    make = _surrogate_factory(surrogate)
    images = [image.copy() for image in band.images]
    try:
        for image in images:
            image.calc = make()
            image.get_potential_energy()
    except (NotImplementedError, KeyError):
        return None
    neb = NEB(images, k=list(band.k), climb=band.climb, method=band.method)
    natoms, nint = len(images[0]), len(images) - 2
    free = np.ones((nint, natoms), bool)
    for i, image in enumerate(images[1:-1]):
        for constraint in image.constraints:
            free[i, getattr(constraint, "index", [])] = False
    x0 = neb.get_positions()
    dof = nint * natoms * 3
    jacobian = np.zeros((dof, dof))
    for i, a in zip(*np.nonzero(free), strict=True):
        for d in range(3):
            columns = []
            for sign in (1.0, -1.0):
                x = x0.copy()
                x[i * natoms + a, d] += sign * delta
                neb.set_positions(x)
                columns.append(neb.get_forces().ravel())
            jacobian[:, (i * natoms + a) * 3 + d] = (columns[0] - columns[1]) / (2 * delta)
    mask = np.repeat(free.ravel(), 3)
    block = -0.5 * (jacobian + jacobian.T)[np.ix_(mask, mask)]
    values, vectors = np.linalg.eigh(block)
    hessian = np.eye(dof) * 70.0
    hessian[np.ix_(mask, mask)] = (vectors * np.maximum(np.abs(values), floor)) @ vectors.T
    return hessian


def band_fmax(forces: np.ndarray) -> float:
    """Largest per-atom NEB force norm (eV/Å), the criterion ASE's BFGS and FIRE use."""
    return float(np.linalg.norm(np.reshape(forces, (-1, 3)), axis=1).max())


class _NormNEBOptimizer(NEBOptimizer):
    """ASE's ODE band optimizer judged by the per-atom force norm, resumable.

    ase's NEB residual is the largest force *component*, a looser test than
    BFGS/FIRE apply; using the norm makes every optimizer stop at the same fmax.

    Checkpoints: ASE's ``ode12r`` keeps its state (last accepted band, step size
    ``h``) in local variables. Every trial band is ``X_acc + h F(X_acc)``, so
    before each trial's force call ``h`` is recovered from the trial and the
    accepted band, and (accepted band, ``h``, step count) go to ``on_step``;
    ``ode12r(X_acc, h=h)`` then repeats the same trials. The accepted band's NEB
    forces are saved too, so a resume computes nothing before its first trial.
    """

    def __init__(self, neb, *, on_step=None, precon: np.ndarray | None = None, **kwargs) -> None:
        super().__init__(neb, **kwargs)
        self.on_step = on_step
        # inverse of a fixed Hessian: ode12r steps along precon @ F
        self.precon = precon
        self.first_h: float | None = None
        self.resumed_steps = 0
        self._accepted: tuple[np.ndarray, np.ndarray] | None = None
        self._restored: tuple[np.ndarray, np.ndarray] | None = None
        self._last: tuple[np.ndarray, np.ndarray] | None = None

    def get_residual(self, F=None, X=None):
        return band_fmax(self.neb.get_forces() if F is None else F)

    def restore(self, saved: dict) -> None:
        """Continue from a checkpointed (accepted band, step size, step count)."""
        self.neb.set_positions(np.reshape(saved["x"], (-1, 3)))
        state = saved.get("state") or {}
        self.first_h = state.get("h")
        if state.get("forces") is not None:
            # the accepted band's NEB forces as they were: not recomputed from a
            # cold start (a band of DFT calls, and SCF noise that would send the
            # resumed band along a slightly different path)
            self._restored = (np.asarray(saved["x"], dtype=float), state["forces"])
        self.nsteps = self.resumed_steps = int(saved["nsteps"])

    def force_function(self, X):
        if self._accepted is not None and self.on_step is not None:
            x_acc, f_acc = self._accepted
            if self.precon is not None:
                f_acc = self.precon @ f_acc  # ode12r steps along the preconditioned force
            h = float((X - x_acc) @ f_acc / max(float(f_acc @ f_acc), 1e-300))
            state = {"h": h, "forces": self._accepted[1]}
            self.on_step({"x": x_acc, "nsteps": self.nsteps, "state": state, "extra": {}})
        restored, self._restored = self._restored, None
        if restored is not None and np.array_equal(restored[0], X):
            forces = np.array(restored[1], copy=True)
        else:
            forces = super().force_function(X)
        self._last = (np.array(X, copy=True), forces.copy())
        if self._accepted is None:
            self._accepted = self._last
        return forces

    def callback(self, X, F=None):
        self._accepted = self._last
        super().callback(X, F)

    def initial_step(self) -> float | None:
        """First ODE step size: the restored one, else at most a Newton step.

        ASE's estimate ``0.5 sqrt(rtol) / max|P F|`` limits the first move to
        ~0.16 Å. With the surrogate's inverse Hessian as ``P``, ``h = 1`` is the
        Newton step, and the estimate is often ~3 times that: on the GPAW hop the
        first trial band was rejected (fmax 0.13 -> 0.34 eV/Å), which cost a
        whole band of DFT calls before ``h`` came down to 0.73 and converged.
        """
        if self.first_h is not None or self.precon is None:
            return self.first_h
        forces = self.neb.get_forces().reshape(-1)  # the starting band, already computed
        largest = self.get_residual(F=self.precon @ forces)
        if largest <= 0:
            return None
        return min(0.5 * self.rtol**0.5 / largest, 1.0)

    def run_ode(self, fmax):
        # ASE's run_ode with the restored step size passed on
        try:
            ode12r(
                self.force_function,
                self.neb.get_positions().reshape(-1),
                h=self.initial_step(),
                fmax=fmax,
                rtol=self.rtol,
                C1=self.C1,
                C2=self.C2,
                steps=self.max_steps,
                verbose=self.verbose,
                callback=self.callback,
                residual=self.get_residual,
                apply_precon=None
                if self.precon is None
                else (lambda F, X: (self.precon @ F, self.get_residual(F))),
            )
            return True
        except OptimizerConvergenceError:
            return False


def _optimizer(name: str, band: NEB, logfile: str | None, on_step=None, precon=None):
    if name in ("ode", "ode-precon"):
        return _NormNEBOptimizer(
            band,
            method="ode",
            logfile=logfile,
            on_step=on_step,
            precon=precon if name == "ode-precon" else None,
        )
    cls = resumable({"bfgs": BFGS, "fire": FIRE}[name])
    return cls(band, logfile=logfile, on_step=on_step)


def _set_force_tolerance(images: Sequence[Atoms], tolerance: float | None) -> None:
    """Ask each interior image's calculator for forces to ``tolerance`` eV/Å.

    ``None``: the calculator's own criteria. Calculators without
    ``set_force_tolerance`` (EMT...) are left alone.
    """
    for image in images[1:-1]:
        setter = getattr(image.calc, "set_force_tolerance", None)
        if setter is not None:
            setter(tolerance)


def _discard_loose_results(images: Sequence[Atoms]) -> bool:
    """Make interior images whose results came from loosened SCF criteria re-converge.

    Returns whether any did (their next force request recomputes in place).
    """
    discarded = False
    for image in images[1:-1]:
        discard = getattr(image.calc, "discard_loose_results", None)
        if discard is not None and discard():
            discarded = True
    return discarded


PRECON_PROBATION_STEPS = 3
"""Accepted steps within which the preconditioned ODE must halve the band's fmax.

Measured: 1-2 steps on the EMT cases, including surrogate-mismatched targets
(bench/experiments/NOTES.md).
"""


class _Stalled(Exception):
    """Raised from an observer to hand a stuck band to the next optimizer."""


class _BandWatch:
    """Observer of a band: writes trajectories, reports progress, detects stalls."""

    def __init__(self, band, writers, progress, patience: int, on_fmax=None) -> None:
        self.band, self.writers, self.progress, self.patience = band, writers, progress, patience
        self.on_fmax = on_fmax
        self.steps = 0
        self.fmax = float("inf")
        self.may_stall = False
        # Probation of a stage: within this many steps the band's fmax must halve
        # (or reach ``probation_floor``), else the stage is handed on (_Stalled).
        self.probation: int | None = None
        self.probation_floor = 0.0
        self.probation_fmax: float | None = None
        self.reset_stall()

    def reset_stall(self) -> None:
        self.best = float("inf")
        self.since_best = 0

    def __call__(self) -> None:
        # Forces first: a trajectory frame reads the calculator's results, which
        # GPAW only has after a calculation (cached, so this costs nothing new).
        self.fmax = band_fmax(self.band.get_forces())
        if self.on_fmax is not None:
            self.on_fmax(self.fmax)
        for writer in self.writers:
            writer.write()
        if self.progress is not None:
            self.progress(self.steps, self.fmax)
        self.steps += 1
        if self.fmax < 0.98 * self.best:
            self.best, self.since_best = self.fmax, 0
        else:
            self.since_best += 1
        if self.may_stall and self.since_best >= self.patience:
            raise _Stalled
        if self.probation is not None:
            if self.probation_fmax is None:
                self.probation_fmax = self.fmax
            elif self.fmax <= max(0.5 * self.probation_fmax, self.probation_floor):
                self.probation = None  # passed
            else:
                self.probation -= 1
                if self.probation <= 0:
                    self.probation = None
                    raise _Stalled

    @property
    def state(self) -> tuple:
        """What a checkpoint needs to continue watching (steps, stall and probation)."""
        return (
            self.steps,
            self.best,
            self.since_best,
            self.fmax,
            self.probation,
            self.probation_fmax,
        )

    @state.setter
    def state(self, value: tuple) -> None:
        self.steps, self.best, self.since_best, self.fmax, self.probation, self.probation_fmax = (
            value
        )


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
        The full band, endpoints included (e.g. from :func:`interpolate_band`).
        Not modified.
    calculator_factory
        ``factory(i)`` returns a fresh calculator for interior image ``i``
        (1-based); it is called once per image, so each image keeps its own
        calculator, and with GPAW its wavefunctions, across band steps.
    settings
        NEB settings.
    endpoint_energies
        Energies of the relaxed endpoints; computed with the factory if ``None``.
    traj_prefix
        Each image's trajectory goes to ``{traj_prefix}-{i}.traj``; ``None`` writes none.
    progress
        Called after each band step with (step, fmax).
    logfile
        Optimizer log file (``None``: silent, ``"-"``: stdout).
    parallel, world
        Passed to ASE's ``NEB``: images computed in parallel over ``world``
        (an MPI communicator; see :mod:`cudiss.workflows.mpi_task`).
    checkpoint
        Saved after every band step (:mod:`cudiss.workflows.checkpoint`); if it
        holds a band, the run continues from there (no surrogate stage, same
        optimizer stage and state, trajectories appended to).

    Returns
    -------
    NebRun
        Final band, energies, per-image NEB force maxima, convergence, cost.
    """
    band_images = [image.copy() for image in images]
    saved = checkpoint.load() if checkpoint is not None else None
    surrogate_calls = 0
    if saved is not None:
        surrogate_calls = saved["surrogate_force_calls"]
        for image, positions in zip(band_images, saved["band"], strict=True):
            image.positions = positions
    elif settings.surrogate != "none":
        # Cheap pre-convergence: the real calculator starts near the path.
        band_images, surrogate_calls = surrogate_band(band_images, settings)
    counter = ForceCallCounter()
    if endpoint_energies is None and saved is not None:
        endpoint_energies = saved["endpoint_energies"]
    if endpoint_energies is None:
        endpoint_energies = []
        for index in (0, len(band_images) - 1):
            band_images[index].calc = calculator_factory(index)
            endpoint_energies.append(band_images[index].get_potential_energy())
            counter.count += 1
    for index, energy in zip((0, -1), endpoint_energies, strict=True):
        _freeze_energy(band_images[index], energy)
    for index, image in enumerate(band_images[1:-1], start=1):
        image.calc = calculator_factory(index)
        counter.attach(image)

    neb_kwargs = {
        "k": settings.spring,
        "climb": settings.climb,
        "method": settings.method,
        "parallel": parallel,
        "world": world,
    }
    if settings.dynamic:
        band = DyNEB(band_images, fmax=settings.fmax, dynamic_relaxation=True, **neb_kwargs)
    else:
        band = NEB(band_images, **neb_kwargs)

    writers: list[Trajectory] = []
    traj_paths: list[str] = []
    if traj_prefix is not None:
        for index, image in enumerate(band_images):
            path = f"{traj_prefix}-{index}.traj"
            traj_paths.append(path)
            writers.append(Trajectory(path, "a" if saved is not None else "w", image))

    start = time.perf_counter()
    on_fmax = None
    if settings.scf_force_fraction is not None:
        tight_below = settings.scf_tight_factor * settings.fmax
        fraction = settings.scf_force_fraction

        def on_fmax(fmax: float) -> None:
            # the accuracy of the next evaluations, from the band just seen
            _set_force_tolerance(band_images, fraction * fmax if fmax > tight_below else None)

        _set_force_tolerance(band_images, float("inf"))  # first band: loosest
    watch = _BandWatch(band, writers, progress, settings.stall_steps, on_fmax)
    watch.probation_floor = settings.fmax
    precon = saved.get("precon") if saved is not None else None
    if saved is None and settings.surrogate_precon and settings.optimizer == "ode":
        surrogate = settings.surrogate if settings.surrogate != "none" else "emt"
        hessian = surrogate_neb_hessian(band, surrogate, settings.surrogate_precon_floor)
        precon = None if hessian is None else np.linalg.inv(hessian)
    stages = [settings.optimizer] if settings.optimizer == "fire" else [settings.optimizer, "fire"]
    if precon is not None:
        # On probation: a surrogate whose curvatures are wrong for some atoms
        # (EMT's C-O stretch is ~7x softer than PBE's) makes the ODE crawl; then
        # the plain ODE takes over.
        stages = ["ode-precon", *stages]
    optimizer_used: list[str] = []
    first_stage = 0
    if saved is not None:
        counter.count = saved["force_calls"]
        watch.state = saved["watch"]
        first_stage = saved["stage"]
        optimizer_used = list(stages[:first_stage])
    # band steps whose forces were known before the interruption
    resumed_steps = watch.steps - 1 if saved is not None else 0

    def save(stage: int, snapshot: dict) -> None:
        if checkpoint is None:
            return
        checkpoint.save(
            {
                "nsteps": watch.steps,
                "stage": stage,
                "optimizer": snapshot,
                "band": [image.positions.copy() for image in band_images],
                "watch": watch.state,
                "force_calls": counter.count,
                "surrogate_force_calls": surrogate_calls,
                "endpoint_energies": tuple(endpoint_energies),
                # built once from the starting band: a resume must step the same way
                "precon": precon,
            }
        )

    def make_optimizer(stage: int, name: str):
        optimizer = _optimizer(
            name, band, logfile, on_step=lambda snap: save(stage, snap), precon=precon
        )
        optimizer.attach(watch)
        return optimizer

    try:
        for stage, name in enumerate(stages):
            if stage < first_stage:
                continue
            optimizer = make_optimizer(stage, name)
            resuming = saved is not None and stage == first_stage
            if resuming:
                optimizer.restore(saved["optimizer"])
            watch.may_stall = stage < len(stages) - 1
            optimizer_used.append(name)
            if name == "ode-precon" and not resuming:
                watch.probation, watch.probation_fmax = PRECON_PROBATION_STEPS, None
            if name in ("ode", "ode-precon") and not resuming:
                # ASE's ODE optimizer calls observers only after accepted steps;
                # record the starting band too, as BFGS and FIRE do (a resumed
                # ODE band was recorded when it was accepted).
                watch()
            try:
                optimizer.run(fmax=settings.fmax, steps=settings.max_steps - watch.steps)
            except _Stalled:
                watch.reset_stall()
            while watch.fmax <= settings.fmax:
                # Converged on loose forces? Re-evaluate in place with the
                # calculators' own criteria and, if the band is then not
                # converged, go on with a fresh optimizer of the same kind.
                _set_force_tolerance(band_images, None)
                if not _discard_loose_results(band_images):
                    break
                watch()
                if watch.fmax <= settings.fmax or watch.steps >= settings.max_steps:
                    break
                optimizer = make_optimizer(stage, name)
                try:
                    optimizer.run(fmax=settings.fmax, steps=settings.max_steps - watch.steps)
                except _Stalled:
                    watch.reset_stall()
                    break
            if watch.fmax <= settings.fmax or watch.steps >= settings.max_steps:
                break
    finally:
        for writer in writers:
            writer.close()
    wall = time.perf_counter() - start

    neb_forces = band.get_forces().reshape(len(band_images) - 2, len(band_images[0]), 3)
    image_fmax = [0.0, *np.linalg.norm(neb_forces, axis=2).max(axis=1).tolist(), 0.0]
    # Judged here, not by the optimizer's return value: ASE's ODE optimizer
    # returns True when it runs out of steps.
    converged = max(image_fmax) <= settings.fmax
    if converged:
        # a rerun finds the converged band and only checks it
        final = {"x": band.get_positions().ravel(), "nsteps": 0, "state": None, "extra": {}}
        save(len(optimizer_used) - 1, final)
    energies = [float(image.get_potential_energy()) for image in band_images]
    return NebRun(
        images=band_images,
        energies=energies,
        image_fmax=image_fmax,
        forces=[image.get_forces() for image in band_images],
        converged=converged,
        steps=watch.steps - 1,
        optimizers=optimizer_used,
        force_calls=counter.count,
        surrogate_force_calls=surrogate_calls,
        wall_time_s=wall,
        trajectories=traj_paths,
        resumed_steps=resumed_steps,
        scf_recoveries=[
            f"image {index}: {line}"
            for index, image in enumerate(band_images)
            for line in getattr(image.calc, "recoveries", [])
        ],
    )
