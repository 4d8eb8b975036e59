"""Barriers under bias: CHE/BEP shifts, constant-potential results, band sanity (by hand)."""

from __future__ import annotations

import pytest

from cudiss.analysis.barriers import (
    DIP_TOLERANCE_eV,
    ENDPOINT_MAX_TOLERANCE_eV,
    band_flags,
    barrier_flags,
    barrier_warning,
    barriers_at_potentials,
    shifted_barrier,
)
from cudiss.analysis.documents import ImageData
from cudiss.structures.errors import CudissInputError
from tests.helpers.documents import make_result


def test_shifted_barrier_by_hand():
    # dE‡ = 0.8, dE_rxn = 0.2, n = 1, U = -0.4, beta = 0.5:
    # dG_rxn = 0.2 - 0.4 = -0.2; dG‡ = 0.8 + 0.5 * (-0.4) = 0.6; reverse = 0.6 + 0.2 = 0.8
    assert shifted_barrier(0.8, 0.2, 1, -0.4) == pytest.approx((0.6, 0.8, -0.2))
    # beta = 0.3: 0.8 - 0.12 = 0.68
    assert shifted_barrier(0.8, 0.2, 1, -0.4, beta=0.3)[0] == pytest.approx(0.68)
    # floor at 0: 0.3 + 0.5 * (-1.0) = -0.2 -> 0; dG_rxn = 0.1 - 1.0 = -0.9
    assert shifted_barrier(0.3, 0.1, 1, -1.0)[0] == 0.0
    # floor at dG_rxn: oxidation n = -2 at U = -0.5: dG_rxn = 0.2 + 1.0 = 1.2 > 0.4 + 0.5
    fwd, rev, rxn = shifted_barrier(0.4, 0.2, -2, -0.5)
    assert (fwd, rev, rxn) == pytest.approx((1.2, 0.0, 1.2))
    # chemical step: dG‡ = dE‡ at every potential
    assert shifted_barrier(0.8, 0.2, 0, -1.0, reverse_barrier_eV=0.6) == (0.8, 0.6, 0.2)
    with pytest.raises(CudissInputError):
        shifted_barrier(0.8, 0.2, 1, 0.0, beta=1.5)


class _SJMResult:
    forward_barrier_eV = 0.55
    reverse_barrier_eV = 0.35
    reaction_energy_eV = 0.2
    electrons_transferred = 1
    electrode_potential_V_RHE = -0.6


def test_constant_potential_result_used_as_is():
    rows = barriers_at_potentials(_SJMResult(), [0.0, -0.5, -1.0])
    assert len(rows) == 1
    row = rows[0]
    assert (row.potential_V_RHE, row.forward_eV, row.method) == (-0.6, 0.55, "constant-potential")
    with pytest.raises(CudissInputError):
        barriers_at_potentials(_SJMResult(), [0.0], model="nope")


# ---------------------------------------------------------------- band sanity (by hand)
def _band(energies, **overrides):
    images = [
        ImageData(energy_eV=e, positions_A=[[0.0, 0.0, 0.0], [0.5 * k, 0.0, 2.0]])
        for k, e in enumerate(energies)
    ]
    e0 = energies[0]
    fields = {
        "images": images,
        "forward_barrier_eV": max(energies) - e0,
        "reverse_barrier_eV": max(energies) - energies[-1],
        "reaction_energy_eV": energies[-1] - e0,
    }
    return make_result(**{**fields, **overrides})


@pytest.mark.parametrize(
    ("energies", "flags"),
    [
        # interior maximum 0.2 <= final 0.5 + 0.005: the band climbs all the way
        ([0.0, 0.2, 0.5], ["max at endpoint (final)"]),
        # downhill all the way: the highest point is the initial state
        ([0.5, 0.2, 0.0], ["max at endpoint (initial)"]),
        # saddle at 0.3 (image 2); image 1 lies 0 - (-0.1) = 0.1 eV below the initial state
        ([0.0, -0.1, 0.3, 0.0], ["dips below initial by 0.100 eV"]),
        # saddle at 0.5 (image 1); image 3 lies -0.1 - (-0.2) = 0.1 eV below the final state
        ([0.0, 0.5, 0.3, -0.2, -0.1], ["dips below final by 0.100 eV"]),
        # both: uphill to the final state and a 0.05 eV dip on the way
        ([0.0, -0.05, 0.2, 0.5], ["max at endpoint (final)", "dips below initial by 0.050 eV"]),
        # thresholds: 4 meV above the end points is no saddle, 6 meV is one
        ([0.0, 0.004, 0.0], ["max at endpoint (final)"]),
        ([0.0, 0.006, 0.0], []),
        # a 9 meV dip is noise, an 11 meV dip is not
        ([0.0, -0.009, 0.3, 0.0], []),
        ([0.0, -0.011, 0.3, 0.0], ["dips below initial by 0.011 eV"]),
        # sound bands: endothermic, exothermic (descending below the start after the saddle)
        ([0.0, 0.4, 1.5, 1.2, 1.0], []),
        ([0.0, 0.3, -0.5, -0.9, -1.0], []),
    ],
)
def test_band_flags_by_hand(energies, flags):
    assert band_flags(energies) == flags
    # the same on a stored result, at any energy zero
    result = _band([-100.0 + e for e in energies])
    assert barrier_flags(result) == flags
    assert barrier_warning(result) == "; ".join(flags)


def test_barrier_flags_without_a_band():
    # no images (e.g. an old document): the barrier fields speak
    assert barrier_flags(make_result(images=[], reverse_barrier_eV=0.0)) == [
        "max at endpoint (final)"
    ]
    assert barrier_flags(make_result(images=[], forward_barrier_eV=0.002)) == [
        "max at endpoint (initial)"
    ]
    assert barrier_flags(make_result(images=[])) == []  # 0.8 / 0.5 eV: nothing to say
    failed = make_result(
        state="failed", images=[], forward_barrier_eV=None, reverse_barrier_eV=None
    )
    assert barrier_warning(failed) == ""
    assert band_flags([0.0, float("nan"), 0.0]) == []  # not judged
    assert ENDPOINT_MAX_TOLERANCE_eV == 0.005 and DIP_TOLERANCE_eV == 0.01


def test_hand_made_band_is_sound():
    # tests/helpers/documents.py: -100, -99.6, -99.2, -99.5, -99.7 (saddle 0.8 eV up)
    assert barrier_flags(make_result()) == []
