"""The mechanism flows: gas references and adsorption on the clean facets.

Two jobflow Makers, whose documents (:mod:`cudiss.analysis.mechanism_documents`)
give the free energies of the reservoirs and of the adsorbate states under the
computational hydrogen electrode (:mod:`cudiss.analysis.adsorption`)::

    GasReferenceMaker:  molecule in a box -> relax (all atoms free)
                        -> vibrations of all atoms -> gas result
    AdsorptionMaker:    clean slab (built at a0) -> relax          (shared per facet)
                        for each symmetry-unique site: place the adsorbate -> relax
                        -> pick the lowest (converged first)
                        -> vibrations of the adsorbate atoms, slab frozen
                        -> adsorption result

Every step is wrapped with :func:`~cudiss.workflows.failures.failures_as_data`:
a failing site is one row of the result's ``sites`` with its error, and a
failing step gives a ``failed`` document that keeps what was computed.
Vibrations are finite differences (ase.vibrations, 0.01 Å; the steps are in
:mod:`cudiss.workflows.mechanism_steps`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from ase import Atoms
from jobflow import Flow, Job, Maker, OutputReference, job
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pymatgen.core import Structure
from pymatgen.io.ase import AseAtomsAdaptor

from cudiss.analysis.mechanism_documents import ADSORPTION_KIND, GAS_KIND
from cudiss.structures.adsorbates import get_adsorbate
from cudiss.structures.bulk import CU_LATTICE_CONSTANT
from cudiss.structures.molecules import GAS_VACUUM, gas_molecule, gas_name
from cudiss.structures.placement import place_adsorbate
from cudiss.structures.sites import SITE_KINDS, find_sites
from cudiss.structures.slabs import cu_slab, facet_key
from cudiss.workflows.calculators import CalculatorSpec
from cudiss.workflows.errors import CheckedModel, SettingsError
from cudiss.workflows.failures import failures_as_data
from cudiss.workflows.flows import SlabSettings
from cudiss.workflows.makers import CuRelaxMaker, check_fmax, check_type
from cudiss.workflows.mechanism_results import adsorption_result, gas_result, pick_lowest
from cudiss.workflows.mechanism_steps import MoleculeRelaxMaker, VibrationsStepMaker
from cudiss.workflows.prerelax import PrerelaxName, check_prerelax
from cudiss.workflows.schemas import BulkResult

__all__ = [
    "ADSORPTION_KIND",
    "GAS_KIND",
    "AdsorptionConfig",
    "AdsorptionMaker",
    "GasReferenceMaker",
    "MoleculeRelaxMaker",
    "PlacedAdsorbate",
    "VibrationsStepMaker",
    "build_clean_slab",
    "gas_id",
    "place_on_site",
    "site_labels",
]


def _digest(*parts: object) -> str:
    payload = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha1(payload.encode()).hexdigest()[:10]


def gas_id(name: str, calculator: CalculatorSpec, vacuum: float, vibrations: bool) -> str:
    """Stable key of a gas reference: ``gas/NAME/LABEL/DIGEST`` (shared by campaigns)."""
    digest = _digest(name, calculator.model_dump(mode="json"), float(vacuum), bool(vibrations))
    return f"gas/{name}/{calculator.label()}/{digest}"


@dataclass
class GasReferenceMaker(Maker):
    """Maker of one gas reference: relax in a box -> vibrations of all atoms -> result.

    Parameters
    ----------
    calculator_spec
        The campaign's calculator; the molecule uses the preset's ``molecule`` rule.
    relax_fmax
        Force threshold of the relaxation, eV/Å (tight: the vibrations start there).
    vacuum
        Vacuum on each side of the molecule, Å (:mod:`cudiss.structures.molecules`).
    vibrations
        Compute the frequencies of all 3N modes (ideal-gas ZPE and entropy).
    """

    name: str = "gas reference"
    calculator_spec: CalculatorSpec = field(default_factory=CalculatorSpec)
    relax_fmax: float = 0.02
    vacuum: float = GAS_VACUUM
    vibrations: bool = True

    def __post_init__(self) -> None:
        check_type(self.calculator_spec, CalculatorSpec, "GasReferenceMaker: calculator_spec")
        check_fmax(self.relax_fmax, "GasReferenceMaker: relax_fmax")

    def gas_id(self, name: str) -> str:
        """The ``gas_id`` of molecule ``name`` made by this maker."""
        return gas_id(gas_name(name), self.calculator_spec, self.vacuum, self.vibrations)

    def label(self, name: str) -> str:
        """Job-name prefix, e.g. ``gas H2O (emt)``."""
        return f"gas {gas_name(name)} ({self.calculator_spec.label()})"

    def make(self, name: str) -> Flow:
        """The flow of gas reference ``name`` (H2, H2O, CO, CO2, HCOOH)."""
        key = gas_name(name)
        label = self.label(key)
        structure = AseAtomsAdaptor().get_structure(gas_molecule(key, self.vacuum))
        relax = MoleculeRelaxMaker(calculator_spec=self.calculator_spec, fmax=self.relax_fmax)
        relax_job = relax.make(structure)
        relax_job.name = f"{label}: relax"
        jobs: list[Job] = [relax_job]
        vib_output = None
        if self.vibrations:
            vib = VibrationsStepMaker(calculator_spec=self.calculator_spec, kind="molecule")
            vib_job = vib.make(relax_job.output.structure, "all")
            vib_job.name = f"{label}: vibrations"
            jobs.append(vib_job)
            vib_output = vib_job.output
        result = gas_result(
            key,
            self.gas_id(key),
            self.calculator_spec,
            relax_job.output,
            vib_output,
            vibrations_wanted=self.vibrations,
        )
        result.name = f"{label}: result"
        result.update_metadata({"cudiss_kind": GAS_KIND, "gas_id": self.gas_id(key)})
        jobs.append(result)
        return Flow(jobs, output=result.output, name=label)


# --------------------------------------------------------------------------
# adsorption


class AdsorptionConfig(CheckedModel):
    """One adsorbate on one clean facet of a campaign.

    ``sites``: the site kinds tried (:data:`~cudiss.structures.sites.SITE_KINDS`);
    ``None`` tries every symmetry-unique site of the cell.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    campaign: str = "default"
    facet: str
    adsorbate: str
    slab: SlabSettings = Field(default_factory=SlabSettings)
    sites: tuple[str, ...] | None = None

    @field_validator("facet", mode="before")
    @classmethod
    def _facet_as_text(cls, value: object) -> object:
        return facet_key(value) if isinstance(value, int | str) else value

    @field_validator("adsorbate", mode="before")
    @classmethod
    def _adsorbate_name(cls, value: object) -> object:
        return get_adsorbate(str(value)).name if isinstance(value, str) else value

    @field_validator("sites", mode="before")
    @classmethod
    def _site_kinds(cls, value: object) -> object:
        if isinstance(value, list | tuple):
            kinds = tuple(dict.fromkeys(str(v).strip().lower() for v in value))
            unknown = [k for k in kinds if k not in SITE_KINDS]
            if unknown:
                raise ValueError(f"unknown site kind {unknown[0]!r}; choose from {SITE_KINDS}")
            return kinds
        return value

    def label(self) -> str:
        """Job-name prefix, e.g. ``Cu(100) +H``."""
        return f"Cu({self.facet}) +{self.adsorbate}"

    def clean_slab(self, lattice_constant: float = CU_LATTICE_CONSTANT) -> Atoms:
        """The clean slab of this configuration at ``lattice_constant`` (Å)."""
        s = self.slab
        return cu_slab(self.facet, s.size, s.layers, s.vacuum, s.fixed_layers, lattice_constant)

    def n_surface_atoms(self) -> int:
        """Cu atoms of the top layer (tag 1): the coverage is one per this many."""
        return int((self.clean_slab().get_tags() == 1).sum())

    def adsorption_id(self, calculator: CalculatorSpec, vibrations: bool) -> str:
        """Stable key: ``CAMPAIGN/FACET/ADS/LABEL/DIGEST``."""
        digest = _digest(self.model_dump(mode="json"), calculator.model_dump(mode="json"))
        digest = _digest(digest, bool(vibrations))
        return f"{self.campaign}/{self.facet}/{self.adsorbate}/{calculator.label()}/{digest}"


def site_labels(slab: Atoms, kinds: tuple[str, ...] | None = None) -> list[tuple[int, str, str]]:
    """``(index in find_sites(slab, unique=True), kind, label)`` of the sites to try.

    Labels are the site kind (``hollow``), numbered from the second site of a
    kind on (``bridge_2``). ``kinds`` keeps only those kinds.
    """
    out, seen = [], {}
    for k, site in enumerate(find_sites(slab, unique=True)):
        if kinds is not None and site.kind not in kinds:
            continue
        seen[site.kind] = seen.get(site.kind, 0) + 1
        n = seen[site.kind]
        out.append((k, site.kind, site.kind if n == 1 else f"{site.kind}_{n}"))
    return out


def _lattice_constant(bulk: BulkResult | float) -> float:
    return float(bulk) if isinstance(bulk, int | float) else bulk.lattice_constant_A


@job
@failures_as_data
def build_clean_slab(config: AdsorptionConfig, bulk: BulkResult | float) -> Structure:
    """The clean slab of ``config`` built at ``bulk``'s lattice constant."""
    return AseAtomsAdaptor().get_structure(config.clean_slab(_lattice_constant(bulk)))


class PlacedAdsorbate(BaseModel):
    """An adsorbate put on one site of the clean slab (unrelaxed)."""

    site: str
    structure: Structure
    adsorbate_indices: list[int]


@job
@failures_as_data
def place_on_site(
    config: AdsorptionConfig, bulk: BulkResult | float, index: int, kind: str, label: str
) -> PlacedAdsorbate:
    """Put ``config.adsorbate`` on the ``index``-th unique site (of ``kind``) of the clean slab."""
    slab = config.clean_slab(_lattice_constant(bulk))
    sites = find_sites(slab, unique=True)
    if index >= len(sites) or sites[index].kind != kind:
        raise ValueError(f"site {label!r} (unique site {index}) is not on the slab at this a0")
    atoms = place_adsorbate(slab, config.adsorbate, sites[index])
    return PlacedAdsorbate(
        site=label,
        structure=AseAtomsAdaptor().get_structure(atoms),
        adsorbate_indices=list(range(len(slab), len(atoms))),
    )


@dataclass
class AdsorptionMaker(Maker):
    """Maker of one adsorption flow: every site relaxed, the lowest kept, its vibrations.

    Parameters
    ----------
    calculator_spec
        The campaign's calculator (slab parameters).
    relax_fmax
        Force threshold of the relaxations, eV/Å.
    vibrations
        Harmonic frequencies of the adsorbate at the best site (slab frozen).
    lattice_constant
        a0 (Å) used only to find the sites when the flow is built; the jobs
        build the slabs at the bulk result's a0.
    prerelax
        MLIP pre-relaxation of the slab relaxations (``none``, ``auto``,
        ``sevennet``, ``chgnet``; :class:`~cudiss.workflows.makers.CuRelaxMaker`).
    """

    name: str = "adsorption"
    calculator_spec: CalculatorSpec = field(default_factory=CalculatorSpec)
    relax_fmax: float = 0.05
    vibrations: bool = True
    lattice_constant: float = CU_LATTICE_CONSTANT
    prerelax: PrerelaxName = "none"

    def __post_init__(self) -> None:
        check_type(self.calculator_spec, CalculatorSpec, "AdsorptionMaker: calculator_spec")
        check_fmax(self.relax_fmax, "AdsorptionMaker: relax_fmax")
        self.prerelax = check_prerelax(self.prerelax, "AdsorptionMaker: prerelax")

    def relax_maker(self) -> CuRelaxMaker:
        """The maker of this flow's slab relaxations."""
        return CuRelaxMaker(
            calculator_spec=self.calculator_spec, fmax=self.relax_fmax, prerelax=self.prerelax
        )

    def clean_slab(self, config: AdsorptionConfig, bulk) -> list[Job]:
        """The build and relaxation jobs of ``config``'s clean slab (shared per facet)."""
        label = f"Cu({config.facet}) clean slab"
        build = build_clean_slab(config, bulk)
        build.name = f"{label}: build"
        relax = self.relax_maker()
        relax_job = relax.make(build.output)
        relax_job.name = f"{label}: relax"
        return [build, relax_job]

    def make(
        self,
        config: AdsorptionConfig,
        bulk: BulkResult | OutputReference | float,
        clean: OutputReference | None = None,
    ) -> Flow:
        """The adsorption flow of ``config``.

        Parameters
        ----------
        config
            Facet, adsorbate, slab and site kinds.
        bulk
            A :class:`BulkResult`, a bulk job's output or a0 in Å.
        clean
            The clean slab's relaxation output (shared by the adsorbates of a
            facet); ``None`` adds the clean-slab jobs to this flow.
        """
        if not isinstance(config, AdsorptionConfig):
            raise SettingsError(
                f"AdsorptionMaker.make: config must be an AdsorptionConfig, got {config!r}"
            )
        if isinstance(bulk, Job):
            bulk = bulk.output
        label = config.label()
        jobs: list[Job] = []
        if clean is None:
            jobs += self.clean_slab(config, bulk)
            clean = jobs[-1].output
        choices = site_labels(config.clean_slab(self.lattice_constant), config.sites)
        if not choices:
            raise SettingsError(
                f"{label}: none of the site kinds {list(config.sites or ())} is on this slab"
            )
        relax = self.relax_maker()
        placed, relaxed = [], []
        for index, kind, site in choices:
            place = place_on_site(config, bulk, index, kind, site)
            place.name = f"{label}: place on {site}"
            relax_job = relax.make(place.output.structure)
            relax_job.name = f"{label}: relax {site}"
            jobs += [place, relax_job]
            placed.append(place.output)
            relaxed.append(relax_job.output)
        best = pick_lowest([site for _, _, site in choices], placed, relaxed)
        best.name = f"{label}: lowest site"
        jobs.append(best)
        vib_output = None
        if self.vibrations:
            vib = VibrationsStepMaker(calculator_spec=self.calculator_spec, kind="slab")
            vib_job = vib.make(best.output.structure, "adsorbate")
            vib_job.name = f"{label}: vibrations"
            jobs.append(vib_job)
            vib_output = vib_job.output
        key = config.adsorption_id(self.calculator_spec, self.vibrations)
        result = adsorption_result(
            config,
            key,
            self.calculator_spec,
            clean,
            best.output,
            vib_output,
            vibrations_wanted=self.vibrations,
        )
        result.name = f"{label}: result"
        result.update_metadata({"cudiss_kind": ADSORPTION_KIND, "adsorption_id": key})
        jobs.append(result)
        return Flow(jobs, output=result.output, name=label)
