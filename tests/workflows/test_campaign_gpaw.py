"""A real GPAW `test`-preset campaign with one CI-NEB (about 5 minutes on 2 cores)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from cudiss.workflows.campaign import parse_campaign
from cudiss.workflows.local import run_campaign
from cudiss.workflows.store import open_results

pytestmark = pytest.mark.gpaw


@pytest.fixture(scope="module")
def gpaw_store(tmp_path_factory):
    campaign = parse_campaign(
        {
            "name": "gpaw-ci",
            "calculator": {"code": "gpaw", "preset": "test"},
            "facets": ["100"],
            "sites": ["adatom"],
            "adsorbates": [[]],
            "slab": {"size": [2, 2], "layers": 3, "vacuum": 6.0, "fixed_layers": 1},
            "neb": {"n_images": 3, "fmax": 0.05, "optimizer": "ode"},
        }
    )
    store = tmp_path_factory.mktemp("gpaw") / "store"
    summary = run_campaign(campaign, store, show_progress=False)
    assert summary.failed_steps == []
    return store


def test_gpaw_adatom_hop_barrier(gpaw_store):
    (result,) = open_results(gpaw_store)
    assert result.state == "successful", result.error
    assert result.calculator.code == "gpaw"
    assert result.calculator.parameters["mode"] == {"name": "pw", "ecut": 250}
    assert result.software["gpaw"].startswith("26.")
    # PBE: Cu/Cu(100) adatom hopping ~0.5 eV (docs/calibration.md: 0.542 eV
    # for PW(250) on this cell with fmax 0.1; experiment/DFT literature 0.4-0.7 eV).
    assert 0.40 < result.forward_barrier_eV < 0.70
    # The hop between equivalent hollows is symmetric.
    assert abs(result.reaction_energy_eV) < 0.05
    # PBE Cu lattice constant ~3.63-3.66 Å (experiment 3.615 Å).
    assert 3.60 < result.lattice_constant_A < 3.70
    assert result.vacancy_energy_eV is not None


def test_gpaw_rerun_is_free_and_table_prints(gpaw_store):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "cudiss.workflows.cli",
            "run",
            "--quiet",
            "--store",
            str(gpaw_store),
            "--calculator",
            "gpaw:test",
            str(_write_campaign(gpaw_store.parent)),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "1 already in the store, 0 to run" in proc.stderr
    assert "successful" in proc.stdout


def _write_campaign(folder):
    path = folder / "gpaw-ci.yaml"
    path.write_text(
        "name: gpaw-ci\n"
        "calculator: {code: gpaw, preset: test}\n"
        "facets: ['100']\nsites: [adatom]\nadsorbates: [[]]\n"
        "slab: {size: [2, 2], layers: 3, vacuum: 6.0, fixed_layers: 1}\n"
        "neb: {n_images: 3, fmax: 0.05, optimizer: ode}\n"
    )
    return path
