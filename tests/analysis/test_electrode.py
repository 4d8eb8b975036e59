"""The absolute (SJM) potential scale against RHE and SHE, worked by hand."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cudiss.analysis.electrode import (
    SHE_ABSOLUTE_V,
    absolute_potential,
    potential_from_absolute,
)
from cudiss.structures.errors import CudissInputError


def test_she_zero_is_gpaws_4_4_volts() -> None:
    # GPAW's SJM documentation: 0 V vs SHE is "roughly 4.4" V as a work function
    assert SHE_ABSOLUTE_V == 4.4
    assert absolute_potential(0.0, "SHE") == pytest.approx(4.4)
    assert absolute_potential(-1.0, "she") == pytest.approx(3.4)


@pytest.mark.parametrize(
    ("u", "scale", "pH", "expected"),
    [
        (0.0, "RHE", 0.0, 4.4),  # RHE = SHE at pH 0
        # kT ln10/e at 298.15 K = 8.617333e-5 x 298.15 x 2.302585 = 0.059159 V
        (0.0, "RHE", 7.0, 4.4 - 7 * 0.059159),  # 3.98589
        (-0.5, "RHE", 7.0, 4.4 - 0.5 - 7 * 0.059159),  # 3.48589
        (-0.8, "RHE", 13.0, 4.4 - 0.8 - 13 * 0.059159),  # 2.83093
        (0.337, "SHE", 7.0, 4.737),  # pH does not enter an SHE potential
    ],
)
def test_absolute_potential_worked_by_hand(u, scale, pH, expected) -> None:
    assert absolute_potential(u, scale, pH) == pytest.approx(expected, abs=2e-5)


def test_another_she_reference_shifts_everything_by_the_difference() -> None:
    # IUPAC's 4.44 V (Trasatti 1986) instead of GPAW's 4.4 V
    assert absolute_potential(-0.5, "RHE", 7.0, she_absolute_V=4.44) == pytest.approx(
        absolute_potential(-0.5, "RHE", 7.0) + 0.04
    )


@given(
    u=st.floats(-3, 3),
    pH=st.floats(-1, 15),
    scale=st.sampled_from(["RHE", "SHE"]),
)
def test_the_two_conversions_are_inverse(u, pH, scale) -> None:
    back = potential_from_absolute(absolute_potential(u, scale, pH), scale, pH)
    assert back == pytest.approx(u, abs=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"potential_V": float("nan")}, "potential must be finite"),
        ({"potential_V": 0.0, "scale": "vacuum"}, "unknown potential scale"),
        ({"potential_V": "low"}, "potential must be a number"),
    ],
)
def test_bad_input_is_one_line(kwargs, message) -> None:
    with pytest.raises(CudissInputError, match=message):
        absolute_potential(**kwargs)
