"""Bulk fcc copper."""

from __future__ import annotations

import math

from ase import Atoms
from ase.build import bulk

from cudiss.structures.errors import SlabParameterError

#: Experimental lattice constant of Cu at room temperature, Å.
CU_LATTICE_CONSTANT = 3.615

# Anything outside this window is a typo (e.g. a nearest-neighbour distance or a
# value in bohr), not a relaxed lattice constant: PBE gives ~3.63-3.67 Å, LDA ~3.52 Å.
_A_MIN, _A_MAX = 3.0, 4.5


def check_lattice_constant(a: float) -> float:
    """Validate a Cu lattice constant and return it as a float.

    Parameters
    ----------
    a : float
        Cubic lattice constant in Å.

    Returns
    -------
    float
        ``a`` unchanged.

    Raises
    ------
    SlabParameterError
        If ``a`` is not a finite number between 3.0 and 4.5 Å.
    """
    try:
        value = float(a)
    except (TypeError, ValueError):
        raise SlabParameterError(f"lattice constant must be a number in Å, got {a!r}") from None
    if not math.isfinite(value) or not _A_MIN <= value <= _A_MAX:
        raise SlabParameterError(
            f"Cu lattice constant must be between {_A_MIN} and {_A_MAX} Å, got {a!r}"
        )
    return value


def cu_bulk(a: float = CU_LATTICE_CONSTANT, cubic: bool = False) -> Atoms:
    """Build bulk fcc copper.

    Parameters
    ----------
    a : float, optional
        Cubic lattice constant in Å; pass the relaxed value of your functional so that
        slabs and the bulk reference (μ_Cu) are strain-free. Default 3.615 Å (experiment).
    cubic : bool, optional
        If True return the 4-atom conventional cube, else the 1-atom primitive cell.

    Returns
    -------
    ase.Atoms
        Periodic fcc Cu.

    Examples
    --------
    >>> len(cu_bulk()), len(cu_bulk(cubic=True))
    (1, 4)
    """
    return bulk("Cu", "fcc", a=check_lattice_constant(a), cubic=cubic)
