"""Hand-made mechanism documents (gases, adsorption, removal routes) with round free energies.

Gas energies are chosen so that, with the bundled literature corrections
(:data:`cudiss.analysis.thermo.LITERATURE_GAS_CORRECTIONS`, kT = 0.0256928 eV:
H2 -0.0500752, H2O -0.0072288, CO2 -0.2600752, CO -0.3900752 eV), G(H2) = -7.0,
G(H2O) = -14.0, G(CO2) = -23.0 and G(CO) = -15.8 eV (to about 1e-5 eV).

Adsorption on Cu(100), clean slab -100 eV, formation ΔG(0) = E - E_slab - reservoirs:

- H*:    E -103.38, reservoirs 1/2 H2 = -3.5          -> ΔG(0) = +0.12, n = +1
- OH*:   E -110.40, reservoirs H2O - 1/2 H2 = -10.5   -> ΔG(0) = +0.10, n = -1
- CO*:   E -116.30, reservoirs CO2 - H2O + H2 = -16.0 -> ΔG(0) = -0.30, n = +2
- COOH*: E -126.00, reservoirs CO2 + 1/2 H2 = -26.5   -> ΔG(0) = +0.50, n = +1

Removal routes of the Cu(111) kink (:func:`removals`), slab -100, vacancy -96, μ_Cu -3.7:

- bare: lift ΔE‡ 1.2, ΔE_rxn 0.9 -> span 1.2 eV at every U (never open at 0.75 eV);
- CO:   E_IS -116.31 -> G1 = -0.31 + 2U; TS = G1 + 0.6; complex G3 = G1 + 0.3 = -0.01 + 2U.
  For U <= 0.155 V (G1 <= 0) the span is 0.6 eV (TS from G1); open iff G3 <= 0, i.e.
  U <= 0.005 V vs RHE.
"""

from __future__ import annotations

from collections.abc import Sequence

from cudiss.analysis.documents import CalculatorInfo, RemovalResult
from cudiss.analysis.mechanism_documents import AdsorptionResult, GasResult
from tests.helpers.documents import make_result

EMT = CalculatorInfo(code="emt")
E_GAS = {
    "H2": -7.0 + 0.0500752,
    "H2O": -14.0 + 0.0072288,
    "CO2": -23.0 + 0.2600752,
    "CO": -15.8 + 0.3900752,
}
E_ADS = {"H": -103.38, "OH": -110.40, "CO": -116.30, "COOH": -126.00}


def gases() -> list[GasResult]:
    """H2, H2O, CO2, CO without frequencies (literature corrections)."""
    return [
        GasResult(
            gas_id=f"gas/{name}",
            name=name,
            state="successful",
            energy_eV=energy,
            geometry="nonlinear" if name == "H2O" else "linear",
            symmetry_number=2,
            calculator=EMT,
        )
        for name, energy in E_GAS.items()
    ]


def adsorptions(names: Sequence[str] = tuple(E_ADS)) -> list[AdsorptionResult]:
    """Adsorption results on Cu(100) 2×2 (0.25 ML) of the named adsorbates."""
    return [
        AdsorptionResult(
            adsorption_id=f"camp/100/{name}/emt",
            campaign="camp",
            facet="100",
            adsorbate=name,
            state="successful",
            slab_size=(2, 2),
            layers=3,
            n_surface_atoms=4,
            coverage_ML=0.25,
            clean_slab_energy_eV=-100.0,
            best_site="hollow",
            energy_eV=E_ADS[name],
            calculator=EMT,
        )
        for name in names
    ]


def removals() -> list[RemovalResult]:
    """The bare and the CO-bound removal of the Cu(111) kink (module docstring)."""
    common = {"bulk_energy_per_atom_eV": -3.7, "vacancy_energy_eV": -96.0}
    bare = make_result(forward_barrier_eV=1.2, reaction_energy_eV=0.9, **common)
    co = make_result(
        config_id="camp/111/kink/CO/emt",
        adsorbates=["CO"],
        slab_energy_eV=-116.31,
        forward_barrier_eV=0.6,
        reaction_energy_eV=0.3,
        **common,
    )
    return [bare, co]
