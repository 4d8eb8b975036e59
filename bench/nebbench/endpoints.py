"""The endpoints every method of a case shares, and the endpoint relaxation study.

The NEB band starts from endpoints relaxed with plain ASE BFGS (fmax 0.05 eV/Å)
as it always did, so the NEB rows stay comparable with earlier runs. The study
then relaxes the same unrelaxed endpoints again through the project's own
code path, ``CuRelaxMaker(prerelax=...).run_ase`` (an MLIP stage, then BFGS with
the real calculator from the MLIP's geometry and Hessian), and compares the
real calculator's calls, SCF iterations and final energies with plain BFGS's.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from ase import Atoms
from ase.geometry import find_mic
from ase.optimize import BFGS
from pymatgen.io.ase import AseAtomsAdaptor

from cudiss.structures.removal import RemovalEndpoints
from cudiss.workflows.makers import CuRelaxMaker
from cudiss.workflows.neb import interpolate_band
from nebbench.cases import Case
from nebbench.metering import Meter
from nebbench.methods import FMAX, N_IMAGES

RELAX_STEPS = 300
LABELS = ("initial", "final")


def geometry_record(ends: RemovalEndpoints) -> dict[str, Any]:
    """What the builder did to the unrelaxed initial state: vacuum gaps and adsorbate tilt.

    ``build_removal_system`` keeps the vacuum above the highest atom at least
    the one below the lowest (``keep_top_vacuum``) and tilts upright CO/OH by
    5° (``tilt_upright``); the record says whether that happened here.
    """
    atoms = ends.initial
    z = atoms.positions[:, 2]
    c = float(atoms.cell[2, 2])
    below, above = float(z.min()), c - float(z.max())
    record: dict[str, Any] = {
        "n_atoms": len(atoms),
        "cell_c_A": round(c, 3),
        "vacuum_below_A": round(below, 3),
        "vacuum_above_A": round(above, 3),
        "top_vacuum_kept": above >= below - 1e-6,
    }
    indices = list(ends.adsorbate_indices)
    if indices:
        record["adsorbate"] = "".join(atoms.get_chemical_symbols()[i] for i in indices)
        record["adsorbate_tilt_deg"] = _tilt(atoms.positions[indices])
    return record


def _tilt(positions: np.ndarray) -> float | None:
    """Angle (degrees) between the surface normal and binding atom -> last atom; None for one."""
    if len(positions) < 2:
        return None
    axis = positions[-1] - positions[0]
    return round(float(np.degrees(np.arccos(axis[2] / np.linalg.norm(axis)))), 2)


@dataclass
class RelaxedEndpoints:
    """Both endpoints relaxed with plain BFGS: the band's start and the study's reference.

    Attributes
    ----------
    starts
        The unrelaxed endpoints (copies, no calculator), by label.
    relaxed
        The relaxed endpoints (calculators attached), by label.
    energies
        Their energies (eV), initial then final.
    info
        Metered cost, for ``results.json`` (``endpoint_relax``).
    """

    starts: dict[str, Atoms]
    relaxed: dict[str, Atoms]
    energies: list[float]
    info: dict[str, Any]


def relax_endpoints(case: Case, ends: RemovalEndpoints, workdir: Path) -> RelaxedEndpoints:
    """Relax both endpoints once (BFGS, fmax 0.05 eV/Å, one meter for both)."""
    starts = {label: getattr(ends, label).copy() for label in LABELS}
    meter = Meter()
    start = time.perf_counter()
    energies, per_endpoint = [], {}
    for label in LABELS:
        atoms = getattr(ends, label)
        calls, scf, begin = meter.force_calls, meter.scf_iterations, time.perf_counter()
        atoms.calc = meter.wrap(case.build(txt=str(workdir / f"relax-{label}.txt")))
        BFGS(atoms, logfile=None).run(fmax=FMAX, steps=RELAX_STEPS)
        energies.append(float(atoms.get_potential_energy()))
        per_endpoint[label] = {
            "force_calls": meter.force_calls - calls,
            "scf_iterations": meter.scf_iterations - scf,
            "wall_s": round(time.perf_counter() - begin, 2),
            "energy_eV": energies[-1],
        }
    info = {
        "force_calls": meter.force_calls,
        "scf_iterations": meter.scf_iterations,
        "wall_s": round(time.perf_counter() - start, 2),
        "energies_eV": energies,
        "n_atoms": len(ends.initial),
        "per_endpoint": per_endpoint,
    }
    relaxed = {label: getattr(ends, label) for label in LABELS}
    return RelaxedEndpoints(starts, relaxed, energies, info)


def restored_endpoints(
    ends: RemovalEndpoints, saved: list[Atoms], info: dict[str, Any]
) -> RelaxedEndpoints:
    """The endpoints of an earlier start of this run (``--resume``): ``ends`` moved in place.

    ``saved`` holds the relaxed initial and final geometries, ``info`` the metered
    cost and energies recorded then (``endpoint_relax``); no calculator is called.
    """
    starts = {label: getattr(ends, label).copy() for label in LABELS}
    for label, atoms in zip(LABELS, saved, strict=True):
        getattr(ends, label).positions = atoms.positions
    relaxed = {label: getattr(ends, label) for label in LABELS}
    return RelaxedEndpoints(starts, relaxed, list(info["energies_eV"]), info)


def shared_band(ends: RemovalEndpoints) -> list[Atoms]:
    """The IDPP band between the relaxed endpoints, every method's start."""
    # Per-atom displacement between the endpoints (relaxed in place, as this bench
    # always did): says which periodic image of each atom the final state means.
    displacement = ends.final.positions - ends.initial.positions
    return interpolate_band(ends.initial, ends.final, N_IMAGES, "idpp", displacement)


@contextmanager
def _isolated(folder: Path) -> Iterator[None]:
    """Run a maker in ``folder``, in this process, with checkpoints of its own.

    The maker checkpoints every step and saves its MLIP stage under
    ``CUDISS_CHECKPOINT_DIR`` (default ``~/.cache``): a stage or a relaxation
    found there from an earlier run would be read back and cost no calls. The
    MPI launcher is unset so the calculator runs here, where it is metered.
    """
    folder.mkdir(parents=True, exist_ok=True)
    keys = ("CUDISS_CHECKPOINT_DIR", "CUDISS_MPI_LAUNCHER")
    saved_env, cwd = {key: os.environ.get(key) for key in keys}, os.getcwd()
    os.environ["CUDISS_CHECKPOINT_DIR"] = str(folder / "checkpoints")
    os.environ.pop("CUDISS_MPI_LAUNCHER", None)
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(cwd)
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _maker(case: Case, prerelax: str, meter: Meter, txt: str) -> CuRelaxMaker:
    """``CuRelaxMaker`` whose calculator is the case's, metered (atomate2's calculator hook)."""

    @dataclass
    class BenchRelaxMaker(CuRelaxMaker):
        def _get_calculator(self) -> Any:
            return meter.wrap(case.build(txt=txt))

    mlip, variant = study_variant(prerelax)
    return BenchRelaxMaker(
        calculator_spec=case.spec,
        fmax=FMAX,
        steps=RELAX_STEPS,
        prerelax=mlip,
        prerelax_geometry=variant == "geometry",
    )


#: Endpoint-study variants: ``MLIP`` is the maker's default (BFGS from the input
#: with the MLIP Hessian there), ``MLIP-geometry`` relaxes with the MLIP first.
STUDY_VARIANTS = ("", "geometry")


def study_variant(study: str) -> tuple[str, str]:
    """``sevennet-geometry`` -> (``sevennet``, ``geometry``); ``none`` -> (``none``, ``""``)."""
    mlip, _, variant = study.partition("-")
    if variant not in STUDY_VARIANTS:
        raise ValueError(f"--prerelax {study}: the variant after '-' must be 'geometry'")
    return mlip, variant


def _final_energy(result: Any) -> float:
    """The last energy of the relaxation's trajectory (emmet or pymatgen model), eV."""
    trajectory = result.trajectory
    energies = getattr(trajectory, "energy", None)
    if energies is not None:
        return float(energies[-1])
    return float(trajectory.frame_properties[-1]["energy"])


def _shift(atoms: Atoms, reference: Atoms) -> float:
    """Largest minimum-image distance (Å) of any atom from its place in ``reference``."""
    vectors, _ = find_mic(atoms.positions - reference.positions, atoms.cell, atoms.pbc)
    return round(float(np.linalg.norm(vectors, axis=1).max()), 4)


def relax_with_maker(
    case: Case, prerelax: str, label: str, relaxed: RelaxedEndpoints, workdir: Path
) -> dict[str, Any]:
    """Relax one unrelaxed endpoint with ``CuRelaxMaker(prerelax=...)``; meter the real calls."""
    meter = Meter()
    folder = workdir / f"endpoint-{prerelax}-{label}"
    maker = _maker(case, prerelax, meter, str(folder / "relax.txt"))
    # a Structure, as the campaign flows pass it (FixAtoms, tags and pbc survive)
    structure = AseAtomsAdaptor().get_structure(relaxed.starts[label])
    start = time.perf_counter()
    with _isolated(folder):
        result = maker.run_ase(structure)
    wall = time.perf_counter() - start
    final = AseAtomsAdaptor().get_atoms(result.final_mol_or_struct)
    energy = _final_energy(result)
    reference = relaxed.relaxed[label]
    row = {
        **meter.summary(),
        "maker_force_calls": result.force_calls,
        "wall_s": round(wall, 2),
        "energy_eV": energy,
        "delta_meV": round(1000 * (energy - relaxed.info["per_endpoint"][label]["energy_eV"]), 3),
        "max_shift_from_plain_A": _shift(final, reference),
        "converged": bool(result.is_force_converged),
    }
    if result.prerelax is not None:
        stage = result.prerelax
        row["mlip_stage"] = stage.model_dump(exclude_defaults=True)
        row["real_stage_wall_s"] = round(wall - stage.wall_time_s, 2)
    return row


def endpoint_study(
    case: Case, prerelax: str, relaxed: RelaxedEndpoints, workdir: Path
) -> dict[str, Any]:
    """Both endpoints relaxed through the maker with ``prerelax`` (``none``: the control)."""
    if prerelax != "none":
        from cudiss.workflows.calculators.mlip import mlip_calculator

        mlip_calculator(study_variant(prerelax)[0])  # loaded once, not in a row's wall
    return {label: relax_with_maker(case, prerelax, label, relaxed, workdir) for label in LABELS}
