"""The potential-sweep columns of the barrier table and the SJM points of the barriers figure.

Results from tests/helpers/sweep_documents.py; every expected number is worked
by hand from the numbers in its docstring (energies in eV, potentials in V vs
RHE, charges in e).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from matplotlib.colors import to_hex

from cudiss.analysis.plot_barriers import barriers_figure
from cudiss.analysis.plots import plot_barriers_vs_potential
from cudiss.analysis.sweep_columns import SWEEP_COMPACT_COLUMNS, barrier_slope
from cudiss.analysis.tables import (
    COMPACT_COLUMNS,
    LABELS,
    barrier_table,
    export_barrier_table,
    read_table,
)
from tests.helpers.documents import make_result
from tests.helpers.figures import png_size
from tests.helpers.sweep_documents import BARE_REF, H_REF, at_potential, sweep_results

# kT ln10 / e at 298.15 K (V): 8.617333e-5 x 298.15 x ln 10
NERNST_V = 0.0591597


def _row(df, config_id, method):
    (index,) = df.index[(df["config_id"] == config_id) & (df["barrier_method"] == method)]
    return df.loc[index]


@pytest.fixture
def table():
    return barrier_table(sweep_results(), [0.0])


def test_an_sjm_row_sits_next_to_the_che_numbers_of_its_reference(table):
    row = _row(table, BARE_REF.replace("+0.00e/", "-0.50V_RHE/"), "constant-potential")
    assert row["electrode"] == "constant-potential"
    assert row["U_V_RHE"] == pytest.approx(-0.49)  # where its initial state sat
    assert row["U_target_V_RHE"] == pytest.approx(-0.5)
    assert row["dG_forward_eV(U)"] == pytest.approx(0.50)
    assert row["dG_reaction_eV(U)"] == pytest.approx(0.20)
    # a chemical step (n = 0): under the CHE the reference's 0.45 and 0.10 at any U
    assert row["dG_forward_CHE_eV(U)"] == pytest.approx(0.45)
    assert row["dG_reaction_CHE_eV(U)"] == pytest.approx(0.10)
    assert row["dq_forward_e"] == pytest.approx(0.06)  # 0.16 - 0.10
    assert row["dq_reaction_e"] == pytest.approx(0.03)  # 0.13 - 0.10
    assert row["U_pzc_V_RHE"] == pytest.approx(-0.20)
    assert row["reference_config_id"] == BARE_REF


def test_the_che_numbers_of_an_electrochemical_step_shift_with_u(table):
    # H reference: dE‡ 0.70, dE_rxn 0.30, n = 1, beta 0.5, at U = -0.5 V:
    # dG_rxn = 0.30 + 1 x (-0.5) = -0.20; dG‡ = 0.70 + 0.5 x 1 x (-0.5) = 0.45
    row = _row(table, H_REF.replace("+0.00e/", "-0.50V_RHE/"), "constant-potential")
    assert row["dG_forward_CHE_eV(U)"] == pytest.approx(0.45)
    assert row["dG_reaction_CHE_eV(U)"] == pytest.approx(-0.20)
    assert row["dG_forward_eV(U)"] == pytest.approx(0.55)
    assert math.isnan(row["slope_dE_forward_eV_per_V"])  # one potential only


def test_the_slope_is_worked_by_hand(table):
    # 0.50 eV at -0.5 V and 0.40 eV at 0.0 V: (0.40 - 0.50) / 0.5 = -0.20 eV/V,
    # on every row of the sweep, its reference's included
    sweep = table[table["reference_config_id"] == BARE_REF]
    assert len(sweep) == 3
    assert sweep["slope_dE_forward_eV_per_V"].to_numpy() == pytest.approx([-0.20] * 3)


def test_a_least_squares_slope_over_three_potentials():
    # x = -1, -0.5, 0 (mean -0.5); y = 0.62, 0.50, 0.40 (mean 0.50667):
    # Sxy = (-0.5)(0.11333) + 0 + (0.5)(-0.10667) = -0.11; Sxx = 0.5; slope -0.22
    assert barrier_slope([-1.0, -0.5, 0.0], [0.62, 0.50, 0.40]) == pytest.approx(-0.22)
    assert math.isnan(barrier_slope([-0.5, -0.5], [0.5, 0.6]))  # one distinct potential
    assert barrier_slope([-0.5, 0.0, 0.3], [0.5, 0.4, float("nan")]) == pytest.approx(-0.2)


def test_the_reference_rows_are_che_rows(table):
    row = _row(table, BARE_REF, "che-bep")
    assert row["electrode"] == "constant-charge"
    assert row["dG_forward_eV(U)"] == pytest.approx(0.45)
    assert math.isnan(row["dG_forward_CHE_eV(U)"]) and math.isnan(row["U_target_V_RHE"])
    assert row["dq_forward_e"] == 0.0


def test_rows_without_electrode_leave_the_sweep_columns_empty():
    df = barrier_table([make_result()], [0.0])
    assert df.loc[0, "electrode"] == "" and df.loc[0, "reference_config_id"] == ""
    assert df[["U_target_V_RHE", "slope_dE_forward_eV_per_V"]].isna().all().all()


def test_an_sjm_row_gives_no_dissolution_numbers_its_reference_does():
    # grand potentials already hold the electrons at U: the CHE's -2eU would count them twice
    reference = make_result(
        config_id=BARE_REF, pzc_reference_id=BARE_REF, electrode="constant-charge"
    )
    sjm = at_potential(BARE_REF, -0.5, 0.5, 0.2, vacancy_energy_eV=-96.4)
    df = barrier_table([reference, sjm], [-0.5])
    assert np.isfinite(_row(df, BARE_REF, "che-bep")["dG_dissolution_eV"])
    assert math.isnan(_row(df, sjm.config_id, "constant-potential")["dG_dissolution_eV"])


def test_a_sweep_sorts_as_one_configuration_by_potential(table):
    bare = table[table["reference_config_id"] == BARE_REF]
    assert bare["U_V_RHE"].tolist() == pytest.approx([-0.49, 0.0, 0.0])
    assert bare.index.tolist() == list(range(bare.index[0], bare.index[0] + 3))


def test_markdown_shows_the_sweep_columns_only_with_sjm_rows(table):
    text = export_barrier_table(table)
    header = [cell.strip() for cell in text.splitlines()[0].strip("|").split("|")]
    assert all(LABELS[c] in header for c in SWEEP_COMPACT_COLUMNS)
    assert header.index(LABELS["dG_forward_CHE_eV(U)"]) == (
        header.index(LABELS["dG_forward_eV(U)"]) + 3
    )
    assert "Constant-potential rows: GPAW SJM barriers" in text
    plain = export_barrier_table(barrier_table([make_result()], [0.0]))
    plain_header = [cell.strip() for cell in plain.splitlines()[0].strip("|").split("|")]
    assert plain_header == [LABELS[c] for c in COMPACT_COLUMNS]
    assert "Constant-potential" not in plain


def test_csv_keeps_the_sweep_columns(table, tmp_path):
    path = tmp_path / "sweep.csv"
    export_barrier_table(table, path)
    back = read_table(path)
    assert back["reference_config_id"].tolist() == table["reference_config_id"].tolist()
    assert back["electrode"].tolist() == table["electrode"].tolist()
    np.testing.assert_allclose(
        back["slope_dE_forward_eV_per_V"], table["slope_dE_forward_eV_per_V"], equal_nan=True
    )


def _points(ax):
    """(x, y, colour) of every line drawn without a line: the SJM points."""
    return [
        (list(line.get_xdata()), list(line.get_ydata()), to_hex(line.get_color()))
        for line in ax.get_lines()
        if line.get_linestyle() == "None"
    ]


def test_the_figure_draws_sjm_points_in_the_colour_of_their_che_line():
    grid = [-1.0, -0.5, 0.0, 0.5]
    fig = barriers_figure(barrier_table(sweep_results(), grid))
    ax = fig.axes[0]
    points = _points(ax)
    # bare: x at the targets (-0.5, 0.0), not at the reached -0.49; H: one point
    assert sorted((x, y) for x, y, _ in points) == [
        ([-0.5], [0.55]),
        ([-0.5, 0.0], [0.5, 0.4]),
    ]
    lines = {
        tuple(np.round(line.get_ydata(), 6)): to_hex(line.get_color())
        for line in ax.get_lines()
        if line.get_linestyle() != "None"
    }
    bare_line = lines[(0.45,) * 4]  # the bare reference: flat under the CHE
    (bare_colour,) = [c for x, _, c in points if len(x) == 2]
    assert bare_colour == bare_line
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert any(text.startswith("points: SJM at target U") for text in legend)


def test_the_figure_puts_the_points_on_the_she_scale():
    # pH 7: U_SHE = U_RHE - 0.0591597 x 7 = -0.5 - 0.414118
    table = barrier_table(sweep_results(), [0.0], pH=7.0)
    fig = barriers_figure(table, scale="SHE")
    xs = sorted(x for xs, _, _ in _points(fig.axes[0]) for x in xs)
    assert xs == pytest.approx([-0.5 - 7 * NERNST_V] * 2 + [-7 * NERNST_V], abs=1e-5)


def test_a_sweep_figure_is_written(tmp_path):
    grid = list(np.round(np.linspace(-1.0, 0.5, 16), 3))
    path = plot_barriers_vs_potential(barrier_table(sweep_results(), grid), tmp_path / "sweep.png")
    assert png_size(path) == (1000, 400)
