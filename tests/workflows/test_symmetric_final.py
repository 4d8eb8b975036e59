"""An adatom hop's final state is relaxed from the initial state's relaxation, carried over."""

from __future__ import annotations

import pytest
from jobflow import JobStore, run_locally
from maggma.stores import MemoryStore

from cudiss.workflows.calculators import CalculatorSpec
from cudiss.workflows.flows import RemovalBarrierMaker, RemovalConfig, SlabSettings
from cudiss.workflows.neb import NebSettings
from tests.helpers.bulk import given_bulk

BULK = given_bulk(3.59, -0.007)
SLAB = SlabSettings(size=(3, 3), layers=3, vacuum=6.0, fixed_layers=1)


def _config(site: str, adsorbates: list[str]) -> RemovalConfig:
    return RemovalConfig(
        campaign="x", facet="100", site_class=site, adsorbates=adsorbates, slab=SLAB
    )


def _maker(carry: bool) -> RemovalBarrierMaker:
    settings = NebSettings(n_images=3, fmax=0.05, surrogate="none", optimizer="ode")
    return RemovalBarrierMaker(
        calculator_spec=CalculatorSpec(code="emt"),
        neb_settings=settings,
        dissolution=False,
        carry_symmetric_final=carry,
    )


def _run(flow, tmp_path) -> dict:
    # the NEB job puts its band into the "data" store, as campaigns do
    store = JobStore(MemoryStore(), additional_stores={"data": MemoryStore()})
    run_locally(flow, store=store, root_dir=tmp_path, create_folders=True, log=False)
    return {doc["name"]: doc["output"] for doc in store.query({}, ["name", "output"])}


def test_the_hop_relaxes_its_final_state_with_one_force_call(tmp_path):
    config = _config("adatom", ["CO"])
    label = config.label()
    carried = _run(_maker(True).make(config, BULK), tmp_path / "carried")
    assert f"{label}: carry initial relaxation to final" in carried
    initial, final = carried[f"{label}: relax initial"], carried[f"{label}: relax final"]
    assert initial["force_calls"] > 5
    # EMT has the slab's translation symmetry: the carried state is at a minimum
    assert final["force_calls"] == 1
    assert final["output"]["energy"] == pytest.approx(initial["output"]["energy"], abs=1e-6)
    # the reference: the same flow relaxing the final state from scratch
    alone = _run(_maker(False).make(config, BULK), tmp_path / "alone")
    assert not any("carry" in name for name in alone)
    assert alone[f"{label}: relax final"]["force_calls"] > 5
    mine, theirs = carried[f"{label}: result"], alone[f"{label}: result"]
    assert mine["state"] == theirs["state"] == "successful"
    assert mine["forward_barrier_eV"] == pytest.approx(theirs["forward_barrier_eV"], abs=2e-3)
    assert mine["reaction_energy_eV"] == pytest.approx(0.0, abs=1e-6)


def test_a_removal_that_changes_the_site_relaxes_both_states():
    flow = _maker(True).make(_config("terrace", []), BULK)
    names = [job.name for job in flow.jobs]
    assert not any("carry" in name for name in names)
    assert any(name.endswith("relax final") for name in names)
