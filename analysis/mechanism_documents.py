"""Result documents of the mechanism jobs: gas references and adsorption on a facet.

The workflows write them next to the removal results (:mod:`cudiss.analysis.documents`);
analysis reads them back with ``model_validate`` and computes free energies
(:mod:`cudiss.analysis.reservoirs`, :mod:`cudiss.analysis.adsorption`). Units: energies
in eV, frequencies in cm⁻¹ (imaginary modes as negative numbers), distances in Å.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from cudiss.analysis.documents import CalculatorInfo, RunState

__all__ = [
    "ADSORPTION_KIND",
    "GAS_KIND",
    "AdsorptionResult",
    "GasResult",
    "SiteEnergy",
]

#: ``metadata.cudiss_kind`` of the job that writes a :class:`GasResult`.
GAS_KIND = "gas_result"
#: ``metadata.cudiss_kind`` of the job that writes an :class:`AdsorptionResult`.
ADSORPTION_KIND = "adsorption_result"

GasGeometry = Literal["linear", "nonlinear", "monatomic"]


class GasResult(BaseModel):
    """A gas-phase reference molecule relaxed in a box with the campaign's calculator."""

    model_config = ConfigDict(extra="forbid")

    schema_version: int = 1
    gas_id: str = Field(description="stable key: gas/NAME/calculator label/digest")
    name: str = Field(description="H2, H2O, CO, CO2 or HCOOH")
    state: RunState
    error: str | None = None
    energy_eV: float | None = Field(None, description="relaxed DFT (or EMT) total energy")
    symbols: list[str] = Field(default_factory=list)
    positions_A: list[list[float]] = Field(default_factory=list)
    cell_A: list[list[float]] = Field(default_factory=list)
    relax_converged: bool = False
    frequencies_cm: list[float] = Field(
        default_factory=list,
        description="all 3N modes of the relaxed molecule (translations and rotations "
        "included; imaginary as negative); empty when vibrations were not computed",
    )
    geometry: GasGeometry
    symmetry_number: int = Field(ge=1)
    spin: float = 0.0
    calculator: CalculatorInfo
    software: dict[str, str] = Field(default_factory=dict)


class SiteEnergy(BaseModel):
    """One relaxed adsorption site of an :class:`AdsorptionResult`."""

    model_config = ConfigDict(extra="forbid")

    site: str = Field(description="start site kind, e.g. 'hollow', 'fcc', 'ontop'")
    energy_eV: float | None = Field(None, description="relaxed slab + adsorbate; None: failed")
    converged: bool = False
    error: str | None = None


class AdsorptionResult(BaseModel):
    """One adsorbate on a clean facet: every symmetry-unique site relaxed, the lowest kept.

    The adsorption free energy (:mod:`cudiss.analysis.adsorption`) is
    ``E(slab + X) − E(slab)`` plus the adsorbate's harmonic ZPE − TS (slab frozen),
    minus the reservoirs X is formed from (CO2, H2O and (H⁺ + e⁻) under CHE).
    """

    model_config = ConfigDict(extra="forbid")

    schema_version: int = 1
    adsorption_id: str = Field(description="stable key: campaign/facet/ads/calculator/digest")
    campaign: str
    facet: str
    adsorbate: str = Field(description="library name, e.g. 'COOH'")
    state: RunState
    error: str | None = None
    slab_size: tuple[int, int]
    layers: int
    n_surface_atoms: int = Field(description="Cu atoms in the top layer of the cell")
    coverage_ML: float = Field(description="adsorbates per surface Cu atom (1 / n_surface_atoms)")
    clean_slab_energy_eV: float | None = None
    sites: list[SiteEnergy] = Field(default_factory=list)
    best_site: str | None = Field(None, description="start site of the lowest energy")
    energy_eV: float | None = Field(None, description="E(slab + X) at the best site")
    adsorbate_indices: list[int] = Field(default_factory=list)
    symbols: list[str] = Field(default_factory=list)
    positions_A: list[list[float]] = Field(default_factory=list, description="best site")
    cell_A: list[list[float]] = Field(default_factory=list)
    frequencies_cm: list[float] = Field(
        default_factory=list,
        description="adsorbate modes at the best site, slab frozen (imaginary as "
        "negative); empty when vibrations were not computed",
    )
    calculator: CalculatorInfo
    software: dict[str, str] = Field(default_factory=dict)
