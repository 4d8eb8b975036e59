"""The surface-state figure: exact lower envelope, crossing marks at hand-computed potentials."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cudiss.analysis.plots import (
    lower_envelope,
    plot_surface_state,
    surface_state_figure,
)
from cudiss.structures.errors import CudissInputError
from tests.helpers.figures import png_size
from tests.helpers.mechanism_frames import NERNST_V, surface_frame


def _crossing_marks(ax) -> list[float]:
    """x of the crossing markers (white-filled circles) of one panel."""
    return sorted(
        float(line.get_xdata()[0])
        for line in ax.get_lines()
        if line.get_marker() == "o" and line.get_markerfacecolor() == "white"
    )


def _labels(ax) -> list[str]:
    return sorted(t.get_text() for t in ax.texts)


def test_lower_envelope_crossings_between_grid_points():
    # bare 0, H* 0.1 + U, CO* 0.4 + 2U on a grid with only the two ends:
    # CO*/H*: 0.4 + 2U = 0.1 + U -> U = -0.3 (ΔG = -0.2); H*/bare: 0.1 + U = 0 -> U = -0.1.
    u = [-1.0, 1.0]
    curves = {"bare": [0.0, 0.0], "H*": [-0.9, 1.1], "CO*": [-1.6, 2.4]}
    segments, crossings = lower_envelope(u, curves)
    assert [s[0] for s in segments] == ["CO*", "H*", "bare"]
    assert [c.U_V for c in crossings] == pytest.approx([-0.3, -0.1])
    assert [c.dG_eV for c in crossings] == pytest.approx([-0.2, 0.0])
    assert [(c.from_state, c.to_state) for c in crossings] == [("CO*", "H*"), ("H*", "bare")]
    assert segments[0][1:] == pytest.approx((-1.0, -0.3))
    assert segments[-1][1:] == pytest.approx((-0.1, 1.0))


def test_lower_envelope_crossing_on_a_grid_point_and_nan():
    # H* = 0.2 + U crosses bare exactly on the grid point U = -0.2; NaN points are skipped.
    segments, crossings = lower_envelope(
        [-0.4, -0.2, 0.0], {"bare": [0.0, 0.0, 0.0], "H*": [-0.2, 0.0, 0.2], "X*": [np.nan] * 3}
    )
    assert [s[0] for s in segments] == ["H*", "bare"]
    assert [c.U_V for c in crossings] == pytest.approx([-0.2])


def test_surface_figure_marks_crossings_at_hand_computed_potentials(tmp_path):
    # Candidates (tests/helpers/mechanism_frames.CANDIDATES), ΔG vs U_RHE:
    # bare 0; H* 0.15 + U; OH* 0.45 - U; CO* 0.5 + 2U.
    # Envelope: CO* below H* for U < -0.35 (0.5 + 2U = 0.15 + U), H* below bare for
    # U < -0.15 (the H*/bare crossing is -ΔG_H*(0)/e), OH* below bare for U > 0.45.
    table = surface_frame(panels=[("100", "terrace"), ("111", "kink")])
    fig = surface_state_figure(table, coverage={"100": "θ = 0.25 ML"})
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert len(axes) == 2
    for ax in axes:
        assert _crossing_marks(ax) == pytest.approx([-0.35, -0.15, 0.45])
        assert _labels(ax) == ["+0.45 V", "−0.15 V", "−0.35 V"]
        assert ax.get_xlabel() == "U (V vs RHE)"
        assert "eV" in ax.get_ylabel()
        # 4 thin candidate lines + 3 bold envelope pieces (CO*, H*, bare, OH* = 4) + 3 marks
        # + 3 dotted verticals + the zero line.
        thin = [ln for ln in ax.get_lines() if ln.get_linewidth() == pytest.approx(1.2)]
        bold = [ln for ln in ax.get_lines() if ln.get_linewidth() == pytest.approx(3.6)]
        assert len(thin) == 4 and len(bold) == 4
    assert axes[0].get_title() == "Cu(100) terrace\nθ = 0.25 ML"
    assert axes[1].get_title() == "Cu(111) kink"
    assert "CHE" in fig.get_suptitle()
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend[:4] == ["bare", "CO*", "H*", "OH*"] and "most stable (bold)" in legend
    out = plot_surface_state(table, tmp_path / "surface.png", dpi=50)
    assert png_size(out)[0] > 300 and out.stat().st_size > 1000


def test_surface_figure_she_scale_one_set_of_lines_per_ph():
    # On SHE at pH 7, U_RHE = U_SHE + 0.05916 x 7 = U_SHE + 0.4141: every crossing moves by
    # -0.4141 V (H*/bare at -0.15 - 0.4141 = -0.5641 V).
    table = surface_frame(
        potentials=np.round(np.linspace(-1.2, 1.0, 12), 3), pHs=(0.0, 7.0), scale="SHE"
    )
    fig = surface_state_figure(table)
    (ax,) = [ax for ax in fig.axes if ax.get_visible()]
    shift = NERNST_V * 7.0
    expected = sorted([-0.35, -0.15, 0.45] + [u - shift for u in (-0.35, -0.15, 0.45)])
    assert _crossing_marks(ax) == pytest.approx(expected, abs=1e-9)
    assert ax.get_xlabel() == "U (V vs SHE)"
    assert any("(pH 7)" in t for t in _labels(ax))
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "pH 0" in legend and "pH 7" in legend


def test_surface_figure_rhe_several_ph_says_lines_do_not_move():
    table = surface_frame(pHs=(0.0, 13.0))
    fig = surface_state_figure(table)
    (ax,) = [ax for ax in fig.axes if ax.get_visible()]
    assert _crossing_marks(ax) == pytest.approx([-0.35, -0.15, 0.45])
    assert "do not depend on pH" in fig.get_suptitle()


def test_close_crossing_labels_do_not_overlap(tmp_path):
    # Two crossings 0.02 V apart: H* = 0.15 + U leaves the envelope at -0.15 V, OH* = -0.13 - U
    # enters it at -0.13 V (bare between); their labels go on both sides of the lines.
    table = surface_frame(candidates={"bare": (0.0, 0), "H*": (0.15, 1), "OH*": (-0.13, -1)})
    fig = surface_state_figure(table)
    (ax,) = [ax for ax in fig.axes if ax.get_visible()]
    fig.canvas.draw()
    boxes = [t.get_window_extent() for t in ax.texts]
    assert len(boxes) == 2 and not boxes[0].overlaps(boxes[1])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.drop(columns="dG_eV"), "lacks columns: dG_eV"),
        (lambda t: t.assign(dG_eV=np.nan), "no finite"),
    ],
)
def test_surface_figure_refuses_bad_tables(change, message):
    with pytest.raises(CudissInputError, match=message):
        surface_state_figure(change(surface_frame()))


def test_plot_surface_state_checks_suffix_first(tmp_path):
    with pytest.raises(CudissInputError, match=r"\.png or \.svg"):
        plot_surface_state(surface_frame(), tmp_path / "s.pdf")
    assert not list(tmp_path.iterdir())


def test_surface_figure_coverage_column_and_one_panel_per_calculator():
    # Two calculators on the same facet/site are two panels, not one merged set of lines.
    table = surface_frame()
    table["coverage_ML"] = np.where(table["candidate"] == "bare", 0.0, 0.25)
    both = pd.concat([table.assign(calculator="emt"), table.assign(calculator="gpaw:test")])
    fig = surface_state_figure(both)
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    assert titles == [
        "Cu(100) terrace [emt]\nθ = 0.25 ML",
        "Cu(100) terrace [gpaw:test]\nθ = 0.25 ML",
    ]
