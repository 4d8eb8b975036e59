"""Calculators behind one parameter: EMT for dry runs, GPAW with named presets, MLIPs.

A :class:`CalculatorSpec` is plain data (it goes into every result document and
through jobflow serialisation); :meth:`CalculatorSpec.build` turns it into a
fresh ASE calculator. Switching EMT <-> GPAW <-> an MLIP is the one field
``code``. The GPAW presets (``test``, ``production``) are data in
``presets.yaml``; every key can be overridden one by one through ``overrides``.
The machine-learned potentials ``sevennet`` and ``chgnet``
(:mod:`~cudiss.workflows.calculators.mlip`) run whole campaigns in seconds to
minutes for screening; their results are labelled as such in every table
(:mod:`cudiss.analysis.methods`).
"""

from __future__ import annotations

from typing import Any, Literal, get_args

from ase.calculators.calculator import Calculator
from pydantic import ConfigDict, Field, ValidationError, field_validator, model_validator

from cudiss.analysis.methods import MLIP_CODES, CalculatorCode
from cudiss.structures.errors import CudissInputError
from cudiss.workflows.calculators.adaptive import AdaptiveScfCalculator
from cudiss.workflows.calculators.electrode import (
    ElectrodeSpec,
    check_electrode_mode,
    electrode_calculator,
)
from cudiss.workflows.calculators.mlip import mlip_calculator
from cudiss.workflows.calculators.parameters import check_parameters, merge_parameters
from cudiss.workflows.calculators.presets import (
    GPAW_PRESETS,
    bulk_parameters,
    molecule_parameters,
)
from cudiss.workflows.errors import CheckedModel, SettingsError, first_error

#: The codes, by name (``CalculatorCode`` lives with the documents that record it).
CALCULATOR_CODES: tuple[str, ...] = get_args(CalculatorCode)
#: Codes without presets: EMT and the MLIPs (a preset is a GPAW thing).
NO_PRESETS: tuple[str, ...] = ("emt", *MLIP_CODES)
#: What a calculator is for: a slab (the preset itself), bulk Cu or a gas molecule.
SystemKind = Literal["slab", "bulk", "molecule"]


class CalculatorSpec(CheckedModel):
    """Which calculator to use, as data.

    Parameters
    ----------
    code
        ``"emt"`` (ASE's effective-medium theory: seconds, qualitative),
        ``"gpaw"`` (DFT), or an MLIP for screening, ``"sevennet"`` (SevenNet
        7net-0) or ``"chgnet"`` (CHGNet 0.3.0); any case.
    preset
        GPAW preset name (``presets.yaml``: ``test``, ``production``). EMT and the
        MLIPs have no presets: a GPAW preset name given with them is dropped
        (``preset`` keeps its default), so it changes neither the calculation nor
        its id; any other name is refused.
    overrides
        GPAW keyword arguments that replace the preset's, key by key; nested
        dicts (``mode``, ``convergence``...) are merged. The merged parameters are
        checked by :meth:`check` (campaigns and :func:`as_spec` call it) before
        anything runs: a keyword GPAW does not take, or a value of the wrong kind,
        is refused (:mod:`~cudiss.workflows.calculators.parameters`). For EMT:
        ``asap_cutoff`` only; the MLIPs take none (their model is fixed by the
        name, their threads by ``OMP_NUM_THREADS``).
    electrode
        GPAW only: hold the electrode at a potential with GPAW's solvated jellium
        method (:class:`~cudiss.workflows.calculators.electrode.ElectrodeSpec`);
        ``None`` (default): a neutral slab in vacuum.

    Raises
    ------
    SettingsError
        Built in Python with an unknown code or preset (one line).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: CalculatorCode = "emt"
    preset: str = "test"
    overrides: dict[str, Any] = Field(default_factory=dict)
    # left out of dumps when unset, so the ids of stores written before stay the same
    electrode: ElectrodeSpec | None = Field(None, exclude_if=lambda value: value is None)

    @model_validator(mode="after")
    def _electrode_needs_gpaw(self) -> CalculatorSpec:
        if self.electrode is not None and self.code != "gpaw":
            raise ValueError(f"an electrode potential needs code gpaw (SJM), not {self.code}")
        return self

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: Any) -> Any:
        # One calculator, one spelling: 'GPAW', ' gpaw ' are gpaw; EMT and the
        # MLIPs drop any preset name, so each keeps the default one (and its id).
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for key in ("code", "preset"):
            if isinstance(data.get(key), str):
                data[key] = data[key].strip().lower()
        code = data.get("code", "emt")
        if code in NO_PRESETS and "preset" in data:
            preset = data.pop("preset")
            if preset not in GPAW_PRESETS and preset not in (None, ""):
                raise ValueError(
                    f"{_display(code)} has no presets (got {preset!r}); write just "
                    f"'{code}', or code gpaw with a preset from {sorted(GPAW_PRESETS)}"
                )
        return data

    @field_validator("preset")
    @classmethod
    def _known_preset(cls, value: str) -> str:
        if value not in GPAW_PRESETS:
            raise ValueError(f"unknown GPAW preset {value!r}; choose from {sorted(GPAW_PRESETS)}")
        return value

    def check(self) -> CalculatorSpec:
        """Refuse parameters the calculator would reject, before anything runs; return ``self``.

        The merged parameters (preset + overrides) go through
        :func:`~cudiss.workflows.calculators.parameters.check_parameters`. Campaigns
        and :func:`as_spec` call it; a spec built in Python is not checked until
        then (a test may want a calculator that fails when it runs).

        Raises
        ------
        SettingsError
            ``overrides: <key>: <problem>``, e.g. ``overrides: mode.name must be one
            of fd, lcao, pw, got 'nonsense'``.
        """
        try:
            check_parameters(self.code, self.parameters())
        except ValueError as exc:
            where = "overrides" if self.overrides else f"preset {self.preset!r}"
            raise SettingsError(f"{where}: {exc}") from None
        if self.electrode is not None:
            check_electrode_mode(self.parameters())
        return self

    def parameters(self) -> dict[str, Any]:
        """The keyword arguments the calculator is built with (stored with results)."""
        if self.code != "gpaw":
            return dict(self.overrides)
        return merge_parameters(GPAW_PRESETS[self.preset], self.overrides)

    def label(self) -> str:
        """A short name for tables and logs, e.g. ``gpaw-test``, ``emt``, ``sevennet``.

        At an electrode potential its tag follows: ``gpaw-sjm-test@-0.50V_RHE``.
        """
        if self.code != "gpaw":
            return self.code
        if self.electrode is None:
            return f"gpaw-{self.preset}"
        return f"gpaw-{self.preset}@{self.electrode.tag()}"

    @property
    def is_mlip(self) -> bool:
        """Whether this is a machine-learned potential (screening, not DFT)."""
        return self.code in MLIP_CODES

    def bulk_parameters(self) -> dict[str, Any]:
        """The calculator parameters adapted to bulk Cu (the preset's ``bulk`` rule).

        Slab presets sample k only in the surface plane, switch point-group
        symmetry off (atoms move) and may add a dipole layer along z; bulk needs
        3-D k-points, can use its full symmetry, and has no vacuum for a dipole
        layer. EMT's and the MLIPs' parameters are the same for both.
        """
        params = self.parameters()
        return bulk_parameters(self.preset, params) if self.code == "gpaw" else params

    def molecule_parameters(self) -> dict[str, Any]:
        """The calculator parameters adapted to a gas molecule in a box (``molecule`` rule).

        A molecule needs the Gamma point only, moves (no point-group symmetry)
        and has no slab for a dipole layer. EMT's and the MLIPs' parameters are the same.
        """
        params = self.parameters()
        return molecule_parameters(self.preset, params) if self.code == "gpaw" else params

    def parameters_for(self, kind: SystemKind = "slab") -> dict[str, Any]:
        """The parameters for a ``slab`` (:meth:`parameters`), ``bulk`` or ``molecule``."""
        if kind == "slab":
            return self.parameters()
        if kind == "bulk":
            return self.bulk_parameters()
        if kind == "molecule":
            return self.molecule_parameters()
        raise SettingsError(f"unknown system kind {kind!r}; choose slab, bulk or molecule")

    def build(
        self, txt: str | None = "gpaw.txt", kind: SystemKind = "slab", **extra: Any
    ) -> Calculator:
        """Return a fresh calculator.

        GPAW comes as an :class:`AdaptiveScfCalculator`, a
        :class:`~cudiss.workflows.calculators.recovery.RecoveringCalculator` that
        retries a failed SCF with safer settings. An MLIP comes from
        :func:`~cudiss.workflows.calculators.mlip.mlip_calculator` (its model loaded
        once per process); ``txt`` and ``kind`` do not apply to it.

        Parameters
        ----------
        txt
            GPAW log file (relative to the working directory); ``None`` silences it.
        kind
            ``slab`` (the preset as it is), ``bulk`` or ``molecule`` (the preset's
            rule for it, :meth:`parameters_for`).
        **extra
            Further keyword arguments for the calculator (e.g. a communicator).
        """
        parameters = self.parameters_for(kind)
        if self.code != "gpaw":
            return make_calculator(self.code, parameters, txt=txt, **extra)
        if self.electrode is not None and kind == "slab":
            return electrode_calculator(parameters, self.electrode, txt, **extra)
        return AdaptiveScfCalculator(
            lambda rung: make_calculator(
                self.code, merge_parameters(parameters, rung), txt=txt, **extra
            ),
            parameters.get("convergence", {}),
        )


def make_calculator(
    code: CalculatorCode, parameters: dict[str, Any], txt: str | None = "gpaw.txt", **extra: Any
) -> Calculator:
    """Build an EMT, GPAW or MLIP calculator from explicit parameters.

    Parameters
    ----------
    code
        One of :data:`CALCULATOR_CODES`.
    parameters
        The calculator's keyword arguments (:meth:`CalculatorSpec.parameters`); an
        MLIP takes none.
    txt
        GPAW's log file; ignored by EMT and the MLIPs.
    **extra
        Further keyword arguments (GPAW's communicator...); an MLIP takes none.

    Raises
    ------
    CudissInputError
        An unknown code; parameters given to an MLIP; GPAW or the MLIP not installed.
    """
    if code not in CALCULATOR_CODES:
        raise CudissInputError(f"unknown calculator {code!r}; choose {_choices()}")
    if code in MLIP_CODES:
        given = sorted({**parameters, **extra})
        if given:
            raise CudissInputError(f"{code} takes no parameters, got {', '.join(given)}")
        return mlip_calculator(code)
    if code == "emt":
        from ase.calculators.emt import EMT

        return EMT(**parameters, **extra)
    try:
        from gpaw import GPAW
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise CudissInputError(
            "GPAW is not installed in this environment; run scripts/setup.sh"
        ) from exc
    return GPAW(**parameters, txt=txt, **extra)


def _display(code: str) -> str:
    """How messages name a code: EMT upper case, the MLIPs as written."""
    return "EMT" if code == "emt" else code


def _choices() -> str:
    """The accepted calculator strings, for messages."""
    return "'emt', 'gpaw', 'gpaw:PRESET', " + ", ".join(f"'{c}'" for c in MLIP_CODES)


def as_spec(value: CalculatorSpec | dict | str) -> CalculatorSpec:
    """Coerce ``"emt"``, ``"gpaw"``, ``"gpaw:production"``, ``"sevennet"`` or a dict into a spec.

    Raises
    ------
    CudissInputError
        An unknown calculator (``unknown calculator 'vasp'``); a
        :class:`SettingsError` for an unknown preset or a dict that does not
        validate or that GPAW would reject (:meth:`CalculatorSpec.check`), one
        line (e.g. ``unknown GPAW preset 'huge' in 'gpaw:huge'; choose from [...]``).

    Examples
    --------
    >>> as_spec("GPAW:Production").label()
    'gpaw-production'
    >>> as_spec(" SevenNet ").label()
    'sevennet'
    """
    if isinstance(value, CalculatorSpec):
        return value
    if isinstance(value, str):
        code, colon, preset = value.strip().lower().partition(":")
        if code not in CALCULATOR_CODES:
            raise CudissInputError(f"unknown calculator {code!r}; choose {_choices()}")
        if code in MLIP_CODES and colon:
            raise SettingsError(
                f"{code} has no presets (got {value.strip()!r}); write just '{code}' "
                f"(the model is fixed by the name), or 'gpaw:PRESET' for DFT"
            )
        if preset and preset not in GPAW_PRESETS:
            if code == "emt":
                raise SettingsError(
                    f"EMT has no presets (got {value.strip()!r}); use 'emt', or 'gpaw:PRESET' "
                    f"with a preset from {sorted(GPAW_PRESETS)}"
                )
            raise SettingsError(
                f"unknown GPAW preset {preset!r} in {value.strip()!r}; "
                f"choose from {sorted(GPAW_PRESETS)}"
            )
        data: dict[str, Any] = {"code": code, "preset": preset or "test"}
    elif isinstance(value, dict):
        data = value
    else:
        raise SettingsError(f"calculator must be {_choices()} or a mapping, got {value!r}")
    try:
        spec = CalculatorSpec.model_validate(data)
    except ValidationError as exc:
        raise SettingsError(f"calculator: {first_error(exc)}") from None
    try:
        return spec.check()
    except SettingsError as exc:
        raise SettingsError(f"calculator: {exc}") from None


def software_versions() -> dict[str, str]:
    """Versions of the codes that produce results, stored with every result."""
    from importlib.metadata import PackageNotFoundError, version

    versions = {}
    packages = ("cudiss", "ase", "gpaw", "atomate2", "jobflow", "pymatgen", "numpy")
    for package in (*packages, "torch", "sevenn", "chgnet"):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            continue
    return versions
