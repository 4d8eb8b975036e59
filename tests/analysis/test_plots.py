"""Figures: NEB profiles, free-energy diagrams, barriers vs potential (PNG and SVG)."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from cudiss.analysis.che import ReactionStep
from cudiss.analysis.plots import (
    plot_barriers_vs_potential,
    plot_free_energy_diagram,
    plot_neb_profiles,
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
