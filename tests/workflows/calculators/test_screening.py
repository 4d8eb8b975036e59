"""``calculator: sevennet``: whole campaigns screened with an MLIP, labelled, kept apart from DFT.

The shipped example examples/mlip_screening.yaml (the Cu(100) adatom bare and
H-bound, H* on every site, the H2 and H2O references, all vibrations) runs once
through ``cudiss run``; then the same campaign with ``--calculator emt`` into the
same store, so that the store holds two calculators' results of one campaign.
Every table of that store must keep them apart: the SevenNet rows are exactly
those of the SevenNet-only store, and the MLIP rows are labelled as screening.
"""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from cudiss.analysis.methods import MLIP_NOTE
from cudiss.workflows.campaign import campaign_flow, load_campaign
from cudiss.workflows.hpc.routing import RouteKey, iter_jobs, route_key
from tests.helpers.corpus import assert_refused, run_cli
from tests.helpers.paths import EXAMPLES

EXAMPLE = EXAMPLES / "mlip_screening.yaml"
SCREENING = f"sevennet rows: {MLIP_NOTE}"
KINDS = ("barriers", "adsorption", "surface", "routes")


def _table(store, kind: str, tmp_path) -> tuple[list[str], pd.DataFrame]:
    """``cudiss table --kind KIND`` as CSV: its ``#`` comment lines and its rows."""
    out = tmp_path / f"{kind}.csv"
    code, _, err = run_cli("table", "--store", str(store), "--kind", kind, "-o", str(out))
    assert code == 0, err
    text = out.read_text(encoding="utf-8")
    comments = [line[2:] for line in text.splitlines() if line.startswith("# ")]
    return comments, pd.read_csv(io.StringIO(text), comment="#")


@pytest.fixture(scope="module")
def screening(tmp_path_factory):
    """The example run with SevenNet, its tables, then the same campaign with EMT added."""
    folder = tmp_path_factory.mktemp("screening")
    store = folder / "store"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CUDISS_CHECKPOINT_DIR", str(folder / "checkpoints"))
        mlip_run = run_cli("run", str(EXAMPLE), "--store", str(store))
        alone = {kind: _table(store, kind, folder) for kind in KINDS}
        emt_run = run_cli("run", str(EXAMPLE), "--store", str(store), "--calculator", "emt")
    return {"store": store, "mlip_run": mlip_run, "emt_run": emt_run, "alone": alone}


# ------------------------------------------------------------------ the campaign runs
def test_the_example_runs_and_says_it_is_screening(screening):
    code, out, err = screening["mlip_run"]
    assert code == 0, err
    assert f"note sevennet: {MLIP_NOTE}"[:60] in " ".join(err.split())
    assert "EMT: energies" not in err
    assert "sevennet rows: MLIP screening, not DFT" in " ".join(out.split())


def test_every_result_carries_the_sevennet_code(screening):
    from cudiss.workflows.mechanism_store import open_mechanism
    from cudiss.workflows.store import open_results

    data = open_mechanism(screening["store"])
    mlip = [r for r in open_results(screening["store"]) if r.calculator.code == "sevennet"]
    assert len(mlip) == 2 and {tuple(r.adsorbates) for r in mlip} == {(), ("H",)}
    for res in mlip:
        assert res.state == "successful" and res.neb_converged, res.error
        assert res.calculator.preset is None and res.calculator.parameters == {}
        assert "/sevennet/" in res.config_id and "sevenn" in res.software
        # Bulk step: SevenNet's own fcc Cu (PBE-like, ~1 % above experiment's 3.615 Å).
        assert 3.58 < res.lattice_constant_A < 3.70
        assert 0.05 < res.forward_barrier_eV < 1.5
    h_bound = next(r for r in mlip if r.adsorbates)
    assert len(h_bound.initial_frequencies_cm) == 3  # H's vibrations, in place
    mlip_gases = [g for g in data.gases if g.calculator.code == "sevennet"]
    assert sorted(g.name for g in mlip_gases) == ["H2", "H2O"]
    assert all(g.state == "successful" and g.frequencies_cm for g in mlip_gases)
    (h_star,) = [a for a in data.adsorptions if a.calculator.code == "sevennet"]
    assert h_star.state == "successful" and h_star.best_site == "hollow" and h_star.frequencies_cm


def test_mlip_jobs_are_short_jobs_for_routing():
    flow = campaign_flow(load_campaign(EXAMPLE))
    assert {route_key(job) for job in iter_jobs(flow)} == {(RouteKey.SHORT, None)}


# ---------------------------------------------------------- kept apart from the others
def test_the_emt_run_of_the_same_campaign_has_its_own_notes(screening):
    code, out, err = screening["emt_run"]
    assert code == 0, err
    # The notes follow the calculator given on the command line, not the file's.
    assert "EMT: energies of C, O and H" in " ".join(err.split())
    assert "MLIP" not in err and "MLIP" not in out


@pytest.mark.parametrize("kind", KINDS)
def test_tables_of_a_mixed_store_keep_the_sevennet_rows_as_they_were(screening, kind, tmp_path):
    comments, mixed = _table(screening["store"], kind, tmp_path)
    before_comments, alone = screening["alone"][kind]
    assert set(mixed["calculator"]) == {"emt", "sevennet"}
    assert set(alone["calculator"]) == {"sevennet"}
    # The EMT results changed no SevenNet number (no aggregation crossed calculators).
    pd.testing.assert_frame_equal(
        mixed[mixed["calculator"] == "sevennet"].reset_index(drop=True), alone
    )
    if kind == "barriers":  # data: no note in CSV; the Markdown says it
        code, md, err = run_cli("table", "--store", str(screening["store"]))
        assert code == 0, err
        assert f"\n\n{SCREENING}\n" in md
        # DFT and EMT rows first, the screening rows after them.
        assert mixed["calculator"].tolist() == ["emt"] * 2 + ["sevennet"] * 2
        return
    assert SCREENING in comments and SCREENING in before_comments
    assert "EMT: energies" not in " ".join(comments)


def test_mechanism_json_metadata_labels_the_screening_rows(screening, tmp_path):
    out = tmp_path / "surface.json"
    code, _, err = run_cli(
        "table", "--store", str(screening["store"]), "--kind", "surface", "-o", str(out)
    )
    assert code == 0, err
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["metadata"]["approximations"][0] == SCREENING
    # A one-calculator Markdown view shows the calculator column when it is an MLIP.
    code, md, err = run_cli("table", "--store", str(screening["store"]), "--kind", "adsorption")
    assert code == 0 and "| calculator" in md, err


# ------------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    ("calculator", "expected"),
    [
        ("sevennet:foo", "sevennet has no presets (got 'sevennet:foo')"),
        ("{code: chgnet, overrides: {model: x}}", "model: chgnet takes no parameters"),
        ("{code: sevennet, preset: huge}", "sevennet has no presets (got 'huge')"),
        ("mace", "unknown calculator 'mace'"),
    ],
)
def test_bad_mlip_campaign_files_are_one_line(tmp_path, calculator, expected):
    path = tmp_path / "campaign.yaml"
    path.write_text(f"name: x\nfacets: ['100']\nsites: [adatom]\ncalculator: {calculator}\n")
    assert_refused(["run", str(path), "--store", str(tmp_path / "store")], expected, tmp_path)


def test_a_bad_mlip_on_the_command_line_is_one_line(tmp_path):
    argv = ["run", str(EXAMPLE), "--store", str(tmp_path / "store"), "--calculator", "chgnet:x"]
    assert_refused(argv, "chgnet has no presets (got 'chgnet:x')", tmp_path)
