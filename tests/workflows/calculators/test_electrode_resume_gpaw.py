"""A constant-potential (GPAW SJM) relaxation killed with SIGKILL resumes where it stopped.

Cu(111) 1x1x3 at -1.0 V vs SHE (0.25 V above this cell's potential of zero
charge), its top atom started 0.1 Å too high (tests/helpers/resume_worker.py,
code ``sjm``). Run once uninterrupted, once killed at a random step, then again
on the killed run's checkpoints: the resumed run must start its potential
search from the electron count the killed run had reached (not from the
spec's 0 e), and end where the uninterrupted run ended.
"""

from __future__ import annotations

import pytest

from tests.helpers.resume import finish, kill_at_random_step, reference_run, start_worker

pytestmark = pytest.mark.gpaw

# Ω = E - μN moves by about N·ΔU within the potential tolerance (0.05 e x 0.01 V)
# and by SCF noise; 2 meV is far below the 0.1 Å relaxation's own energy change.
ENERGY_TOLERANCE_EV = 0.002
ELECTRON_TOLERANCE = 0.005  # e: |ΔU| <= 0.01 V at dU/dN = -5.2 V/e is 0.002 e


def test_an_sjm_relaxation_resumes_after_sigkill(tmp_path):
    reference = reference_run("sjm", "relax", tmp_path)
    assert reference["steps"] >= 2 and not reference["resume"]
    assert reference["started_from_electrons"] is None
    electrode = reference["electrode"]
    assert abs(electrode["potential_V"] - electrode["target_V"]) <= electrode["tolerance_V"]
    # above the PZC: electrons removed, about 0.25 V / 5.2 V per electron
    assert -0.08 < electrode["excess_electrons"] < -0.02

    folder, saved = kill_at_random_step("sjm", "relax", tmp_path, reference)
    out = tmp_path / "resumed.json"
    resumed = finish(start_worker("sjm", "relax", folder, out), out)
    (note,) = resumed["resume"]
    assert f"at step {saved} ({saved} steps before the interruption" in note
    # the killed run had left the neutral guess behind; the resume starts from there
    assert resumed["started_from_electrons"] == pytest.approx(
        electrode["excess_electrons"], abs=0.02
    )
    assert resumed["started_from_electrons"] < -0.01
    assert resumed["energy"] == pytest.approx(reference["energy"], abs=ENERGY_TOLERANCE_EV)
    got = resumed["electrode"]
    assert abs(got["potential_V"] - got["target_V"]) <= got["tolerance_V"]
    assert got["excess_electrons"] == pytest.approx(
        electrode["excess_electrons"], abs=ELECTRON_TOLERANCE
    )
