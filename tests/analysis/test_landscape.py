"""Removal landscapes: points, energy span, open routes, windows, easiest route (by hand)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from cudiss.analysis.documents import CalculatorInfo
from cudiss.analysis.landscape import energy_span, landscape_summary, landscape_table
from cudiss.analysis.mechanism_documents import GasResult
from cudiss.structures.errors import CudissInputError
from tests.helpers.documents import make_result

# Gas energies with G round after the literature corrections (see test_adsorption):
# G(H2) = -7.0, G(H2O) = -14.0, G(CO2) = -23.0 -> reservoirs of CO*: -23 + 14 - 7 = -16.0
E_GAS = {"H2": -7.0 + 0.0500752, "H2O": -14.0 + 0.0072288, "CO2": -23.0 + 0.2600752}
GRID = [-0.4, -0.2, 0.0, 0.2]


def gases():
    return [
        GasResult(
            gas_id=f"gas/{n}",
            name=n,
            state="successful",
            energy_eV=e,
            geometry="linear",
            symmetry_number=2,
            calculator=CalculatorInfo(code="emt"),
        )
        for n, e in E_GAS.items()
    ]


def bare(**kw):
    # bare kink: slab -100.0, vacancy -96.0, mu_Cu -3.7 -> E_removal = -96 + 100 - 3.7 = 0.3
    # lift: dE‡ 1.2, dE_rxn 0.9
    base = {"forward_barrier_eV": 1.2, "reaction_energy_eV": 0.9, "vacancy_energy_eV": -96.0}
    return make_result(bulk_energy_per_atom_eV=-3.7, **(base | kw))


def co_route(**kw):
    # CO on the kink Cu: E_IS = -116.31 -> G1(0) = -116.31 + 100.0 + 16.0 = -0.31 (±1e-6)
    # lift: dE‡ 0.6, dE_rxn 0.3
    base = {
        "config_id": "camp/111/kink/CO/emt",
        "adsorbates": ["CO"],
        "slab_energy_eV": -116.31,
        "vacancy_energy_eV": -96.0,
        "forward_barrier_eV": 0.6,
        "reaction_energy_eV": 0.3,
    }
    return make_result(bulk_energy_per_atom_eV=-3.7, **(base | kw))


def table(removals, **kw):
    return landscape_table(removals, gases(), GRID, **({"activity": 1.0} | kw))


def G(df, config, u, point):
    sel = df[(df["config_id"] == config) & (df["U_V_RHE"] == u) & (df["point"] == point)]
    assert len(sel) == 1
    return sel["G_eV"].iloc[0]


# ------------------------------------------------------------ energy span
@pytest.mark.parametrize(
    ("G", "expected"),
    [
        ([0.0, -0.3, 0.5, 0.1, -0.2], (0.8, 1, 2)),  # 0.5 - (-0.3)
        ([0.0, 0.4, -0.5, 0.2], (0.7, 2, 3)),  # 0.4 - 0 = 0.4 < 0.2 - (-0.5) = 0.7
        ([0.0, -1.0, -2.0], (-1.0, 0, 1)),  # all downhill: the least negative step
        ([0.0, 1.2, 0.9], (1.2, 0, 1)),
    ],
)
def test_energy_span_by_hand(G, expected):
    span, j, k = energy_span(G)
    assert (round(span, 9), j, k) == expected


def test_energy_span_edge_cases():
    assert math.isnan(energy_span([0.0, float("nan")])[0])
    with pytest.raises(CudissInputError):
        energy_span([0.0])


# ------------------------------------------------------------ landscape
def test_points_by_hand():
    df = table([bare(), co_route()])
    cid = "camp/111/kink/CO/emt"
    for u in GRID:
        g1 = -0.31 + 2 * u  # n = 2 pairs: shifts by exactly 2 e U
        assert G(df, cid, u, 0) == 0.0
        assert G(df, cid, u, 1) == pytest.approx(g1, abs=1e-6)
        assert G(df, cid, u, 1) - G(df, cid, 0.0, 1) == pytest.approx(2 * u, abs=1e-12)
        assert G(df, cid, u, 2) == pytest.approx(g1 + 0.6, abs=1e-6)  # + dE‡
        assert G(df, cid, u, 3) == pytest.approx(g1 + 0.3, abs=1e-6)  # + dE_rxn
        # dissolution of the bare site, pH 0, a = 1: 0.3 + 2 x 0.337 - 2U = 0.974 - 2U
        assert G(df, cid, u, 4) == pytest.approx(0.974 - 2 * u, abs=1e-9)
        assert G(df, "camp/111/kink/bare/emt", u, 4) == pytest.approx(0.974 - 2 * u, abs=1e-9)
    pts = df[(df["config_id"] == cid) & (df["U_V_RHE"] == 0.0)]
    assert pts["point_name"].tolist() == [
        "bare site", "CO* on Cu", "lift TS", "Cu-CO complex", "Cu2+(aq) + vacancy",
    ]  # fmt: skip
    assert pts["kind"].tolist() == ["state", "state", "ts", "state", "state"]
    bare_pts = df[(df["config_id"] == "camp/111/kink/bare/emt") & (df["U_V_RHE"] == 0.0)]
    assert bare_pts["point"].tolist() == [0, 2, 3, 4]  # no adsorbate state
    assert bare_pts["G_eV"].tolist()[:3] == [0.0, 1.2, 0.9]


def test_complex_vibrations():
    # identical initial and complex modes: corr(final) - corr(initial) = 0, so G3 - G1 = dE_rxn
    modes = [2000.0, 300.0, 300.0]
    df = table([bare(), co_route(initial_frequencies_cm=modes, final_frequencies_cm=modes)])
    cid = "camp/111/kink/CO/emt"
    assert G(df, cid, 0.0, 3) - G(df, cid, 0.0, 1) == pytest.approx(0.3, abs=1e-12)
    assert G(df, cid, 0.0, 1) > -0.31 + 0.1  # + ZPE of CO* (> 0.1 eV)
    vib = df[(df["config_id"] == cid) & (df["point"] == 3)]["vibrations_source"].iloc[0]
    assert vib == "harmonic initial and complex"


def test_missing_bare_partner_gives_nan_with_note():
    df = table([co_route()])
    row = df[(df["point"] == 1)].iloc[0]
    assert math.isnan(row["G_eV"]) and "no bare configuration" in row["note"]


def test_approximations_and_sources():
    df = table([bare(), co_route()])
    text = " ".join(df.attrs["approximations"])
    for word in ("CHE", "harmonic", "ideal gases", "coverage", "zero-charge", "no ZPE"):
        assert word in text
    assert {"vibrations_source", "gas_source"} <= set(df.columns)


@pytest.mark.parametrize("kw", [{"pH": 16}, {"activity": 0.0}, {"scale": "x"}])
def test_bad_inputs(kw):
    with pytest.raises(CudissInputError) as err:
        table([bare()], **kw)
    assert "\n" not in str(err.value)
    with pytest.raises(CudissInputError):
        landscape_table([], gases(), GRID)


# ------------------------------------------------------------ summary
def test_summary_open_window_easiest():
    summ = landscape_summary(table([bare(), co_route()]))
    co = summ[summ["adsorbates"] == "CO"].set_index("U_V_RHE")
    # U = 0: [0, -0.31, 0.29, -0.01]: span 0.29 + 0.31 = 0.6 (CO* -> TS); G3 < 0: open
    assert co.loc[0.0, "energy_span_eV"] == pytest.approx(0.6, abs=1e-6)
    assert (co.loc[0.0, "span_from"], co.loc[0.0, "span_to"]) == ("CO* on Cu", "lift TS")
    # U = +0.2: [0, 0.09, 0.69, 0.39]: span 0.69 (bare -> TS); G3 = 0.39 > 0: closed
    assert co.loc[0.2, "energy_span_eV"] == pytest.approx(0.69, abs=1e-6)
    assert co.loc[0.2, "span_from"] == "bare site"
    assert co["open"].tolist() == [True, True, True, False]  # U = -0.4, -0.2, 0.0, 0.2
    # G3 = G1 + 0.3 = -0.31 + 2U + 0.3 = -0.01 + 2U
    assert co["dG_complex_eV"].tolist() == pytest.approx([-0.81, -0.41, -0.01, 0.39], abs=1e-6)
    assert co["dG_dissolution_eV"].tolist() == pytest.approx([1.774, 1.374, 0.974, 0.574])
    # window: lowest and highest grid potential where open
    assert set(co["window_low_V_RHE"]) == {-0.4} and set(co["window_high_V_RHE"]) == {0.0}
    # bare: [0, 1.2, 0.9] -> span 1.2 > 0.75 and G3 = 0.9 > 0: never open, no window
    b = summ[summ["adsorbates"] == "bare"]
    assert not b["open"].any() and b["window_low_V_RHE"].isna().all()
    assert b["energy_span_eV"].tolist() == pytest.approx([1.2] * 4)
    # easiest route of the kink at every U: CO (span 0.6-0.69 < 1.2)
    assert co["easiest"].all() and not b["easiest"].any()


def test_summary_threshold_and_dissolution_option():
    df = table([bare(), co_route()])
    strict = landscape_summary(df, threshold_eV=0.5)  # span 0.6 > 0.5: never open
    assert not strict["open"].any() and strict["window_low_V_RHE"].isna().all()
    # span through point 4 at U = 0: [0, -0.31, 0.29, -0.01, 0.974] -> 0.974 + 0.31 = 1.284
    full = landscape_summary(df, through_dissolution=True)
    row = full[(full["adsorbates"] == "CO") & (full["U_V_RHE"] == 0.0)].iloc[0]
    assert row["energy_span_eV"] == pytest.approx(1.284, abs=1e-6)
    assert row["span_to"] == "Cu2+(aq) + vacancy"
    with pytest.raises(CudissInputError):
        landscape_summary(df, threshold_eV=0.0)
    with pytest.raises(CudissInputError, match="not a landscape table"):
        landscape_summary(pd.DataFrame({"a": [1]}))


def test_failed_neb_keeps_the_formation_point():
    # a failed lift: no barrier -> points 2 and 3 NaN; point 1 (CO* formation) still -0.31 + 2U
    failed = co_route(state="failed", forward_barrier_eV=None, reaction_energy_eV=None)
    df = table([bare(), failed])
    cid = "camp/111/kink/CO/emt"
    assert G(df, cid, 0.0, 1) == pytest.approx(-0.31, abs=1e-6)
    assert math.isnan(G(df, cid, 0.0, 2)) and math.isnan(G(df, cid, 0.0, 3))
    summ = landscape_summary(df)
    co = summ[summ["config_id"] == cid]
    assert co["energy_span_eV"].isna().all() and not co["open"].any()
    assert not co["easiest"].any()  # the bare route (span 1.2) is the only one with a span
