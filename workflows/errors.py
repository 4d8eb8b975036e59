"""Input errors that belong to running workflows: campaign files and result stores.

Both derive from :class:`~cudiss.structures.errors.CudissInputError`: the CLI
prints their one-line message and exits with code 2.
"""

from __future__ import annotations

from cudiss.structures.errors import CudissInputError


class CampaignError(CudissInputError):
    """A campaign file that cannot be read or does not validate."""


class StoreError(CudissInputError):
    """A results store that cannot be opened or written."""
