"""A step that raises becomes data: later steps pass it on, the result names it."""

from __future__ import annotations

from jobflow import JobStore, run_locally
from maggma.stores import MemoryStore
from monty.json import MontyDecoder, jsanitize

from cudiss.workflows.calculators import CalculatorSpec
from cudiss.workflows.failures import StepFailure, failures_as_data, first_failure
from cudiss.workflows.flows import RemovalBarrierMaker, RemovalConfig, SlabSettings
from tests.helpers.bulk import given_bulk


def test_a_failure_round_trips_and_stands_in_for_any_attribute():
    failure = StepFailure.from_exception("x: relax", RuntimeError("first line\nSCF failed"))
    assert failure.error == "RuntimeError: SCF failed"
    assert failure.detail == "first line\nSCF failed"
    stored = jsanitize(failure, strict=True)
    assert MontyDecoder().process_decoded(stored) == failure
    assert failure.output.structure is failure and failure[0] is failure
    assert first_failure([1, (2, failure)]) is failure and first_failure([1, [2]]) is None


def test_a_wrapped_step_returns_its_exception_and_passes_failures_on():
    @failures_as_data
    def step(value):
        raise ValueError(f"bad {value}")

    failure = step(3)
    assert isinstance(failure, StepFailure) and failure.error == "ValueError: bad 3"
    assert step(failure) is failure  # not run again


def test_a_failed_relaxation_is_named_in_the_result(tmp_path):
    bulk = given_bulk(3.6, 0.0)
    config = RemovalConfig(
        campaign="x",
        facet="100",
        site_class="adatom",
        slab=SlabSettings(size=(2, 2), layers=3, vacuum=6.0, fixed_layers=1),
    )
    broken = CalculatorSpec(code="gpaw", overrides={"mode": {"name": "nonsense"}})
    flow = RemovalBarrierMaker(calculator_spec=broken).make(config, bulk)
    store = JobStore(MemoryStore())
    run_locally(flow, store=store, root_dir=tmp_path, create_folders=True, log=False)
    outputs = {doc["name"]: doc["output"] for doc in store.query({}, ["name", "output"])}
    label = config.label()
    assert outputs[f"{label}: relax initial"]["@class"] == "StepFailure"
    # later steps did not run: they pass the first failure on
    assert outputs[f"{label}: CI-NEB"]["step"] == f"{label}: relax initial"
    result = outputs[f"{label}: result"]
    assert result["state"] == "failed"
    assert result["error"].startswith(
        "missing: initial-state relaxation, final-state relaxation, NEB"
    )
    assert f"{label}: relax initial: KeyError: 'nonsense'" in result["error"]
