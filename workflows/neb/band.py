"""The band as geometry: endpoint checks, continuity across the cell, interpolation.

Pure functions of positions; no optimizer and no calculator beyond a
single-point one that pins a known endpoint energy.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from ase import Atoms
from ase.calculators.singlepoint import SinglePointCalculator
from ase.data import atomic_numbers
from ase.geometry import find_mic
from ase.mep.neb import NEB

from cudiss.structures.errors import CudissInputError
from cudiss.workflows.neb.settings import InterpolationMethod, MovingSystem


def check_endpoints(initial: Atoms, final: Atoms) -> None:
    """Raise :class:`CudissInputError` unless the endpoints can form one band."""
    if len(initial) != len(final):
        raise CudissInputError(
            f"NEB endpoints differ in atom count ({len(initial)} vs {len(final)})"
        )
    if initial.get_chemical_symbols() != final.get_chemical_symbols():
        raise CudissInputError("NEB endpoints have different atom order or species")
    if not np.allclose(initial.cell, final.cell, atol=1e-6):
        raise CudissInputError("NEB endpoints have different cells")


def unwrap_like(atoms: Atoms, reference: np.ndarray) -> Atoms:
    """Move each atom to its periodic image nearest to ``reference`` (positions, Å).

    pymatgen wraps coordinates into the cell, so an image or endpoint that went
    through a ``Structure`` can come back shifted by a lattice vector; a band
    must be continuous.
    """
    shift = find_mic(atoms.positions - reference, atoms.cell, atoms.pbc)[0]
    atoms.positions = reference + shift
    return atoms


def unwrap_band(images: Sequence[Atoms]) -> list[Atoms]:
    """Make a band continuous: every image unwrapped against the one before it."""
    band = [images[0].copy()]
    for image in images[1:]:
        band.append(unwrap_like(image.copy(), band[-1].positions))
    return band


def interpolate_band(
    initial: Atoms,
    final: Atoms,
    n_images: int,
    method: InterpolationMethod = "idpp",
    displacement: np.ndarray | None = None,
) -> list[Atoms]:
    """Return ``[initial, n_images interior images, final]`` interpolated by ASE.

    Parameters
    ----------
    initial, final
        Relaxed endpoints with identical atom order and cell.
    n_images
        Number of interior images.
    method
        ``idpp`` or ``linear``.
    displacement
        Intended per-atom displacement from initial to final (Å, shape (n, 3)).
        Each final-state atom is taken at its periodic image nearest to
        ``initial + displacement``; without it, at the one nearest to the initial
        position (ambiguous for a hop of half a cell).
    """
    check_endpoints(initial, final)
    if displacement is not None and np.shape(displacement) != (len(initial), 3):
        # A single (3,) vector would broadcast to every atom and silently move
        # the whole slab by it: with a hop of half a cell (2x2 Cu(100)) fixed
        # atoms then jump a lattice vector and two atoms meet mid-band.
        raise CudissInputError(
            f"displacement must be per atom, shape ({len(initial)}, 3); "
            f"got {np.shape(displacement)}"
        )
    hint = initial.positions + (0.0 if displacement is None else np.asarray(displacement))
    final = unwrap_like(final.copy(), hint)
    images = [initial.copy() for _ in range(n_images + 1)] + [final]
    # Fixed atoms coincide in both endpoints, so ignoring constraints while
    # interpolating moves none of them.
    NEB(images, method="improvedtangent").interpolate(
        method=method, mic=False, apply_constraint=False
    )
    for image in images:
        image.calc = None
    return images


def freeze_energy(atoms: Atoms, energy: float) -> None:
    """Attach a known energy (and zero forces) to an endpoint so it is never recomputed."""
    atoms.calc = SinglePointCalculator(atoms, energy=energy, forces=np.zeros((len(atoms), 3)))


def band_fmax(forces: np.ndarray) -> float:
    """Largest per-atom NEB force norm (eV/Å), the criterion ASE's BFGS and FIRE use."""
    return float(np.linalg.norm(np.reshape(forces, (-1, 3)), axis=1).max())


def moving_system(initial: Atoms, final: Atoms, carried_A: float = 0.5) -> MovingSystem:
    """What the band moves: ``bare`` Cu, or Cu with the adsorbates it carries.

    A non-Cu atom that moves more than ``carried_A`` (Å) along the band is
    carried by the moving Cu: ``hydrogen-bearing`` if one of them is H (OH, H,
    COOH; on OH no surrogate path paid, docs/neb.md), else ``adsorbate-bound``.
    Displacements are minimum-image vectors between the endpoints.
    """
    moves = find_mic(final.positions - initial.positions, initial.cell, initial.pbc)[0]
    distance = np.linalg.norm(moves, axis=1)
    carried = initial.numbers[(initial.numbers != atomic_numbers["Cu"]) & (distance > carried_A)]
    if atomic_numbers["H"] in carried:
        return "hydrogen-bearing"
    return "adsorbate-bound" if carried.size else "bare"
