"""SJM barriers in the removal landscape (``barriers="sjm"``), worked by hand.

The Cu(111) kink of tests/helpers/mechanism_documents.py (gases giving round G;
bare: slab −100, vacancy −96, μ_Cu −3.7, lift ΔE‡ 1.2, ΔE_rxn 0.9), with the CO
route as the zero-charge reference of a potential sweep (energies in eV,
potentials in V vs RHE):

* CO reference: E_IS −116.31 → G1(U) = −0.31 + 2U; zero-charge NEB ΔE‡ 0.50,
  ΔE_rxn 0.20.
* SJM at −0.5 V: ΔE‡ 0.40, ΔE_rxn 0.10; at 0.0 V: ΔE‡ 0.30, ΔE_rxn 0.00.
  At −0.25 V, halfway: ΔE‡ 0.35, ΔE_rxn 0.05.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from cudiss.analysis.landscape import landscape_summary, landscape_table
from cudiss.analysis.plots import landscape_figure, plot_landscape, span_figure
from cudiss.analysis.sjm_landscape import (
    FROM_NEB,
    FROM_NEB_OUTSIDE,
    FROM_SJM,
    FROM_SJM_INTERPOLATED,
    SjmSweep,
    check_barriers,
    sjm_sweeps,
    uses_sjm,
)
from cudiss.structures.errors import CudissInputError
from tests.helpers.documents import make_result
from tests.helpers.figures import png_size
from tests.helpers.mechanism_documents import gases

BARE = "camp/111/kink/bare/emt"
CO = "camp/111/kink/CO/emt"
GRID = [-0.75, -0.5, -0.25, 0.0, 0.3]
# kT ln10 / e at 298.15 K (V): 8.617333e-5 x 298.15 x ln 10
NERNST_V = 0.0591597


def bare():
    return make_result(
        forward_barrier_eV=1.2,
        reaction_energy_eV=0.9,
        vacancy_energy_eV=-96.0,
        bulk_energy_per_atom_eV=-3.7,
    )


def co_reference(**kw):
    base = {
        "config_id": CO,
        "adsorbates": ["CO"],
        "slab_energy_eV": -116.31,
        "vacancy_energy_eV": -96.0,
        "bulk_energy_per_atom_eV": -3.7,
        "forward_barrier_eV": 0.50,
        "reaction_energy_eV": 0.20,
        "electrode": "constant-charge",
        "pzc_reference_id": CO,
    }
    return make_result(**(base | kw))


def co_sjm(target, forward, reaction, **kw):
    base = {
        "config_id": f"{CO}@{target:+.2f}V_RHE",
        "adsorbates": ["CO"],
        "slab_energy_eV": -116.0,  # a grand potential: never read by the landscape
        "forward_barrier_eV": forward,
        "reaction_energy_eV": reaction,
        "electrode": "constant-potential",
        "electrode_target_V_RHE": target,
        "electrode_potential_V_RHE": target + 0.01,  # reached: the target is interpolated on
        "pzc_reference_id": CO,
    }
    return make_result(**(base | kw))


def sweep():
    return [bare(), co_reference(), co_sjm(-0.5, 0.40, 0.10), co_sjm(0.0, 0.30, 0.00)]


def table(removals, grid=GRID, **kw):
    return landscape_table(removals, gases(), grid, **({"activity": 1.0} | kw))


def row(df, config, u, point):
    near = (df["U_V_RHE"] - u).abs() < 1e-9
    sel = df[(df["config_id"] == config) & near & (df["point"] == point)]
    assert len(sel) == 1
    return sel.iloc[0]


def G1(u):
    return -0.31 + 2 * u


# ------------------------------------------------------------ the TS and complex at U
@pytest.mark.parametrize(
    ("u", "ts", "complex_", "source"),
    [
        (-0.5, 0.40, 0.10, FROM_SJM),  # at a target
        (-0.25, 0.35, 0.05, FROM_SJM_INTERPOLATED),  # 0.40 + 0.5 x (0.30 - 0.40)
        (0.0, 0.30, 0.00, FROM_SJM),
        (-0.75, 0.50, 0.20, FROM_NEB_OUTSIDE),  # below the targets: not extrapolated
        (0.3, 0.50, 0.20, FROM_NEB_OUTSIDE),  # above the targets
    ],
)
def test_sjm_lift_numbers_by_hand(u, ts, complex_, source):
    df = table(sweep(), barriers="sjm")
    assert row(df, CO, u, 1)["G_eV"] == pytest.approx(G1(u), abs=1e-6)  # CHE, unchanged
    assert row(df, CO, u, 2)["G_eV"] == pytest.approx(G1(u) + ts, abs=1e-6)
    assert row(df, CO, u, 3)["G_eV"] == pytest.approx(G1(u) + complex_, abs=1e-6)
    assert row(df, CO, u, 2)["barrier_source"] == source
    assert row(df, CO, u, 3)["barrier_source"] == source
    assert row(df, CO, u, 1)["barrier_source"] == "none"
    outside = "SJM lift numbers only at -0.50 to +0.00 V vs RHE"
    assert (outside in row(df, CO, u, 2)["note"]) == (source == FROM_NEB_OUTSIDE)
    if source == FROM_NEB_OUTSIDE:
        assert f"zero-charge NEB kept at {u:+.2f} V (not extrapolated)" in row(df, CO, u, 3)["note"]
        assert row(df, CO, u, 1)["note"] == ""  # the note is on the rows it concerns


def test_worked_example_of_the_brief():
    # At -0.25 V: G1 = -0.31 - 0.50 = -0.81, TS = -0.81 + 0.35 = -0.46;
    # at +0.3 V: G1 = 0.29, TS = 0.29 + 0.50 = 0.79 (zero-charge NEB, outside the sweep).
    df = table(sweep(), barriers="sjm")
    assert row(df, CO, -0.25, 2)["G_eV"] == pytest.approx(-0.46, abs=1e-6)
    assert row(df, CO, 0.3, 2)["G_eV"] == pytest.approx(0.79, abs=1e-6)


def test_routes_without_a_sweep_and_the_sjm_results_themselves():
    df = table(sweep(), barriers="sjm")
    assert sorted(set(df["config_id"])) == sorted([BARE, CO])  # SJM results are no routes
    b = df[df["config_id"] == BARE]
    assert set(b[b["point"].isin([2, 3])]["barrier_source"]) == {FROM_NEB}
    assert row(df, BARE, 0.3, 2)["G_eV"] == pytest.approx(1.2)
    assert row(df, BARE, 0.3, 3)["G_eV"] == pytest.approx(0.9)
    assert (b["note"] == "").all()


def test_che_default_is_the_table_without_the_sweep():
    che = table(sweep())
    assert che.attrs["barriers"] == "che"
    plain = table([bare(), co_reference()])
    pd.testing.assert_frame_equal(che, plain)
    assert set(che[che["point"].isin([2, 3])]["barrier_source"]) == {FROM_NEB}
    for u in GRID:  # TS = G1 + 0.50, complex = G1 + 0.20 at every U
        assert row(che, CO, u, 2)["G_eV"] == pytest.approx(G1(u) + 0.50, abs=1e-6)
        assert row(che, CO, u, 3)["G_eV"] == pytest.approx(G1(u) + 0.20, abs=1e-6)
    assert "constant-potential results left out (not CHE)" in che.attrs["approximations"]
    assert not uses_sjm(che)


def test_approximations_say_what_is_combined():
    df = table(sweep(), barriers="sjm")
    assert df.attrs["barriers"] == "sjm" and uses_sjm(df)
    text = " ".join(df.attrs["approximations"])
    for words in ("G1(U) + ΔE‡_SJM(U)", "CHE free energy", "grand-potential", "never extrapolated"):
        assert words in text
    assert "left out (not CHE)" not in text
    # no sweep: the table says that nothing came from SJM
    none = table([bare(), co_reference(electrode=None, pzc_reference_id=None)], barriers="sjm")
    assert not uses_sjm(none)
    assert any("no constant-potential result" in a for a in none.attrs["approximations"])


def test_summary_works_on_sjm_barriers():
    summ = landscape_summary(table(sweep(), barriers="sjm"))
    assert summ.attrs["barriers"] == "sjm"
    co = summ[summ["config_id"] == CO].set_index("U_V_RHE")
    # -0.25 V: [0, -0.81, -0.46, -0.76]: span 0.35 (CO* -> TS), G3 < 0: open
    assert co.loc[-0.25, "energy_span_eV"] == pytest.approx(0.35, abs=1e-6)
    assert (co.loc[-0.25, "span_from"], co.loc[-0.25, "span_to"]) == ("CO* on Cu", "lift TS")
    assert co.loc[-0.25, "dG_complex_eV"] == pytest.approx(-0.76, abs=1e-6)
    # +0.3 V: [0, 0.29, 0.79, 0.49]: span 0.79 from the bare site; G3 > 0: closed
    assert co.loc[0.3, "energy_span_eV"] == pytest.approx(0.79, abs=1e-6)
    assert co["open"].tolist() == [True, True, True, True, False]


def test_interpolation_is_in_u_vs_rhe():
    # pH 7 on the SHE scale: U_SHE = -0.25 - 0.0591597 x 7 is -0.25 V vs RHE
    u_she = -0.25 - NERNST_V * 7
    df = table(sweep(), grid=[u_she], scale="SHE", pH=7.0, barriers="sjm")
    ts = df[(df["config_id"] == CO) & (df["point"] == 2)].iloc[0]
    assert ts["U_V_RHE"] == pytest.approx(-0.25, abs=1e-5)  # NERNST_V to 7 digits
    assert ts["barrier_source"] == FROM_SJM_INTERPOLATED
    assert ts["G_eV"] == pytest.approx(G1(-0.25) + 0.35, abs=1e-5)


# ------------------------------------------------------------ imperfect sweeps
def test_failed_and_unconverged_sjm_runs():
    # a failed run at +0.3 V is left out (0.3 stays outside), an unconverged one is used
    results = [
        bare(),
        co_reference(),
        co_sjm(-0.5, 0.40, 0.10, state="unconverged"),
        co_sjm(0.0, 0.30, 0.00),
        co_sjm(0.3, None, None, state="failed"),
    ]
    df = table(results, barriers="sjm")
    assert row(df, CO, -0.5, 2)["G_eV"] == pytest.approx(G1(-0.5) + 0.40, abs=1e-6)
    assert row(df, CO, 0.3, 2)["barrier_source"] == FROM_NEB_OUTSIDE
    note = row(df, CO, -0.25, 2)["note"]
    assert "SJM at -0.50 V: NEB unconverged, barrier as found" in note
    assert "SJM at +0.30 V: no lift numbers (failed), left out" in note


def test_one_potential_and_a_failed_reference():
    one = table([bare(), co_reference(), co_sjm(-0.5, 0.40, 0.10)], barriers="sjm")
    assert row(one, CO, -0.5, 2)["barrier_source"] == FROM_SJM
    assert row(one, CO, -0.25, 2)["barrier_source"] == FROM_NEB_OUTSIDE
    assert "only at -0.50 V vs RHE" in row(one, CO, -0.25, 2)["note"]
    # the SJM numbers go on top of the reference's: without its NEB, no TS or complex
    failed = co_reference(state="failed", forward_barrier_eV=None, reaction_energy_eV=None)
    df = table([bare(), failed, *sweep()[2:]], barriers="sjm")
    assert math.isnan(row(df, CO, -0.5, 2)["G_eV"])
    assert "SJM lift numbers not used" in row(df, CO, -0.5, 3)["note"]


def test_sweeps_and_the_check():
    sweeps = sjm_sweeps(sweep())
    assert list(sweeps) == [CO]
    assert sweeps[CO] == SjmSweep((-0.5, 0.0), (0.40, 0.30), (0.10, 0.00))
    assert check_barriers(" SJM ") == "sjm"
    with pytest.raises(CudissInputError) as err:
        table(sweep(), barriers="bep")
    assert str(err.value) == "barriers must be che or sjm, got 'bep'"


# ------------------------------------------------------------ figures
def _ts_marks(ax, marker):
    return sorted(float(ln.get_ydata()[0]) for ln in ax.get_lines() if ln.get_marker() == marker)


def test_landscape_figure_stars_the_sjm_transition_states(tmp_path):
    df = table(sweep(), barriers="sjm")
    fig = landscape_figure(df, [-0.5, -0.25, 0.3], configs=[CO])
    (ax,) = [a for a in fig.axes if a.get_visible()]
    # SJM: -1.31 + 0.40 = -0.91 at -0.5 V, -0.81 + 0.35 = -0.46 at -0.25 V;
    # zero-charge NEB outside the sweep: 0.29 + 0.50 = 0.79 at +0.3 V
    assert _ts_marks(ax, "*") == pytest.approx([-0.91, -0.46], abs=1e-6)
    assert _ts_marks(ax, "^") == pytest.approx([0.79], abs=1e-6)
    assert "★ SJM ΔE‡ at U on the CHE G1" in fig._suptitle.get_text()
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend[-2:] == ["TS: zero-charge NEB", "TS and complex: SJM"]
    plot_landscape(df, tmp_path / "sjm_landscape.png", [-0.5, -0.25, 0.0, 0.3], dpi=60)
    assert png_size(tmp_path / "sjm_landscape.png")[0] > 100
    # the CHE table draws triangles only, and says nothing of SJM
    che = landscape_figure(table(sweep()), [-0.5, -0.25, 0.3], configs=[CO])
    (ax,) = [a for a in che.axes if a.get_visible()]
    assert _ts_marks(ax, "*") == [] and len(_ts_marks(ax, "^")) == 3
    assert "SJM" not in che._suptitle.get_text()


def test_span_figure_says_where_the_barriers_came_from():
    summ = landscape_summary(table(sweep(), barriers="sjm"))
    title = span_figure(summ)._suptitle.get_text()
    assert "CHE; SJM lift where computed" in title
    che = span_figure(landscape_summary(table(sweep())))._suptitle.get_text()
    assert "(CHE, pH 0)" in che
