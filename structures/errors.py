"""Typed input errors shared by every part of cudiss.

Every error a user can cause by bad input derives from :class:`CudissInputError`
(those of campaigns and stores are in :mod:`cudiss.workflows.errors`).
Its message is one line that names the problem; the CLI prints it to stderr and
exits with code 2, without a traceback.
"""

from __future__ import annotations


class CudissError(Exception):
    """Base class of all cudiss errors."""


class CudissInputError(CudissError, ValueError):
    """Bad input from the user: a one-line message naming the problem."""


class UnknownFacetError(CudissInputError):
    """A facet that cudiss cannot build."""


class UnknownAdsorbateError(CudissInputError):
    """An adsorbate that is not in the library."""


class SiteNotFoundError(CudissInputError):
    """An adsorption site or site class that the slab does not have."""


class LayerCountError(CudissInputError):
    """Too few layers for the requested number of fixed layers (or similar)."""


class NotSurfaceAtomError(CudissInputError):
    """A Cu-removal target that is not a surface Cu atom."""


class OverlapError(CudissInputError):
    """Atoms placed closer than allowed (overlapping adsorbates)."""


class CrowdingError(OverlapError):
    """More adsorbates than one Cu atom, or the cell, can carry."""


class SlabParameterError(CudissInputError):
    """A geometry parameter out of range: cell size, vacuum, lattice constant, height."""


class NotACuSlabError(CudissInputError):
    """A structure that is not a Cu slab with its surface normal along z (bulk, a cluster...)."""


class StructureFileError(CudissInputError):
    """A structure file that cannot be read, or an output path that cannot be written."""
