"""Figures of the removal landscape, span vs U and CO2ER diagrams, from hand-built frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cudiss.analysis.plots import (
    co2er_figure,
    landscape_figure,
    plot_co2er,
    plot_landscape,
    plot_span_vs_potential,
    span_figure,
)
from cudiss.structures.errors import CudissInputError
from tests.helpers.figures import png_size
from tests.helpers.mechanism_frames import co2er_frame, landscape_frame, summary_rows


def _visible(fig):
    return [ax for ax in fig.axes if ax.get_visible()]


def _lines(ax, width):
    return [ln for ln in ax.get_lines() if ln.get_linewidth() == pytest.approx(width)]


# ---------------------------------------------------------------- landscape
def test_landscape_states_bars_and_ts_peaks(tmp_path):
    # Config H: G1 = -0.1 + U; TS = G1 + 0.6; complex = G1 + 0.5; Cu2+ = 0.6 + 2U.
    # At U = -0.5: G1 = -0.6, TS = 0.0; at U = 0: G1 = -0.1, TS = 0.5.
    # Config bare (no state 1): TS = 0.9 at both potentials.
    table = landscape_frame(potentials=(-0.5, 0.0, 0.5))
    fig = landscape_figure(table, [-0.5, 0.0])
    ax_h, ax_bare = _visible(fig)  # in config_id order: "./H/." < "./bare/."
    assert ax_bare.get_title() == "Cu(100) adatom, bare"
    assert ax_h.get_title() == "Cu(100) adatom, H"
    assert [t.get_text() for t in ax_h.get_xticklabels()] == [
        "bare site",
        "H* on Cu",
        "lift TS",
        "Cu-H complex",
        "Cu$^{2+}$(aq) + vacancy",
    ]
    # States as bars (lw 2.8): 4 states x 2 potentials (H), 3 x 2 (bare).
    assert len(_lines(ax_h, 2.8)) == 8 and len(_lines(ax_bare, 2.8)) == 6
    peaks = sorted(float(ln.get_ydata()[0]) for ln in ax_h.get_lines() if ln.get_marker() == "^")
    assert peaks == pytest.approx([0.0, 0.5])
    # The two half-bumps of each peak (lw 1.6) top out at the TS, start and end on the states.
    bumps = _lines(ax_h, 1.6)
    assert len(bumps) == 4
    assert max(float(np.max(b.get_ydata())) for b in bumps) == pytest.approx(0.5)
    first = bumps[0]
    assert first.get_ydata()[0] == pytest.approx(-0.6)  # from "H* on Cu" at -0.5 V
    assert first.get_ydata()[-1] == pytest.approx(0.0)
    assert ax_h.get_ylabel() == "G (eV)"
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["U = −0.50 V vs RHE", "U = +0.00 V vs RHE"]
    assert "CHE" in fig.get_suptitle() and "pH 0" in fig.get_suptitle()
    out = plot_landscape(table, tmp_path / "land.png", [0.0], dpi=40)
    assert png_size(out)[0] > 200


def test_landscape_default_potentials_and_config_choice():
    table = landscape_frame(potentials=(-1.0, -0.1, 0.2, 0.5))
    fig = landscape_figure(table, configs=["demo/100/adatom/H/emt"])
    assert len(_visible(fig)) == 1
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    # Lowest, closest to 0, highest.
    assert legend == ["U = −1.00 V vs RHE", "U = −0.10 V vs RHE", "U = +0.50 V vs RHE"]


def test_landscape_point_without_g_keeps_its_place_and_says_why():
    # H route with no G at point 1 ("H* on Cu"): the TS stays at x = 2, its bump starts
    # at its own height (no state to its left), and the panel says why points are missing.
    table = landscape_frame(potentials=(0.0,))
    table["note"] = ""
    gap = (table["adsorbates"] == "H") & (table["point"] == 1)
    table.loc[gap, "G_eV"] = np.nan
    table.loc[table["adsorbates"] == "H", "note"] = "no bare configuration to pair"
    fig = landscape_figure(table, [0.0], configs=["demo/100/adatom/H/emt"])
    (ax,) = _visible(fig)
    (peak,) = [ln for ln in ax.get_lines() if ln.get_marker() == "^"]
    assert float(peak.get_xdata()[0]) == 2.0
    assert len(_lines(ax, 2.8)) == 3  # bare site, complex, Cu2+ + vacancy
    assert ax.texts and "no bare configuration to pair" in ax.texts[0].get_text()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"potentials": [-0.3]}, "not in the table's grid"),
        ({"configs": ["nope"]}, "no landscape for config_id 'nope'"),
        ({"pH": 7.0}, "no rows at pH 7"),
    ],
)
def test_landscape_refuses(kwargs, message):
    with pytest.raises(CudissInputError, match=message):
        landscape_figure(landscape_frame(), **kwargs)


def test_landscape_missing_columns():
    with pytest.raises(CudissInputError, match="lacks columns: kind"):
        landscape_figure(landscape_frame().drop(columns="kind"))


# ---------------------------------------------------------------- span vs U
def _summary() -> pd.DataFrame:
    # H route: open at -0.5 and -0.25 (span 0.6 <= 0.75, complex < 0), closed at 0 (complex > 0).
    # bare route: span 0.9 > 0.75 everywhere: never open.
    rows = summary_rows(
        ("100", "adatom", "H"),
        [(-0.5, 0.6, -0.1, True), (-0.25, 0.6, -0.05, True), (0.0, 0.6, 0.4, False)],
    )
    rows += summary_rows(
        ("100", "adatom", "bare"),
        [(-0.5, 0.9, 0.5, False), (-0.25, 0.9, 0.5, False), (0.0, 0.9, 0.5, False)],
    )
    return pd.DataFrame(rows)


def test_span_figure_threshold_open_markers_and_windows(tmp_path):
    fig = span_figure(_summary())
    ax_s, ax_c = _visible(fig)
    assert ax_s.get_xlabel() == ax_c.get_xlabel() == "U (V vs RHE)"
    assert ax_s.get_ylabel() == "energy span (eV)"
    assert "complex" in ax_c.get_ylabel() and "(eV)" in ax_c.get_ylabel()
    dashed = [ln for ln in ax_s.get_lines() if ln.get_linestyle() == "--"]
    assert [float(ln.get_ydata()[0]) for ln in dashed] == pytest.approx([0.75])
    filled = [
        len(ln.get_xdata())
        for ln in ax_s.get_lines()
        if ln.get_marker() not in ("None", "") and ln.get_markerfacecolor() != "white"
    ]
    assert sum(filled) == 2  # the two open points of the H route
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "Cu(100) adatom, H; open −0.50 to −0.25 V vs RHE" in legend
    assert "Cu(100) adatom, bare; never open" in legend
    assert "0.75 eV" in fig.get_suptitle()
    out = plot_span_vs_potential(_summary(), tmp_path / "span.svg", threshold_eV=0.5)
    assert out.stat().st_size > 1000


def test_span_figure_threshold_from_attrs():
    summary = _summary()
    summary.attrs["threshold_eV"] = 0.6
    ax_s = _visible(span_figure(summary))[0]
    dashed = [ln for ln in ax_s.get_lines() if ln.get_linestyle() == "--"]
    assert float(dashed[0].get_ydata()[0]) == pytest.approx(0.6)


def test_span_figure_nothing_finite():
    summary = _summary().assign(energy_span_eV=np.nan, dG_complex_eV=np.nan)
    with pytest.raises(CudissInputError, match="no finite energy span"):
        span_figure(summary)


# ---------------------------------------------------------------- CO2ER
def test_co2er_panels_limiting_potential_and_bold_step(tmp_path):
    # CO route: levels at 0 V: 0, 0.45, 0.15, 0.35; U_L = -0.45 V, PDS CO2 -> COOH* (step 0).
    # At U_L: 0, 0.45 - 0.45 = 0, 0 - 0.30 - 0.45 = -0.75, -0.75 + 0.20 (n = 0) = -0.55.
    fig = co2er_figure(co2er_frame(("100", "111")))
    axes = _visible(fig)
    assert len(axes) == 4  # 2 facets x 2 routes
    titles = [ax.get_title() for ax in axes]
    assert titles[0] == "Cu(100): CO$_2$ → CO(g)\n$U_\\mathrm{L}$ = −0.45 V\nPDS: CO2 → COOH*"
    assert titles[1] == "Cu(100): CO$_2$ → HCOOH(g)\n$U_\\mathrm{L}$ = −0.20 V\nPDS: CO2 → OCHO*"
    assert [t.get_text() for t in axes[0].get_xticklabels()] == [
        "CO$_2$(g)",
        "COOH*",
        "CO* + H2O",
        "CO(g)",
    ]
    ax = axes[0]
    levels = _lines(ax, 2.5)
    at_zero = [float(ln.get_ydata()[0]) for ln in levels if ln.get_linestyle() == "-"]
    at_ul = [float(ln.get_ydata()[0]) for ln in levels if ln.get_linestyle() == "--"]
    assert at_zero == pytest.approx([0.0, 0.45, 0.15, 0.35])
    assert at_ul == pytest.approx([0.0, 0.0, -0.75, -0.55])
    assert len(_lines(ax, 2.4)) == 2  # the PDS connector, once per staircase
    assert ax.get_ylabel() == "ΔG (eV)"
    out = plot_co2er(co2er_frame(), tmp_path / "co2er.png", dpi=40)
    assert png_size(out)[0] > 200


def test_co2er_panels_of_two_cells_of_one_facet_are_separate_rows():
    frame = pd.concat([co2er_frame().assign(cell="2x2"), co2er_frame().assign(cell="3x3")])
    titles = [ax.get_title() for ax in _visible(co2er_figure(frame))]
    assert len(titles) == 4  # 2 cells x 2 routes, not two staircases drawn on one panel
    assert titles[0].startswith("Cu(100): CO$_2$ → CO(g) [2x2]")
    assert titles[2].startswith("Cu(100): CO$_2$ → CO(g) [3x3]")


def test_co2er_refuses_missing_columns():
    with pytest.raises(CudissInputError, match="lacks columns: U_L_V_RHE"):
        co2er_figure(co2er_frame().drop(columns="U_L_V_RHE"))
