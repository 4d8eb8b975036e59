"""MLIP pre-relaxation and the MLIP Hessian as BFGS's first one (workflows/prerelax.py).

EMT plays the real calculator: the MLIP stage is real (SevenNet, CHGNet), the
second stage must end where plain BFGS from the same start ends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pytest
from ase.calculators.emt import EMT
from ase.optimize import BFGS, FIRE
from pymatgen.io.ase import AseAtomsAdaptor

from cudiss.structures.removal import build_removal_system
from cudiss.workflows.calculators import CalculatorSpec
from cudiss.workflows.calculators.electrode_spec import ElectrodeSpec
from cudiss.workflows.campaign import parse_campaign
from cudiss.workflows.checkpoint import Checkpoint, resumable
from cudiss.workflows.errors import CampaignError, SettingsError
from cudiss.workflows.makers import CuRelaxMaker, CuStaticMaker
from cudiss.workflows.mechanism_settings import adsorption_maker
from cudiss.workflows.prerelax import (
    FIXED_CURVATURE,
    HESSIAN_FLOOR,
    another_basin,
    free_coordinates,
    mlip_hessian,
    with_initial_hessian,
)
from cudiss.workflows.schemas import CuRelaxTaskDoc

FMAX = 0.01  # tight, so both relaxations end within a few 0.1 meV of the minimum


def _start(adsorbates: tuple[str, ...] = ("O",)):
    """Cu(100) 2x2x4 (two layers fixed) with an adatom carrying ``adsorbates``: 18-19 atoms."""
    ends = build_removal_system("100", "adatom", list(adsorbates), (2, 2), 4, 6.0, 2, 3.59)
    return AseAtomsAdaptor().get_structure(ends.initial)


def _energy(result) -> float:
    return float(result.trajectory.frame_properties[-1]["energy"])


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # relax.traj and prerelax.traj go to the job folder
    return tmp_path


@pytest.mark.parametrize(
    ("adsorbates", "mlip"), [((), "sevennet"), (("O",), "sevennet"), (("O",), "chgnet")]
)
def test_prerelaxed_bfgs_ends_where_plain_bfgs_ends(adsorbates, mlip, in_tmp):
    start = _start(adsorbates)
    plain = CuRelaxMaker(fmax=FMAX).run_ase(start)
    pre = CuRelaxMaker(fmax=FMAX, prerelax=mlip, prerelax_geometry=True).run_ase(start)
    assert plain.converged and pre.converged
    assert _energy(pre) == pytest.approx(_energy(plain), abs=2e-3)
    assert plain.prerelax is None and plain.force_calls > 1
    record = pre.prerelax
    assert record.mlip == mlip and record.used and record.hessian_used and not record.reused
    assert record.relaxed and record.converged and record.fmax <= FMAX
    assert record.force_calls > record.steps > 0
    free = len(adsorbates) + 1 + 8  # adsorbate, adatom and the two free layers
    assert record.hessian_force_calls == 3 * free + 1  # forward differences
    assert 0 < record.max_shift_A < 0.5  # the MLIP's Cu lattice differs a little
    # EMT force calls: 20 -> 4 (O), 18 -> 3 (bare) with SevenNet when measured
    assert pre.force_calls < plain.force_calls
    assert (in_tmp / "prerelax.traj").exists()


@pytest.mark.parametrize(("adsorbates", "mlip"), [((), "sevennet"), (("O",), "chgnet")])
def test_the_default_starts_bfgs_at_the_input_with_the_mlip_hessian(adsorbates, mlip, in_tmp):
    start = _start(adsorbates)
    plain = CuRelaxMaker(fmax=FMAX).run_ase(start)
    pre = CuRelaxMaker(fmax=FMAX, prerelax=mlip).run_ase(start)
    assert pre.converged
    assert _energy(pre) == pytest.approx(_energy(plain), abs=2e-3)
    record = pre.prerelax
    assert not record.relaxed and not record.used and record.hessian_used
    assert record.steps == 0 and record.force_calls == 0 and record.max_shift_A == 0.0
    free = len(adsorbates) + 1 + 8
    # the forces at the input are the forward differences' reference: one call
    assert record.hessian_force_calls == 3 * free + 1
    assert record.fmax > FMAX  # the input is not relaxed
    assert pre.force_calls < plain.force_calls
    assert not (in_tmp / "prerelax.traj").exists()  # no MLIP relaxation
    # the real stage's first geometry is the input's
    first = pre.trajectory.frame_properties[0]["energy"]
    assert first == pytest.approx(plain.trajectory.frame_properties[0]["energy"], abs=1e-9)


def _hydroxyl_on_adatom():
    """Cu(100) 2x2x3 + adatom + OH, with O 1.85 Å above the adatom and H 0.98 Å above O."""
    ends = build_removal_system("100", "adatom", ["OH"], (2, 2), 3, 6.0, 1, 3.63)
    atoms = ends.initial.copy()
    symbols = atoms.get_chemical_symbols()
    return atoms, symbols.index("O"), symbols.index("H")


def test_an_oh_bending_over_is_the_same_basin_a_hop_or_an_h_transfer_is_not():
    atoms, o, h = _hydroxyl_on_adatom()
    adatom = int(
        np.argmax(
            np.where(np.array(atoms.get_chemical_symbols()) == "Cu", atoms.positions[:, 2], -np.inf)
        )
    )
    # upright OH; H turned 104° about O, bond kept: the chord 2 d sin(52°), 1.5 Å
    bond = np.linalg.norm(atoms.positions[h] - atoms.positions[o])
    atoms.positions[h] = atoms.positions[o] + [0, 0, bond]
    bent = atoms.copy()
    angle = np.radians(104.0)
    bent.positions[h] = atoms.positions[o] + bond * np.array([np.sin(angle), 0, np.cos(angle)])
    chord = np.linalg.norm(bent.positions[h] - atoms.positions[h])
    assert chord == pytest.approx(2 * bond * np.sin(np.radians(52.0))) and chord > 1.5
    assert another_basin(atoms, bent) is None
    # the adatom with its OH hopping by a/√2 = 2.57 Å to the next hollow
    hopped = atoms.copy()
    hopped.positions[[adatom, o, h]] += [3.63 / np.sqrt(2), 0, 0]
    assert "moved 2.57 Å" in another_basin(atoms, hopped)
    # H moved 1.2 Å down onto the adatom's side: its nearest atom is now Cu, not O
    transferred = atoms.copy()
    transferred.positions[h] = atoms.positions[adatom] + [1.6, 0, -0.3]
    assert f"left atom {o} for atom" in another_basin(atoms, transferred)


def test_mlip_hessian_is_symmetric_positive_definite_with_fixed_atoms_at_70():
    atoms = AseAtomsAdaptor().get_atoms(_start())
    atoms.calc = EMT()
    hessian, lowest, floored = mlip_hessian(atoms)
    n = 3 * len(atoms)
    assert hessian.shape == (n, n)
    assert np.allclose(hessian, hessian.T)
    assert np.linalg.eigvalsh(hessian).min() >= HESSIAN_FLOOR - 1e-9
    free = free_coordinates(atoms)
    assert free.sum() == 3 * (len(atoms) - 8)  # 8 fixed atoms
    fixed = ~free
    assert np.allclose(hessian[np.ix_(fixed, fixed)], FIXED_CURVATURE * np.eye(fixed.sum()))
    assert not hessian[np.ix_(fixed, free)].any()
    assert np.isfinite(lowest) and 0 <= floored < free.sum()
    # the positions are back where they were
    assert np.allclose(atoms.positions, AseAtomsAdaptor().get_atoms(_start()).positions)


def test_bfgs_starts_from_the_given_hessian_and_a_resume_keeps_its_own(tmp_path):
    """A resumed BFGS continues with its checkpointed Hessian, not the initial one again."""
    atoms = AseAtomsAdaptor().get_atoms(_start())
    atoms.calc = EMT()
    hessian = mlip_hessian(atoms)[0]
    # from its own Hessian's geometry EMT converges in 2 steps; rattled by a seeded
    # 0.1 Å (plain BFGS: 39 steps) the run is long enough to interrupt
    free = free_coordinates(atoms).reshape(-1, 3).all(axis=1)
    atoms.positions[free] += np.random.default_rng(7).normal(0.0, 0.1, (free.sum(), 3))
    optimizer = with_initial_hessian(resumable(BFGS))

    def run(folder, initial, fail_after=None):
        work = atoms.copy()
        work.calc = EMT()
        if fail_after is not None:
            calls = [0]
            original = work.calc.calculate

            def calculate(*args, **kwargs):
                calls[0] += 1
                if calls[0] > fail_after:
                    raise RuntimeError("node lost")
                return original(*args, **kwargs)

            work.calc.calculate = calculate
        opt = optimizer(
            work, logfile=None, checkpoint=Checkpoint(folder / "c.pkl"), initial_hessian=initial
        )
        start_h0 = opt.H0.copy()
        converged = opt.run(fmax=FMAX, steps=200)
        return work, opt, converged, start_h0

    reference, ref_opt, converged, h0 = run(tmp_path / "ref", hessian)
    assert converged and np.array_equal(h0, hessian) and ref_opt.nsteps >= 6
    with pytest.raises(RuntimeError, match="node lost"):
        run(tmp_path / "cut", hessian, fail_after=3)
    # resumed with a different (wrong) initial Hessian: it must not be used
    resumed, opt, converged, _ = run(tmp_path / "cut", 5.0 * np.eye(len(hessian)))
    assert converged and opt.resumed_steps >= 2
    assert opt.nsteps == ref_opt.nsteps
    assert np.allclose(resumed.positions, reference.positions, atol=1e-8)


@dataclass
class _FlakyEmtMaker(CuRelaxMaker):
    """EMT that raises after ``fail_after`` calculations (0: never), like a lost node."""

    fail_after: int = 0

    def _get_calculator(self):
        calc = EMT()
        if self.fail_after:
            calls = [0]
            original = calc.calculate

            def calculate(*args, **kwargs):
                calls[0] += 1
                if calls[0] > self.fail_after:
                    raise RuntimeError("node lost")
                return original(*args, **kwargs)

            calc.calculate = calculate
        return calc


def test_prerelaxed_relaxation_resumes_after_an_interruption(in_tmp, monkeypatch):
    start = _start()
    monkeypatch.setenv("CUDISS_CHECKPOINT_DIR", str(in_tmp / "reference"))
    reference = CuRelaxMaker(fmax=FMAX, prerelax="sevennet").run_ase(start)
    monkeypatch.setenv("CUDISS_CHECKPOINT_DIR", str(in_tmp / "killed"))
    with pytest.raises(RuntimeError, match="node lost"):
        _FlakyEmtMaker(fmax=FMAX, prerelax="sevennet", fail_after=3).run_ase(start)
    resumed = _FlakyEmtMaker(fmax=FMAX, prerelax="sevennet").run_ase(start)
    # EMT computes forces and (for atomate2's trajectory) stress separately: the
    # 4th calculation is inside step 1 or 2, wherever the steps fall
    saved = int(re.search(r"at step (\d+) ", resumed.resumed or "").group(1))
    assert 1 <= saved < reference.force_calls - 1
    assert resumed.prerelax.reused  # the MLIP stage is read back, not run again
    assert _energy(resumed) == pytest.approx(_energy(reference), abs=1e-6)
    # the forces of steps 0 .. saved-1 before, the rest after: the uninterrupted count
    assert saved + resumed.force_calls == reference.force_calls


def test_the_checkpoint_key_names_the_prerelaxation():
    start = _start()
    keys = {
        CuRelaxMaker(prerelax=p, prerelax_hessian=h, prerelax_geometry=g)
        .checkpoint(start)
        .path.name
        for p, h, g in [
            ("none", True, False),
            ("sevennet", True, False),
            ("sevennet", True, True),
            ("sevennet", False, True),
            ("chgnet", True, False),
        ]
    }
    assert len(keys) == 5
    # an MLIP calculator is not pre-relaxed: its key is the plain one
    mlip = CalculatorSpec(code="sevennet")
    assert (
        CuRelaxMaker(calculator_spec=mlip, prerelax="chgnet").checkpoint(start).path
        == CuRelaxMaker(calculator_spec=mlip).checkpoint(start).path
    )
    assert CuRelaxMaker(calculator_spec=mlip, prerelax="chgnet").prerelax_stage(start) is None


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"prerelax": "emt"}, "prerelax must be one of none, auto, sevennet, chgnet, got 'emt'"),
        ({"prerelax": "sevennet", "relax_cell": True}, "cannot precede a cell relaxation"),
        (
            {"prerelax": "sevennet", "optimizer_kwargs": {"optimizer": "FIRE"}},
            "an MLIP Hessian needs the BFGS optimizer, got FIRE",
        ),
        ({"prerelax_hessian": "yes"}, "prerelax_hessian must be a bool"),
        ({"prerelax_geometry": 1}, "prerelax_geometry must be a bool"),
        (
            {"prerelax": "chgnet", "prerelax_hessian": False},
            "neither prerelax_hessian nor prerelax_geometry leaves the MLIP nothing to do",
        ),
    ],
)
def test_bad_prerelax_settings_are_one_line(kwargs, fragment):
    with pytest.raises(SettingsError, match=fragment.replace("(", r"\(")) as info:
        CuRelaxMaker(**kwargs)
    assert "\n" not in str(info.value)


def test_prerelax_without_hessian_takes_any_optimizer_but_not_a_single_point():
    maker = CuRelaxMaker(
        prerelax="chgnet",
        prerelax_hessian=False,
        prerelax_geometry=True,
        optimizer_kwargs={"optimizer": FIRE},
    )
    assert maker.prerelax == "chgnet"
    with pytest.raises(SettingsError, match="cannot precede a single point"):
        CuStaticMaker(prerelax="sevennet")


SMALL = {"size": [2, 2], "layers": 3, "vacuum": 6.0, "fixed_layers": 1}


def test_campaign_prerelax_reaches_every_slab_relaxation():
    campaign = parse_campaign(
        {
            "name": "pre",
            "facets": ["100"],
            "sites": ["adatom"],
            "slab": SMALL,
            "prerelax": "SevenNet",
            "mechanism": {"adsorbates": ["O"], "vibrations": False},
        }
    )
    assert campaign.prerelax == "sevennet"
    assert campaign.maker().prerelax == "sevennet"
    assert adsorption_maker(campaign).relax_maker().prerelax == "sevennet"
    flow = campaign.maker().make(campaign.configurations()[0])
    relaxations = {j.name.rsplit(" ", 1)[1]: j for j in flow.jobs if " relax " in j.name}
    assert set(relaxations) == {"initial", "final", "vacancy"}
    assert relaxations["initial"].maker.prerelax == "sevennet"
    assert relaxations["vacancy"].maker.prerelax == "sevennet"
    # the hop's final state starts from the relaxed initial one carried over
    # (workflows/final_state.py), at a minimum already: an MLIP stage would leave it
    assert relaxations["final"].maker.prerelax == "none"
    (carry,) = [j for j in flow.jobs if "carry" in j.name]
    assert relaxations["final"].function_args[0].uuid == carry.uuid
    default = parse_campaign({"name": "p", "facets": ["100"], "sites": ["adatom"], "slab": SMALL})
    assert default.prerelax == "auto"


GPAW = CalculatorSpec(code="gpaw", preset="test")


@pytest.mark.parametrize(
    ("kwargs", "resolved"),
    [
        ({"calculator_spec": GPAW}, "sevennet"),
        ({"calculator_spec": CalculatorSpec(code="emt")}, "none"),
        ({"calculator_spec": CalculatorSpec(code="sevennet")}, "none"),
        ({"calculator_spec": CalculatorSpec(code="chgnet")}, "none"),
        (
            {
                "calculator_spec": CalculatorSpec(
                    code="gpaw", preset="sjm-test", electrode=ElectrodeSpec(potential_V=-1.0)
                )
            },
            "none",
        ),
        ({"calculator_spec": GPAW, "optimizer_kwargs": {"optimizer": "FIRE"}}, "none"),
        ({"calculator_spec": GPAW, "relax_cell": True}, "none"),
        ({"calculator_spec": GPAW, "steps": 1}, "none"),
    ],
)
def test_auto_takes_sevennet_only_for_a_gpaw_relaxation_bfgs_can_start_from_it(kwargs, resolved):
    maker = CuRelaxMaker(prerelax="auto", **kwargs)
    assert maker.prerelax == "auto"  # the choice is kept; the MLIP is resolved from it
    assert maker.prerelax_mlip == resolved
    explicit = CuRelaxMaker(prerelax=resolved, **kwargs) if resolved != "none" else None
    plain = CuRelaxMaker(**kwargs)
    start = _start(())
    same_as = explicit if explicit is not None else plain
    if maker.steps > 1:  # a single point has no checkpoint
        assert maker.checkpoint(start).path == same_as.checkpoint(start).path


def test_a_bad_campaign_prerelax_is_one_line_with_the_choices():
    with pytest.raises(CampaignError) as info:
        parse_campaign({"name": "p", "facets": ["100"], "sites": ["adatom"], "prerelax": "emt"})
    assert str(info.value) == (
        "campaign: prerelax: must be one of none, auto, sevennet, chgnet, got 'emt'"
    )


def test_the_relaxation_document_records_both_stages(in_tmp):
    from jobflow import run_locally

    job = CuRelaxMaker(fmax=0.05, prerelax="sevennet").make(_start(("CO",)))
    responses = run_locally(job, create_folders=True, root_dir=in_tmp, log=False)
    doc = responses[job.uuid][1].output
    assert isinstance(doc, CuRelaxTaskDoc)
    assert doc.force_calls >= 1 and doc.prerelax.mlip == "sevennet"
    assert doc.prerelax.hessian_used and doc.prerelax.hessian_force_calls > 0
    assert CuRelaxTaskDoc.model_validate(doc.model_dump()).prerelax == doc.prerelax
