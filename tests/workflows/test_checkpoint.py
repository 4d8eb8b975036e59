"""Resume after SIGKILL: relaxations and NEBs continue from their last checkpointed step.

Each case runs in subprocesses (tests/helpers/resume_worker.py): once uninterrupted, then
once killed with SIGKILL at a random step (and a random moment within it), then
again with the killed run's checkpoint folder. The resumed result must match the
uninterrupted one within 1 meV, and the two runs together may redo at most one
step. The random step is printed (``-s``) and can be fixed with
``CUDISS_RESUME_SEED``.
"""

from __future__ import annotations

import pytest

from cudiss.workflows.checkpoint import CHECKPOINT_ENV, Checkpoint, checkpoint_root
from tests.helpers.resume import check_neb_resume, check_relax_resume


@pytest.mark.parametrize("kind", ["relax", "neb", "neb-fast"])
def test_emt_resumes_after_sigkill(kind, tmp_path):
    if kind == "relax":
        check_relax_resume("emt", tmp_path)
    else:
        check_neb_resume("emt", tmp_path, kind=kind)


# A GPAW relaxation killed with SIGKILL is tested at constant potential, where the
# checkpoint must also carry SJM's electron count
# (calculators/test_electrode_resume_gpaw.py, ~4 min); the constant-charge GPAW
# relaxation repeated it at 10-19 min of CI time.
@pytest.mark.gpaw
def test_gpaw_neb_resumes_after_sigkill(tmp_path):
    check_neb_resume("gpaw", tmp_path)


def test_damaged_checkpoint_is_ignored(tmp_path):
    path = tmp_path / "relax-x.pkl"
    path.write_bytes(b"\x80\x05 half a pickle")
    assert Checkpoint(path).load() is None


def test_checkpoint_writes_are_atomic(tmp_path):
    checkpoint = Checkpoint(tmp_path / "sub" / "neb-x.pkl")
    checkpoint.save({"nsteps": 3, "x": [1.0]})
    checkpoint.save({"nsteps": 4, "x": [2.0]})
    assert [p.name for p in (tmp_path / "sub").iterdir()] == ["neb-x.pkl"]  # no temp files
    assert Checkpoint(checkpoint.path).load()["nsteps"] == 4


def test_checkpoints_can_be_switched_off(monkeypatch):
    monkeypatch.setenv(CHECKPOINT_ENV, "off")
    assert checkpoint_root() is None
    assert Checkpoint.for_inputs("relax", 1.0) is None


def test_interrupted_campaign_resumes_and_says_so(tmp_path, monkeypatch):
    """A configuration whose NEB died at band step 3 continues from step 2 when run again."""
    from cudiss.workflows import neb_maker
    from cudiss.workflows.campaign import parse_campaign
    from cudiss.workflows.local import run_campaign

    campaign = parse_campaign(
        {
            "name": "resume",
            "facets": ["100"],
            "sites": ["adatom"],
            "slab": {"size": [3, 3], "layers": 3, "vacuum": 6.0, "fixed_layers": 1},
            "neb": {"surrogate": "none"},  # a band long enough to die at step 3
        }
    )
    store = tmp_path / "store"
    monkeypatch.delenv(CHECKPOINT_ENV)  # cudiss run's own choice: under the store
    run_neb = neb_maker.run_neb

    def neb_dies_at_step_3(*args, progress=None, **kwargs):
        def step(number, fmax):
            if number == 3:
                raise RuntimeError("node lost")

        return run_neb(*args, progress=step, **kwargs)

    monkeypatch.setattr(neb_maker, "run_neb", neb_dies_at_step_3)
    first = run_campaign(campaign, store, show_progress=False)
    assert [r.state for r in first.results] == ["failed"]
    assert "CI-NEB: RuntimeError: node lost" in first.results[0].error
    assert list((store / "runs" / "checkpoints").glob("neb-*.pkl"))

    monkeypatch.setattr(neb_maker, "run_neb", run_neb)
    (result,) = run_campaign(campaign, store, show_progress=False).results
    assert result.state == "successful"
    neb_note = [line for line in result.resumed if line.startswith("NEB")]
    # it died after the forces of band step 3, before that step was checkpointed:
    # step 3 is the one step done again
    assert neb_note and "band step 2 (2 steps before the interruption" in neb_note[0]
    # the relaxations had finished: they resume at their last step and take none
    relax_notes = [line for line in result.resumed if line.startswith("relax")]
    assert len(relax_notes) == 3 and all(", 0 after)" in line for line in relax_notes)
