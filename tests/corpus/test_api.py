"""Bad input to the Python API (and to the structure commands): a typed, one-line error.

Each case calls a public entry point of cudiss.structures, the calculators,
campaign.py, flows.py or makers.py with a mistake a user can make, and checks
(:func:`assert_api_refused`) that it raises a
:class:`~cudiss.structures.errors.CudissInputError` whose one-line message names
the problem, instead of running, crashing with a traceback from a library, or
being silently reinterpreted. The last cases run the same structure functions
from the command line (``cudiss sites``, ``cudiss build``).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from ase import Atoms
from ase.build import bulk, fcc100, fcc111
from ase.cluster import Octahedron

from cudiss.structures.adsorbates import register_adsorbate
from cudiss.structures.coordination import check_cu_slab, classify_surface_atoms
from cudiss.structures.defects import add_adatom
from cudiss.structures.errors import CrowdingError, NotACuSlabError
from cudiss.structures.removal import build_removal_system, removal_endpoints
from cudiss.structures.sites import find_sites, get_site
from cudiss.structures.slabs import cu_slab
from cudiss.workflows.calculators import (
    CalculatorSpec,
    as_spec,
    bulk_parameters,
    make_calculator,
)
from cudiss.workflows.campaign import Campaign, load_campaign, parse_campaign
from cudiss.workflows.errors import CampaignError, SettingsError
from cudiss.workflows.flows import RemovalBarrierMaker, RemovalConfig, SlabSettings
from cudiss.workflows.makers import CuBulkMaker, CuNebMaker, CuRelaxMaker, CuVibrationsMaker
from tests.helpers.corpus import assert_api_refused, assert_refused

SMALL = {"size": (2, 2), "layers": 3, "vacuum": 6.0, "fixed_layers": 1}
GOOD = {"name": "api", "facets": ["100"], "sites": ["adatom"], "slab": SMALL}


def _bulk():
    return bulk("Cu", "fcc", a=3.615, cubic=True).repeat(2)


def _on_its_side():
    slab = fcc100("Cu", (2, 2, 3), vacuum=6.0, periodic=True)
    slab.rotate(90, "y", rotate_cell=True)
    return slab


def _gold_on_top():
    slab = fcc111("Cu", (3, 3, 4), vacuum=7.5, periodic=True)
    slab.symbols[-9:] = "Au"  # the top layer
    return slab


def _wire():
    wire = fcc100("Cu", (1, 3, 3), vacuum=6.0)
    wire.center(vacuum=6.0, axis=0)
    wire.pbc = True
    return wire


def _duplicate_key_file(tmp_path: Path) -> Path:
    path = tmp_path / "dup.yaml"
    path.write_text("name: api\nfacets: ['100']\nsites: [adatom]\nsites: [terrace]\n")
    return path


# (id, call, expected fragment); calls that need a folder take tmp_path.
API_CASES = [
    # calculators
    ("spec-unknown-preset", lambda: CalculatorSpec(code="gpaw", preset="huge"), "preset: unknown"),
    ("spec-unknown-code", lambda: CalculatorSpec(code="vasp"), "CalculatorSpec: code:"),
    ("spec-emt-preset", lambda: CalculatorSpec(code="emt", preset="fast"), "EMT has no presets"),
    ("as-spec-emt-fast", lambda: as_spec("emt:fast"), "EMT has no presets (got 'emt:fast')"),
    ("as-spec-not-text", lambda: as_spec(42), "calculator must be 'emt', 'gpaw'"),
    (
        "as-spec-gpaw-rejects",
        lambda: as_spec({"code": "gpaw", "overrides": {"mode": {"name": "nonsense"}}}),
        "calculator: overrides: mode.name must be one of fd, lcao, pw",
    ),
    (
        "spec-check-unknown-key",
        lambda: CalculatorSpec(code="gpaw", overrides={"xcc": "PBE"}).check(),
        "overrides: xcc: not a GPAW parameter",
    ),
    # settings models and makers
    ("slab-vacuum-thin", lambda: SlabSettings(vacuum=0.3), "vacuum 0.3 Å is below 5 Å"),
    ("slab-vacuum-inf", lambda: SlabSettings(vacuum=math.inf), "vacuum: Input should be a finite"),
    ("slab-size-zero", lambda: SlabSettings(size=(0, 3)), "size must be two integers >= 1"),
    ("config-no-site", lambda: RemovalConfig(facet="100"), "site_class: Field required"),
    (
        "config-bad-slab",
        lambda: RemovalConfig(facet="100", site_class="adatom", slab={"vacuum": 1e5}),
        "RemovalConfig: slab.vacuum: vacuum 100000 Å is above 50 Å",
    ),
    (
        "maker-fmax-inf",
        lambda: RemovalBarrierMaker(relax_fmax=math.inf),
        "relax_fmax must be in (0, 0.5] eV/Å",
    ),
    (
        "maker-spec-text",
        lambda: RemovalBarrierMaker(calculator_spec="emt"),
        "calculator_spec must be a CalculatorSpec",
    ),
    (
        "maker-make-no-config",
        lambda: RemovalBarrierMaker().make("100 adatom", None),
        "config must be a RemovalConfig",
    ),
    (
        "maker-make-bulk-float",
        lambda: RemovalBarrierMaker().make(
            RemovalConfig(facet="100", site_class="adatom", slab=SMALL), 3.6
        ),
        "bulk must be a BulkResult",
    ),
    ("relax-fmax-nan", lambda: CuRelaxMaker(fmax=math.nan), "fmax must be in (0, 0.5] eV/Å"),
    ("relax-steps-zero", lambda: CuRelaxMaker(steps=0), "steps must be an integer >= 1"),
    ("bulk-one-point", lambda: CuBulkMaker(strain=0.0, points=1), "strain must be in (0, 0.2]"),
    ("bulk-a-in-pm", lambda: CuBulkMaker(a_guess=361.5), "a_guess: Cu lattice constant"),
    ("neb-settings-dict", lambda: CuNebMaker(settings={"fmax": 0.05}), "must be a NebSettings"),
    # campaigns from Python
    ("campaign-direct", lambda: Campaign(name="x"), "Campaign: facets: Field required"),
    (
        "campaign-relax-inf",
        lambda: parse_campaign({**GOOD, "relax_fmax": math.inf}, "api"),
        "api: relax_fmax: must be a finite number",
    ),
    (
        "campaign-no-configs",
        lambda: parse_campaign({**GOOD, "adsorbates": []}, "api"),
        "adsorbates: an empty list gives no configuration",
    ),
    (
        "campaign-duplicate-key",
        lambda tmp_path: load_campaign(_duplicate_key_file(tmp_path)),
        "duplicate key 'sites' (line 4)",
    ),
    (
        "bulk-rule-unknown-preset",
        lambda: bulk_parameters("huge", {}),
        "unknown GPAW preset 'huge'",
    ),
    ("calculator-vasp", lambda: make_calculator("vasp", {}), "unknown calculator 'vasp'"),
    ("vibrations-delta", lambda: CuVibrationsMaker(delta=1.0), "delta must be in (0, 0.1] Å"),
    # structures: adsorbates given the wrong way
    (
        "adsorbates-as-text",
        lambda: removal_endpoints(cu_slab("111", (2, 2), 3, 6.0, 1), "terrace", "CO"),
        "adsorbates must be a list of names like ['CO'], got the text 'CO'",
    ),
    (
        "register-binding-text",
        lambda: register_adsorbate("X", Atoms("N"), binding=["N"]),
        "binding must be atom indices",
    ),
    (
        "register-height-nan",
        lambda: register_adsorbate("X", Atoms("N"), height=math.nan),
        "height must be > 0 Å, got nan",
    ),
    # structures: vacuum, what is not a Cu slab, crowding
    ("slab-vacuum-0.3", lambda: cu_slab("111", vacuum=0.3), "below 5 Å"),
    ("slab-vacuum-1e5", lambda: cu_slab("111", vacuum=1e5), "above 50 Å"),
    ("sites-on-bulk", lambda: find_sites(_bulk()), "bulk, not a slab"),
    ("sites-on-cluster", lambda: find_sites(Octahedron("Cu", 4)), "a cluster or molecule"),
    ("site-on-wire", lambda: get_site(_wire(), "ontop"), "a wire, not a slab"),
    ("classes-on-its-side", lambda: classify_surface_atoms(_on_its_side()), "surface normal"),
    ("classes-gold-on-top", lambda: classify_surface_atoms(_gold_on_top()), "contains Au"),
    ("removal-gold-on-top", lambda: removal_endpoints(_gold_on_top(), "terrace"), "contains Au"),
    ("adatom-on-bulk", lambda: add_adatom(_bulk()), "bulk, not a slab"),
    ("check-no-cu", lambda: check_cu_slab(fcc111("Au", (2, 2, 3), vacuum=6.0)), "no Cu atoms"),
    (
        "removal-six-co",
        lambda: build_removal_system("100", "adatom", ["CO"] * 6, **SMALL),
        "6 adsorbates (CO+CO+CO+CO+CO+CO) on one Cu atom",
    ),
    (
        "removal-monolayer",
        lambda: build_removal_system("100", "terrace", ["H"] * 3, **{**SMALL, "size": (2, 1)}),
        "is 1.50 monolayers, above 1",
    ),
]


@pytest.mark.parametrize(
    ("call", "expected"), [c[1:] for c in API_CASES], ids=[c[0] for c in API_CASES]
)
def test_bad_api_input_is_refused(tmp_path, call, expected):
    needs_folder = call.__code__.co_argcount == 1
    assert_api_refused((lambda: call(tmp_path)) if needs_folder else call, expected)


def test_refusals_have_their_types():
    with pytest.raises(SettingsError):
        CalculatorSpec(code="gpaw", preset="huge")
    with pytest.raises(CampaignError):
        parse_campaign({**GOOD, "relax_fmax": math.inf})
    with pytest.raises(NotACuSlabError):
        find_sites(_bulk())
    with pytest.raises(CrowdingError):
        build_removal_system("100", "adatom", ["CO"] * 6, **SMALL)


# The structure commands on the same mistakes: one line, exit code 2, nothing written.
def _write_structures(tmp_path: Path) -> None:
    _bulk().write(tmp_path / "bulk.traj")
    Octahedron("Cu", 4).write(tmp_path / "cluster.traj")
    _on_its_side().write(tmp_path / "side.traj")
    _gold_on_top().write(tmp_path / "gold.traj")


LONG = "a" * 300
CLI_CASES = [
    ("sites-bulk", ["sites", "{d}/bulk.traj"], "bulk.traj': bulk, not a slab"),
    ("sites-cluster", ["sites", "{d}/cluster.traj"], "cluster.traj': a cluster or molecule"),
    ("sites-on-its-side", ["sites", "{d}/side.traj"], "side.traj': its surface normal"),
    ("sites-gold-on-top", ["sites", "{d}/gold.traj"], "gold.traj': contains Au"),
    (
        "build-long-name",
        ["build", "111", "-o", f"{{d}}/{LONG}.traj"],
        "a name of 305 bytes is longer than the 255 bytes the file system allows",
    ),
    (
        "build-long-removal-names",
        ["build", "111", "--removal", "terrace", "-o", f"{{d}}/{LONG[:250]}.traj"],
        "longer than the 255 bytes the file system allows",
    ),
    ("build-thin-vacuum", ["build", "111", "--vacuum", "0.3", "-o", "{d}/s.traj"], "below 5 Å"),
    ("build-nan-vacuum", ["build", "111", "--vacuum", "nan", "-o", "{d}/s.traj"], "vacuum"),
]


@pytest.mark.parametrize(
    ("argv", "expected"), [c[1:] for c in CLI_CASES], ids=[c[0] for c in CLI_CASES]
)
def test_bad_structure_command_is_refused(tmp_path, argv, expected):
    _write_structures(tmp_path)
    assert_refused([a.format(d=tmp_path) for a in argv], expected, tmp_path)


def test_corpus_size():
    # with tests/corpus/test_campaigns.py (over 30 campaign cases): well over 40
    assert len(API_CASES) + len(CLI_CASES) >= 30
    assert len({c[0] for c in API_CASES + CLI_CASES}) == len(API_CASES) + len(CLI_CASES)
