"""Flows and stores written before workflows/ became packages still load and tabulate.

tests/fixtures/release-010c697 was written by cudiss at commit 010c697 (flat
modules: ``cudiss.workflows.hpc_smoke``, ``cudiss.workflows.neb`` as a module,
...); see its README. Its table.csv is that release's own ``cudiss table``
output, so the comparison below is between two releases, not with itself.
"""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
import sys

import pandas as pd
import pytest
from jobflow import Flow, run_locally
from monty.json import MontyDecoder

from cudiss.workflows.moved import MOVED_MODULES
from cudiss.workflows.store import open_job_store, open_results
from tests.helpers.paths import FIXTURES

OLD = FIXTURES / "release-010c697"
CUDISS = [sys.executable, "-m", "cudiss.workflows.cli"]


def _flow(name: str) -> Flow:
    return MontyDecoder().process_decoded(json.loads((OLD / name).read_text()))


@pytest.mark.parametrize("old", sorted(MOVED_MODULES))
def test_every_old_module_path_is_its_new_module(old):
    assert importlib.import_module(old) is importlib.import_module(MOVED_MODULES[old])


def test_names_stored_by_the_old_release_resolve():
    from cudiss.workflows import calculators, flows, hpc, makers, neb

    assert neb.NebSettings.__module__ == "cudiss.workflows.neb.settings"
    assert calculators.CalculatorSpec.__module__ == "cudiss.workflows.calculators.spec"
    for module, names in (
        (makers, ["CuNebMaker", "CuRelaxMaker", "CuBulkMaker", "BulkResult", "CuNebResult"]),
        (flows, ["removal_result", "build_endpoints", "interpolate_endpoints", "RemovalConfig"]),
        (hpc, ["smoke_slab_energy", "smoke_adatom_energy", "smoke_adatom_binding", "smoke_fail"]),
    ):
        for name in names:
            assert getattr(module, name) is not None, f"{module.__name__}.{name}"


def test_an_old_store_tabulates_as_the_old_release_did(tmp_path):
    store = tmp_path / "store"
    shutil.copytree(OLD / "store", store)
    out = tmp_path / "table.csv"
    proc = subprocess.run(
        [*CUDISS, "table", "--store", str(store), "-U", "0", "-U", "-0.5", "-o", str(out)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    new = pd.read_csv(out).sort_values(["config_id", "U_V_RHE"]).reset_index(drop=True)
    old = pd.read_csv(OLD / "table.csv").sort_values(["config_id", "U_V_RHE"])
    # later releases add columns; the old ones keep their names and values
    assert set(old.columns) <= set(new.columns)
    pd.testing.assert_frame_equal(
        new[old.columns], old.reset_index(drop=True), check_exact=False, rtol=1e-12
    )
    failed = new[new.state == "failed"]
    assert len(failed) == 2 and failed.error.str.contains("KeyError: 'nonsense'").all()


def test_an_old_removal_flow_runs_and_gives_the_old_barrier(tmp_path):
    flow = _flow("flow_removal.json")
    store = open_job_store(tmp_path / "store", create=True)
    run_locally(flow, store=store, create_folders=True, root_dir=tmp_path, log=False)
    (result,) = open_results(tmp_path / "store")
    assert result.state == "successful"
    old = pd.read_csv(OLD / "table.csv")
    bare = old[(old.campaign == "fixture") & (old.adsorbates == "bare")]
    # the same EMT calculation as the old release's bare adatom row
    assert result.forward_barrier_eV == pytest.approx(bare.dE_forward_eV.iloc[0], abs=1e-6)


def test_an_old_smoke_flow_runs(tmp_path):
    flow = _flow("flow_smoke.json")
    modules = {job.function.__module__ for job in flow.jobs}
    assert modules == {"cudiss.workflows.hpc.smoke"}
    responses = run_locally(flow, create_folders=True, root_dir=tmp_path, log=False)
    assert len(responses) == len(flow.jobs)
    assert all(response[1].output is not None for response in responses.values())
