"""Library of CO2-electroreduction adsorbates (gas-like geometries, binding atom at origin)."""

from __future__ import annotations

import math
import numbers
import operator
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from ase import Atoms

from cudiss.structures.errors import SlabParameterError, UnknownAdsorbateError


@dataclass(frozen=True)
class Adsorbate:
    """An adsorbate species.

    Attributes
    ----------
    name : str
        Canonical name, e.g. ``"COOH"``.
    atoms : ase.Atoms
        Gas-like geometry with the binding atom (the centre of the binding atoms for a
        multidentate species) at the origin and the molecule pointing to +z.
        Treat as read-only; :meth:`copy_atoms` gives a copy to modify.
    binding : tuple of int
        Indices of the atoms that bind to Cu (two for bidentate formate).
    height : float
        Cu-binding-atom bond length, Å: the height of the binding atom above an ontop
        site; on bridge and hollow sites the adsorbate sinks until its binding atoms are
        this far from the nearest Cu.
    """

    name: str
    atoms: Atoms
    binding: tuple[int, ...]
    height: float

    def copy_atoms(self) -> Atoms:
        """A fresh copy of the geometry, tags 0 (ASE's adsorbate convention)."""
        atoms = self.atoms.copy()
        atoms.set_tags(0)
        return atoms


def _deg(angle: float) -> float:
    return np.radians(angle)


def _arm(length: float, tilt: float, azimuth: float = 0.0) -> np.ndarray:
    """Vector of ``length`` tilted ``tilt`` degrees from +z towards azimuth (deg from +x)."""
    t, p = _deg(tilt), _deg(azimuth)
    return length * np.array([np.sin(t) * np.cos(p), np.sin(t) * np.sin(p), np.cos(t)])


# Geometries: typical DFT bond lengths/angles of the adsorbed species (Å, degrees);
# they are starting points for relaxation, so a few 0.01 Å do not matter.
def _co() -> Atoms:
    return Atoms("CO", positions=[(0, 0, 0), (0, 0, 1.16)])


def _co2() -> Atoms:
    # Bent, C-bound CO2(delta-) (O-C-O ~ 130 deg), the activated state of CO2ER.
    return Atoms("CO2", positions=[(0, 0, 0), _arm(1.25, 65, 0), _arm(1.25, 65, 180)])


def _cooh() -> Atoms:
    o1 = _arm(1.22, 60, 180)  # C=O
    o2 = _arm(1.36, 60, 0)  # C-OH
    h = o2 + _arm(0.98, 5, 0)  # O-H pointing away from the surface
    return Atoms("COOH", positions=[(0, 0, 0), o1, o2, h])


def _cho() -> Atoms:
    return Atoms("CHO", positions=[(0, 0, 0), _arm(1.11, 60, 0), _arm(1.21, 60, 180)])


def _coh() -> Atoms:
    o = np.array([0.0, 0.0, 1.34])
    return Atoms("COH", positions=[(0, 0, 0), o, o + _arm(0.98, 70, 0)])


def _ocho() -> Atoms:
    # Bidentate formate: both O at the surface (O...O 2.24 Å), C-H up; origin between O.
    return Atoms(
        "OCOH",
        positions=[(-1.12, 0, 0), (0, 0, 0.62), (1.12, 0, 0), (0, 0, 0.62 + 1.10)],
    )


def _oh() -> Atoms:
    return Atoms("OH", positions=[(0, 0, 0), (0, 0, 0.98)])


def _h2o() -> Atoms:
    # O-bound water, H atoms up (H-O-H 104.5 deg).
    return Atoms("OH2", positions=[(0, 0, 0), _arm(0.97, 52.25, 0), _arm(0.97, 52.25, 180)])


ADSORBATES: dict[str, Adsorbate] = {}
_ALIASES: dict[str, str] = {}


def _key(name: str) -> str:
    return str(name).strip().rstrip("*").strip().upper()


def register_adsorbate(
    name: str,
    atoms: Atoms,
    binding: Sequence[int] = (0,),
    height: float = 2.0,
    aliases: Sequence[str] = (),
) -> Adsorbate:
    """Add a species to :data:`ADSORBATES` (and return it).

    Parameters
    ----------
    name : str
        Canonical name (stored upper-case, without a trailing ``*``).
    atoms : ase.Atoms
        Geometry; the binding atoms' centre is moved to the origin.
    binding : sequence of int, optional
        Indices of the Cu-binding atoms.
    height : float, optional
        Cu-binding-atom bond length, Å.
    aliases : sequence of str, optional
        Other names for the species (e.g. ``"HCOO"`` for ``"OCHO"``).

    Returns
    -------
    Adsorbate

    Raises
    ------
    SlabParameterError
        For binding indices outside the molecule or a non-positive height.

    Examples
    --------
    >>> ads = register_adsorbate("N", Atoms("N"), height=1.9)
    >>> get_adsorbate("n*").name, ads.height
    ('N', 1.9)
    >>> del ADSORBATES["N"]  # leave the library as it was
    """
    key = _key(name)
    if not isinstance(atoms, Atoms) or len(atoms) == 0:
        raise SlabParameterError(f"adsorbate {key}: atoms must be a non-empty ase.Atoms")
    atoms = atoms.copy()
    try:
        binding = tuple(operator.index(b) for b in binding)
    except TypeError:
        raise SlabParameterError(
            f"adsorbate {key}: binding must be atom indices (integers), got {binding!r}"
        ) from None
    if not binding or any(b < 0 or b >= len(atoms) for b in binding):
        raise SlabParameterError(
            f"binding indices {binding} of adsorbate {key} must lie in 0..{len(atoms) - 1}"
        )
    if (
        isinstance(height, bool)
        or not isinstance(height, numbers.Real)
        or not math.isfinite(height)
        or not height > 0
    ):
        raise SlabParameterError(f"adsorbate {key}: height must be > 0 Å, got {height!r}")
    atoms.translate(-atoms.positions[list(binding)].mean(axis=0))
    atoms.set_tags(0)
    ads = Adsorbate(name=key, atoms=atoms, binding=binding, height=float(height))
    ADSORBATES[key] = ads
    for alias in aliases:
        _ALIASES[_key(alias)] = key
    return ads


# Cu-X bond lengths (height): typical PBE/RPBE values on Cu surfaces.
register_adsorbate("CO", _co(), height=1.86)
register_adsorbate("CO2", _co2(), height=2.00)
register_adsorbate("COOH", _cooh(), height=1.95, aliases=("HOCO", "CO2H"))
register_adsorbate("CHO", _cho(), height=1.95, aliases=("HCO",))
register_adsorbate("COH", _coh(), height=1.90)
register_adsorbate("OCHO", _ocho(), binding=(0, 2), height=2.00, aliases=("HCOO", "FORMATE"))
register_adsorbate("H", Atoms("H"), height=1.65)
register_adsorbate("OH", _oh(), height=1.95)
register_adsorbate("O", Atoms("O"), height=1.85)
register_adsorbate("H2O", _h2o(), height=2.25, aliases=("OH2",))


def get_adsorbate(name: str) -> Adsorbate:
    """Look an adsorbate up by name (case-insensitive, ``"CO*"`` accepted).

    Parameters
    ----------
    name : str

    Returns
    -------
    Adsorbate

    Raises
    ------
    UnknownAdsorbateError
        If the species is not in :data:`ADSORBATES`.

    Examples
    --------
    >>> get_adsorbate("cooh*").binding
    (0,)
    """
    key = _key(name)
    key = _ALIASES.get(key, key)
    if key not in ADSORBATES:
        raise UnknownAdsorbateError(
            f"unknown adsorbate {name!r}; choose one of {', '.join(ADSORBATES)}"
        )
    return ADSORBATES[key]


def check_adsorbates(names: Sequence[str]) -> tuple[str, ...]:
    """``names`` as a tuple, once every one is known: unknown names fail before any geometry.

    Raises
    ------
    UnknownAdsorbateError
        At the first unknown name.

    Examples
    --------
    >>> check_adsorbates(["CO", "h*"])
    ('CO', 'h*')
    """
    if isinstance(names, str):
        raise UnknownAdsorbateError(
            f"adsorbates must be a list of names like [{names.strip()!r}], got the text "
            f"{names!r} (read letter by letter, it would be {', '.join(map(repr, names))})"
        )
    try:
        names = tuple(names)
    except TypeError:
        raise UnknownAdsorbateError(
            f"adsorbates must be a list of names like ['CO', 'H'], got {names!r}"
        ) from None
    for name in names:
        get_adsorbate(name)
    return names
