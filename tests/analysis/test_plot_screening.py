"""Every figure that draws numbers of a machine-learned potential says so; DFT/EMT figures don't.

Each figure is built from small in-memory inputs (hand-made results and the
frames of :mod:`tests.helpers.mechanism_frames`) with an MLIP calculator, and
its text (suptitle, axes titles, texts, legends) is read back.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from cudiss.analysis.che import ReactionStep
from cudiss.analysis.documents import CalculatorInfo
from cudiss.analysis.methods import MLIP_LABEL, MLIP_NOTE, screening_label
from cudiss.analysis.plots import (
    barriers_figure,
    co2er_figure,
    free_energy_figure,
    landscape_figure,
    mark_screening,
    neb_profiles_figure,
    plot_co2er,
    plot_neb_profiles,
    span_figure,
    surface_state_figure,
)
from cudiss.analysis.tables import barrier_table
from tests.helpers.documents import make_result
from tests.helpers.figures import png_size
from tests.helpers.mechanism_frames import co2er_frame, landscape_frame, summary_rows, surface_frame

SEVENNET = "sevennet (MLIP screening, not DFT)"
GRID = np.linspace(-1.0, 0.5, 4)
STEPS = [ReactionStep("*COOH", 0.4, 1), ReactionStep("*CO", -0.1, 1)]


def _result(code: str, preset: str | None = None, **overrides):
    label = f"{code}:{preset}" if preset else code
    return make_result(
        config_id=f"camp/111/kink/bare/{label}",
        calculator=CalculatorInfo(code=code, preset=preset),
        **overrides,
    )


def _summary() -> pd.DataFrame:
    rows = summary_rows(("100", "adatom", "H"), [(-0.5, 0.6, -0.1, True), (0.0, 0.6, 0.4, False)])
    return pd.DataFrame(rows)


#: Every figure function, drawing the numbers of calculator ``label``.
FIGURES = {
    "neb": lambda label: neb_profiles_figure(_result(*label.split(":"))),
    "barriers": lambda label: barriers_figure(barrier_table([_result(*label.split(":"))], GRID)),
    "free_energy": lambda label: free_energy_figure(STEPS, [0.0], calculators=[label]),
    "surface": lambda label: surface_state_figure(surface_frame().assign(calculator=label)),
    "landscape": lambda label: landscape_figure(landscape_frame().assign(calculator=label)),
    "span": lambda label: span_figure(_summary().assign(calculator=label)),
    "co2er": lambda label: co2er_figure(co2er_frame().assign(calculator=label)),
}


def _texts(fig) -> list[str]:
    """Every piece of text a reader sees: suptitle, axes titles, texts and legends."""
    texts = [fig.get_suptitle(), *(t.get_text() for t in fig.texts)]
    for ax in fig.axes:
        texts += [ax.get_title(), *(t.get_text() for t in ax.texts)]
    for legend in fig.legends:
        texts += [legend.get_title().get_text(), *(t.get_text() for t in legend.get_texts())]
    return texts


def test_the_figure_label_is_the_methods_wording():
    # One place for the words: the table note starts with the figure label.
    assert MLIP_NOTE.startswith(f"{MLIP_LABEL}: ")
    assert screening_label(["sevennet"]) == SEVENNET
    assert screening_label(["gpaw:test", "chgnet", "sevennet", "chgnet"]) == (
        f"chgnet, sevennet ({MLIP_LABEL})"
    )
    assert screening_label(["gpaw:production", "emt", float("nan"), "vasp"]) is None
    assert screening_label([]) is None


@pytest.mark.parametrize("kind", sorted(FIGURES))
@pytest.mark.parametrize("label", ["sevennet", "chgnet"])
def test_an_mlip_figure_says_so_on_its_first_line(kind, label):
    fig = FIGURES[kind](label)
    assert fig.get_suptitle().splitlines()[0] == f"{label} ({MLIP_LABEL})"


@pytest.mark.parametrize("kind", sorted(FIGURES))
@pytest.mark.parametrize("label", ["gpaw:test", "emt"])
def test_a_dft_or_emt_figure_carries_no_screening_label(kind, label):
    texts = _texts(FIGURES[kind](label))
    assert not any("MLIP" in t or "not DFT" in t for t in texts), texts


def test_the_label_keeps_the_rest_of_the_title():
    fig = free_energy_figure(STEPS, [0.0, -0.5], calculators=["sevennet"])
    first, *rest = fig.get_suptitle().splitlines()
    assert first == SEVENNET
    assert rest[0] == "$U_\\mathrm{L}$ = −0.40 V vs RHE"
    # an NEB figure has no suptitle of its own: the label is one, the axes title stays
    neb = neb_profiles_figure(_result("sevennet"))
    assert neb.get_suptitle() == SEVENNET
    assert neb.axes[0].get_title().startswith("Cu(111) kink, bare [sevennet]: ΔE‡")
    # an explicit empty title does not remove the label
    assert neb_profiles_figure(_result("chgnet"), title="").get_suptitle().startswith("chgnet")


def test_mark_screening_returns_what_it_wrote():
    fig = free_energy_figure(STEPS, [0.0])
    before = fig.get_suptitle()
    assert mark_screening(fig, ["gpaw:test", "emt"]) is None and fig.get_suptitle() == before
    assert mark_screening(fig, ["chgnet"]) == f"chgnet ({MLIP_LABEL})"
    assert fig.get_suptitle() == f"chgnet ({MLIP_LABEL})\n{before}"


def test_dft_and_mlip_in_one_panel_name_each_calculator():
    # One NEB panel and one barrier panel holding a GPAW and a SevenNet band:
    # the label names the MLIP and each legend entry its calculator.
    results = [_result("gpaw", "test"), _result("sevennet", forward_barrier_eV=0.6)]
    neb = neb_profiles_figure(results)
    assert neb.get_suptitle() == SEVENNET
    entries = [t.get_text() for t in neb.legends[0].get_texts()]
    assert [e.rsplit("[", 1)[-1] for e in entries] == ["gpaw:test]", "sevennet]"]
    bars = barriers_figure(barrier_table(results, GRID))
    assert bars.get_suptitle() == SEVENNET
    entries = sorted(t.get_text() for t in bars.legends[0].get_texts())
    assert entries == ["Cu(111) kink, bare [gpaw:test]", "Cu(111) kink, bare [sevennet]"]


def test_one_config_id_under_two_calculators_is_never_one_series():
    # Same config_id, two calculators: two series (and two panels), never one line.
    gpaw = barrier_table([make_result(calculator=CalculatorInfo(code="gpaw", preset="t"))], GRID)
    mlip = barrier_table([make_result(calculator=CalculatorInfo(code="sevennet"))], GRID)
    fig = barriers_figure(pd.concat([gpaw, mlip], ignore_index=True))
    assert len(fig.legends[0].get_texts()) == 2 and fig.get_suptitle() == SEVENNET
    both = pd.concat(
        [landscape_frame().assign(calculator="emt"), landscape_frame().assign(calculator="chgnet")]
    )
    land = landscape_figure(both)
    titles = [ax.get_title() for ax in land.axes if ax.get_visible()]
    assert len(titles) == 4 and sum("[chgnet]" in t for t in titles) == 2
    assert land.get_suptitle().startswith(f"chgnet ({MLIP_LABEL})\nCu removal landscape")
    span = span_figure(
        pd.concat([_summary().assign(calculator="emt"), _summary().assign(calculator="chgnet")])
    )
    entries = [t.get_text() for t in span.legends[0].get_texts()][:2]
    assert [e.split(";")[0] for e in entries] == [
        "Cu(100) adatom, H [chgnet]",
        "Cu(100) adatom, H [emt]",
    ]


def test_surface_and_co2er_panels_of_an_mlip_say_whose_they_are():
    table = surface_frame()
    both = pd.concat([table.assign(calculator="gpaw:test"), table.assign(calculator="sevennet")])
    fig = surface_state_figure(both)
    assert fig.get_suptitle().startswith(SEVENNET + "\nMost stable surface state")
    assert sorted(ax.get_title().splitlines()[0] for ax in fig.axes) == [
        "Cu(100) terrace [gpaw:test]",
        "Cu(100) terrace [sevennet]",
    ]
    co2er = co2er_figure(
        pd.concat([co2er_frame().assign(calculator=c) for c in ("gpaw:test", "sevennet")])
    )
    assert co2er.get_suptitle().startswith(SEVENNET + "\nCO$_2$ reduction")
    assert sum("[sevennet]" in ax.get_title() for ax in co2er.axes) == 2


def test_written_files_carry_the_label(tmp_path):
    # The label survives saving (SVG text) and the PNG keeps its requested size.
    svg = plot_neb_profiles(_result("sevennet"), tmp_path / "neb.svg")
    assert "MLIP screening, not DFT" in svg.read_text(encoding="utf-8")
    png = plot_co2er(co2er_frame().assign(calculator="sevennet"), tmp_path / "co2er.png", dpi=50)
    assert png_size(png) == (360, 225)  # 7.2 x 4.5 in: two routes, one facet


def test_a_new_label_stays_clear_of_a_legend_right_of_the_axes():
    # The NEB figure has no suptitle and its legend (right of the axes) reaches
    # the top of the figure: the label goes left, overlapping neither.
    fig = neb_profiles_figure([_result("gpaw", "test"), _result("sevennet")])
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    (title,) = [t for t in fig.texts if t.get_text() == fig.get_suptitle()]
    label = title.get_window_extent(renderer)
    assert not label.overlaps(fig.legends[0].get_window_extent(renderer))
    assert not any(label.overlaps(ax.get_window_extent(renderer)) for ax in fig.axes)
    assert fig.bbox.contains(label.x0, label.y0) and fig.bbox.contains(label.x1, label.y1)
