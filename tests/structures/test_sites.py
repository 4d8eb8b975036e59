"""Adsorbate library, site finding and adsorbate placement on real slabs."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from ase.data import covalent_radii
from ase.geometry import find_mic
from hypothesis import given, settings
from hypothesis import strategies as st

from cudiss.structures.adsorbates import ADSORBATES, get_adsorbate, register_adsorbate
from cudiss.structures.errors import (
    CudissInputError,
    OverlapError,
    SiteNotFoundError,
    UnknownAdsorbateError,
)
from cudiss.structures.geometry import min_distance_ratio
from cudiss.structures.sites import (
    find_sites,
    get_site,
    place_adsorbate,
    place_adsorbates,
    site_under,
)
from cudiss.structures.slabs import FACETS, cu_slab

REQUIRED = ("CO2", "COOH", "CO", "CHO", "COH", "OCHO", "H", "OH", "O", "H2O")


def kinds(slab, unique=True):
    return Counter(s.kind for s in find_sites(slab, unique=unique))


def test_library_has_required_species():
    for name in REQUIRED:
        ads = get_adsorbate(name)
        # binding atom(s) centred at the origin, molecule pointing up
        assert np.allclose(ads.atoms.positions[list(ads.binding)].mean(axis=0), 0)
        assert (ads.atoms.positions[:, 2] >= -1e-9).all()
        assert min_distance_ratio(ads.atoms)[0] >= 0.7
    assert get_adsorbate("OCHO").binding == (0, 2)
    assert get_adsorbate("OCHO").atoms.get_chemical_symbols()[0:3:2] == ["O", "O"]


@pytest.mark.parametrize("spelling", ["co", "CO*", " Co* ", "cO"])
def test_names_case_insensitive(spelling):
    assert get_adsorbate(spelling).name == "CO"


def test_aliases_and_registration():
    assert get_adsorbate("HCOO").name == "OCHO"
    from ase import Atoms

    ads = register_adsorbate("NO", Atoms("NO", positions=[(0, 0, 0), (0, 0, 1.15)]), height=1.9)
    try:
        assert get_adsorbate("no*") is ads
    finally:
        ADSORBATES.pop("NO")


def test_unknown_adsorbate():
    with pytest.raises(
        UnknownAdsorbateError, match=r"unknown adsorbate 'CO3'; choose one of CO,"
    ) as e:
        get_adsorbate("CO3")
    assert isinstance(e.value, CudissInputError) and "\n" not in str(e.value)


def test_unique_sites_111():
    assert kinds(cu_slab("111")) == {"ontop": 1, "bridge": 1, "fcc": 1, "hcp": 1}


def test_unique_sites_100():
    assert kinds(cu_slab("100")) == {"ontop": 1, "bridge": 1, "hollow": 1}


def test_unique_sites_110():
    assert kinds(cu_slab("110")) == {"ontop": 1, "bridge": 1, "longbridge": 1, "hollow": 1}


def test_all_sites_111_count():
    # 3x3 cell: 9 top atoms -> 9 ontop, 27 bridges, 9 fcc, 9 hcp
    assert kinds(cu_slab("111"), unique=False) == {"ontop": 9, "bridge": 27, "fcc": 9, "hcp": 9}


def test_fcc_and_hcp_geometry_111():
    slab = cu_slab("111")
    sites = {s.kind: s for s in find_sites(slab)}
    second = slab[slab.get_tags() == 2]
    for kind, below in (("fcc", False), ("hcp", True)):
        vec = find_mic(second.positions - sites[kind].position, slab.cell, slab.pbc)[0]
        # hcp has a second-layer Cu right below, fcc does not
        assert bool(np.linalg.norm(vec[:, :2], axis=1).min() < 0.1) is below
        assert len(sites[kind].atoms) == 3


def test_211_has_step_sites():
    found = kinds(cu_slab("211"))
    assert found["step_ontop"] >= 1 and found["step_bridge"] >= 1
    assert found["ontop"] >= 1  # terrace sites as well


def test_unknown_site_kind():
    with pytest.raises(SiteNotFoundError, match=r"unknown site kind 'top'; choose from ontop,"):
        find_sites(cu_slab("111"), kinds=["top"])


def test_missing_site():
    with pytest.raises(
        SiteNotFoundError, match=r"no 'fcc' site on this slab; sites present: ontop, bridge, hollow"
    ):
        place_adsorbate(cu_slab("100"), "CO", "fcc")


def _binding_bonds(slab, new_slab, ads):
    first = len(slab)
    cu = [k for k in range(len(slab)) if slab[k].symbol == "Cu"]
    return [new_slab.get_distances(first + b, cu, mic=True).min() for b in ads.binding]


@pytest.mark.parametrize("facet", FACETS)
@pytest.mark.parametrize("name", REQUIRED)
def test_place_every_adsorbate_on_every_unique_site(facet, name):
    slab = cu_slab(facet)
    ads = get_adsorbate(name)
    for site in find_sites(slab):
        out = place_adsorbate(slab, name, site)
        assert len(out) == len(slab) + len(ads.atoms)
        assert out.get_chemical_symbols()[len(slab) :] == ads.atoms.get_chemical_symbols()
        assert (out.get_tags()[len(slab) :] == 0).all()
        assert min_distance_ratio(out)[0] >= 0.7
        bonds = _binding_bonds(slab, out, ads)
        # bound: within height (+ Pauling bond-order stretch) of the nearest Cu; a
        # bidentate species on a tilted (211) site may leave its second O ~1 Å higher
        assert ads.height - 1e-6 <= min(bonds) <= ads.height + 0.6 + 1e-6, bonds
        assert max(bonds) <= ads.height + 1.0, bonds
        # above the surface Cu it binds to
        assert out.positions[len(slab) :, 2].min() > slab.positions[list(site.atoms), 2].min()


def test_ontop_height_and_formate_bridge():
    slab = cu_slab("111")
    co = place_adsorbate(slab, "CO", "ontop")
    c, o = co.positions[-2], co.positions[-1]
    top = slab.positions[find_sites(slab, ["ontop"])[0].atoms[0]]
    assert np.allclose(c[:2], top[:2]) and np.isclose(c[2] - top[2], 1.86)
    assert o[2] > c[2]
    site = find_sites(slab, ["bridge"])[0]
    formate = place_adsorbate(slab, "OCHO", site)
    o1, o2 = formate.positions[len(slab)], formate.positions[len(slab) + 2]
    # bidentate: the two O atoms straddle the bridge, level, each close to one Cu
    assert np.isclose(o1[2], o2[2])
    for k in (len(slab), len(slab) + 2):
        assert formate.get_distances(k, list(site.atoms), mic=True).min() < 2.2
    assert np.allclose(0.5 * (o1 + o2)[:2], site.position[:2])


def test_explicit_height():
    slab = cu_slab("111")
    site = find_sites(slab, ["fcc"])[0]
    out = place_adsorbate(slab, "H", site, height=1.0)
    assert np.isclose(out.positions[-1, 2], site.position[2] + 1.0)


def test_coverage_and_overlap():
    slab = cu_slab("111")
    out = place_adsorbates(slab, [("CO", "ontop:0"), ("H", "fcc:8"), ("OH", "hcp:5")])
    assert out.get_chemical_formula() == "CH2Cu36O2"
    assert min_distance_ratio(out)[0] >= 0.7


def test_overlapping_adsorbates_raise():
    with pytest.raises(
        OverlapError, match=r"^OH@ontop overlap: C36-O38 is 0\.\d\d Å, below 0\.7 x"
    ) as e:
        place_adsorbates(cu_slab("111"), [("CO", "ontop"), ("OH", "ontop")])
    assert "choose sites further apart" in str(e.value) and "\n" not in str(e.value)


def test_site_index_out_of_range():
    with pytest.raises(SiteNotFoundError, match=r"this slab has 9 'ontop' sites \(0\.\.8\)"):
        place_adsorbate(cu_slab("111"), "CO", "ontop:9")


@given(
    facet=st.sampled_from(FACETS),
    a=st.floats(3.4, 3.9),
    ny=st.integers(2, 4),
    names=st.lists(st.sampled_from(REQUIRED), min_size=1, max_size=3),
    data=st.data(),
)
@settings(max_examples=25, deadline=None)
def test_random_coverages_never_overlap(facet, a, ny, names, data):
    slab = cu_slab(facet, size=(3, ny), layers=3, fixed_layers=1, a=a)
    sites = find_sites(slab, unique=False)
    picks = [data.draw(st.sampled_from(sites)) for _ in names]
    try:
        out = place_adsorbates(slab, list(zip(names, picks, strict=True)))
    except OverlapError as exc:
        # only legitimate when two placements really come too close
        assert "overlap" in str(exc)
        return
    assert min_distance_ratio(out)[0] >= 0.7
    radii = covalent_radii[out.numbers]
    assert len(out) == len(slab) + sum(len(get_adsorbate(n).atoms) for n in names)
    assert radii.shape == (len(out),)


@pytest.mark.parametrize(
    ("facet", "start", "slide_to"),
    [
        ("111", "ontop", "fcc"),
        ("111", "fcc", "hcp"),
        ("100", "ontop", "hollow"),
        ("100", "hollow", "bridge"),
    ],
)
def test_site_under_reads_the_site_an_adsorbate_ended_on(facet, start, slide_to):
    slab = cu_slab(facet)
    placed = place_adsorbate(slab, "OH", start)
    ads = [len(placed) - 2, len(placed) - 1]
    assert site_under(placed, ads).kind == start
    # slide the whole OH laterally onto the other site (heights as placed)
    shift = get_site(slab, slide_to).position[:2] - get_site(slab, start).position[:2]
    placed.positions[ads, :2] += shift
    assert site_under(placed, ads).kind == slide_to
    # another adsorbate elsewhere does not count
    with_h = place_adsorbate(placed, "H", "ontop:3" if facet == "111" else "ontop:2")
    assert site_under(with_h, ads).kind == slide_to


def test_site_under_needs_adsorbate_atoms():
    with pytest.raises(ValueError, match="no adsorbate atoms"):
        site_under(cu_slab("100"), [])
