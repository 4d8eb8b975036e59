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
