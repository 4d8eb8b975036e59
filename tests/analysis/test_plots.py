"""Figures: NEB profiles, free-energy diagrams, barriers vs potential (PNG and SVG)."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from cudiss.analysis.che import ReactionStep
from cudiss.analysis.documents import ImageData
from cudiss.analysis.plots import (
    MAX_DPI,
    MIN_DPI,
    barriers_figure,
    free_energy_figure,
    neb_profiles_figure,
    plot_barriers_vs_potential,
    plot_free_energy_diagram,
    plot_neb_profiles,
    series_style,
)
from cudiss.analysis.tables import barrier_table
from cudiss.structures.errors import CudissInputError
from tests.helpers.documents import make_result
from tests.helpers.figures import png_size


def test_neb_profile_png_and_svg(toy_results, tmp_path):
    png = plot_neb_profiles(toy_results, tmp_path / "neb.png", figsize=(6.0, 4.0), dpi=50)
    assert png_size(png) == (300, 200)
    assert png.stat().st_size > 1000
    svg = plot_neb_profiles(toy_results[0], tmp_path / "neb.svg", figsize=(6.0, 4.0))
    root = ET.parse(svg).getroot()
    assert root.get("width") == "432pt" and root.get("height") == "288pt"  # 72 pt per inch
    assert len(root.findall(".//{http://www.w3.org/2000/svg}path")) > 5
    with pytest.raises(CudissInputError):
        plot_neb_profiles(toy_results[1], tmp_path / "none.png")  # failed run: no band
    with pytest.raises(CudissInputError):
        plot_neb_profiles(toy_results, tmp_path / "neb.pdf")


def test_neb_profile_without_forces_uses_spline(tmp_path):
    res = make_result()
    for img in res.images:
        img.forces_eVA = None
    out = plot_neb_profiles(res, tmp_path / "n.png", figsize=(4, 3), dpi=100)
    assert png_size(out) == (400, 300)


def test_free_energy_diagram_and_barriers_vs_potential(toy_results, tmp_path):
    steps = [ReactionStep("*COOH", 0.4, 1), ReactionStep("*CO", -0.1, 1)]
    fed = plot_free_energy_diagram(steps, tmp_path / "fed.png", [0.0, -0.4], dpi=80)
    assert png_size(fed) == (512, 384)  # default 6.4 x 4.8 in
    df = barrier_table(toy_results, np.linspace(-1.0, 0.5, 7))
    bars = plot_barriers_vs_potential(df, tmp_path / "bars.svg")
    assert bars.stat().st_size > 1000


def test_figures_from_emt_campaign(emt_campaign_results, tmp_path):
    # Real EMT campaign results (fixture from tests/conftest.py).
    ok = [r for r in emt_campaign_results if len(r.images) >= 2]
    assert ok
    neb = plot_neb_profiles(ok, tmp_path / "campaign_neb.png", figsize=(6, 4), dpi=100)
    assert png_size(neb) == (600, 400)
    df = barrier_table(emt_campaign_results, [-1.0, -0.5, 0.0, 0.5])
    assert len(df) == 4 * len(emt_campaign_results)
    assert all(math.isfinite(v) for v in df[df["state"] == "successful"]["dE_forward_eV"])
    bars = plot_barriers_vs_potential(df, tmp_path / "campaign_bars.png", dpi=50)
    assert png_size(bars) == (500, 200)


# ---------------------------------------------------------------- what a reader sees
def _many_results(n: int) -> list:
    """``n`` configurations with distinct saddles (0.3 + 0.04 k eV), half of them bare."""
    facets = ["111", "100", "110", "211", "311", "331"]
    out = []
    for k in range(n):
        top = 0.3 + 0.04 * k
        energies = [-100.0, -100.0 + 0.5 * top, -100.0 + top, -100.0 + 0.5 * top, -100.0]
        images = [
            ImageData(energy_eV=e, positions_A=[[0.0, 0.0, 0.0], [0.5 * i, 0.0, 2.0]])
            for i, e in enumerate(energies)
        ]
        out.append(
            make_result(
                config_id=f"c/{facets[k % 6]}/kink/{k}/emt",
                facet=facets[k % 6],
                adsorbates=[] if k % 2 == 0 else [f"X{k}"],
                images=images,
                forward_barrier_eV=top,
                reverse_barrier_eV=top,
                reaction_energy_eV=0.0,
            )
        )
    return out


def _style(line) -> tuple:
    return (line.get_color(), line.get_linestyle(), line.get_marker())


def _draw(fig):
    """Lay the figure out as savefig does (constrained layout) and return the renderer."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


def _assert_legend_outside_axes(fig):
    renderer = _draw(fig)
    (legend,) = fig.legends
    box = legend.get_window_extent(renderer)
    for ax in fig.axes:
        assert not box.overlaps(ax.get_window_extent(renderer)), "legend covers an axes"
    assert fig.bbox.contains(box.x0, box.y0) and fig.bbox.contains(box.x1 - 1, box.y1 - 1)
    return legend


def test_series_styles_are_distinct_beyond_ten():
    styles = [tuple(series_style(k).values()) for k in range(30)]
    assert len(set(styles)) == 30
    assert len({(c, ls) for c, ls, _ in styles}) == 30  # colour and line alone differ too
    assert series_style(0)["linestyle"] != series_style(10)["linestyle"]


def test_neb_figure_with_30_series(tmp_path):
    results = _many_results(30)
    fig = neb_profiles_figure(results)
    (ax,) = fig.axes
    fits = [line for line in ax.lines if line.get_marker() in ("None", "", None)]
    fits = [line for line in fits if len(line.get_xdata()) > 2]  # not the zero line
    assert len(fits) == 30
    assert len({(line.get_color(), line.get_linestyle()) for line in fits}) == 30
    legend = _assert_legend_outside_axes(fig)
    handles = legend.legend_handles
    assert len(handles) == 30 and len({_style(h) for h in handles}) == 30
    assert ax.get_xlabel() == "reaction coordinate (Å)" and "(eV)" in ax.get_ylabel()
    plot_neb_profiles(results, tmp_path / "neb30.png", dpi=50)


def test_neb_figure_names_a_flagged_band():
    uphill = make_result(
        images=[
            ImageData(energy_eV=e, positions_A=[[0.0, 0.0, 0.0], [0.5 * k, 0.0, 2.0]])
            for k, e in enumerate([-100.0, -99.8, -99.5])
        ],
        forward_barrier_eV=0.5,
        reverse_barrier_eV=0.0,
    )
    fig = neb_profiles_figure(uphill)
    assert "max at endpoint (final)" in fig.axes[0].get_title()
    assert "[emt]" in fig.axes[0].get_title()


def test_barriers_figure_scale_label_and_conditions(toy_results):
    df = barrier_table(toy_results, np.linspace(-1.0, 0.5, 7), scale="SHE", pH=7.0, activity=1e-4)
    fig = barriers_figure(df, scale="SHE")
    ax_b, ax_d = fig.axes
    assert ax_b.get_xlabel() == ax_d.get_xlabel() == "U (V vs SHE)"
    # the x data are the SHE potentials asked for, not their RHE values
    assert min(ax_b.lines[0].get_xdata()) == pytest.approx(-1.0)
    assert "pH 7" in ax_d.get_title() and "$10^{-4}$" in ax_d.get_title()
    assert "β = 0.5" in ax_b.get_title() and "pH 7" in ax_b.get_title()
    rhe = barriers_figure(df)
    assert rhe.axes[0].get_xlabel() == "U (V vs RHE)"
    assert min(rhe.axes[0].lines[0].get_xdata()) == pytest.approx(-1.0 + 7 * 0.0591593, abs=1e-5)
    _assert_legend_outside_axes(fig)


def test_barriers_figure_30_configurations_keep_their_style_in_both_panels():
    df = barrier_table(_many_results(30), np.linspace(-1.0, 0.5, 16))
    fig = barriers_figure(df)
    ax_b, ax_d = fig.axes
    assert len(ax_b.lines) == 30 and len({_style(line) for line in ax_b.lines}) == 30
    bare = [line for line in ax_d.lines if len(line.get_xdata()) > 2]  # not the zero line
    assert len(bare) == 15  # dissolution for bare sites only
    assert {_style(line) for line in bare} <= {_style(line) for line in ax_b.lines}
    legend = _assert_legend_outside_axes(fig)
    assert len(legend.legend_handles) == 30
    assert legend.get_title().get_text() == "calculator: emt"


def test_free_energy_diagram_marks_the_limiting_step():
    # U_L = -max(0.4, -0.1)/e = -0.40 V vs RHE; the limiting step is *COOH (step 0)
    steps = [ReactionStep("*COOH", 0.4, 1), ReactionStep("*CO", -0.1, 1)]
    fig = free_energy_figure(steps, [0.0, -0.5])
    (ax,) = fig.axes
    title = fig.get_suptitle()
    assert "$U_\\mathrm{L}$ = −0.40 V vs RHE" in title and "*COOH" in title
    assert ax.get_xlabel() and ax.get_ylabel() == "ΔG (eV)"
    # the connector of the limiting step (level 0 -> 1) is bold in both staircases
    connectors = [line for line in ax.lines if line.get_xdata()[0] != line.get_xdata()[1] - 0.6]
    bold = [line for line in connectors if line.get_linewidth() > 2]
    assert len(bold) == 2 and all(line.get_xdata()[0] == pytest.approx(0.6) for line in bold)
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels[:2] == ["U = −0.50 V vs RHE", "U = +0.00 V vs RHE"]
    assert labels[2].startswith("limiting step (bold): *COOH")
    _assert_legend_outside_axes(fig)
    # on the SHE scale at pH 7: -0.40 - 7 x 0.0592 = -0.81 V vs SHE, potentials labelled SHE
    she = free_energy_figure(steps, [0.0], scale="SHE", pH=7.0)
    assert "−0.81 V vs SHE at pH 7" in she.get_suptitle()
    assert fig.legends[0].get_texts()[0].get_text().endswith("RHE")
    assert she.legends[0].get_texts()[0].get_text() == "U = +0.00 V vs SHE"


def test_free_energy_diagram_of_an_oxidation():
    # Cu -> CuOH* (0.3 eV, 1 e- out), CuOH* -> Cu2+ (0.5 eV, 1 e- out): both downhill
    # from U = max(0.3, 0.5) = +0.50 V vs RHE; the second step limits
    steps = [ReactionStep("CuOH*", 0.3, -1), ReactionStep("Cu2+(aq)", 0.5, -1)]
    title = free_energy_figure(steps, [0.0]).get_suptitle()
    assert "+0.50 V vs RHE" in title and "Cu2+(aq) (oxidation)" in title
    # only chemical steps: nothing to limit, no U_L
    chemical = free_energy_figure([ReactionStep("hop", 0.2, 0)], [0.0])
    assert "U_" not in chemical.get_suptitle()


@pytest.mark.parametrize("dpi", [0, -5, MIN_DPI - 1, MAX_DPI + 1, 10**6])
def test_absurd_dpi_is_refused_before_anything_is_written(toy_results, tmp_path, dpi):
    with pytest.raises(CudissInputError, match=f"from {MIN_DPI} to {MAX_DPI}, got {dpi}"):
        plot_neb_profiles(toy_results, tmp_path / "n.png", dpi=dpi)
    assert not list(tmp_path.iterdir())
