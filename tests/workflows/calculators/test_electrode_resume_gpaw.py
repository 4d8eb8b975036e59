"""A constant-potential (GPAW SJM) relaxation killed with SIGKILL resumes where it stopped.

Cu(111) 1x1x3 at -1.0 V vs SHE (above this cell's potential of zero charge),
FD h 0.25, its top atom started 0.05 Å too high (tests/helpers/resume_worker.py,
code ``sjm``). Run once uninterrupted, once killed at a random step, then again
on the killed run's checkpoints: the resumed run must start its potential
search from the electron count the killed run had reached (not from the
spec's 0 e), and end where the uninterrupted run ended.
"""

from __future__ import annotations

import pytest

from tests.helpers.resume import finish, kill_at_random_step, reference_run, start_worker

pytestmark = pytest.mark.gpaw

# Two runs may stop anywhere within the potential tolerance (0.02 V): Ω = E - μN
# then differs by up to N·ΔU = 0.09 e x 0.04 V (3.6 meV), N by 0.04 V / 5.2 V/e.
# Both are far below what the 0.05 Å relaxation itself changes (~60 meV, 0.09 e).
ENERGY_TOLERANCE_EV = 0.004
ELECTRON_TOLERANCE = 0.01


def test_an_sjm_relaxation_resumes_after_sigkill(tmp_path):
    reference = reference_run("sjm", "relax", tmp_path)
    assert reference["steps"] >= 2 and not reference["resume"]
    assert reference["started_from_electrons"] is None
    electrode = reference["electrode"]
    assert abs(electrode["potential_V"] - electrode["target_V"]) <= electrode["tolerance_V"]
    # above the potential of zero charge (3.15 V at h 0.2; lower on this h 0.25
    # grid): electrons removed, |N| = ΔU / 5.2 V per electron, ΔU < 0.8 V
    assert -0.15 < electrode["excess_electrons"] < -0.02

    folder, saved = kill_at_random_step("sjm", "relax", tmp_path, reference)
    out = tmp_path / "resumed.json"
    resumed = finish(start_worker("sjm", "relax", folder, out), out)
    (note,) = resumed["resume"]
    assert f"at step {saved} ({saved} steps before the interruption" in note
    # the killed run had left the neutral guess behind; the resume starts from there
    # (the count moves with the top atom during the relaxation: within 0.05 e here)
    assert resumed["started_from_electrons"] == pytest.approx(
        electrode["excess_electrons"], abs=0.05
    )
    assert resumed["started_from_electrons"] < -0.01
    assert resumed["energy"] == pytest.approx(reference["energy"], abs=ENERGY_TOLERANCE_EV)
    got = resumed["electrode"]
    assert abs(got["potential_V"] - got["target_V"]) <= got["tolerance_V"]
    assert got["excess_electrons"] == pytest.approx(
        electrode["excess_electrons"], abs=ELECTRON_TOLERANCE
    )
