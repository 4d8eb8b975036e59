"""Potential sweeps: a campaign's ``potentials`` expanded into SJM runs plus the reference.

Nothing is computed (no GPAW): the campaign is parsed and expanded into its
Flow, and bad sweeps are refused in one line before anything is written.
"""

from __future__ import annotations

import pytest

from cudiss.workflows.campaign import (
    bulk_key,
    campaign_flow,
    load_campaign,
    parse_campaign,
)
from cudiss.workflows.errors import CampaignError
from cudiss.workflows.flows import BULK_KIND, RESULT_KIND
from tests.helpers.corpus import assert_refused
from tests.helpers.paths import EXAMPLES

SLAB = {"size": [2, 2], "layers": 3, "vacuum": 8.0, "fixed_layers": 1}
SJM = {"code": "gpaw", "preset": "sjm-test", "electrode": {"scale": "RHE", "pH": 7}}


def _campaign(**keys):
    data = {
        "name": "sweep",
        "facets": ["100"],
        "sites": ["adatom"],
        "adsorbates": [[], ["CO"]],
        "slab": SLAB,
        "calculator": SJM,
        "potentials": [-0.5, 0.0],
        **keys,
    }
    return parse_campaign(data)


def _jobs(flow):
    """Every job of a flow, nested flows opened."""
    for item in flow.jobs:
        yield from _jobs(item) if hasattr(item, "jobs") else [item]


def _kinds(flow, kind):
    return [job for job in _jobs(flow) if job.metadata.get("cudiss_kind") == kind]


def test_each_configuration_runs_at_each_potential_and_at_zero_charge():
    campaign = _campaign()
    labels = [c.label() for c in campaign.calculators()]
    # the zero-charge reference first, then one SJM calculator per potential
    assert labels == [
        "gpaw-sjm-test@+0.00e",
        "gpaw-sjm-test@-0.50V_RHE_pH7",
        "gpaw-sjm-test@+0.00V_RHE_pH7",
    ]
    reference = campaign.calculators()[0].electrode
    assert reference.potential_V is None and reference.excess_electrons == 0.0
    # 2 adsorbate sets x (1 reference + 2 potentials)
    assert len(campaign.runs()) == 6
    assert len(campaign.job_ids()) == 6
    assert campaign.reference_calculator() == campaign.calculators()[0]


def test_the_flow_has_one_bulk_job_without_electrode_and_one_result_per_run():
    campaign = _campaign()
    flow = campaign_flow(campaign)
    (bulk,) = _kinds(flow, BULK_KIND)
    assert bulk.maker.calculator_spec.electrode is None
    results = _kinds(flow, RESULT_KIND)
    assert len(results) == 6
    assert {job.metadata["config_id"] for job in results} == campaign.job_ids()
    # the bare reference relaxes the vacancy slab (dissolution under the CHE); an
    # SJM run at a potential does not, nor does the CO-bound configuration
    vacancies = [job for job in _jobs(flow) if job.name.endswith("relax vacancy")]
    assert [job.name for job in vacancies] == [
        "Cu(100) adatom bare @ +0.00 e (constant charge): relax vacancy"
    ]


def test_the_bulk_key_is_the_same_at_every_potential_and_without_one():
    sweep = _campaign()
    other = _campaign(potentials=[-1.0])
    plain = parse_campaign(
        {
            "name": "sweep",
            "facets": ["100"],
            "sites": ["adatom"],
            "slab": SLAB,
            "calculator": {"code": "gpaw", "preset": "sjm-test"},
        }
    )
    assert bulk_key(sweep) == bulk_key(other) == bulk_key(plain)
    assert "electrode" not in bulk_key(sweep)


def test_finished_runs_are_skipped_run_by_run():
    campaign = _campaign()
    reference = campaign.calculators()[0]
    done = {config.config_id(reference) for config in campaign.configurations()}
    flow = campaign_flow(campaign, skip=done)
    left = {job.metadata["config_id"] for job in _kinds(flow, RESULT_KIND)}
    assert left == campaign.job_ids() - done and len(left) == 4


def test_the_electrode_mapping_may_be_left_out_and_the_calculator_written_as_text():
    campaign = _campaign(calculator="gpaw:sjm-test", potentials=[-0.25])
    assert [c.label() for c in campaign.calculators()] == [
        "gpaw-sjm-test@+0.00e",
        "gpaw-sjm-test@-0.25V_RHE",
    ]


def test_the_excess_electron_guess_goes_to_the_sjm_runs_not_to_the_reference():
    electrode = {"scale": "SHE", "excess_electrons": 0.1}
    campaign = _campaign(calculator={**SJM, "electrode": electrode}, potentials=[-1.0])
    reference, at_potential = campaign.calculators()
    assert reference.electrode.excess_electrons == 0.0
    assert at_potential.electrode.excess_electrons == 0.1
    assert at_potential.electrode.potential_V == -1.0


def test_the_example_sweep_loads():
    campaign = load_campaign(EXAMPLES / "gpaw_sjm_sweep.yaml")
    assert campaign.potentials == [-0.5, 0.0]
    assert len(campaign.job_ids()) == 3


BAD = [
    ("emt", {"calculator": "emt"}, "potentials: a potential sweep runs GPAW's SJM"),
    ("mlip", {"calculator": "sevennet"}, "needs code gpaw, not 'sevennet'"),
    (
        "plane-waves",
        {"calculator": {"code": "gpaw", "preset": "test"}},
        "needs mode fd or lcao, not pw",
    ),
    ("twice", {"potentials": [-0.5, 0.0, -0.5]}, "potentials: -0.50 V given twice"),
    ("rounded-twice", {"potentials": [-0.5, -0.501]}, "given twice"),
    ("nan", {"potentials": [-0.5, float("nan")]}, "potentials.1: must be a finite number"),
    ("empty", {"potentials": []}, "potentials: give at least one potential"),
    ("absolute-scale", {"potentials": [4.4]}, "not SJM's absolute one"),
    ("not-a-list", {"potentials": -0.5}, "potentials: Input should be a valid list"),
    (
        "also-in-electrode",
        {"calculator": {**SJM, "electrode": {"potential_V": -0.5}}},
        "give the potentials once",
    ),
]


@pytest.mark.parametrize(("keys", "expected"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_a_bad_sweep_is_one_line(keys, expected):
    with pytest.raises(CampaignError) as info:
        _campaign(**keys)
    assert "\n" not in str(info.value)
    assert expected in str(info.value)


YAML_HEAD = (
    "name: sweep\nfacets: ['100']\nsites: [adatom]\n"
    "slab: {size: [2, 2], layers: 3, vacuum: 8.0, fixed_layers: 1}\n"
)
FILES = [
    ("emt", "calculator: emt\npotentials: [-0.5]\n", "needs code gpaw, not 'emt'"),
    (
        "pw",
        "calculator: {code: gpaw, preset: test}\npotentials: [-0.5]\n",
        "needs mode fd or lcao, not pw",
    ),
    ("twice", "calculator: gpaw:sjm-test\npotentials: [0.0, 0.0]\n", "+0.00 V given twice"),
    ("inf", "calculator: gpaw:sjm-test\npotentials: [-0.5, .inf]\n", "potentials.1: must be a"),
]


@pytest.mark.parametrize(("text", "expected"), [f[1:] for f in FILES], ids=[f[0] for f in FILES])
def test_cudiss_run_refuses_a_bad_sweep_and_writes_nothing(tmp_path, text, expected):
    path = tmp_path / "sweep.yaml"
    path.write_text(YAML_HEAD + text)
    store = tmp_path / "store"
    assert_refused(["run", str(path), "--store", str(store)], expected, tmp_path)
    assert not store.exists()


@pytest.mark.parametrize(
    ("option", "expected"),
    [("emt", "needs code gpaw, not emt"), ("gpaw:test", "needs mode fd or lcao, not pw")],
)
def test_a_calculator_swapped_in_that_cannot_sweep_writes_nothing(tmp_path, option, expected):
    path = tmp_path / "sweep.yaml"
    path.write_text(YAML_HEAD + "calculator: gpaw:sjm-test\npotentials: [-0.5]\n")
    store = tmp_path / "store"
    argv = ["run", str(path), "--calculator", option, "--store", str(store)]
    assert_refused(argv, expected, tmp_path)
    assert not store.exists()


def test_the_run_summary_tells_the_runs_of_a_sweep_apart():
    from rich.console import Console

    from cudiss.workflows.cli.run import results_table
    from tests.helpers.sweep_documents import sweep_results

    console = Console(width=200, record=True)
    console.print(results_table(sweep_results(), "sweep"))
    text = console.export_text()
    assert text.count("gpaw-sjm-test @+0.00 e ") == 2  # the two references
    assert text.count("gpaw-sjm-test @-0.50 V RHE") == 2
    assert text.count("gpaw-sjm-test @+0.00 V RHE") == 1
