"""Cu slabs of the low-index and stepped facets, and pymatgen conversion."""

from __future__ import annotations

import math
import re

import numpy as np
from ase import Atoms
from ase.build import fcc100, fcc110, fcc111, fcc211
from ase.constraints import FixAtoms
from pymatgen.core import Structure
from pymatgen.io.ase import AseAtomsAdaptor

from cudiss.structures.bulk import CU_LATTICE_CONSTANT, check_lattice_constant
from cudiss.structures.errors import LayerCountError, SlabParameterError, UnknownFacetError

#: Facets cudiss can build. 211 is the stepped surface: 3-row (111) terraces
#: separated by (100) steps (Cu(S)-[3(111)x(100)]).
FACETS = ("111", "100", "110", "211")

_BUILDERS = {"111": fcc111, "100": fcc100, "110": fcc110, "211": fcc211}

# Rows of a Cu(211) cell: one step unit is three atomic rows wide, each at its own height.
_ROWS_PER_211_STEP = 3


def facet_key(facet: object) -> str:
    """A facet's spelling reduced to its Miller indices, known facet or not.

    ``"Cu(100)"``, ``"(100)"``, ``" cu 100 "`` and ``100`` all give ``"100"``;
    :func:`normalize_facet` also checks that cudiss can build it.

    >>> facet_key("Cu(123)"), facet_key(111)
    ('123', '111')
    """
    key = re.sub(r"^cu", "", str(facet).strip().lower())
    return re.sub(r"[\s(),\[\]]", "", key)


def normalize_facet(facet: str) -> str:
    """Return the canonical Miller-index string of a facet.

    Parameters
    ----------
    facet : str
        ``"111"``, ``"(111)"``, ``"Cu(111)"``, ``"cu 111"`` … (case and spaces ignored).

    Returns
    -------
    str
        One of :data:`FACETS`.

    Raises
    ------
    UnknownFacetError
        If the facet is not one of :data:`FACETS`.
    """
    key = facet_key(facet)
    if key not in FACETS:
        raise UnknownFacetError(
            f"unknown facet {facet!r}; choose one of {', '.join(FACETS)} (e.g. '111' or 'Cu(111)')"
        )
    return key


def _check_size(size: tuple[int, int], facet: str) -> tuple[int, int]:
    try:
        nx, ny = (int(n) for n in size)
    except (TypeError, ValueError):
        raise SlabParameterError(f"size must be two integers like (3, 3), got {size!r}") from None
    if tuple(size) != (nx, ny) or nx < 1 or ny < 1:
        raise SlabParameterError(f"size must be two integers >= 1 like (3, 3), got {size!r}")
    if facet == "211" and nx % _ROWS_PER_211_STEP:
        raise SlabParameterError(
            f"facet 211 needs size[0] divisible by 3 (one step is 3 rows wide), got {nx}"
        )
    return nx, ny


def _check_layers(layers: int, fixed_layers: int) -> tuple[int, int]:
    if int(layers) != layers or int(fixed_layers) != fixed_layers:
        raise LayerCountError(
            f"layers and fixed_layers must be integers, got {layers!r} and {fixed_layers!r}"
        )
    layers, fixed_layers = int(layers), int(fixed_layers)
    if fixed_layers < 0:
        raise LayerCountError(f"fixed_layers must be >= 0, got {fixed_layers}")
    # At least one free layer above the fixed ones, or nothing can relax.
    if layers < fixed_layers + 1:
        raise LayerCountError(
            f"{layers} layers is too few for {fixed_layers} fixed layers; "
            f"need layers >= fixed_layers + 1 = {fixed_layers + 1}"
        )
    return layers, fixed_layers


#: Vacuum on each side of a slab, Å. Below 5 Å the slab's top layer (or its
#: adsorbates) comes within 10 Å of the bottom of the slab's next periodic image:
#: the Cu electron density still spills ~3 Å into the vacuum on each side, and
#: work function and surface energy are not converged below ~10 Å of vacuum. Above
#: 50 Å the cell is mostly empty space that every plane-wave or grid step pays for
#: (cost grows with the cell volume) with nothing left to converge.
VACUUM_MIN, VACUUM_MAX = 5.0, 50.0


def check_vacuum(vacuum: float) -> float:
    """Validate a vacuum thickness (Å, each side of the slab) and return it as a float.

    Raises
    ------
    SlabParameterError
        If ``vacuum`` is not a finite number between :data:`VACUUM_MIN` and
        :data:`VACUUM_MAX` Å.

    Examples
    --------
    >>> check_vacuum(7.5)
    7.5
    """
    try:
        value = float(vacuum)
    except (TypeError, ValueError):
        raise SlabParameterError(f"vacuum must be a number in Å, got {vacuum!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise SlabParameterError(f"vacuum must be > 0 Å (each side of the slab), got {vacuum!r}")
    if value < VACUUM_MIN:
        raise SlabParameterError(
            f"vacuum {value:g} Å is below {VACUUM_MIN:g} Å (each side of the slab): the slab "
            f"would feel its periodic image across {2 * value:g} Å of vacuum"
        )
    if value > VACUUM_MAX:
        raise SlabParameterError(
            f"vacuum {value:g} Å is above {VACUUM_MAX:g} Å (each side of the slab): a cell "
            "that is mostly empty space, paid for in every DFT step with nothing gained"
        )
    return value


_check_vacuum = check_vacuum


def _tag_211_layers(atoms: Atoms) -> np.ndarray:
    """Layer tags for Cu(211), top = 1, matching the ``size[2]`` layers of ASE's builder.

    ASE's fcc211 leaves all tags 0. One (211) layer holds three atomic rows, each at its
    own height (step edge, terrace, step foot), so three consecutive height levels
    form one layer.
    """
    z = atoms.positions[:, 2]
    levels = np.unique(np.round(z, 3))[::-1]  # highest first
    level_of_atom = np.searchsorted(-levels, -np.round(z, 3))
    return level_of_atom // _ROWS_PER_211_STEP + 1


def cu_slab(
    facet: str,
    size: tuple[int, int] = (3, 3),
    layers: int = 4,
    vacuum: float = 7.5,
    fixed_layers: int = 2,
    a: float = CU_LATTICE_CONSTANT,
) -> Atoms:
    """Build a Cu slab with the bottom layers fixed.

    Parameters
    ----------
    facet : str
        ``"111"``, ``"100"``, ``"110"`` or ``"211"`` (stepped); ``"(111)"`` and
        ``"Cu(111)"`` are accepted too.
    size : tuple of int, optional
        Surface repetitions (nx, ny). For 211, nx counts atomic rows across the step
        and must be divisible by 3 (3 rows = one step unit); ny counts atoms along the step.
    layers : int, optional
        Number of layers; tag 1 is the top layer, tag ``layers`` the bottom one
        (ASE convention). A Cu(211) layer holds 3 rows of different height.
    vacuum : float, optional
        Vacuum on each side of the slab, Å, between :data:`VACUUM_MIN` (5) and
        :data:`VACUUM_MAX` (50) Å. Adatoms and adsorbates added later
        lengthen the cell to keep it above them too
        (:func:`cudiss.structures.vacuum.keep_top_vacuum`).
    fixed_layers : int, optional
        Number of bottom layers held by :class:`ase.constraints.FixAtoms`
        (they mimic the bulk below the surface).
    a : float, optional
        Cubic lattice constant, Å.

    Returns
    -------
    ase.Atoms
        The slab, pbc (True, True, False), ``info["facet"]`` set to the canonical facet.

    Raises
    ------
    UnknownFacetError, LayerCountError, SlabParameterError
        For an unknown facet, too few layers, or a bad size, vacuum or lattice constant.

    Examples
    --------
    >>> slab = cu_slab("Cu(111)", size=(2, 2), layers=3, fixed_layers=1)
    >>> len(slab), sorted(set(slab.get_tags().tolist()))  # 2 x 2 per layer; tag 1 on top
    (12, [1, 2, 3])
    >>> slab.constraints[0].index.tolist()  # the bottom layer is fixed
    [0, 1, 2, 3]
    >>> bool(slab.positions[:, 2].min() > 7.4), slab.info["facet"]  # 7.5 Å vacuum below
    (True, '111')
    """
    key = normalize_facet(facet)
    nx, ny = _check_size(size, key)
    layers, fixed_layers = _check_layers(layers, fixed_layers)
    vacuum = _check_vacuum(vacuum)
    a = check_lattice_constant(a)

    slab = _BUILDERS[key]("Cu", size=(nx, ny, layers), a=a, vacuum=vacuum)
    if key == "211":
        slab.set_tags(_tag_211_layers(slab))
    slab.pbc = (True, True, False)
    # ase.build stores site names for its own add_adsorbate; cudiss finds sites itself
    # and a stale "top layer atom index" would mislead ase.build.add_adsorbate later.
    slab.info.pop("adsorbate_info", None)
    slab.info["facet"] = key

    tags = slab.get_tags()
    fixed = np.flatnonzero(tags > layers - fixed_layers)
    if fixed.size:
        slab.set_constraint(FixAtoms(indices=fixed))
    return slab


def slab_to_structure(atoms: Atoms) -> Structure:
    """Convert a slab to a pymatgen :class:`~pymatgen.core.Structure`.

    Tags, FixAtoms (as ``selective_dynamics``) and pbc are kept as site/structure
    properties by :class:`pymatgen.io.ase.AseAtomsAdaptor`, so that
    :func:`structure_to_slab` restores them.

    Parameters
    ----------
    atoms : ase.Atoms
        The slab.

    Returns
    -------
    pymatgen.core.Structure
    """
    return AseAtomsAdaptor.get_structure(atoms)


def structure_to_slab(structure: Structure) -> Atoms:
    """Convert a pymatgen :class:`~pymatgen.core.Structure` back to a slab.

    Parameters
    ----------
    structure : pymatgen.core.Structure
        Typically made by :func:`slab_to_structure`.

    Returns
    -------
    ase.Atoms
        With tags, FixAtoms and pbc as stored in the structure.
    """
    return AseAtomsAdaptor.get_atoms(structure)
