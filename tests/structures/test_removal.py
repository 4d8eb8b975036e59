"""Cu-removal end points on real geometry: targets, vacancies, removed atoms, hops."""

from __future__ import annotations

import numpy as np
import pytest
from ase import Atoms
from ase.constraints import FixAtoms
from ase.data import covalent_radii
from ase.geometry import find_mic, get_distances
from hypothesis import given, settings
from hypothesis import strategies as st

from cudiss.structures import binding as binding_module
from cudiss.structures.adsorbates import get_adsorbate
from cudiss.structures.coordination import (
    classify_surface_atoms,
    coordination_numbers,
)
from cudiss.structures.errors import (
    CudissInputError,
    NotSurfaceAtomError,
    OverlapError,
    SiteNotFoundError,
    UnknownAdsorbateError,
)
from cudiss.structures.geometry import min_distance_ratio
from cudiss.structures.removal import build_removal_system, removal_endpoints, removal_target
from cudiss.structures.sites import find_sites
from cudiss.structures.slabs import FACETS, cu_slab
from cudiss.structures.tilt import tilt_upright
from tests.helpers.atoms import same_atoms

HOLLOWS = ("fcc", "hcp", "hollow", "step_fcc", "step_hcp", "step_hollow")


def check_endpoints(ends, slab, names):
    ini, fin, vac, rem = ends.initial, ends.final, ends.vacancy, ends.removed
    t = ends.target_index
    n_ads = len(ends.adsorbate_indices)
    assert len(ini) == len(fin) and ini.get_chemical_symbols() == fin.get_chemical_symbols()
    assert len(vac) == len(ini) - 1 - n_ads and len(rem) == 1 + n_ads
    assert rem[0].symbol == "Cu" and ini[t].symbol == "Cu"
    assert ends.adsorbate_indices == list(range(len(slab), len(ini)))
    for atoms in (ini, fin, vac):
        assert min_distance_ratio(atoms)[0] >= 0.7
    # everything but the target complex stays put
    moving = [t, *ends.adsorbate_indices]
    still = [k for k in range(len(ini)) if k not in moving]
    assert np.allclose(ini.positions[still], fin.positions[still])
    # the adsorbates move rigidly with the Cu
    shift = fin.positions[t] - ini.positions[t]
    assert np.allclose(fin.positions[moving] - ini.positions[moving], shift)
    assert np.allclose(shift, ends.displacement)
    # the moved Cu is an adatom in a hollow: >= 3 Cu within 2.9 Å, none above it
    cu = [k for k in range(len(fin)) if fin[k].symbol == "Cu" and k != t]
    d = fin.get_distances(t, cu, mic=True)
    assert (d < 2.9).sum() >= 3 and d.min() > 2.3
    # constraints and tags carried over; the target itself is free
    fixed = set(ini.constraints[0].get_indices())
    assert t not in fixed and fixed == set(fin.constraints[0].get_indices())
    assert len(vac.constraints[0].get_indices()) == len(fixed)
    assert ini.get_tags().tolist() == fin.get_tags().tolist()
    # adsorbates on the target in the initial state: first one atop it
    if names:
        binding = ends.adsorbate_indices[0] + np.array(get_adsorbate(names[0]).binding)
        assert np.allclose(ini.positions[binding, :2].mean(axis=0), ini.positions[t, :2])


@pytest.mark.parametrize("facet", ["111", "100"])
@pytest.mark.parametrize("names", [(), ("CO",), ("COOH", "OH"), ("OCHO",)])
def test_terrace_removal_flat(facet, names):
    slab = cu_slab(facet)
    ends = removal_endpoints(slab, "terrace", names)
    check_endpoints(ends, slab, names)
    assert ends.site_class == "terrace"
    t, fin = ends.target_index, ends.final
    top_z = slab.positions[slab.get_tags() == 1, 2].max()
    assert 1.5 <= fin.positions[t, 2] - top_z <= 2.2
    # lateral position is a hollow of the intact surface, not bordering the vacancy
    hollows = np.array([s.position for s in find_sites(slab, HOLLOWS, unique=False)])
    lateral = find_mic(
        np.c_[hollows[:, :2] - fin.positions[t, :2], np.zeros(len(hollows))], slab.cell, slab.pbc
    )[1]
    assert lateral.min() < 1e-6
    assert np.linalg.norm(ends.displacement) > 1.21 * slab.get_distance(0, 1)


def test_vacancy_and_removed_content():
    slab = cu_slab("111")
    ends = removal_endpoints(slab, 31, ["CO"])
    assert ends.target_index == 31
    assert ends.removed.get_chemical_symbols() == ["Cu", "C", "O"]
    assert ends.vacancy.get_chemical_formula() == "Cu35"
    assert not ends.removed.constraints
    # a vacancy at the old site: no Cu there any more
    assert np.linalg.norm(ends.vacancy.positions - slab.positions[31], axis=1).min() > 2.0


@pytest.mark.parametrize(
    ("facet", "site_class"),
    [
        ("211", "step"),
        ("211", "kink"),
        ("211", "terrace"),
        ("111", "adatom"),
        ("100", "adatom"),
        ("110", "terrace"),
        ("211", "adatom"),
    ],
)
def test_build_removal_system_classes(facet, site_class):
    ends = build_removal_system(facet, site_class, ["CO"])
    assert ends.site_class == site_class
    assert classify_surface_atoms(ends.initial)[ends.target_index] == site_class
    slab = ends.initial[: ends.adsorbate_indices[0]]
    check_endpoints(ends, slab, ["CO"])


def test_adatom_makes_the_elementary_hop():
    from cudiss.structures.sites import site_at

    ends = build_removal_system("111", "adatom")
    # fcc -> the neighbouring hcp hollow, a/sqrt(6) away laterally at the same height
    # (a hop to the next fcc hollow would cross that hcp minimum).
    assert np.isclose(np.linalg.norm(ends.displacement[:2]), 3.615 / np.sqrt(6), atol=0.02)
    assert abs(ends.displacement[2]) < 0.05
    base = ends.final[[k for k in range(len(ends.final)) if k != ends.target_index]]
    assert site_at(base, ends.final.positions[ends.target_index, :2]).kind == "hcp"
    # On (100) the neighbouring 4-fold hollow is one Cu-Cu distance away.
    square = build_removal_system("100", "adatom")
    assert np.isclose(np.linalg.norm(square.displacement[:2]), 3.615 / np.sqrt(2), atol=0.02)


@pytest.mark.parametrize(("facet", "site_class"), [("111", "terrace"), ("100", "adatom")])
def test_one_target_serves_every_adsorbate_set(facet, site_class):
    bare = build_removal_system(facet, site_class)
    target, bound = bare.target, {}
    slab = target.slab
    for names in [("CO", "H"), ("CO",), ("CO", "OH"), ("OH", "H", "O"), ()]:
        shared = target.endpoints(names, bound)
        alone = removal_endpoints(slab, target.target_index, names)
        for state in ("initial", "final", "vacancy", "removed"):
            assert same_atoms(getattr(shared, state), getattr(alone, state)), (names, state)
        assert shared.adsorbate_indices == alone.adsorbate_indices
        assert np.array_equal(shared.displacement, alone.displacement)
        assert shared.target is target
    # Every prefix bound once; the end points are copies, so changing them leaves it be.
    prefixes = {("CO",), ("CO", "H"), ("CO", "OH"), ("OH",), ("OH", "H"), ("OH", "H", "O")}
    assert set(bound) == prefixes
    shared.initial.positions += 1.0
    again, cached = target.endpoints(["CO"], bound).initial, bound[("CO",)]
    # (the end points' cell may be taller: a Cu lifted onto the surface keeps its vacuum;
    # the end points' upright CO leans 5 degrees, the bound structure's stands)
    co = [len(slab), len(slab) + 1]
    assert np.array_equal(again.positions, tilt_upright(cached, [co]).positions)
    assert again.get_chemical_symbols() == cached.get_chemical_symbols()


def test_sites_around_the_target_are_found_once(monkeypatch):
    # Each adsorbate after the first used to search the slab's sites again; the list
    # is that of the bare slab whatever is bound, so one search serves them all.
    calls = []
    original = binding_module.find_sites

    def counting(slab, *args, **kwargs):
        calls.append(len(slab))
        return original(slab, *args, **kwargs)

    monkeypatch.setattr(binding_module, "find_sites", counting)
    target = removal_target(cu_slab("111"), "terrace")
    ends = target.endpoints(["CO", "H", "OH"])
    assert calls == [len(target.slab)] and len(ends.adsorbate_indices) == 5  # C O H O H
    target.endpoints(["O", "H"])
    assert len(calls) == 1


def test_removal_target_keeps_its_own_slab():
    slab = cu_slab("111")
    target = removal_target(slab, "terrace")
    slab.positions += 1.0
    assert not np.allclose(target.slab.positions, slab.positions)
    assert target.site_class == "terrace" and target.endpoints().initial is not target.slab


def _full_matrix_ratio(atoms, among):
    """min_distance_ratio as it was: the whole N x N matrix, masked."""
    _, dist = get_distances(atoms.positions, cell=atoms.cell, pbc=atoms.pbc)
    radii = covalent_radii[atoms.numbers]
    ratio = dist / (radii[:, None] + radii[None, :])
    np.fill_diagonal(ratio, np.inf)
    mask = np.zeros(len(atoms), bool)
    mask[among] = True
    ratio[~mask[:, None] & ~mask[None, :]] = np.inf
    i, j = np.unravel_index(np.argmin(ratio), ratio.shape)
    return float(ratio[i, j]), int(i), int(j)


@pytest.mark.parametrize(
    ("facet", "site_class", "names"),
    [("111", "terrace", ("CO", "H")), ("100", "adatom", ("OH", "CO", "O")), ("211", "step", ())],
)
def test_overlap_check_of_new_atoms_is_the_full_matrix_answer(facet, site_class, names):
    # The check of placed or moved atoms computes only their rows of the distance
    # matrix; ratio and pair must be those of the full matrix, bit for bit.
    ends = build_removal_system(facet, site_class, names)
    moving = [ends.target_index, *ends.adsorbate_indices]
    for atoms in (ends.initial, ends.final):
        for among in (moving, moving[1:] or [-1], [3, 0, 3]):
            assert min_distance_ratio(atoms, np.array(among)) == _full_matrix_ratio(atoms, among)
    # An exact tie, Cu2-H5 and Cu3-H4 (integer coordinates): the pair the full
    # matrix' argmin meets first, (2, 5), not the first of H4's row.
    tied = Atoms(
        "Cu4H2Cu4",
        positions=[
            *[(2, 8, 5), (6, 8, 5), (10, 8, 5), (14, 8, 5)],  # a row of Cu, 4 Å apart
            *[(15, 8, 6), (9, 8, 6)],  # H4 by Cu3, H5 by Cu2
            *[(2, 2, 2), (14, 14, 2), (8, 2, 9), (2, 14, 9)],  # far away: rows < full
        ],
        cell=[16, 16, 12],
        pbc=(True, True, False),
    )
    assert min_distance_ratio(tied, np.array([4, 5]))[1:] == (2, 5)
    assert min_distance_ratio(tied, np.array([4, 5])) == _full_matrix_ratio(tied, [4, 5])


def test_kink_atom_is_the_target():
    ends = build_removal_system("211", "kink", size=(3, 6))
    assert coordination_numbers(ends.initial)[ends.target_index] == 6


@pytest.mark.parametrize(
    ("target", "error", "message"),
    [
        (
            0,
            NotSurfaceAtomError,
            r"removal target 0 is not a surface Cu atom; surface Cu atoms: 27-35",
        ),
        (
            20,
            NotSurfaceAtomError,
            r"removal target 20 is not a surface Cu atom; surface Cu atoms: 27-35",
        ),
        (99, NotSurfaceAtomError, r"removal target 99 is out of range"),
        (36, NotSurfaceAtomError, r"removal target 36 is a C atom"),
        (
            "kink",
            SiteNotFoundError,
            r"no kink atom on this slab \(add_kink on facet 211\); classes present: terrace",
        ),
        (
            "corner",
            SiteNotFoundError,
            r"unknown removal target 'corner'; use an atom index or one of terrace, step, "
            r"kink, adatom",
        ),
    ],
)
def test_bad_removal_target(target, error, message):
    from cudiss.structures.sites import place_adsorbate

    slab = place_adsorbate(cu_slab("111"), "CO", "ontop")
    with pytest.raises(error, match=message) as info:
        removal_endpoints(slab, target)
    assert isinstance(info.value, CudissInputError) and "\n" not in str(info.value)


def test_bad_removal_inputs():
    with pytest.raises(
        SiteNotFoundError, match=r"site class 'step' needs the stepped facet 211; Cu\(111\) is flat"
    ):
        build_removal_system("111", "step")
    with pytest.raises(
        SiteNotFoundError,
        match=r"unknown site class 'edge'; choose one of terrace, step, kink, adatom",
    ):
        build_removal_system("111", "edge")
    with pytest.raises(UnknownAdsorbateError, match=r"unknown adsorbate 'CO3'"):
        build_removal_system("111", "terrace", ["CO3"])
    with pytest.raises(
        OverlapError, match=r"no room for .* around Cu atom \d+; use fewer adsorbates"
    ):
        build_removal_system("111", "terrace", ["OCHO"] * 4, size=(2, 2))


@given(
    facet=st.sampled_from(FACETS),
    site_class=st.sampled_from(("terrace", "step", "kink", "adatom")),
    names=st.lists(
        st.sampled_from(("CO", "H", "OH", "COOH", "CHO", "OCHO", "H2O", "CO2", "O", "COH")),
        max_size=2,
    ),
    ny=st.integers(3, 4),
    layers=st.integers(3, 5),
    a=st.floats(3.45, 3.8),
)
@settings(max_examples=25, deadline=None)
def test_removal_property(facet, site_class, names, ny, layers, a):
    if site_class in ("step", "kink") and facet != "211":
        with pytest.raises(SiteNotFoundError, match="needs the stepped facet 211"):
            build_removal_system(facet, site_class, names)
        return
    try:
        ends = build_removal_system(facet, site_class, names, size=(3, ny), layers=layers, a=a)
    except OverlapError as exc:
        assert "fewer adsorbates" in str(exc)
        return
    assert ends.site_class == site_class
    slab_len = ends.adsorbate_indices[0] if ends.adsorbate_indices else len(ends.initial)
    check_endpoints(ends, ends.initial[:slab_len], names)
    assert isinstance(ends.initial.constraints[0], FixAtoms)


@pytest.mark.parametrize(
    ("facet", "site_class", "adsorbates"),
    [("100", "adatom", ["CO"]), ("111", "terrace", ["CO", "H"]), ("211", "step", [])],
)
def test_added_atoms_keep_the_vacuum_above_them(facet, site_class, adsorbates):
    # The slab's vacuum used to be eaten by the adatom and the adsorbates: on the
    # README main job's cell O sat 1.3 Å below the top face of the cell.
    vacuum = 6.0
    ends = build_removal_system(facet, site_class, adsorbates, vacuum=vacuum)
    for state in (ends.initial, ends.final, ends.vacancy):
        assert np.allclose(state.cell.array, ends.initial.cell.array)
    z = np.concatenate([ends.initial.positions[:, 2], ends.final.positions[:, 2]])
    c_z = ends.initial.cell[2, 2]
    assert z.min() == pytest.approx(vacuum)
    # an upright CO's 5-degree tilt lowers O by 1.16 Å (1 - cos 5°) = 0.004 Å after
    # the cell was grown for it: the top gap may exceed the bottom one by that
    assert c_z - z.max() == pytest.approx(vacuum, abs=0.005)
    assert c_z - z.max() >= vacuum - 1e-6
    # the in-plane lattice and the positions are those of the slab as built
    slab = cu_slab(facet, (3, 3), 4, vacuum, 2)
    assert np.allclose(ends.initial.cell.array[:2], slab.cell.array[:2])
