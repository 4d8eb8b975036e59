"""Campaign files: facets x target sites x adsorbate sets, expanded into one Flow.

A campaign YAML file looks like::

    name: cu100-adatom-co
    calculator: {code: gpaw, preset: test}      # or just: emt
    facets: ["100"]
    sites: [adatom]                             # [] with a mechanism: section: adsorption only
    adsorbates: [[], [CO]]                      # each entry is one set on the moving Cu
    slab: {size: [2, 2], layers: 3, vacuum: 6.0, fixed_layers: 1}
    neb: {n_images: 3, fmax: 0.05}               # surrogate: auto unless named (NebSettings)
    relax_fmax: 0.05
    prerelax: auto                              # SevenNet Hessian on GPAW (prerelax.py)
    dissolution: true                           # also relax the vacancy slab (bare configs)
    lattice_constant: null                      # null: fit a0 with the same calculator
    potentials: null                            # or [-0.5, 0.0]: an SJM sweep (below)
    mechanism:                                  # optional: gases, adsorption, vibrations
      adsorbates: [H, OH, CO, COOH]             # on the clean facets (default: none)
      facets: null                              # null: the campaign's facets
      sites: null                               # site kinds tried (null: all unique)
      gases: null                               # null: what the adsorbates need
      vibrations: true
      carbon_reservoir: CO2

The ``mechanism`` section (:mod:`cudiss.workflows.mechanism_settings`) adds the
gas references, the adsorption flows and the removal configurations' adsorbate
vibrations; it also adds the bare set ``[]`` to ``adsorbates`` when missing
(:meth:`Campaign.notes` says so).

Every key is checked: unknown keys, wrong types and impossible combinations are
one-line :class:`~cudiss.workflows.errors.CampaignError` messages, raised
before anything is written to a store. Among them: a key given twice, a number
that is not finite (``.inf``, ``.nan``) anywhere, force thresholds above
0.5 eV/Å, vacuum outside 5-50 Å, GPAW overrides GPAW would reject, more
adsorbates than a Cu atom or the cell can carry, and a campaign without any
configuration. Facets, site classes and adsorbates are normalised first
(``Cu(100)`` is ``100``, ``co`` is ``CO``), and a configuration listed twice
is run once.

``potentials`` (V on the electrode's scale) runs every configuration with
GPAW's SJM at each potential and once at zero charge, the reference the CHE
puts under bias; the calculator's ``electrode`` mapping gives the scale, pH and
the other SJM settings without a potential
(:mod:`cudiss.workflows.potential_sweep`). The bulk reference is computed once,
without electrode.

``lattice_constant``: ``null`` fits a0 and mu_Cu(bulk) with the campaign's
calculator (:class:`~cudiss.workflows.makers.CuBulkMaker`); a number (Å, 3.0-4.5)
builds every slab at that a0 and takes mu_Cu(bulk) as the energy per atom of
bulk Cu computed at that same a0 (the fit around it gives only the bulk
modulus), so slab and bulk reference share one lattice.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import yaml
from pydantic import (
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from cudiss.analysis.methods import MLIP_CODES, MLIP_NOTE
from cudiss.structures.bulk import check_lattice_constant
from cudiss.structures.errors import CudissInputError
from cudiss.structures.slabs import facet_key
from cudiss.workflows.calculators import CalculatorSpec, as_spec
from cudiss.workflows.calculators.presets import DuplicateKeyError, load_yaml
from cudiss.workflows.campaign_checks import (
    _adsorbate_name,
    _non_finite,
    _unique,
    check_configurations,
)
from cudiss.workflows.campaign_flow import bulk_job, bulk_key, campaign_flow
from cudiss.workflows.endpoint_cache import EndpointCache
from cudiss.workflows.errors import CampaignError, CheckedModel, first_error
from cudiss.workflows.flows import RemovalBarrierMaker, RemovalConfig, SlabSettings
from cudiss.workflows.makers import FMAX_MAX, check_fmax
from cudiss.workflows.mechanism_settings import (
    MechanismSettings,
    check_mechanism_sites,
    cutoff_note,
    kpoint_note,
    mechanism_ids,
)
from cudiss.workflows.neb import NebSettings
from cudiss.workflows.potential_sweep import (
    bulk_calculator,
    check_potentials,
    sweep_calculator_data,
    sweep_calculators,
)
from cudiss.workflows.prerelax import PrerelaxName, check_prerelax

# built here once; they stay importable from this module, where they were first defined
__all__ = [
    "Campaign",
    "EndpointCache",
    "bulk_job",
    "bulk_key",
    "campaign_flow",
    "check_configurations",
    "load_campaign",
    "parse_campaign",
]


class Campaign(CheckedModel):
    """A campaign: the cross product of facets, target sites and adsorbate sets."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.\-]+$")
    description: str = ""
    calculator: CalculatorSpec = Field(default_factory=CalculatorSpec)
    facets: list[str] = Field(min_length=1)
    sites: list[str] = Field(default_factory=list)
    adsorbates: list[list[str]] = Field(default_factory=lambda: [[]], min_length=1)
    slab: SlabSettings = Field(default_factory=SlabSettings)
    neb: NebSettings = Field(default_factory=lambda: NebSettings(surrogate="auto"))
    relax_fmax: float = 0.05
    prerelax: PrerelaxName = "auto"
    dissolution: bool = True
    lattice_constant: float | None = None
    mechanism: MechanismSettings | None = None
    potentials: list[float] | None = Field(
        None, description="SJM sweep: target potentials, V on the electrode's scale"
    )
    _notes: list[str] = PrivateAttr(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _sweep_electrode(cls, data: object) -> object:
        # the calculator of a sweep carries the electrode without a potential
        return sweep_calculator_data(data) if isinstance(data, dict) else data

    @field_validator("potentials")
    @classmethod
    def _potentials_make_a_sweep(cls, value: list[float] | None) -> list[float] | None:
        return None if value is None else check_potentials(value)

    @model_validator(mode="before")
    @classmethod
    def _finite_numbers(cls, data: object) -> object:
        # .inf and .nan, anywhere in the file (neb, slab, calculator overrides...)
        where = _non_finite(data)
        if where is not None:
            raise ValueError(f"{where}: must be a finite number (got inf or nan)")
        return data

    @field_validator("neb", mode="before")
    @classmethod
    def _auto_surrogate_by_default(cls, value: object) -> object:
        # the NEB path measured cheapest per configuration (NebSettings.resolved_for)
        if isinstance(value, dict) and "surrogate" not in value:
            return {**value, "surrogate": "auto"}
        return value

    @field_validator("calculator", mode="before")
    @classmethod
    def _calculator_shorthand(cls, value: object) -> object:
        return as_spec(value) if isinstance(value, str) else value

    @field_validator("calculator")
    @classmethod
    def _calculator_takes_its_parameters(cls, value: CalculatorSpec) -> CalculatorSpec:
        return value.check()

    @field_validator("facets", mode="before")
    @classmethod
    def _facets_as_text(cls, value: object) -> object:
        # YAML reads a bare 111 as an integer; 'Cu(111)', '(111)', 111 are one facet.
        if isinstance(value, list):
            return _unique([facet_key(v) if isinstance(v, int | str) else v for v in value])
        return value

    @field_validator("sites", mode="before")
    @classmethod
    def _sites_lower(cls, value: object) -> object:
        if isinstance(value, list):
            return _unique([v.strip().lower() if isinstance(v, str) else v for v in value])
        return value

    @field_validator("adsorbates", mode="before")
    @classmethod
    def _adsorbate_names(cls, value: object) -> object:
        if isinstance(value, list):
            if not value:
                raise ValueError(
                    "an empty list gives no configuration at all; use [[]] for the bare "
                    "Cu atom only, or [[], [CO]] for bare and CO-bound"
                )
            return _unique(
                [[_adsorbate_name(n) for n in v] if isinstance(v, list) else v for v in value]
            )
        return value

    @field_validator("relax_fmax")
    @classmethod
    def _relax_fmax_range(cls, value: float) -> float:
        return check_fmax(value, "")

    @field_validator("prerelax", mode="before")
    @classmethod
    def _prerelax_choice(cls, value: object) -> str:
        return check_prerelax(value, "")

    @field_validator("lattice_constant")
    @classmethod
    def _lattice_constant_range(cls, value: float | None) -> float | None:
        return None if value is None else check_lattice_constant(value)

    @model_validator(mode="after")
    def _neb_force_threshold(self) -> Campaign:
        # numbers given as text ('inf', 'nan') are floats only now
        where = _non_finite(self.model_dump())
        if where is not None:
            raise ValueError(f"{where}: must be a finite number (got inf or nan)")
        if self.neb.fmax > FMAX_MAX:
            raise ValueError(
                f"neb.fmax: must be at most {FMAX_MAX:g} eV/Å, got {self.neb.fmax:g}: a looser "
                "threshold stops the band before it reaches the saddle"
            )
        if not self.sites and self.mechanism is None:
            raise ValueError(
                "sites: give at least one removal site class (terrace, step, kink, adatom), "
                "or a mechanism: section for an adsorption-only campaign"
            )
        if self.mechanism is not None:
            self.mechanism.check_reservoir(self.adsorbates)
            if self.sites and [] not in self.adsorbates:
                self.adsorbates.insert(0, [])
                self._notes.append(
                    "mechanism: added the bare set [] to adsorbates (the removal landscape "
                    "measures every state from the bare site)"
                )
        return self

    def notes(self) -> list[str]:
        """What validation changed or wants said (one line each), e.g. the added ``[]``.

        The calculator's notes are worked out here, not at validation, so that they
        follow a calculator swapped in later (``cudiss run --calculator``).
        """
        return list(dict.fromkeys([*self._notes, *self._calculator_notes()]))

    def _calculator_notes(self) -> list[str]:
        """What the calculator's numbers are worth here: MLIP screening, EMT, a low cutoff."""
        notes = []
        if self.calculator.code in MLIP_CODES:
            notes.append(f"{self.calculator.code}: {MLIP_NOTE}")
        if self.mechanism is not None:
            species = [*self.mechanism.adsorbates, *(n for ads in self.adsorbates for n in ads)]
            coarse = (cutoff_note(self.calculator, species), kpoint_note(self.calculator))
            notes += [note for note in coarse if note]
            if self.calculator.code == "emt":
                notes.append(
                    "EMT: energies of C, O and H (gases, adsorbates) are not physical; "
                    "this run only exercises the jobs"
                )
        return notes

    def configurations(self) -> list[RemovalConfig]:
        """Every facet x site x adsorbate-set configuration, in file order, each once."""
        configs = [
            RemovalConfig(
                campaign=self.name,
                facet=facet,
                site_class=site,
                adsorbates=tuple(ads),
                slab=self.slab,
            )
            for facet, site, ads in itertools.product(self.facets, self.sites, self.adsorbates)
        ]
        return list(dict.fromkeys(configs))

    def calculators(self) -> list[CalculatorSpec]:
        """The calculators every configuration runs with.

        The campaign's calculator; for a potential sweep the zero-charge
        reference, then SJM at each potential
        (:func:`~cudiss.workflows.potential_sweep.sweep_calculators`).

        Raises
        ------
        CampaignError
            A sweep whose calculator cannot hold a potential (swapped in with
            ``cudiss run --calculator``).
        """
        if self.potentials is None:
            return [self.calculator]
        return sweep_calculators(self.calculator, self.potentials)

    def reference_calculator(self) -> CalculatorSpec:
        """The calculator of the zero-charge results: gases, adsorption, CHE rows.

        The campaign's calculator; for a sweep its zero-charge reference.
        """
        return self.calculators()[0] if self.potentials is not None else self.calculator

    def bulk_calculator(self) -> CalculatorSpec:
        """The calculator of the bulk reference: the campaign's, without electrode."""
        return bulk_calculator(self.calculator)

    def runs(self) -> list[tuple[RemovalConfig, CalculatorSpec]]:
        """Every removal run: each configuration under each of :meth:`calculators`."""
        calculators = self.calculators()
        return [(c, calc) for calc in calculators for c in self.configurations()]

    def maker(
        self, store_root: str | None = None, calculator: CalculatorSpec | None = None
    ) -> RemovalBarrierMaker:
        """The removal-flow maker with this campaign's settings (default: its calculator).

        An SJM run at a target potential relaxes no vacancy slab: dissolution
        is read from the zero-charge reference under the CHE.
        """
        calculator = calculator or self.calculator
        at_potential = calculator.electrode is not None and calculator.electrode.constant_potential
        return RemovalBarrierMaker(
            calculator_spec=calculator,
            neb_settings=self.neb,
            relax_fmax=self.relax_fmax,
            dissolution=self.dissolution and not (at_potential and self.potentials is not None),
            store_root=store_root,
            vibrations=self.mechanism is not None and self.mechanism.vibrations,
            prerelax=self.prerelax,
        )

    def job_ids(self) -> set[str]:
        """Every result key of this campaign: config (per calculator), gas and adsorption ids."""
        gases, adsorptions = mechanism_ids(self)
        ids = {config.config_id(calc) for config, calc in self.runs()}
        return ids | set(gases) | set(adsorptions)


def _first_error(exc: ValidationError) -> str:
    return first_error(exc) or "campaign"


def parse_campaign(data: object, source: str = "campaign") -> Campaign:
    """Validate campaign data (a dict from YAML) into a :class:`Campaign`.

    Raises
    ------
    CampaignError
        One line naming the first problem, e.g. ``c.yaml: neb.fmax: Input should
        be greater than 0``.
    """
    if not isinstance(data, dict):
        raise CampaignError(f"{source}: a campaign must be a mapping of keys to values")
    try:
        campaign = Campaign.model_validate(data)
    except ValidationError as exc:
        raise CampaignError(f"{source}: {_first_error(exc)}") from None
    check_configurations(campaign, source)
    try:
        check_mechanism_sites(campaign)
    except CudissInputError as exc:
        raise CampaignError(f"{source}: mechanism: {exc}") from None
    except ValueError as exc:
        raise CampaignError(f"{source}: {exc}") from None
    return campaign


def load_campaign(path: str | Path) -> Campaign:
    """Read and validate a campaign YAML file.

    Raises
    ------
    CampaignError
        Missing or unreadable file, malformed YAML, or invalid content.
    """
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise CampaignError(f"campaign file not found: {path}") from None
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as exc:
        raise CampaignError(f"cannot read campaign file {path}: {exc.__class__.__name__}") from None
    try:
        data = load_yaml(text)
    except DuplicateKeyError as exc:
        line = exc.problem_mark.line + 1
        raise CampaignError(
            f"{path}: duplicate key {exc.key!r} (line {line}): YAML would silently keep "
            "only the last one; give each key once"
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise CampaignError(f"{path}: malformed YAML{where}") from None
    return parse_campaign(data, str(path))
