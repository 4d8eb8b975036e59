"""The result documents of the mechanism flows, assembled from their steps.

:func:`gas_result` ends every gas-reference flow and :func:`adsorption_result`
every adsorption flow (:mod:`cudiss.workflows.mechanism_flows`). Like
:func:`~cudiss.workflows.results.removal_result` they run after failed steps too:
a step that raised passes on a :class:`~cudiss.workflows.failures.StepFailure`,
and the document then says which step failed and why, keeps what was computed
(a partial document) and is marked ``failed``, so a rerun tries again. Energies
in eV, frequencies in cm⁻¹ (imaginary modes negative), positions in Å.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from jobflow import JobConfig, OnMissing, job
from pydantic import BaseModel, Field
from pymatgen.core import Structure

from cudiss.analysis.documents import CalculatorInfo
from cudiss.analysis.mechanism_documents import AdsorptionResult, GasResult, SiteEnergy
from cudiss.structures.molecules import GAS_SPECIES
from cudiss.workflows.calculators import CalculatorSpec, software_versions
from cudiss.workflows.failures import StepFailure

if TYPE_CHECKING:
    from cudiss.workflows.mechanism_flows import AdsorptionConfig

__all__ = ["BestSite", "adsorption_result", "gas_result", "pick_lowest"]


def calculator_info(calculator: CalculatorSpec, kind: str = "slab") -> CalculatorInfo:
    """The calculator as the documents record it (parameters of ``kind``)."""
    return CalculatorInfo(
        code=calculator.code,
        preset=calculator.preset if calculator.code == "gpaw" else None,
        parameters=calculator.parameters_for(kind),
    )


def _failure_text(failures: list[StepFailure]) -> str:
    return "; ".join(str(f) for f in dict.fromkeys(failures))


def _structure_fields(structure: Structure | None) -> dict:
    if structure is None:
        return {}
    return {
        "symbols": [site.specie.symbol for site in structure],
        "positions_A": structure.cart_coords.tolist(),
        "cell_A": structure.lattice.matrix.tolist(),
    }


# Runs after failed steps too (see the module docstring).
@job(config=JobConfig(on_missing_references=OnMissing.NONE))
def gas_result(
    name: str,
    gas_id: str,
    calculator: CalculatorSpec,
    relaxed,
    vibrations=None,
    vibrations_wanted: bool = True,
) -> GasResult:
    """Assemble the :class:`GasResult` of one gas reference from its relaxation and vibrations.

    ``relaxed`` is the relaxation's task document, ``vibrations`` the
    :class:`~cudiss.workflows.schemas.VibrationsResult` of all its atoms; either
    may be a :class:`StepFailure` or ``None``.
    """
    species = GAS_SPECIES[name]
    failures = [v for v in (relaxed, vibrations) if isinstance(v, StepFailure)]
    relaxed = None if isinstance(relaxed, StepFailure) else relaxed
    vibrations = None if isinstance(vibrations, StepFailure) else vibrations
    missing = []
    if relaxed is None:
        missing.append("relaxation")
    if vibrations_wanted and vibrations is None:
        missing.append("vibrations")
    converged = bool(relaxed.is_force_converged) if relaxed is not None else False
    if missing:
        state = "failed"
        error = "missing: " + ", ".join(missing)
        if failures:
            error += f" ({_failure_text(failures)})"
    else:
        state, error = ("successful" if converged else "unconverged"), None
    return GasResult(
        gas_id=gas_id,
        name=name,
        state=state,
        error=error,
        energy_eV=float(relaxed.output.energy) if relaxed is not None else None,
        relax_converged=converged,
        frequencies_cm=list(vibrations.frequencies_cm) if vibrations is not None else [],
        geometry=species.geometry,
        symmetry_number=species.symmetry_number,
        spin=species.spin,
        calculator=calculator_info(calculator, "molecule"),
        software=software_versions(),
        **_structure_fields(relaxed.structure if relaxed is not None else None),
    )


class BestSite(BaseModel):
    """The lowest-energy converged site of an adsorbate (output of :func:`pick_lowest`)."""

    site: str
    energy_eV: float
    converged: bool
    structure: Structure
    adsorbate_indices: list[int]
    sites: list[SiteEnergy] = Field(default_factory=list)


@job(config=JobConfig(on_missing_references=OnMissing.NONE))
def pick_lowest(labels: list[str], placed: list, relaxed: list) -> BestSite | StepFailure:
    """The lowest-energy site among the relaxed ones, converged sites first.

    ``placed`` (the placement jobs' outputs, for the adsorbate indices) and
    ``relaxed`` (the relaxations' task documents) are in the order of ``labels``;
    any entry may be a :class:`StepFailure` or ``None`` (that site failed). An
    unconverged site is taken only if no site converged. With no site at all, a
    :class:`StepFailure` naming every site's error.
    """
    sites: list[SiteEnergy] = []
    candidates = []
    for label, place, doc in zip(labels, placed, relaxed, strict=True):
        failure = next((v for v in (place, doc) if isinstance(v, StepFailure)), None)
        if failure is not None or doc is None or place is None:
            error = failure.error if failure is not None else "step did not run"
            sites.append(SiteEnergy(site=label, error=error))
            continue
        energy, converged = float(doc.output.energy), bool(doc.is_force_converged)
        sites.append(SiteEnergy(site=label, energy_eV=energy, converged=converged))
        candidates.append((not converged, energy, label, doc, place))
    if not candidates:
        errors = "; ".join(f"{s.site}: {s.error}" for s in sites)
        return StepFailure("pick lowest site", f"no site relaxed ({errors})")
    _, energy, label, doc, place = min(candidates, key=lambda c: (c[0], c[1]))
    return BestSite(
        site=label,
        energy_eV=energy,
        converged=bool(doc.is_force_converged),
        structure=doc.structure,
        adsorbate_indices=list(place.adsorbate_indices),
        sites=sites,
    )


@job(config=JobConfig(on_missing_references=OnMissing.NONE))
def adsorption_result(
    config: AdsorptionConfig,
    adsorption_id: str,
    calculator: CalculatorSpec,
    clean,
    best,
    vibrations=None,
    vibrations_wanted: bool = True,
) -> AdsorptionResult:
    """Assemble the :class:`AdsorptionResult` of one adsorbate on one facet.

    ``clean`` is the clean slab's relaxation, ``best`` the :class:`BestSite`,
    ``vibrations`` the adsorbate's :class:`~cudiss.workflows.schemas.VibrationsResult`
    (slab frozen); any may be a :class:`StepFailure` or ``None``.
    """
    failures = [v for v in (clean, best, vibrations) if isinstance(v, StepFailure)]
    clean, best, vibrations = (
        None if isinstance(v, StepFailure) else v for v in (clean, best, vibrations)
    )
    missing = [
        name
        for name, value in (("clean-slab relaxation", clean), ("adsorbate relaxation", best))
        if value is None
    ]
    if vibrations_wanted and vibrations is None:
        missing.append("vibrations")
    clean_converged = bool(clean.is_force_converged) if clean is not None else False
    if missing:
        state = "failed"
        error = "missing: " + ", ".join(missing)
        if failures:
            error += f" ({_failure_text(failures)})"
    elif not (clean_converged and best.converged):
        state, error = "unconverged", None
    else:
        state, error = "successful", None
    # with no site at all, the sites' own errors are in pick_lowest's failure
    sites = best.sites if best is not None else []
    n_surface = config.n_surface_atoms()
    return AdsorptionResult(
        adsorption_id=adsorption_id,
        campaign=config.campaign,
        facet=config.facet,
        adsorbate=config.adsorbate,
        state=state,
        error=error,
        slab_size=config.slab.size,
        layers=config.slab.layers,
        n_surface_atoms=n_surface,
        coverage_ML=1.0 / n_surface,
        clean_slab_energy_eV=float(clean.output.energy) if clean is not None else None,
        sites=sites,
        best_site=best.site if best is not None else None,
        energy_eV=best.energy_eV if best is not None else None,
        adsorbate_indices=best.adsorbate_indices if best is not None else [],
        frequencies_cm=list(vibrations.frequencies_cm) if vibrations is not None else [],
        calculator=calculator_info(calculator),
        software=software_versions(),
        **_structure_fields(best.structure if best is not None else None),
    )
