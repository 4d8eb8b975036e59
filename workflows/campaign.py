"""Campaign files: facets x target sites x adsorbate sets, expanded into one Flow.

A campaign YAML file looks like::

    name: cu100-adatom-co
    calculator: {code: gpaw, preset: test}      # or just: emt
    facets: ["100"]
    sites: [adatom]
    adsorbates: [[], [CO]]                      # each entry is one set on the moving Cu
    slab: {size: [2, 2], layers: 3, vacuum: 6.0, fixed_layers: 1}
    neb: {n_images: 3, fmax: 0.05, optimizer: ode}
    relax_fmax: 0.05
    dissolution: true                           # also relax the vacancy slab
    lattice_constant: null                      # null: fit a0 with the same calculator

Every key is checked: unknown keys, wrong types and impossible combinations are
one-line :class:`~cudiss.workflows.errors.CampaignError` messages, raised
before anything is written to a store.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import yaml
from ase import Atoms
from jobflow import Flow
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from cudiss.structures.bulk import CU_LATTICE_CONSTANT
from cudiss.structures.errors import CudissInputError
from cudiss.structures.removal import RemovalEndpoints, RemovalTarget
from cudiss.workflows.calculators import CalculatorSpec, as_spec
from cudiss.workflows.errors import CampaignError
from cudiss.workflows.flows import (
    BULK_KIND,
    RemovalBarrierMaker,
    RemovalConfig,
    SlabSettings,
    removal_flows,
)
from cudiss.workflows.makers import BulkResult, CuBulkMaker
from cudiss.workflows.neb import NebSettings


class Campaign(BaseModel):
    """A campaign: the cross product of facets, target sites and adsorbate sets."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.\-]+$")
    description: str = ""
    calculator: CalculatorSpec = Field(default_factory=CalculatorSpec)
    facets: list[str] = Field(min_length=1)
    sites: list[str] = Field(min_length=1)
    adsorbates: list[list[str]] = Field(default_factory=lambda: [[]])
    slab: SlabSettings = Field(default_factory=SlabSettings)
    neb: NebSettings = Field(default_factory=NebSettings)
    relax_fmax: float = Field(0.05, gt=0)
    dissolution: bool = True
    lattice_constant: float | None = Field(None, gt=2.0, lt=6.0)

    @field_validator("calculator", mode="before")
    @classmethod
    def _calculator_shorthand(cls, value: object) -> object:
        return as_spec(value) if isinstance(value, str) else value

    @field_validator("facets", mode="before")
    @classmethod
    def _facets_as_text(cls, value: object) -> object:
        # YAML reads a bare 111 as an integer.
        if isinstance(value, list):
            return [str(v) if isinstance(v, int) else v for v in value]
        return value

    def configurations(self) -> list[RemovalConfig]:
        """Every facet x site x adsorbate-set configuration, in file order."""
        return [
            RemovalConfig(
                campaign=self.name,
                facet=facet,
                site_class=site,
                adsorbates=tuple(ads),
                slab=self.slab,
            )
            for facet, site, ads in itertools.product(self.facets, self.sites, self.adsorbates)
        ]

    def maker(self, store_root: str | None = None) -> RemovalBarrierMaker:
        """The removal-flow maker with this campaign's settings."""
        return RemovalBarrierMaker(
            calculator_spec=self.calculator,
            neb_settings=self.neb,
            relax_fmax=self.relax_fmax,
            dissolution=self.dissolution,
            store_root=store_root,
        )


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"]) or "campaign"
    message = error["msg"].removeprefix("Value error, ")
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    if error["type"] == "extra_forbidden":
        message = "unknown key"
    return f"{where}: {message}{more}"


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
    return campaign


class EndpointCache:
    """Removal endpoints of many configurations, the adsorbate-free work done once each.

    ``cache.endpoints(config)`` equals ``config.build(lattice_constant)``: both go
    through :class:`~cudiss.structures.removal.RemovalTarget`. The cache builds the
    bare configuration (slab, defect, target) once per facet x site class x slab
    and keeps its target, whose sites and destinations then serve every adsorbate
    set, and binds adsorbates once per prefix of a set: a few ms per
    configuration instead of ~0.2 s. Errors are those of ``config.build``.
    """

    def __init__(self, lattice_constant: float = CU_LATTICE_CONSTANT) -> None:
        self.lattice_constant = lattice_constant
        # Per facet x site class x slab: the bare target and its slabs with each
        # adsorbate prefix bound (RemovalTarget.bind); None: the bare
        # configuration cannot be built.
        self._targets: dict[tuple, tuple[RemovalTarget, dict[tuple[str, ...], Atoms]] | None] = {}

    def endpoints(self, config: RemovalConfig) -> RemovalEndpoints:
        """The removal endpoints of ``config`` (see the class docstring)."""
        key = (config.facet, config.site_class, config.slab)
        if key not in self._targets:
            bare = config.model_copy(update={"adsorbates": ()})
            try:
                target = bare.build(self.lattice_constant).target
            except CudissInputError:
                self._targets[key] = None
            else:
                self._targets[key] = (target, {})
        entry = self._targets[key]
        if entry is None:
            # Raise what config.build raises: with several problems (say a bad
            # slab and an unknown adsorbate) it names the one it checks first.
            return config.build(self.lattice_constant)
        target, bound = entry
        return target.endpoints(config.adsorbates, bound)


def check_configurations(campaign: Campaign, source: str = "campaign") -> None:
    """Build every configuration's geometry once so bad combinations fail now, not mid-run.

    The geometries come from an :class:`EndpointCache`; a configuration it
    cannot build is built again the uncached way (``RemovalConfig.build``, what
    the endpoint job runs), which has the last word and words the error.
    """
    lattice_constant = campaign.lattice_constant or CU_LATTICE_CONSTANT
    cache = EndpointCache(lattice_constant)
    seen: set[tuple] = set()
    for config in campaign.configurations():
        key = (config.facet, config.site_class, config.adsorbates)
        if key in seen:
            continue
        seen.add(key)
        try:
            cache.endpoints(config)
        except Exception:  # the cache is only a fast path: the uncached build decides
            try:
                config.build(lattice_constant)
            except CudissInputError as exc:
                raise CampaignError(f"{source}: {config.label()}: {exc}") from None


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
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise CampaignError(f"{path}: malformed YAML{where}") from None
    return parse_campaign(data, str(path))


def bulk_job(campaign: Campaign):
    """The bulk job of a campaign: fit a0, or a single point at the given a0."""
    if campaign.lattice_constant is not None:
        maker = CuBulkMaker(calculator_spec=campaign.calculator, strain=0.0, points=1)
        job = maker.make(campaign.lattice_constant)
    else:
        job = CuBulkMaker(calculator_spec=campaign.calculator).make()
    job.name = f"{campaign.name}: bulk Cu ({campaign.calculator.label()})"
    job.update_metadata({"cudiss_kind": BULK_KIND, "bulk_key": bulk_key(campaign)})
    return job


def bulk_key(campaign: Campaign) -> str:
    """Key of the bulk reference a campaign needs (calculator + given a0)."""
    return f"{campaign.calculator.model_dump_json()}|a0={campaign.lattice_constant}"


def campaign_flow(
    campaign: Campaign,
    skip: set[str] = frozenset(),
    bulk: BulkResult | None = None,
    store_root: str | None = None,
) -> Flow:
    """Expand a campaign into one jobflow Flow.

    Parameters
    ----------
    campaign
        The validated campaign.
    skip
        ``config_id`` values already finished (left out of the flow).
    bulk
        A finished bulk reference to reuse; if ``None`` the flow starts with a bulk job.
    store_root
        Folder that trajectory paths are made relative to.
    """
    todo = [c for c in campaign.configurations() if c.config_id(campaign.calculator) not in skip]
    jobs: list = []
    if todo and bulk is None:
        bulk = bulk_job(campaign)
        jobs.append(bulk)
    jobs += removal_flows(todo, campaign.maker(store_root), bulk)
    return Flow(jobs, name=campaign.name)
