"""``--barriers sjm``: ``cudiss table --kind landscape|routes``, ``cudiss plot landscape|span``.

The store holds the Cu(111) kink of tests/helpers/mechanism_documents.py with the
CO route as the zero-charge reference of a potential sweep (energies in eV,
potentials in V vs RHE): G1(U) = −0.31 + 2U; zero-charge NEB ΔE‡ 0.50, ΔE_rxn
0.20; SJM at −0.5 V ΔE‡ 0.40, ΔE_rxn 0.10, at 0.0 V ΔE‡ 0.30, ΔE_rxn 0.00.
At −0.25 V: TS = −0.81 + 0.35 = −0.46, complex −0.81 + 0.05 = −0.76; at +0.3 V
(outside the sweep): TS = 0.29 + 0.50 = 0.79.
"""

from __future__ import annotations

import io
from types import SimpleNamespace

import pandas as pd
import pytest

from cudiss.structures.errors import CudissInputError
from cudiss.workflows.mechanism_store import MechanismData
from tests.helpers.cli_main import run_main
from tests.helpers.documents import make_result
from tests.helpers.mechanism_documents import adsorptions, gases

CO = "camp/111/kink/CO/emt"


def _removals() -> list:
    common = {"bulk_energy_per_atom_eV": -3.7, "vacancy_energy_eV": -96.0}
    bare = make_result(forward_barrier_eV=1.2, reaction_energy_eV=0.9, **common)
    ref = make_result(
        config_id=CO,
        adsorbates=["CO"],
        slab_energy_eV=-116.31,
        forward_barrier_eV=0.50,
        reaction_energy_eV=0.20,
        electrode="constant-charge",
        pzc_reference_id=CO,
        **common,
    )
    sjm = [
        make_result(
            config_id=f"{CO}@{u:+.2f}V_RHE",
            adsorbates=["CO"],
            forward_barrier_eV=fwd,
            reaction_energy_eV=rxn,
            electrode="constant-potential",
            electrode_target_V_RHE=u,
            electrode_potential_V_RHE=u,
            pzc_reference_id=CO,
        )
        for u, fwd, rxn in ((-0.5, 0.40, 0.10), (0.0, 0.30, 0.00))
    ]
    return [bare, ref, *sjm]


@pytest.fixture
def store(monkeypatch, tmp_path):
    """A store folder whose open_mechanism gives the sweep above, counting the reads."""
    import cudiss.workflows.mechanism_store as mech

    path = tmp_path / "store"
    path.mkdir()
    state = {"opened": 0}

    def fake_open(location):
        if str(location) != str(path):
            raise CudissInputError(f"no results store at {location}")
        state["opened"] += 1
        return MechanismData(_removals(), adsorptions(["H"]), gases())

    monkeypatch.setattr(mech, "open_mechanism", fake_open)
    return SimpleNamespace(path=str(path), state=state)


def _csv(path) -> tuple[list[str], pd.DataFrame]:
    text = path.read_text(encoding="utf-8")
    comments = [line[2:] for line in text.splitlines() if line.startswith("# ")]
    return comments, pd.read_csv(io.StringIO(text), comment="#", keep_default_na=False)


def _g(df, u, point):
    sel = df[(df["config_id"] == CO) & ((df["U_V_RHE"] - u).abs() < 1e-9) & (df["point"] == point)]
    assert len(sel) == 1
    return sel.iloc[0]


def test_landscape_table_with_sjm_barriers(monkeypatch, store, tmp_path):
    out = tmp_path / "land.csv"
    assert run_main(monkeypatch, "table", "--store", store.path, "--kind", "landscape",
                    "--barriers", "sjm", "-U", "-0.25", "-U", "0.3",
                    "-o", str(out)) == 0  # fmt: skip
    comments, df = _csv(out)
    assert float(_g(df, -0.25, 2)["G_eV"]) == pytest.approx(-0.46, abs=1e-6)
    assert float(_g(df, -0.25, 3)["G_eV"]) == pytest.approx(-0.76, abs=1e-6)
    assert _g(df, -0.25, 2)["barrier_source"] == "SJM interpolated"
    assert float(_g(df, 0.3, 2)["G_eV"]) == pytest.approx(0.79, abs=1e-6)
    assert _g(df, 0.3, 2)["barrier_source"] == "zero-charge NEB (outside SJM range)"
    assert "not extrapolated" in _g(df, 0.3, 2)["note"]
    assert sorted(set(df["config_id"])) == sorted([CO, "camp/111/kink/bare/emt"])
    assert any("G1(U) + ΔE‡_SJM(U)" in c for c in comments)


def test_che_stays_the_default(monkeypatch, store, tmp_path):
    plain, che = tmp_path / "plain.csv", tmp_path / "che.csv"
    common = ["table", "--store", store.path, "--kind", "landscape", "-U", "-0.25"]
    assert run_main(monkeypatch, *common, "-o", str(plain)) == 0
    assert run_main(monkeypatch, *common, "--barriers", "CHE", "-o", str(che)) == 0
    assert plain.read_text(encoding="utf-8") == che.read_text(encoding="utf-8")
    df = _csv(plain)[1]
    assert float(_g(df, -0.25, 2)["G_eV"]) == pytest.approx(-0.81 + 0.50, abs=1e-6)


def test_markdown_shows_the_source_and_routes_use_it(monkeypatch, store, tmp_path, capsys):
    capsys.readouterr()
    assert run_main(monkeypatch, "table", "--store", store.path, "--kind", "landscape",
                    "--barriers", "sjm", "-U", "-0.25") == 0  # fmt: skip
    header = [c.strip() for c in capsys.readouterr().out.splitlines()[0].strip("|").split("|")]
    assert header[header.index("G_eV") + 1] == "barrier_source"
    assert run_main(monkeypatch, "table", "--store", store.path, "--kind", "landscape",
                    "-U", "-0.25") == 0  # fmt: skip
    assert "barrier_source" not in capsys.readouterr().out.splitlines()[0]
    out = tmp_path / "routes.csv"
    assert run_main(monkeypatch, "table", "--store", store.path, "--kind", "routes",
                    "--barriers", "sjm", "-U", "-0.25", "-o", str(out)) == 0  # fmt: skip
    routes = _csv(out)[1]
    co = routes[routes["config_id"] == CO].iloc[0]
    # [0, -0.81, -0.46, -0.76]: span 0.35 from CO* to the TS
    assert float(co["energy_span_eV"]) == pytest.approx(0.35, abs=1e-6)


def test_plots_with_sjm_barriers(monkeypatch, store, tmp_path):
    from cudiss.analysis import plots

    saved = []
    real = plots.save_figure
    monkeypatch.setattr(
        plots, "save_figure", lambda fig, path, dpi=100: (saved.append(fig), real(fig, path, dpi))
    )
    assert run_main(monkeypatch, "plot", "landscape", "--store", store.path, "-o",
                    str(tmp_path / "l.png"), "-U", "-0.25", "-U", "0.3", "--config", CO,
                    "--barriers", "sjm", "--dpi", "40") == 0  # fmt: skip
    (ax,) = [a for a in saved[0].axes if a.get_visible()]
    stars = [float(ln.get_ydata()[0]) for ln in ax.get_lines() if ln.get_marker() == "*"]
    triangles = [float(ln.get_ydata()[0]) for ln in ax.get_lines() if ln.get_marker() == "^"]
    assert stars == pytest.approx([-0.46], abs=1e-6)
    assert triangles == pytest.approx([0.79], abs=1e-6)
    assert run_main(monkeypatch, "plot", "span", "--store", store.path, "-o",
                    str(tmp_path / "s.png"), "--barriers", "sjm", "--dpi", "40") == 0  # fmt: skip
    assert "SJM lift where computed" in saved[1]._suptitle.get_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["table", "--kind", "landscape", "--barriers", "bep"],
         "--barriers must be che or sjm, got 'bep'"),
        (["table", "--barriers", "sjm"], "--barriers sjm is for table --kind landscape|routes"),
        (["table", "--kind", "surface", "--barriers", "sjm"], "not surface"),
        (["plot", "span", "-o", "{tmp}/s.png", "--barriers", ""], "--barriers must be"),
        (["plot", "surface", "-o", "{tmp}/s.png", "--barriers", "sjm"], "not surface"),
    ],
)  # fmt: skip
def test_bad_barriers_one_line_before_the_store(
    monkeypatch, store, tmp_path, capsys, args, message
):
    args = [a.format(tmp=tmp_path) for a in args]
    assert run_main(monkeypatch, *args[:1], "--store", store.path, *args[1:]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and message in err and "\n" not in err
    assert store.state["opened"] == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store"]
