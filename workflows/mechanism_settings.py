"""The ``mechanism:`` section of a campaign file, and the jobs it adds to the campaign.

::

    mechanism:
      adsorbates: [H, OH, CO, COOH]   # adsorption on the clean facets (default: none)
      facets: null                    # facets for adsorption (default: the campaign's)
      sites: null                     # site kinds tried (default: every symmetry-unique site)
      gases: null                     # default: what the adsorbates and routes need
      vibrations: true                # harmonic frequencies of gases and adsorbates
      carbon_reservoir: CO2           # CO2 or CO: where the carbon of C adsorbates comes from

With the section present a campaign also runs the gas references
(:class:`~cudiss.workflows.mechanism_flows.GasReferenceMaker`, once per
calculator), one clean-slab relaxation per facet, the adsorption of every
listed adsorbate on every facet
(:class:`~cudiss.workflows.mechanism_flows.AdsorptionMaker`), and the adsorbate
vibrations of its removal configurations; the removal adsorbate sets gain the
bare one ``[]`` (the landscape measures every state from the bare site).

Default ``gases``: H2 and H2O always (CHE and the O/H reservoir); the carbon
reservoir when any adsorbate (on the facets or on a removed Cu) holds carbon;
CO2 too for COOH*, OCHO* and CO2* (the CO2ER routes start at CO2(g)); CO for
CO* (the route ends in CO(g)); HCOOH for OCHO* (the formate route).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Literal

from ase import Atoms
from jobflow import Flow, Job
from pydantic import ConfigDict, Field, field_validator, model_validator

from cudiss.structures.adsorbates import get_adsorbate
from cudiss.structures.bulk import CU_LATTICE_CONSTANT
from cudiss.structures.errors import UnknownAdsorbateError
from cudiss.structures.molecules import GAS_SPECIES, gas_name
from cudiss.structures.sites import SITE_KINDS
from cudiss.structures.slabs import facet_key
from cudiss.workflows.calculators import CalculatorSpec
from cudiss.workflows.errors import CheckedModel
from cudiss.workflows.mechanism_flows import (
    AdsorptionConfig,
    AdsorptionMaker,
    GasReferenceMaker,
    site_labels,
)

if TYPE_CHECKING:
    from cudiss.workflows.campaign import Campaign

__all__ = [
    "MechanismSettings",
    "adsorption_configs",
    "adsorption_maker",
    "check_mechanism_sites",
    "gas_maker",
    "gas_names",
    "mechanism_ids",
    "mechanism_jobs",
    "needed_gases",
]


def _has_carbon(name: str) -> bool:
    return "C" in get_adsorbate(name).atoms.get_chemical_symbols()


def needed_gases(
    adsorbates: Iterable[str], carbon_reservoir: Literal["CO2", "CO"] = "CO2"
) -> list[str]:
    """The gas references the free energies of ``adsorbates`` need (see the module docstring).

    Examples
    --------
    >>> needed_gases(["H", "OH"])
    ['H2', 'H2O']
    >>> needed_gases(["CO", "COOH"])
    ['H2', 'H2O', 'CO', 'CO2']
    >>> needed_gases(["OCHO"], carbon_reservoir="CO")
    ['H2', 'H2O', 'CO', 'CO2', 'HCOOH']
    """
    names = {get_adsorbate(a).name for a in adsorbates}
    gases = {"H2", "H2O"}
    if any(_has_carbon(a) for a in names):
        gases.add(carbon_reservoir)
    if names & {"COOH", "OCHO", "CO2"}:
        gases.add("CO2")
    if "CO" in names:
        gases.add("CO")
    if "OCHO" in names:
        gases.add("HCOOH")
    return [g for g in GAS_SPECIES if g in gases]


class MechanismSettings(CheckedModel):
    """The validated ``mechanism:`` section (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    adsorbates: list[str] = Field(default_factory=list)
    facets: list[str] | None = None
    sites: list[str] | None = None
    gases: list[str] | None = None
    vibrations: bool = True
    carbon_reservoir: Literal["CO2", "CO"] = "CO2"

    @field_validator("adsorbates", mode="before")
    @classmethod
    def _adsorbate_names(cls, value: object) -> object:
        if isinstance(value, list):
            names = [get_adsorbate(v).name if isinstance(v, str) else v for v in value]
            return list(dict.fromkeys(names))
        return value

    @field_validator("facets", mode="before")
    @classmethod
    def _facets_as_text(cls, value: object) -> object:
        if isinstance(value, list):
            if not value:
                raise ValueError("an empty list gives no adsorption; write null for every facet")
            return list(
                dict.fromkeys(facet_key(v) if isinstance(v, int | str) else v for v in value)
            )
        return value

    @field_validator("sites", mode="before")
    @classmethod
    def _site_kinds(cls, value: object) -> object:
        if isinstance(value, list):
            if not value:
                raise ValueError("an empty list tries no site; write null for every unique site")
            kinds = [v.strip().lower() if isinstance(v, str) else v for v in value]
            for kind in kinds:
                if isinstance(kind, str) and kind not in SITE_KINDS:
                    raise ValueError(
                        f"unknown site kind {kind!r}; choose from {', '.join(SITE_KINDS)}"
                    )
            return list(dict.fromkeys(kinds))
        return value

    @field_validator("gases", mode="before")
    @classmethod
    def _gas_names(cls, value: object) -> object:
        if isinstance(value, list):
            return list(dict.fromkeys(gas_name(v) if isinstance(v, str) else v for v in value))
        return value

    @field_validator("carbon_reservoir", mode="before")
    @classmethod
    def _reservoir_upper(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _references_present(self) -> MechanismSettings:
        if self.gases is not None:
            for gas in ("H2", "H2O"):
                if gas not in self.gases:
                    raise ValueError(
                        f"gases: {gas} is needed by every free energy (CHE and the O/H "
                        "reservoir); add it or write null"
                    )
        return self

    def gas_names(self, removal_adsorbates: Iterable[Iterable[str]] = ()) -> list[str]:
        """The gases to compute: those given, or what the adsorbates here and on removed Cu need."""
        if self.gases is not None:
            return list(self.gases)
        every = [*self.adsorbates, *(a for group in removal_adsorbates for a in group)]
        return needed_gases(every, self.carbon_reservoir)

    def check_reservoir(self, removal_adsorbates: Iterable[Iterable[str]] = ()) -> None:
        """Refuse explicit ``gases`` that lack the carbon reservoir carbon adsorbates need.

        Raises
        ------
        ValueError
            One line naming the missing gas.
        """
        if self.gases is None:
            return
        every = [*self.adsorbates, *(a for group in removal_adsorbates for a in group)]
        carbon = [a for a in every if _has_carbon(a)]
        if carbon and self.carbon_reservoir not in self.gases:
            raise ValueError(
                f"mechanism.gases: {self.carbon_reservoir} (the carbon reservoir) is needed "
                f"by {carbon[0]}; add it, or write gases: null"
            )


# --------------------------------------------------------------------------
# the jobs a campaign's mechanism section adds


def gas_maker(campaign: Campaign) -> GasReferenceMaker:
    """The gas-reference maker of ``campaign`` (its calculator, its vibrations switch)."""
    return GasReferenceMaker(
        calculator_spec=campaign.reference_calculator(), vibrations=campaign.mechanism.vibrations
    )


def adsorption_maker(campaign: Campaign) -> AdsorptionMaker:
    """The adsorption maker of ``campaign``."""
    return AdsorptionMaker(
        calculator_spec=campaign.reference_calculator(),
        relax_fmax=campaign.relax_fmax,
        vibrations=campaign.mechanism.vibrations,
        lattice_constant=campaign.lattice_constant or CU_LATTICE_CONSTANT,
        prerelax=campaign.prerelax,
    )


def gas_names(campaign: Campaign) -> list[str]:
    """The gas references ``campaign`` computes (none without a mechanism section)."""
    if campaign.mechanism is None:
        return []
    return campaign.mechanism.gas_names(campaign.adsorbates)


def adsorption_configs(campaign: Campaign) -> list[AdsorptionConfig]:
    """Every facet x adsorbate of the mechanism section, in file order."""
    if campaign.mechanism is None:
        return []
    sites = tuple(campaign.mechanism.sites) if campaign.mechanism.sites else None
    return [
        AdsorptionConfig(
            campaign=campaign.name, facet=facet, adsorbate=ads, slab=campaign.slab, sites=sites
        )
        for facet in campaign.mechanism.facets or campaign.facets
        for ads in campaign.mechanism.adsorbates
    ]


def mechanism_ids(campaign: Campaign) -> tuple[dict[str, str], dict[str, AdsorptionConfig]]:
    """``gas_id -> name`` and ``adsorption_id -> config`` of ``campaign``'s mechanism jobs."""
    if campaign.mechanism is None:
        return {}, {}
    gases = gas_maker(campaign)
    vibrations = campaign.mechanism.vibrations
    return (
        {gases.gas_id(name): name for name in gas_names(campaign)},
        {
            c.adsorption_id(campaign.reference_calculator(), vibrations): c
            for c in adsorption_configs(campaign)
        },
    )


def check_mechanism_sites(campaign: Campaign) -> None:
    """Refuse site kinds that no facet of the campaign has (before anything runs).

    Raises
    ------
    ValueError
        ``mechanism.sites: Cu(100) has none of [fcc]; its unique sites: ontop, bridge, hollow``.
    """
    if campaign.mechanism is None or not campaign.mechanism.adsorbates:
        return
    sites = tuple(campaign.mechanism.sites) if campaign.mechanism.sites else None
    a0 = campaign.lattice_constant or CU_LATTICE_CONSTANT
    for config in adsorption_configs(campaign)[:: len(campaign.mechanism.adsorbates)]:
        slab = config.clean_slab(a0)
        if not site_labels(slab, sites):
            present = ", ".join(label for _, _, label in site_labels(slab)) or "none"
            raise ValueError(
                f"mechanism.sites: Cu({config.facet}) has none of {list(sites or ())}; "
                f"its unique sites: {present}"
            )


def mechanism_jobs(campaign: Campaign, skip: set[str], bulk) -> list[Flow | Job]:
    """The gas, clean-slab and adsorption jobs of ``campaign`` not in ``skip``.

    ``bulk`` is the campaign's bulk job output or a finished :class:`BulkResult`.
    One clean-slab relaxation per facet serves every adsorbate on it.
    """
    gases, adsorptions = mechanism_ids(campaign)
    jobs: list[Flow | Job] = []
    maker = gas_maker(campaign) if gases else None
    jobs += [maker.make(name) for key, name in gases.items() if key not in skip]
    todo = [config for key, config in adsorptions.items() if key not in skip]
    if not todo:
        return jobs
    maker = adsorption_maker(campaign)
    clean: dict[str, object] = {}
    for config in todo:
        if config.facet not in clean:
            slab_jobs = maker.clean_slab(config, bulk)
            for job in slab_jobs:
                job.name = f"{campaign.name}: {job.name}"
            jobs += slab_jobs
            clean[config.facet] = slab_jobs[-1].output
        jobs.append(maker.make(config, bulk, clean[config.facet]))
    return jobs


#: Plane-wave cutoff (eV) below which C and O energies are not converged
#: (docs/calibration.md: CO2 + H2 -> CO + H2O is 0.26 eV off at 250 eV, 0.04 at 400).
CO_CUTOFF_EV = 400.0


def cutoff_note(calculator: CalculatorSpec, species: Iterable[str]) -> str | None:
    """A warning when a GPAW plane-wave cutoff is too low for the C and O in ``species``.

    ``species`` are adsorbate or gas names; H alone needs no more than Cu does.
    """
    if calculator.code != "gpaw":
        return None
    mode = calculator.parameters().get("mode", {})
    if not isinstance(mode, dict) or mode.get("name") != "pw":
        return None
    ecut = float(mode.get("ecut", CO_CUTOFF_EV))
    heavy = sorted({n for n in species if {"C", "O"} & set(Atoms(_formula(n)).symbols)})
    if ecut >= CO_CUTOFF_EV or not heavy:
        return None
    return (
        f"PW cutoff {ecut:g} eV is too low for C and O ({', '.join(heavy)}): reaction free "
        f"energies are off by ~0.2 eV and C-O stretches by 25 %; use preset test-co2er "
        f"(PW {CO_CUTOFF_EV:g}) or a higher ecut (docs/calibration.md)"
    )


#: Fewest k-points along each surface direction for adsorption energies to quote.
MIN_SURFACE_KPOINTS = 4


def kpoint_note(calculator: CalculatorSpec) -> str | None:
    """A warning when a GPAW slab k-mesh is too coarse for adsorption energies.

    Measured here (docs/mechanism.md): with the test presets' 2x2x1 mesh, CO* on
    a Cu(100) 2x2x3 cell binds by -1.40 eV against -0.79 eV at 6x6x1 (same
    geometry); on Cu(111) -0.86 against -0.73 eV.
    """
    if calculator.code != "gpaw":
        return None
    kpts = calculator.parameters_for("slab").get("kpts")
    size = kpts.get("size") if isinstance(kpts, dict) else kpts
    if not isinstance(size, list | tuple) or min(size[:2]) >= MIN_SURFACE_KPOINTS:
        return None
    mesh = "x".join(str(k) for k in size)
    return (
        f"k-points {mesh} on the slabs: adsorption energies are off by up to 0.6 eV "
        f"(CO* on Cu(100) 2x2, against 6x6x1); they test the workflow, quote the "
        f"production preset's (docs/mechanism.md)"
    )


def _formula(name: str) -> str:
    """Chemical formula of an adsorbate or gas name (``OCHO`` -> its atoms)."""
    try:
        return str(get_adsorbate(name).atoms.symbols)
    except UnknownAdsorbateError:
        return name
