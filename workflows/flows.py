"""The Cu-removal barrier flow: bulk a0 -> slab -> relaxed endpoints -> CI-NEB -> result.

One :class:`RemovalConfig` (facet, target site class, adsorbates on the moving
Cu, slab size) becomes one jobflow ``Flow``::

    build endpoints (a0) -> relax initial, relax final, relax vacancy
                            (an adatom hop: relax initial -> carry -> relax final)
                         -> interpolate (IDPP) -> CI-NEB -> removal result

A step that raises returns a :class:`~cudiss.workflows.failures.StepFailure`
instead, which later steps pass on; the result job
(:func:`~cudiss.workflows.results.removal_result`) reads it from its inputs, so
a failed configuration still leaves a result document marked ``failed`` that
says which step failed and why.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from jobflow import Flow, Job, Maker, OutputReference
from pydantic import ConfigDict, Field, field_validator

from cudiss.structures.adsorbates import get_adsorbate
from cudiss.structures.bulk import CU_LATTICE_CONSTANT
from cudiss.structures.errors import UnknownAdsorbateError
from cudiss.structures.removal import RemovalEndpoints, build_removal_system
from cudiss.structures.slabs import check_vacuum, facet_key
from cudiss.workflows.calculators import CalculatorSpec
from cudiss.workflows.endpoint_jobs import Endpoints, build_endpoints, interpolate_endpoints
from cudiss.workflows.errors import CheckedModel, SettingsError
from cudiss.workflows.final_state import carried_final, is_symmetric_hop
from cudiss.workflows.makers import (
    CuBulkMaker,
    CuNebMaker,
    CuRelaxMaker,
    check_fmax,
    check_type,
)
from cudiss.workflows.mechanism_steps import VibrationsStepMaker
from cudiss.workflows.neb import NebSettings
from cudiss.workflows.prerelax import PrerelaxName, check_prerelax

# The result job lives in results.py; stored flows and documents name it
# cudiss.workflows.flows.removal_result, so it stays importable from here.
from cudiss.workflows.results import removal_result
from cudiss.workflows.schemas import BulkResult

__all__ = [
    "BULK_KIND",
    "RESULT_KIND",
    "Endpoints",
    "RemovalBarrierMaker",
    "RemovalConfig",
    "SlabSettings",
    "build_endpoints",
    "interpolate_endpoints",
    "removal_flows",
    "removal_result",
]

RESULT_KIND = "removal_result"
BULK_KIND = "bulk"


class SlabSettings(CheckedModel):
    """Slab geometry shared by the configurations of a campaign (Å, layers).

    ``vacuum`` is checked as :func:`cudiss.structures.slabs.check_vacuum` does
    (5-50 Å each side); numbers must be finite.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    size: tuple[int, int] = (3, 3)
    layers: int = Field(4, ge=2)
    vacuum: float = Field(7.5, gt=0)
    fixed_layers: int = Field(2, ge=0)

    @field_validator("size")
    @classmethod
    def _positive_size(cls, value: tuple[int, int]) -> tuple[int, int]:
        if min(value) < 1:
            raise ValueError(f"size must be two integers >= 1 like [3, 3], got {list(value)}")
        return value

    @field_validator("vacuum")
    @classmethod
    def _vacuum_range(cls, value: float) -> float:
        return check_vacuum(value)


def _canonical_adsorbate(name: object) -> object:
    """The library's name of an adsorbate (``co*`` -> ``CO``, ``HCOO`` -> ``OCHO``).

    An unknown name is returned stripped: building the configuration says it is unknown.
    """
    try:
        return get_adsorbate(str(name)).name
    except UnknownAdsorbateError:
        return str(name).strip()


class RemovalConfig(CheckedModel):
    """One Cu-removal configuration of a campaign.

    Its fields are normalised before anything else sees them, so one system has
    one identity (:meth:`config_id`) however it is spelled: ``facet`` ``'Cu(100)'``,
    ``'(100)'`` and ``100`` are ``'100'`` (:func:`~cudiss.structures.slabs.facet_key`);
    ``site_class`` ``'Adatom'`` is ``'adatom'``; each adsorbate takes the library's
    name (``'co'`` and ``'CO*'`` are ``'CO'``, ``'HCOO'`` is ``'OCHO'``). The order of
    the adsorbates is kept: the first binds atop the Cu, the next ones beside it.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    campaign: str = "default"
    facet: str
    site_class: str
    adsorbates: tuple[str, ...] = ()
    slab: SlabSettings = Field(default_factory=SlabSettings)

    @field_validator("facet", mode="before")
    @classmethod
    def _facet_as_text(cls, value: object) -> object:
        # YAML reads a bare 111 as an integer; 'Cu(111)' and '(111)' are 111 too.
        return facet_key(value) if isinstance(value, int | str) else value

    @field_validator("site_class", mode="before")
    @classmethod
    def _site_class_lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("adsorbates", mode="before")
    @classmethod
    def _adsorbate_names(cls, value: object) -> object:
        if isinstance(value, list | tuple):
            return tuple(_canonical_adsorbate(v) if isinstance(v, str) else v for v in value)
        return value

    def label(self, calculator: CalculatorSpec | None = None) -> str:
        """Human-readable name, e.g. ``Cu(100) adatom +CO``.

        With a ``calculator`` that holds an electrode its state follows, so the
        runs of a potential sweep keep apart in job names and progress:
        ``Cu(100) adatom bare @ -0.50 V RHE pH 7``.
        """
        ads = " +" + "+".join(self.adsorbates) if self.adsorbates else " bare"
        label = f"Cu({self.facet}) {self.site_class}{ads}"
        if calculator is not None and calculator.electrode is not None:
            label += f" @ {calculator.electrode.label()}"
        return label

    def build(self, lattice_constant: float = CU_LATTICE_CONSTANT) -> RemovalEndpoints:
        """The Cu-removal endpoints of this configuration (structures.removal)."""
        return build_removal_system(
            self.facet,
            self.site_class,
            self.adsorbates,
            size=self.slab.size,
            layers=self.slab.layers,
            vacuum=self.slab.vacuum,
            fixed_layers=self.slab.fixed_layers,
            a=lattice_constant,
        )

    def config_id(self, calculator: CalculatorSpec) -> str:
        """Stable key of this configuration under ``calculator``.

        Identical inputs give the same key in every run, which is how a rerun
        finds finished work in the store.
        """
        payload = json.dumps(
            [self.model_dump(mode="json"), calculator.model_dump(mode="json")], sort_keys=True
        )
        digest = hashlib.sha1(payload.encode()).hexdigest()[:10]
        ads = "+".join(self.adsorbates) or "bare"
        return f"{self.campaign}/{self.facet}/{self.site_class}/{ads}/{calculator.label()}/{digest}"


@dataclass
class RemovalBarrierMaker(Maker):
    """Maker of the Cu-removal barrier flow for one configuration.

    Parameters
    ----------
    calculator_spec
        EMT or GPAW (+ preset); the one field that switches the whole flow.
    neb_settings
        CI-NEB settings (images, fmax, optimizer...).
    relax_fmax
        Force threshold of the endpoint and vacancy relaxations (eV/Å).
    dissolution
        Also relax the vacancy slab, for the dissolution free energy; bare
        configurations only (that of an adsorbate-bound one lacks the
        adsorbates too, so analysis uses its bare partner's).
    store_root
        Folder that trajectory paths in the result are made relative to.
    vibrations
        For a configuration with adsorbates, also compute the adsorbates'
        harmonic frequencies (slab frozen, the moving Cu included) in the
        relaxed initial state and in the lifted complex (the relaxed final state).
    prerelax
        MLIP pre-relaxation of the endpoint and vacancy relaxations (``none``,
        ``auto``, ``sevennet``, ``chgnet``; :class:`~cudiss.workflows.makers.CuRelaxMaker`).
    carry_symmetric_final
        When the final state is the initial one moved by a symmetry of the slab
        (an adatom hop), relax it from the relaxed initial state carried over
        (:mod:`~cudiss.workflows.final_state`; one force call when the
        calculator shares the symmetry) instead of from scratch.
    """

    name: str = "Cu removal barrier"
    calculator_spec: CalculatorSpec = field(default_factory=CalculatorSpec)
    neb_settings: NebSettings = field(default_factory=NebSettings)
    relax_fmax: float = 0.05
    dissolution: bool = True
    store_root: str | None = None
    vibrations: bool = False
    prerelax: PrerelaxName = "none"
    carry_symmetric_final: bool = True

    def __post_init__(self) -> None:
        check_type(self.calculator_spec, CalculatorSpec, "RemovalBarrierMaker: calculator_spec")
        check_type(self.neb_settings, NebSettings, "RemovalBarrierMaker: neb_settings")
        check_fmax(self.relax_fmax, "RemovalBarrierMaker: relax_fmax")
        self.prerelax = check_prerelax(self.prerelax, "RemovalBarrierMaker: prerelax")
        check_type(self.carry_symmetric_final, bool, "RemovalBarrierMaker: carry_symmetric_final")

    def make(self, config: RemovalConfig, bulk: BulkResult | Job | None = None) -> Flow:
        """Build the flow; ``bulk`` is a finished :class:`BulkResult`, a job's output or None.

        With ``bulk=None`` the flow computes its own bulk reference first: a
        :class:`~cudiss.workflows.makers.CuBulkMaker` job (a0 and mu_Cu fitted with
        the same calculator), whose output the endpoints and the result use.

        Raises
        ------
        SettingsError
            ``config`` is not a :class:`RemovalConfig`, or ``bulk`` is neither a
            :class:`BulkResult`, a job output nor None.
        """
        if not isinstance(config, RemovalConfig):
            raise SettingsError(
                f"RemovalBarrierMaker.make: config must be a RemovalConfig "
                f"(e.g. RemovalConfig(facet='100', site_class='adatom')), got {config!r}"
            )
        label = config.label(self.calculator_spec)
        jobs: list[Job] = []
        if bulk is None:
            bulk_job = CuBulkMaker(calculator_spec=self.calculator_spec).make()
            bulk_job.name = f"{label}: bulk Cu ({self.calculator_spec.label()})"
            bulk_job.update_metadata({"cudiss_kind": BULK_KIND})
            jobs.append(bulk_job)
            bulk = bulk_job.output
        elif isinstance(bulk, Job):
            bulk = bulk.output
        elif not isinstance(bulk, BulkResult | OutputReference):
            raise SettingsError(
                f"RemovalBarrierMaker.make: bulk must be a BulkResult, a bulk job or its "
                f"output, or None (computed here), got {type(bulk).__name__}"
            )
        endpoints = build_endpoints(config, bulk)
        endpoints.name = f"{label}: endpoints"
        jobs.append(endpoints)
        relaxed = self._relaxations(config, endpoints, label, jobs)

        band = interpolate_endpoints(
            relaxed["initial"].output.structure,
            relaxed["final"].output.structure,
            self.neb_settings.n_images,
            self.neb_settings.interpolation,
            endpoints.output.displacement,
        )
        band.name = f"{label}: interpolate"
        neb_maker = CuNebMaker(calculator_spec=self.calculator_spec, settings=self.neb_settings)
        neb = neb_maker.make(
            band.output,
            endpoint_energies=(
                relaxed["initial"].output.output.energy,
                relaxed["final"].output.output.energy,
            ),
        )
        neb.name = f"{label}: CI-NEB"
        vibrations = {}
        if self.vibrations and config.adsorbates:
            vib = VibrationsStepMaker(calculator_spec=self.calculator_spec, kind="slab")
            for state in ("initial", "final"):
                vib_job = vib.make(relaxed[state].output.structure, "adsorbate")
                vib_job.name = f"{label}: vibrations {state}"
                vibrations[f"{state}_vibrations"] = vib_job.output
                jobs.append(vib_job)
        result = removal_result(
            config,
            self.calculator_spec,
            self.neb_settings,
            bulk,
            endpoints.output,
            relaxed["initial"].output,
            relaxed["final"].output,
            relaxed["vacancy"].output if "vacancy" in relaxed else None,
            neb.output,
            store_root=self.store_root,
            **vibrations,
        )
        result.name = f"{label}: result"
        result.update_metadata(
            {"cudiss_kind": RESULT_KIND, "config_id": config.config_id(self.calculator_spec)}
        )
        jobs += [band, neb, result]
        return Flow(jobs, output=result.output, name=label)

    def _relaxations(
        self, config: RemovalConfig, endpoints: Job, label: str, jobs: list[Job]
    ) -> dict[str, Job]:
        """The relaxation jobs by state, appended to ``jobs`` with the jobs they need."""
        relax = CuRelaxMaker(
            calculator_spec=self.calculator_spec, fmax=self.relax_fmax, prerelax=self.prerelax
        )
        relaxed: dict[str, Job] = {}
        # an adsorbate-bound vacancy slab lacks the adsorbates too: dissolution is
        # computed from the bare configuration's (analysis/dissolution.py)
        vacancy = self.dissolution and not config.adsorbates
        states = ["initial", "final", "vacancy"] if vacancy else ["initial", "final"]
        for state in states:
            start, maker = getattr(endpoints.output, state), relax
            if state == "final" and self.carry_symmetric_final and is_symmetric_hop(config):
                carried = carried_final(
                    endpoints.output.initial, start, relaxed["initial"].output.structure
                )
                carried.name = f"{label}: carry initial relaxation to final"
                jobs.append(carried)
                # it starts at the initial state's minimum: an MLIP stage would leave it
                start, maker = carried.output, replace(relax, prerelax="none")
            relaxed[state] = maker.make(start)
            relaxed[state].name = f"{label}: relax {state}"
            jobs.append(relaxed[state])
        return relaxed


def removal_flows(
    configs: Sequence[RemovalConfig],
    maker: RemovalBarrierMaker,
    bulk: BulkResult | Job | None,
) -> list[Flow | Job]:
    """One removal flow per configuration, all sharing one bulk result.

    ``bulk=None``: one bulk job (a0 and mu_Cu fitted with the maker's calculator)
    comes first in the list and serves every flow, instead of one per flow.
    """
    jobs: list[Flow | Job] = []
    if bulk is None and configs:
        bulk = CuBulkMaker(calculator_spec=maker.calculator_spec).make()
        bulk.name = f"bulk Cu ({maker.calculator_spec.label()})"
        bulk.update_metadata({"cudiss_kind": BULK_KIND})
        jobs.append(bulk)
    output = bulk.output if isinstance(bulk, Job) else bulk
    return jobs + [maker.make(config, output) for config in configs]
