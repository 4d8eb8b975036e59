"""Thermochemistry: gas-phase and adsorbate free-energy corrections (by hand)."""

from __future__ import annotations

import pytest

from cudiss.analysis.thermo import (
    LITERATURE_GAS_CORRECTIONS,
    adsorbate_correction,
    gas_free_energy,
)
from cudiss.structures.errors import CudissInputError

KT = 8.617333262e-5 * 298.15  # eV


def test_literature_gas_corrections():
    h2 = LITERATURE_GAS_CORRECTIONS["H2"]
    assert (h2.zpe_eV, h2.ts_eV) == (0.27, 0.41)
    h2o = LITERATURE_GAS_CORRECTIONS["H2O"]
    assert (h2o.zpe_eV, h2o.ts_eV) == (0.56, 0.67)
    # G(H2) = E + 0.27 + 3.5 kT - 0.41
    assert gas_free_energy("H2", -6.77) == pytest.approx(-6.77 + 0.27 + 3.5 * KT - 0.41)
    # the CO2 correction is opt-in and only touches CO2
    base = gas_free_energy("CO2", -23.0)
    assert gas_free_energy("CO2", -23.0, co2_correction_eV=0.45) == pytest.approx(base + 0.45)
    assert gas_free_energy("CO", -14.0, co2_correction_eV=0.45) == gas_free_energy("CO", -14.0)
    with pytest.raises(CudissInputError):
        gas_free_energy("N2", -16.0)


def test_adsorbate_zpe_by_hand():
    # ZPE = sum(h nu / 2): (2000 + 300 + 300) cm^-1 / 2 * 1.23984e-4 eV/cm^-1 = 0.16118 eV
    corr = adsorbate_correction([2000.0, 300.0, 300.0])
    assert corr.zpe_eV == pytest.approx(1300 * 1.239842e-4, rel=1e-4)
    assert corr.ts_eV > 0 and corr.correction_eV == pytest.approx(
        corr.zpe_eV + corr.cp_integral_eV - corr.ts_eV
    )
    with pytest.raises(CudissInputError):
        adsorbate_correction([2000.0, -150.0])
