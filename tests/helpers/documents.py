"""Hand-made analysis documents shared by the analysis and CLI tests."""

from __future__ import annotations

from cudiss.analysis.documents import CalculatorInfo, ImageData, RemovalResult


def make_result(**overrides) -> RemovalResult:
    """A hand-made RemovalResult: 2-atom toy band, dE‡ 0.8, dE_rxn 0.3, E_removal 0.1."""
    energies = [-100.0, -99.6, -99.2, -99.5, -99.7]
    images = [
        ImageData(
            energy_eV=e,
            positions_A=[[0.0, 0.0, 0.0], [0.5 * k, 0.0, 2.0]],
            forces_eVA=[[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
        )
        for k, e in enumerate(energies)
    ]
    base = {
        "config_id": "camp/111/kink/bare/emt",
        "campaign": "camp",
        "facet": "111",
        "site_class": "kink",
        "adsorbates": [],
        "target_index": 1,
        "n_atoms": 2,
        "symbols": ["Cu", "Cu"],
        "cell_A": [[5.0, 0.0, 0.0], [0.0, 5.0, 0.0], [0.0, 0.0, 20.0]],
        "state": "successful",
        "forward_barrier_eV": 0.8,
        "reverse_barrier_eV": 0.5,
        "reaction_energy_eV": 0.3,
        "images": images,
        "neb_converged": True,
        "slab_energy_eV": -100.0,
        "vacancy_energy_eV": -96.4,
        "bulk_energy_per_atom_eV": -3.5,
        "calculator": CalculatorInfo(code="emt"),
    }
    base.update(overrides)
    return RemovalResult(**base)


def make_results() -> list[RemovalResult]:
    """Three results: a successful bare kink (EMT), a failed step, an OH-bound kink (GPAW)."""
    return [
        make_result(),
        make_result(
            config_id="camp/100/step/bare/emt",
            facet="100",
            site_class="step",
            state="failed",
            error="SCF did not converge | step 3",
            forward_barrier_eV=None,
            reverse_barrier_eV=None,
            reaction_energy_eV=None,
            images=[],
            neb_converged=False,
            vacancy_energy_eV=None,
        ),
        make_result(
            config_id="camp/111/kink/OH/gpaw",
            adsorbates=["OH"],
            electrons_transferred=1,
            calculator=CalculatorInfo(code="gpaw", preset="test"),
        ),
    ]
