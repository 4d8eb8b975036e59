"""How to run a CI-NEB: the settings, and the closed sets of choices they name.

Every choice the NEB engine offers by name is one of the ``Literal`` types
below, and only here; the engine's modules take them from this module.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_serializer

from cudiss.workflows.calculators.mlip import MlipName

TangentMethod = Literal["improvedtangent", "aseneb", "eb", "spline", "string"]
"""ase.mep tangent estimates; ``improvedtangent`` (Henkelman & Jónsson 2000) is the default."""

OptimizerName = Literal["ode", "bfgs", "fire"]
"""Band optimizers a user picks: ASE's ``NEBOptimizer`` (ODE), ``BFGS`` or ``FIRE``."""

InterpolationMethod = Literal["idpp", "linear"]
"""How the first band is interpolated between the endpoints (ase.mep)."""

SurrogateName = Literal["none", "emt", MlipName]
"""Cheap calculators that can pre-converge a band and precondition it (``none``: no
surrogate stage): ASE's EMT, or a machine-learned potential (``sevennet``,
``chgnet``; :mod:`cudiss.workflows.calculators.mlip` names them)."""


SurrogateChoice = Literal["auto", SurrogateName]
"""A surrogate by name, or ``auto``: chosen per band by :data:`AUTO_PATHS`."""

MovingSystem = Literal["bare", "adsorbate-bound", "hydrogen-bearing"]
"""What moves along a band: a bare atom, one carrying adsorbates without H (CO),
or one carrying an adsorbate with H (OH, H, COOH...)."""

TargetKind = Literal["dft", "emt", "mlip"]
"""What the real calculator of a band is: DFT, EMT, or a machine-learned potential."""

_EMT_FAST_PATH: dict[str, object] = {
    "surrogate": "emt",
    "optimizer": "ode",
    "scf_force_fraction": 0.5,
    "surrogate_precon": True,
}
_PLAIN_ODE: dict[str, object] = {"surrogate": "none", "optimizer": "ode"}

AUTO_PATHS: dict[tuple[TargetKind, MovingSystem], dict[str, object]] = {
    # bench/RESULTS.md, GPAW Cu(100) adatom hop: EMT band + EMT-preconditioned ODE,
    # 0.19x plain BFGS's calls, barrier +0.004 eV.
    ("dft", "bare"): _EMT_FAST_PATH,
    # GPAW adatom + CO: SevenNet band + BFGS from SevenNet's NEB Hessian floored at
    # 3 eV/Å², 39 calls (0.31x plain BFGS's 126), barrier +0.009 eV; floored at 1,
    # 54 calls (its steps overshot along soft modes); the EMT path cost 2.0x, the
    # SevenNet band with the preconditioned ODE had not converged at 1.3x.
    ("dft", "adsorbate-bound"): {
        "surrogate": "sevennet",
        "optimizer": "bfgs",
        "surrogate_precon": True,
        "surrogate_precon_floor": 3.0,
    },
    # GPAW adatom + OH: the OH lies almost flat and its H turns about the surface
    # normal nearly freely, a mode no surrogate has right. Plain BFGS took 132
    # calls; the CO path above 198 (1.50x, a saddle 0.023 eV higher); the EMT
    # path 726 (5.50x). Stopped unconverged: SevenNet's Hessian floored at 1 at
    # 132 calls, BFGS from SevenNet's band without its Hessian at 108, the plain
    # ODE at 162 (docs/neb.md).
    ("dft", "hydrogen-bearing"): {"surrogate": "none", "optimizer": "bfgs"},
    # EMT as its own surrogate: 0.15x plain BFGS's calls on the hop; with
    # adsorbates the fast path left EMT campaign bands unconverged (2x2 cells),
    # where the plain ODE converges
    ("emt", "bare"): _EMT_FAST_PATH,
    ("emt", "adsorbate-bound"): _PLAIN_ODE,
    ("emt", "hydrogen-bearing"): _PLAIN_ODE,
    # an MLIP target is cheap already: EMT where it describes the atoms well (bare
    # Cu), no surrogate where EMT's C, O, H would mislead the band
    ("mlip", "bare"): _EMT_FAST_PATH,
    ("mlip", "adsorbate-bound"): _PLAIN_ODE,
    ("mlip", "hydrogen-bearing"): _PLAIN_ODE,
}
"""The NEB path ``surrogate: auto`` takes for each target and moving system (measured)."""


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
        ``ode`` (ase.mep.NEBOptimizer, fewest force calls in docs/calibration.md), ``bfgs``
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
        the real calculator then starts from that band. ``"sevennet"`` or
        ``"chgnet"``: the same with a machine-learned potential (a tenth of a
        second to a second per call, a few seconds to load once per process;
        far better than EMT for C, O and H bound to Cu, docs/neb.md). ``"none"``:
        start from the interpolated band. ``"auto"``: the path measured cheapest
        for what moves and what computes it (:data:`AUTO_PATHS`,
        :meth:`resolved_for`): with DFT, the EMT fast path for a bare Cu atom,
        SevenNet's band and Hessian with BFGS when adsorbates without H move
        with it, plain BFGS when one with H does (OH: no surrogate paid). See
        :meth:`fast` and ``bench/RESULTS.md`` for the measured savings. The
        surrogate shapes the band and the preconditioner only; every reported
        number comes from the real calculator.
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
        Precondition the real stage's ODE optimizer (with ``optimizer: bfgs``:
        start BFGS from the Hessian below instead of its 70 eV/Å² identity, then
        let BFGS update it) with the surrogate's NEB
        Hessian (:func:`surrogate_neb_hessian`): minus the Jacobian of the
        surrogate band's NEB force (springs, tangents and climbing image
        included) at the starting band, by finite differences (2 surrogate calls
        per free coordinate, 1 for SevenNet: milliseconds with EMT, 1-2 minutes
        with an MLIP for a 30-atom band of 3 images on one core), symmetrised,
        with |eigenvalues| floored at
        ``surrogate_precon_floor``. The ODE then takes near-Newton steps in the
        surrogate's metric. The Hessian is that of ``surrogate``, or EMT's when
        ``surrogate`` is ``"none"``; EMT needs to describe every element.
    surrogate_precon_floor
        Smallest curvature (eV/Å²) the preconditioner keeps; softer modes (CO
        tilting, frustrated translations) are stiffened to it so a poor
        surrogate cannot ask for huge steps.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    n_images: int = Field(3, ge=1, le=32)
    fmax: float = Field(0.05, gt=0)
    climb: bool = True
    method: TangentMethod = "improvedtangent"
    optimizer: OptimizerName = "ode"
    spring: float = Field(0.1, gt=0)
    interpolation: InterpolationMethod = "idpp"
    max_steps: int = Field(300, ge=1)
    stall_steps: int = Field(25, ge=1)
    dynamic: bool = False
    surrogate: SurrogateChoice = "none"
    surrogate_fmax: float = Field(0.1, gt=0)
    surrogate_climb: bool = False
    scf_force_fraction: float | None = Field(None, gt=0)
    scf_tight_factor: float = Field(3.0, ge=1)
    surrogate_precon: bool = False
    surrogate_precon_floor: float = Field(1.0, gt=0)

    @field_validator("surrogate", "optimizer", "method", "interpolation", mode="before")
    @classmethod
    def _lower_case(cls, value: object) -> object:
        """Names are matched without case (``SevenNet``, ``ODE``), as calculator codes are."""
        return value.strip().lower() if isinstance(value, str) else value

    @model_serializer(mode="wrap")
    def _auto_keeps_what_was_set(self, handler):
        """``surrogate: auto`` dumps only the fields the user set.

        :meth:`resolved_for` lets the path replace the fields left at their
        defaults. A full dump, read back (jobflow-remote sends every Job's maker
        through JSON), would make every field look set, so the path would change
        nothing: a band run through a queue took another path than in-process
        and its barrier differed by 1.5 meV. Other settings dump in full.
        """
        data = handler(self)
        if self.surrogate != "auto" or not isinstance(data, dict):
            return data
        return {k: v for k, v in data.items() if k in self.model_fields_set or k == "surrogate"}

    def resolved_for(self, system: MovingSystem, target: TargetKind = "dft") -> NebSettings:
        """These settings with ``surrogate: auto`` replaced by the path of
        :data:`AUTO_PATHS` for ``target`` and ``system``.

        Fields the user set keep their values; the others of the path replace
        the defaults. Settings with a named surrogate are returned unchanged.
        """
        if self.surrogate != "auto":
            return self
        explicit = self.model_dump(include=self.model_fields_set - {"surrogate"})
        path = AUTO_PATHS[(target, system)]
        return NebSettings(**{**self.model_dump(), **path, **explicit})

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
