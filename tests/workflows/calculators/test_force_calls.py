"""Force calls counted once per new geometry, over one or many calculators."""

from __future__ import annotations

from ase.build import bulk
from ase.calculators.emt import EMT

from cudiss.workflows.calculators.force_calls import ForceCallCounter, count_force_calls


def _rattled_cu():
    atoms = bulk("Cu", cubic=True)
    atoms.rattle(0.05, seed=1)
    atoms.calc = EMT()
    return atoms


def test_a_repeated_geometry_is_the_calculators_cache_and_not_counted():
    atoms = _rattled_cu()
    with count_force_calls(atoms.calc) as calls:
        atoms.get_forces()
        atoms.get_forces()
        atoms.positions[0, 0] += 0.01
        atoms.get_forces()
    # Two geometries, three requests.
    assert calls.count == 2


def test_the_calculator_gets_its_own_get_forces_back():
    atoms = _rattled_cu()
    own = type(atoms.calc).get_forces
    with count_force_calls(atoms.calc):
        assert "get_forces" in vars(atoms.calc)
    assert "get_forces" not in vars(atoms.calc)
    assert type(atoms.calc).get_forces is own
    atoms.get_forces()


def test_one_counter_adds_up_the_images_each_with_its_own_cache():
    images = [_rattled_cu() for _ in range(3)]
    counter = ForceCallCounter()
    for image in images:
        counter.attach(image)
    for image in images:
        image.get_forces()
        image.get_forces()
    images[1].positions[1, 2] += 0.02
    images[1].get_forces()
    # Three images once each, then one image at a new geometry.
    assert counter.count == 4
    counter.release()
    assert all("get_forces" not in vars(image.calc) for image in images)
