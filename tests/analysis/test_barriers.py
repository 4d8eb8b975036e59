"""Barriers under bias: CHE/BEP shifts and constant-potential results (by hand)."""

from __future__ import annotations

import pytest

from cudiss.analysis.barriers import barriers_at_potentials, shifted_barrier
from cudiss.structures.errors import CudissInputError


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
