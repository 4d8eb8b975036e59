"""Campaigns with a mechanism: section: validation, expansion and an EMT run end to end."""

from __future__ import annotations

import pytest
import yaml
from rich.console import Console

from cudiss.workflows.campaign import campaign_flow, load_campaign, parse_campaign
from cudiss.workflows.errors import CampaignError
from cudiss.workflows.local import run_campaign
from cudiss.workflows.mechanism_settings import gas_names, mechanism_ids, needed_gases
from cudiss.workflows.mechanism_store import open_mechanism
from tests.helpers.paths import EXAMPLES

EXAMPLE = EXAMPLES / "emt_mechanism.yaml"


def _data(**mechanism) -> dict:
    data = yaml.safe_load(EXAMPLE.read_text())
    data["mechanism"] = mechanism
    return data


@pytest.fixture(scope="module")
def mechanism_store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mechanism")
    store = folder / "store"
    campaign = load_campaign(EXAMPLE)
    quiet = Console(file=open(folder / "log.txt", "w"))
    mp = pytest.MonkeyPatch()
    mp.setenv("CUDISS_CHECKPOINT_DIR", str(folder / "checkpoints"))
    try:
        first = run_campaign(campaign, store, console=quiet, show_progress=False)
        again = run_campaign(campaign, store, console=quiet, show_progress=False)
    finally:
        mp.undo()
        quiet.file.close()
    return campaign, store, first, again, (folder / "log.txt").read_text()


@pytest.mark.filterwarnings("ignore:Some jobs are not connected")
def test_example_expands_to_gases_adsorptions_and_removals():
    campaign = load_campaign(EXAMPLE)
    # H, OH, CO, COOH need H2, H2O (always), CO2 (reservoir, COOH) and CO (CO*)
    assert gas_names(campaign) == ["H2", "H2O", "CO", "CO2"]
    gases, adsorptions = mechanism_ids(campaign)
    assert sorted(gases.values()) == ["CO", "CO2", "H2", "H2O"]
    assert sorted(c.adsorbate for c in adsorptions.values()) == ["CO", "COOH", "H", "OH"]
    assert campaign.maker().vibrations
    assert len(campaign.job_ids()) == 2 + 4 + 4
    names = [job.name for job, _ in campaign_flow(campaign).iterflow()]
    assert sum(name.endswith("clean slab: relax") for name in names) == 1  # one per facet
    assert sum(name.startswith("gas ") and name.endswith(": vibrations") for name in names) == 4


def test_mechanism_run_stores_every_document_and_reruns_nothing(mechanism_store):
    _, store, first, again, log = mechanism_store
    assert (first.configurations, first.ran, first.gases, first.adsorptions) == (10, 10, 4, 4)
    assert first.failed_steps == []
    assert (again.skipped, again.ran) == (10, 0)
    assert "not physical" in log  # EMT's C/O/H energies are said to be meaningless
    data = open_mechanism(store)
    assert {g.name for g in data.gases} == {"H2", "H2O", "CO", "CO2"}
    assert {g.state for g in data.gases} == {"successful"}
    for gas in data.gases:  # all 3N modes of the relaxed molecule
        assert len(gas.frequencies_cm) == 3 * len(gas.symbols)
    assert {a.adsorbate for a in data.adsorptions} == {"H", "OH", "CO", "COOH"}
    for ads in data.adsorptions:
        assert ads.state == "successful", ads.error
        assert ads.campaign == "emt-mechanism" and ads.coverage_ML == pytest.approx(0.25)
        assert [s.site for s in ads.sites] == ["ontop", "bridge", "hollow"]
        assert len(ads.frequencies_cm) == 3 * len(ads.adsorbate_indices)
        assert {ads.symbols[k] for k in ads.adsorbate_indices} <= {"C", "O", "H"}
    (co,) = [r for r in data.removals if r.adsorbates == ["CO"]]
    (bare,) = [r for r in data.removals if r.adsorbates == []]
    assert co.state == "successful"
    assert [co.symbols[k] for k in co.adsorbate_indices] == ["C", "O"]
    assert len(co.initial_frequencies_cm) == len(co.final_frequencies_cm) == 6
    assert bare.adsorbate_indices == [] and bare.initial_frequencies_cm == []


def test_bare_set_is_added_and_said():
    data = _data(adsorbates=["H"])
    data["adsorbates"] = [["CO"]]
    campaign = parse_campaign(data)
    assert campaign.adsorbates == [[], ["CO"]]
    assert any("added the bare set []" in note for note in campaign.notes())
    # without a mechanism section nothing is added
    del data["mechanism"]
    assert parse_campaign(data).adsorbates == [["CO"]]


def test_default_gases_follow_the_adsorbates_and_the_reservoir():
    assert needed_gases(["H"]) == ["H2", "H2O"]
    assert needed_gases(["OCHO"]) == ["H2", "H2O", "CO2", "HCOOH"]
    assert needed_gases(["CHO"], carbon_reservoir="CO") == ["H2", "H2O", "CO"]
    # the CO on a removed Cu needs its reservoir too, with no adsorption listed
    campaign = parse_campaign(_data(adsorbates=[]))
    assert gas_names(campaign) == ["H2", "H2O", "CO", "CO2"]


@pytest.mark.parametrize(
    ("mechanism", "message"),
    [
        ({"adsorbates": ["H"], "colour": 1}, "mechanism.colour: unknown key"),
        ({"adsorbates": ["XY"]}, "unknown adsorbate 'XY'"),
        ({"adsorbates": "H"}, "mechanism.adsorbates: Input should be a valid list"),
        ({"gases": ["H2", "H2O", "CH4"]}, "unknown gas reference 'CH4'"),
        ({"gases": ["H2O", "CO2"]}, "H2 is needed by every free energy"),
        ({"gases": ["H2", "H2O"]}, "CO2 (the carbon reservoir) is needed by CO"),
        ({"sites": ["middle"]}, "unknown site kind 'middle'"),
        ({"adsorbates": ["H"], "facets": ["123"]}, "mechanism: unknown facet"),
        ({"adsorbates": ["H"], "facets": []}, "mechanism.facets: an empty list"),
        ({"adsorbates": ["H"], "sites": ["fcc"]}, "Cu(100) has none of ['fcc']"),
        ({"vibrations": [1]}, "mechanism.vibrations: Input should be a valid boolean"),
        ({"carbon_reservoir": "CH4"}, "mechanism.carbon_reservoir: Input should be 'CO2' or"),
    ],
)
def test_bad_mechanism_sections_are_one_line_campaign_errors(mechanism, message):
    with pytest.raises(CampaignError) as info:
        parse_campaign(_data(**mechanism), "m.yaml")
    text = str(info.value)
    assert message in text and text.startswith("m.yaml: ") and "\n" not in text


def test_adsorption_facets_may_differ_from_the_removal_facets():
    campaign = parse_campaign(_data(adsorbates=["H"], facets=["Cu(111)", 100]))
    _, adsorptions = mechanism_ids(campaign)
    assert sorted(c.facet for c in adsorptions.values()) == ["100", "111"]
    assert {c.facet for c in campaign.configurations()} == {"100"}
    gpaw = load_campaign(EXAMPLES / "gpaw_mechanism.yaml")
    _, adsorptions = mechanism_ids(gpaw)
    assert len(adsorptions) == 8 and gpaw.maker().vibrations
    assert {c.facet for c in gpaw.configurations()} == {"100"}


def test_mechanism_must_be_a_mapping():
    data = _data()
    data["mechanism"] = ["H"]
    with pytest.raises(CampaignError, match="mechanism: Input should be a valid dictionary"):
        parse_campaign(data)


def test_adsorption_only_campaign_has_no_removal_configurations():
    data = {
        "name": "ads-only",
        "calculator": "emt",
        "facets": ["100", "111"],
        "sites": [],
        "mechanism": {"adsorbates": ["H"], "vibrations": False},
    }
    campaign = parse_campaign(data)
    assert campaign.configurations() == []
    assert campaign.adsorbates == [[]]  # no bare set added: there is no removal
    names = [job.name for job in campaign_flow(campaign).jobs]
    assert any("Cu(100) +H" in n for n in names) and any("Cu(111) +H" in n for n in names)


def test_a_campaign_without_sites_needs_a_mechanism_section():
    data = {"name": "empty", "calculator": "emt", "facets": ["100"], "sites": []}
    with pytest.raises(CampaignError, match="sites: give at least one removal site class"):
        parse_campaign(data)


@pytest.mark.filterwarnings("ignore:Some jobs are not connected")
def test_turning_vibrations_on_recomputes_removals_that_lack_them(tmp_path, monkeypatch):
    """The switch is not in the configuration's key: a result without frequencies is redone."""
    monkeypatch.setenv("CUDISS_CHECKPOINT_DIR", str(tmp_path / "checkpoints"))
    data = yaml.safe_load(EXAMPLE.read_text())
    data["adsorbates"] = [[], ["CO"]]
    quiet = Console(file=open(tmp_path / "log.txt", "w"))
    store = tmp_path / "store"

    def run(vibrations: bool):
        data["mechanism"] = {"adsorbates": ["H"], "sites": ["hollow"], "vibrations": vibrations}
        campaign = parse_campaign(data)
        return run_campaign(campaign, store, console=quiet, show_progress=False)

    try:
        without = run(False)
        with_vibrations = run(True)
        again = run(True)
    finally:
        quiet.file.close()
    assert without.ran == 2 + 4 + 1  # bare, CO; H2, H2O, CO, CO2; H*
    # the CO removal (no frequencies) runs again, and the gases and H* (whose ids name the
    # switch); the bare removal has no adsorbate to vibrate and is kept
    assert (with_vibrations.skipped, with_vibrations.ran) == (1, 6)
    co = [r for r in open_mechanism(store).removals if r.adsorbates == ["CO"]]
    assert co[-1].initial_frequencies_cm and co[-1].final_frequencies_cm
    assert again.ran == 0


@pytest.mark.parametrize(
    ("calculator", "cutoff", "kpoints"),
    [
        ({"code": "gpaw", "preset": "test"}, True, True),  # PW 250, k 2x2x1
        ({"code": "gpaw", "preset": "test-co2er"}, False, True),  # PW 400, k 2x2x1
        ({"code": "gpaw", "preset": "production"}, False, False),  # PW 450, k density 4
        (
            {"code": "gpaw", "preset": "test-co2er", "overrides": {"kpts": {"size": [6, 6, 1]}}},
            False,
            False,
        ),
        ({"code": "emt"}, False, False),
    ],
)
def test_a_mechanism_campaign_says_when_its_numbers_only_test_the_workflow(
    calculator, cutoff, kpoints
):
    data = _data(adsorbates=["CO"])
    data["calculator"] = calculator
    notes = " | ".join(parse_campaign(data).notes())
    assert ("too low for C and O" in notes) == cutoff, notes
    assert ("k-points 2x2x1 on the slabs" in notes) == kpoints, notes
