"""Campaign files and local runs into the on-disk store (EMT, end to end)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from ase.calculators.emt import EMT
from ase.io import read

from cudiss.workflows.campaign import load_campaign, parse_campaign
from cudiss.workflows.errors import CampaignError
from cudiss.workflows.local import run_campaign
from cudiss.workflows.store import open_job_store, open_results
from tests.helpers.paths import EXAMPLES

CUDISS = [sys.executable, "-m", "cudiss.workflows.cli"]


def test_example_campaign_expands_to_the_cross_product():
    campaign = load_campaign(EXAMPLES / "emt_facets.yaml")
    configs = campaign.configurations()
    assert len(configs) == 3 * 2 * 2
    assert {c.facet for c in configs} == {"111", "100", "110"}
    assert len({c.config_id(campaign.calculator) for c in configs}) == 12


def test_emt_campaign_runs_end_to_end(emt_campaign_results):
    results = emt_campaign_results
    assert len(results) == 12
    assert {r.state for r in results} == {"successful"}, [(r.config_id, r.error) for r in results]
    for r in results:
        assert r.neb_converged and all(r.endpoints_converged)
        assert len(r.images) == 5
        assert max(r.image_forces_max_eVA) <= 0.05 + 1e-9
        assert r.forward_barrier_eV == pytest.approx(
            max(i.energy_eV for i in r.images) - r.images[0].energy_eV
        )
        assert r.calculator.code == "emt"
        assert r.software["ase"]
        # ASE EMT's fcc Cu lattice constant is 3.59 Å (fitted, not the experimental 3.615).
        assert r.lattice_constant_A == pytest.approx(3.59, abs=0.01)


def _by(results, facet, site, ads):
    (match,) = [
        r
        for r in results
        if r.facet == facet and r.site_class == site and tuple(r.adsorbates) == ads
    ]
    return match


def test_emt_barriers_are_physical(emt_campaign_results):
    results = emt_campaign_results
    for facet in ("111", "100", "110"):
        terrace = _by(results, facet, "terrace", ())
        # Pulling a terrace atom out to form an adatom-vacancy pair costs energy
        # (EMT and DFT: ~0.5-2 eV on close-packed Cu), and the barrier lies above
        # the end state's energy.
        assert 0.3 < terrace.reaction_energy_eV < 2.5
        assert terrace.forward_barrier_eV >= terrace.reaction_energy_eV - 1e-6
        assert terrace.forward_barrier_eV < 3.0
        assert terrace.reverse_barrier_eV >= -1e-6
    # Adatom hop on Cu(100): symmetric (ΔE ~ 0) with the EMT barrier ~0.4 eV
    # (ASE EMT; DFT ~0.5 eV), see tests/workflows/neb/test_driver.py for the independent run.
    hop = _by(results, "100", "adatom", ())
    assert abs(hop.reaction_energy_eV) < 0.05
    assert 0.3 < hop.forward_barrier_eV < 0.5
    # Hopping on the close-packed (111) terrace is much easier than on (100)
    # (EMT ~0.05 eV, DFT ~0.03-0.1 eV).
    assert _by(results, "111", "adatom", ()).forward_barrier_eV < hop.forward_barrier_eV


def test_dissolution_energies_are_stored_for_bare_sites(emt_campaign_results):
    bare = [r for r in emt_campaign_results if not r.adsorbates]
    assert bare and len(bare) < len(emt_campaign_results)
    for r in emt_campaign_results:
        if r.adsorbates:
            # its vacancy slab would lack the adsorbates too: analysis takes the bare one's
            assert r.vacancy_energy_eV is None
    for r in bare:
        assert r.vacancy_energy_eV is not None and r.slab_energy_eV is not None
        # Removing a Cu atom (to bulk) from the surface of an EMT slab: the
        # vacancy slab plus a bulk atom is close to the intact slab (< 3 eV apart).
        delta = r.vacancy_energy_eV - r.slab_energy_eV + r.bulk_energy_per_atom_eV
        assert abs(delta) < 3.0


def test_trajectories_are_written_and_referenced(emt_campaign_store, emt_campaign_results):
    r = emt_campaign_results[0]
    assert {"relax_initial", "relax_final", "neb_image_2"} <= set(r.trajectories)
    for path in r.trajectories.values():
        frames = read(Path(emt_campaign_store) / path, ":")
        assert len(frames) >= 1
    last = read(Path(emt_campaign_store) / r.trajectories["neb_image_2"])
    assert np.allclose(last.positions, r.images[2].positions_A, atol=1e-6)


def test_rerun_computes_nothing(tmp_path, monkeypatch):
    campaign = parse_campaign(
        {
            "name": "rerun",
            "facets": ["100"],
            "sites": ["adatom"],
            "adsorbates": [[], ["CO"]],
            "slab": {"size": [2, 2], "layers": 3, "vacuum": 6.0, "fixed_layers": 1},
        }
    )
    calls = {"n": 0}
    original = EMT.calculate

    def counting(self, *args, **kwargs):
        calls["n"] += 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(EMT, "calculate", counting)
    first = run_campaign(campaign, tmp_path / "store", show_progress=False)
    assert first.ran == 2 and calls["n"] > 0
    calls["n"] = 0
    second = run_campaign(campaign, tmp_path / "store", show_progress=False)
    assert second.ran == 0 and second.skipped == 2
    assert calls["n"] == 0
    assert [r.config_id for r in second.results] == [r.config_id for r in first.results]
    # Results persist and are readable in another process.
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "from cudiss.workflows.store import open_results;"
            f"print(len(open_results({str(tmp_path / 'store')!r})))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "2"


def test_calculator_option_overrides_the_file(tmp_path):
    from cudiss.workflows.calculators import CalculatorSpec

    campaign = parse_campaign(
        {
            "name": "override",
            "calculator": "gpaw",
            "facets": ["100"],
            "sites": ["adatom"],
            "slab": {"size": [2, 2], "layers": 3, "vacuum": 6.0, "fixed_layers": 1},
        }
    )
    summary = run_campaign(
        campaign, tmp_path / "store", calculator=CalculatorSpec(), show_progress=False
    )
    (result,) = summary.results
    assert result.calculator.code == "emt" and "/emt/" in result.config_id
    assert result.state == "successful"


BAD_CAMPAIGNS = {
    "unknown_key.yaml": (
        "name: x\nfacets: ['100']\nsites: [adatom]\nimages: 5\n",
        "images: unknown key",
    ),
    "wrong_type.yaml": (
        "name: x\nfacets: ['100']\nsites: [adatom]\nneb: {fmax: fast}\n",
        "neb.fmax",
    ),
    "negative.yaml": ("name: x\nfacets: ['100']\nsites: [adatom]\nneb: {fmax: -1}\n", "neb.fmax"),
    "malformed.yaml": ("name: x\nfacets: ['100'\n", "malformed YAML"),
    "not_mapping.yaml": ("- 1\n- 2\n", "must be a mapping"),
    "bad_facet.yaml": ("name: x\nfacets: ['123']\nsites: [terrace]\n", "Cu(123)"),
    "bad_ads.yaml": ("name: x\nfacets: ['100']\nsites: [adatom]\nadsorbates: [[XYZ]]\n", "XYZ"),
    "bad_calc.yaml": ("name: x\ncalculator: vasp\nfacets: ['100']\nsites: [adatom]\n", "vasp"),
}


@pytest.mark.parametrize("filename", sorted(BAD_CAMPAIGNS))
def test_bad_campaign_files_exit_2_and_write_nothing(tmp_path, filename):
    text, expected = BAD_CAMPAIGNS[filename]
    path = tmp_path / filename
    path.write_text(text)
    with pytest.raises(CampaignError, match=None):
        load_campaign(path)
    store = tmp_path / "store"
    proc = subprocess.run(
        [*CUDISS, "run", str(path), "--store", str(store)], capture_output=True, text=True
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ") and expected in lines[0]
    assert "Traceback" not in proc.stderr
    assert not store.exists()


def test_missing_campaign_file(tmp_path):
    proc = subprocess.run(
        [*CUDISS, "run", str(tmp_path / "nope.yaml"), "--store", str(tmp_path / "s")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"error: campaign file not found: {tmp_path / 'nope.yaml'}"
    assert not (tmp_path / "s").exists()


def test_failed_step_is_marked_not_dropped(tmp_path):
    # An exchange-correlation functional GPAW does not know passes the up-front
    # checks (names are GPAW's and libxc's to judge) and fails every DFT step when it
    # runs; the row must remain.
    campaign = parse_campaign(
        {
            "name": "broken",
            "calculator": {"code": "gpaw", "overrides": {"xc": "NO-SUCH-XC"}},
            "facets": ["100"],
            "sites": ["adatom"],
            "slab": {"size": [2, 2], "layers": 3, "vacuum": 6.0, "fixed_layers": 1},
        }
    )
    summary = run_campaign(campaign, tmp_path / "store", show_progress=False)
    assert summary.failed_steps
    (result,) = open_results(tmp_path / "store")
    assert result.state == "failed"
    assert "bulk lattice constant" in result.error
    assert result.forward_barrier_eV is None


def test_open_results_on_missing_store(tmp_path):
    from cudiss.workflows.errors import StoreError

    with pytest.raises(StoreError, match="no results store"):
        open_job_store(tmp_path / "none")


SMALL_SLAB = {"size": [2, 2], "layers": 3, "vacuum": 6.0, "fixed_layers": 1}


def _old_release_ids() -> dict[tuple[str, str], str]:
    """(site, adsorbates) -> config id, as release 010c697 tabulated its fixture campaign."""
    import pandas as pd

    from tests.helpers.paths import FIXTURES

    table = pd.read_csv(FIXTURES / "release-010c697" / "table.csv")
    rows = table[table.campaign == "fixture"]
    return {(r.site_class, r.adsorbates): r.config_id for r in rows.itertuples()}


@pytest.mark.parametrize(
    ("facet", "site", "ads", "calculator"),
    [
        ("100", "adatom", [], "emt"),
        ("Cu(100)", "Adatom", [], {"code": "EMT", "preset": "production"}),
        ("(100)", " ADATOM ", [], "EMT"),
        (100, "adatom", ["co"], "emt"),
        ("cu 100", "adatom", ["CO*"], {"code": "emt", "preset": "test"}),
    ],
)
def test_one_system_has_one_id_however_spelled(facet, site, ads, calculator):
    from cudiss.workflows.calculators import as_spec
    from cudiss.workflows.flows import RemovalConfig

    config = RemovalConfig(
        campaign="fixture", facet=facet, site_class=site, adsorbates=ads, slab=SMALL_SLAB
    )
    # the ids release 010c697 wrote for the canonical spellings: existing stores keep them
    expected = _old_release_ids()[("adatom", "+".join(a.upper().strip("*") for a in ads) or "bare")]
    assert config.config_id(as_spec(calculator)) == expected
    assert config.label() == "Cu(100) adatom " + ("+CO" if ads else "bare")


def test_a_configuration_spelled_twice_is_computed_once(tmp_path):
    campaign = parse_campaign(
        {
            "name": "fixture",
            "calculator": {"code": "emt", "preset": "production"},
            "facets": ["100", "Cu(100)", 100],
            "sites": ["Adatom", "adatom"],
            "adsorbates": [[], ["co"], ["CO*"], ["CO"]],
            "slab": SMALL_SLAB,
        }
    )
    assert campaign.facets == ["100"] and campaign.sites == ["adatom"]
    assert campaign.adsorbates == [[], ["CO"]]
    configs = campaign.configurations()
    assert [c.label() for c in configs] == ["Cu(100) adatom bare", "Cu(100) adatom +CO"]
    summary = run_campaign(campaign, tmp_path / "store", show_progress=False)
    assert summary.configurations == 2 and summary.ran == 2
    results = open_results(tmp_path / "store")
    assert sorted(r.config_id for r in results) == sorted(_old_release_ids().values())
    assert {r.state for r in results} == {"successful"}
    assert all(r.facet == "100" and r.adsorbates in ([], ["CO"]) for r in results)


def test_a_given_lattice_constant_builds_and_references_at_it(tmp_path):
    # Numeric lattice_constant used to fail every configuration (an equation of
    # state fitted to one point); now the slabs and mu_Cu(bulk) share that a0.
    from ase.build import bulk

    campaign = parse_campaign(
        {
            "name": "a0",
            "facets": ["100"],
            "sites": ["adatom"],
            "adsorbates": [[], ["O"]],
            "slab": SMALL_SLAB,
            "lattice_constant": 3.615,
        }
    )
    summary = run_campaign(campaign, tmp_path / "store", show_progress=False)
    assert summary.failed_steps == []
    results = open_results(tmp_path / "store")
    assert len(results) == 2 and {r.state for r in results} == {"successful"}
    reference = bulk("Cu", "fcc", a=3.615)  # ASE's own cell and EMT: independent of cudiss
    reference.calc = EMT()
    for r in results:
        assert r.lattice_constant_A == 3.615
        assert r.bulk_energy_per_atom_eV == pytest.approx(reference.get_potential_energy())
        # the slab is built at 3.615 Å: Cu(100) in-plane spacing a / sqrt 2
        assert np.linalg.norm(r.cell_A[0]) == pytest.approx(2 * 3.615 / np.sqrt(2))


def test_a_removal_flow_without_a_bulk_reference_computes_its_own(tmp_path):
    from jobflow import run_locally

    from cudiss.workflows.flows import RemovalBarrierMaker, RemovalConfig

    config = RemovalConfig(facet="100", site_class="adatom", slab=SMALL_SLAB)
    flow = RemovalBarrierMaker().make(config, None)
    store = open_job_store(tmp_path / "store", create=True)
    run_locally(flow, store=store, root_dir=tmp_path, create_folders=True, log=False)
    (result,) = open_results(tmp_path / "store")
    assert result.state == "successful"
    # ASE's EMT fcc Cu minimum: a0 = 3.59 Å (the bulk job fitted it)
    assert result.lattice_constant_A == pytest.approx(3.59, abs=0.01)


def test_flows_without_a_bulk_reference_share_one_bulk_job():
    from cudiss.workflows.flows import RemovalBarrierMaker, RemovalConfig, removal_flows

    configs = [RemovalConfig(facet=f, site_class="adatom", slab=SMALL_SLAB) for f in ("100", "111")]
    jobs = removal_flows(configs, RemovalBarrierMaker(), None)
    assert len(jobs) == 3 and jobs[0].name == "bulk Cu (emt)"
    bulk_uuid = jobs[0].uuid
    for flow in jobs[1:]:
        endpoints = flow.jobs[0]
        assert endpoints.function_args[1].uuid == bulk_uuid  # the shared job's output
