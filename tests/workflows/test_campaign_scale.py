"""Large campaigns: the geometry check reuses the adsorbate-free work (EndpointCache).

Nothing here is timed (bench/bench_overhead.py measures); the tests check that the
cached geometries are the uncached ones, atom for atom, that every impossible
configuration is still rejected with the uncached build's message, and that the
expensive part runs once per facet x site class.
"""

from __future__ import annotations

import numpy as np
import pytest

from cudiss.structures.errors import CudissInputError
from cudiss.workflows import campaign as campaign_module
from cudiss.workflows.campaign import EndpointCache, parse_campaign
from cudiss.workflows.errors import CampaignError
from cudiss.workflows.flows import RemovalConfig, SlabSettings
from tests.helpers.atoms import same_atoms

SMALL = SlabSettings(size=(2, 2), layers=3, vacuum=6.0, fixed_layers=1)
DEFAULT = SlabSettings()

# Facet, site class, adsorbates, slab: every site class, mono- to tridentate sets,
# the prefix of a set before and after the set itself.
AGREE = [
    ("111", "terrace", (), DEFAULT),
    ("111", "terrace", ("CO", "H"), DEFAULT),
    ("111", "terrace", ("CO",), DEFAULT),
    ("100", "adatom", ("OCHO",), DEFAULT),
    ("100", "adatom", ("OH", "CO", "O"), DEFAULT),
    ("110", "terrace", ("H2O", "COH"), DEFAULT),
    ("211", "step", ("COOH", "H"), DEFAULT),
    ("211", "kink", ("O",), DEFAULT),
    ("211", "adatom", ("H", "OH"), DEFAULT),
    ("100", "adatom", ("CO", "H"), SMALL),
]

# Configurations the uncached build rejects, with a fragment of its message.
REJECT = [
    ("111", "adatom", ("CO2", "OCHO"), "no room for OCHO (adsorbate 2 of 2)"),
    ("111", "terrace", ("OCHO", "CO2", "H"), "no room for CO2 (adsorbate 2 of 3)"),
    ("111", "step", ("CO",), "needs the stepped facet 211"),
    ("100", "corner", (), "unknown site class 'corner'"),
    ("123", "terrace", (), "unknown facet '123'"),
    ("100", "adatom", ("CO", "XYZ"), "unknown adsorbate 'XYZ'"),
]


def _config(facet, site, ads, slab=DEFAULT) -> RemovalConfig:
    return RemovalConfig(facet=facet, site_class=site, adsorbates=ads, slab=slab)


def test_cached_endpoints_equal_the_uncached_build():
    cache = EndpointCache(3.6)
    for facet, site, ads, slab in AGREE:
        config = _config(facet, site, ads, slab)
        cached, built = cache.endpoints(config), config.build(3.6)
        for state in ("initial", "final", "vacancy", "removed"):
            assert same_atoms(getattr(cached, state), getattr(built, state)), (config, state)
        assert cached.target_index == built.target_index
        assert cached.site_class == built.site_class
        assert cached.adsorbate_indices == built.adsorbate_indices
        assert np.array_equal(cached.displacement, built.displacement)


def test_cached_endpoints_are_fresh_objects():
    cache = EndpointCache()
    config = _config("100", "adatom", ("CO",), SMALL)
    first = cache.endpoints(config)
    first.initial.positions += 1.0
    first.final.positions += 1.0
    assert same_atoms(cache.endpoints(config).initial, config.build().initial)


@pytest.mark.parametrize(("facet", "site", "ads", "expected"), REJECT)
def test_cache_raises_what_the_uncached_build_raises(facet, site, ads, expected):
    config = _config(facet, site, ads)
    with pytest.raises(CudissInputError) as built:
        config.build()
    assert expected in str(built.value)
    cache = EndpointCache()
    cache.endpoints(_config("111", "terrace", ("OCHO",)))  # a filled cache changes nothing
    with pytest.raises(CudissInputError) as cached:
        cache.endpoints(config)
    assert str(cached.value) == str(built.value)


def _campaign(**extra) -> dict:
    return {"name": "scale", "facets": ["111", "100"], "sites": ["terrace", "adatom"], **extra}


@pytest.mark.parametrize(("facet", "site", "ads", "expected"), REJECT[:4])
def test_check_rejects_an_impossible_configuration_among_good_ones(facet, site, ads, expected):
    data = _campaign(
        facets=["111", "100", facet], sites=["terrace", site], adsorbates=[[], ["H"], list(ads)]
    )
    with pytest.raises(CampaignError) as err:
        parse_campaign(data, "c.yaml")
    message = str(err.value)
    assert "\n" not in message and message.startswith("c.yaml: Cu(")
    assert expected in message


def test_check_names_the_first_bad_configuration_like_the_uncached_build():
    data = _campaign(adsorbates=[[], ["OCHO", "CO2"], ["CO2", "OCHO"]])
    with pytest.raises(CampaignError) as err:
        parse_campaign(data, "c.yaml")
    # File order: Cu(111) terrace +OCHO+CO2 is the first configuration that cannot be built.
    config = _config("111", "terrace", ("OCHO", "CO2"))
    with pytest.raises(CudissInputError) as built:
        config.build()
    assert str(err.value) == f"c.yaml: {config.label()}: {built.value}"


def test_check_builds_the_adsorbate_free_part_once_per_facet_and_site(monkeypatch):
    calls: list[tuple] = []
    original = RemovalConfig.build

    def counting(self, *args, **kwargs):
        calls.append((self.facet, self.site_class, self.adsorbates))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(RemovalConfig, "build", counting)
    sets = [[], ["CO"], ["CO", "H"], ["H"], ["H", "CO"], ["OH", "O", "H"]]
    parse_campaign(_campaign(adsorbates=sets, slab=SMALL.model_dump()))
    assert sorted(calls) == sorted(
        (f, s, ()) for f in ("111", "100") for s in ("terrace", "adatom")
    )


def test_check_falls_back_to_the_uncached_build(monkeypatch):
    def broken(self, config):
        raise RuntimeError("cache bug")

    monkeypatch.setattr(campaign_module.EndpointCache, "endpoints", broken)
    data = _campaign(adsorbates=[[], ["CO"]], slab=SMALL.model_dump())
    assert len(parse_campaign(data).configurations()) == 8
    with pytest.raises(CampaignError, match="no room for OCHO"):
        parse_campaign({**data, "adsorbates": [["CO2", "OCHO"]], "slab": {}})


def _count_work(monkeypatch) -> dict[str, list]:
    """Record the site labelling and the neighbour searches of the geometry check."""
    from cudiss.structures import defects, geometry, sites, targets

    work: dict[str, list] = {"labels": [], "pair_matrix": [], "lattice": [], "patches": []}
    originals = (sites.site_at, geometry.get_distances, defects.lattice_sites)
    candidates = sites._candidate_xy

    def label(*args, **kwargs):
        work["labels"].append(1)
        return originals[0](*args, **kwargs)

    def distances(p1, p2=None, *args, **kwargs):
        work["pair_matrix"].append(len(p1) if p2 is None else 0)
        return originals[1](p1, p2, *args, **kwargs)

    def lattice(slab, *args, near=None, **kwargs):
        work["lattice"].append(near is not None)
        return originals[2](slab, *args, near=near, **kwargs)

    def patch(slab, surface=None):
        work["patches"].append(len(surface) if surface is not None else len(slab))
        return candidates(slab, surface)

    monkeypatch.setattr(sites, "site_at", label)
    monkeypatch.setattr(geometry, "get_distances", distances)
    monkeypatch.setattr(defects, "lattice_sites", lattice)
    monkeypatch.setattr(targets, "lattice_sites", lattice)
    monkeypatch.setattr(sites, "_candidate_xy", patch)
    return work


@pytest.mark.parametrize(("facet", "site"), [("100", "adatom"), ("111", "terrace")])
def test_a_large_slab_validates_with_work_that_does_not_grow_with_it(monkeypatch, facet, site):
    # Validation used to build all-pairs distance matrices and search the whole
    # slab for sites: 24 s at 10x10, minutes at 20x20, out of memory at 60x60.
    # Now only the surface around the moving atom is searched: the sites labelled
    # are as many on a 30x30 slab (3600 Cu) as on a 12x12 one, and no N x N
    # matrix is built.
    work = {}
    for n in (12, 30):
        work[n] = _count_work(monkeypatch)
        data = {
            "name": "large",
            "facets": [facet],
            "sites": [site],
            "adsorbates": [[], ["CO"], ["CO", "H"]],
            "slab": {"size": [n, n], "layers": 4},
        }
        assert len(parse_campaign(data).configurations()) == 3
        monkeypatch.undo()
    for n in (12, 30):
        assert max(work[n]["pair_matrix"], default=0) < 100, n  # only tiny sets, if any
        assert work[n]["lattice"] and all(work[n]["lattice"]), n  # every search local
        assert max(work[n]["patches"]) < 200, n  # surface patches, not the slab
    assert len(work[30]["labels"]) <= 1.1 * len(work[12]["labels"])


def test_local_searches_give_the_whole_slabs_answers():
    # The first, local searches must be the start of the full lists, for every
    # facet and site class, so that results do not depend on which one answered.
    from cudiss.structures.coordination import surface_atoms
    from cudiss.structures.defects import _first_adatom, add_adatom, lattice_sites
    from cudiss.structures.geometry import lateral_distances
    from cudiss.structures.removal import removal_target
    from cudiss.structures.sites import find_sites
    from cudiss.structures.slabs import cu_slab

    for facet, size, site in [
        ("111", (6, 6), "terrace"),
        ("100", (6, 6), "adatom"),
        ("110", (6, 6), "terrace"),
        ("211", (6, 6), "step"),
        ("211", (6, 6), "kink"),
    ]:
        config = _config(facet, site, (), SlabSettings(size=size, layers=4))
        target = config.build().target
        local, full = target.destinations, target.all_destinations
        assert 0 < len(local) < len(full), (facet, site)
        assert np.array_equal(np.array(local), np.array(full[: len(local)])), (facet, site)
        # sites around the target: those of the whole slab's list near it
        slab, pos = target.slab, target.slab.positions[target.target_index]
        near = find_sites(slab, unique=False, near=(pos, 6.0))
        every = [
            s
            for s in find_sites(slab, unique=False)
            if lateral_distances(s.position, pos, slab.cell)[0] <= 6.0
        ]

        # The same sites; their order may differ where a site on the cell's edge
        # wraps to either side (the last bit of its position), and two Cu equally far
        # from a bridge may come in either order, so compare them sorted.
        def described(found):
            return sorted((s.kind, tuple(np.round(s.position, 6)), sorted(s.atoms)) for s in found)

        assert described(near) == described(every), (facet, site)
    # an adatom goes where the whole slab's first free lattice site near the centre is
    slab = cu_slab("111", (6, 6), 4)
    centre = 0.5 * (slab.cell[0] + slab.cell[1])
    spots = sorted(
        lattice_sites(slab),
        key=lambda p: (round(float(np.linalg.norm(p[:2] - centre[:2])), 3), -p[2]),
    )
    assert same_atoms(add_adatom(slab), _first_adatom(slab, spots))
    assert len(surface_atoms(slab)) == 36
    assert removal_target(add_adatom(slab), "adatom").site_class == "adatom"
