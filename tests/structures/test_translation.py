"""A hop's final state as the initial state moved by a slab symmetry (structures/translation.py)."""

from __future__ import annotations

import numpy as np
import pytest
from ase.calculators.emt import EMT
from ase.constraints import FixAtoms
from ase.optimize import BFGS

from cudiss.structures.removal import build_removal_system
from cudiss.structures.translation import carry_relaxation, translation_partners


def _ends(facet: str, site: str, adsorbates: list[str] = ()):
    return build_removal_system(facet, site, list(adsorbates), (3, 3), 4, 7.5, 2, 3.59)


@pytest.mark.parametrize("adsorbates", [[], ["CO"]])
def test_a_cu100_adatom_hop_is_a_translation_of_the_slab(adsorbates):
    ends = _ends("100", "adatom", adsorbates)
    partners = translation_partners(ends.initial, ends.final)
    assert partners is not None
    assert sorted(partners) == list(range(len(ends.initial)))  # a permutation
    moving = [ends.target_index, *ends.adsorbate_indices]
    assert list(partners[moving]) == moving  # the hopping complex is carried onto itself
    # every atom of the final state is its partner moved by the hop, up to the cell
    gaps = ends.final.positions - ends.initial.positions[partners] - ends.displacement
    fractional = np.linalg.solve(ends.initial.cell.T, gaps.T).T
    assert np.allclose(fractional[:, :2], np.round(fractional[:, :2]), atol=1e-6)
    assert np.allclose(gaps[:, 2], 0, atol=1e-6)
    # the hop is one nearest-neighbour vector of Cu(100): a / sqrt(2)
    assert np.linalg.norm(ends.displacement) == pytest.approx(3.59 / np.sqrt(2))


@pytest.mark.parametrize(
    ("facet", "site"),
    [
        ("100", "terrace"),  # the Cu leaves the layer for an adatom site: another state
        ("111", "adatom"),  # fcc hollow -> hcp hollow: not related by a translation
        ("211", "step"),
    ],
)
def test_removals_that_change_the_site_are_not_translations(facet, site):
    ends = _ends(facet, site)
    assert translation_partners(ends.initial, ends.final) is None


def test_a_translation_must_carry_fixed_atoms_onto_fixed_atoms():
    ends = _ends("100", "adatom")
    final = ends.final.copy()
    fixed = list(final.constraints[0].index)
    final.set_constraint(FixAtoms(indices=fixed[1:]))  # one bottom atom freed
    assert translation_partners(ends.initial, final) is None
    assert translation_partners(ends.initial, ends.initial.copy()) is None  # nothing moved


def test_the_carried_relaxation_is_the_final_state_relaxed_on_its_own():
    ends = _ends("100", "adatom", ["CO"])
    partners = translation_partners(ends.initial, ends.final)
    relaxed_initial = ends.initial.copy()
    relaxed_initial.calc = EMT()
    BFGS(relaxed_initial, logfile=None).run(fmax=0.01)
    carried = carry_relaxation(ends.initial, relaxed_initial, ends.final, partners)
    assert np.array_equal(ends.final.positions, _ends("100", "adatom", ["CO"]).final.positions)
    carried.calc = EMT()
    # EMT has the slab's symmetry exactly: the carried state is relaxed already
    assert np.abs(carried.get_forces()).max() < 0.01
    assert carried.get_potential_energy() == pytest.approx(
        relaxed_initial.get_potential_energy(), abs=1e-6
    )
    # the reference: the final state relaxed from scratch
    alone = ends.final.copy()
    alone.calc = EMT()
    BFGS(alone, logfile=None).run(fmax=0.01)
    assert alone.get_potential_energy() == pytest.approx(carried.get_potential_energy(), abs=1e-3)
    assert np.abs(alone.positions - carried.positions).max() < 0.02
