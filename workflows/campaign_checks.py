"""Campaign checks that need no campaign model: spellings, finite numbers, geometries.

Used by :class:`cudiss.workflows.campaign.Campaign` while it validates a file
and by :func:`cudiss.workflows.campaign.parse_campaign` after, which re-exports
:func:`check_configurations`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from cudiss.structures.adsorbates import get_adsorbate
from cudiss.structures.bulk import CU_LATTICE_CONSTANT
from cudiss.structures.errors import CudissInputError, UnknownAdsorbateError
from cudiss.workflows.endpoint_cache import EndpointCache
from cudiss.workflows.errors import CampaignError

if TYPE_CHECKING:
    from cudiss.workflows.campaign import Campaign

__all__ = ["check_configurations"]


def _unique(items: list) -> list:
    """``items`` without repeats, first occurrence kept (items may be unhashable lists)."""
    out: list = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


def _adsorbate_name(name: object) -> object:
    if not isinstance(name, str):
        return name
    try:
        return get_adsorbate(name).name
    except UnknownAdsorbateError:
        return name.strip()  # building the configuration names it as unknown


def _non_finite(value: object, where: str = "") -> str | None:
    """Path of the first number in ``value`` (nested dicts and lists) that is inf or nan."""
    if isinstance(value, float) and not math.isfinite(value):
        return where or "value"
    if isinstance(value, dict):
        for key, item in value.items():
            found = _non_finite(item, f"{where}.{key}" if where else str(key))
            if found:
                return found
    if isinstance(value, list | tuple):
        for k, item in enumerate(value):
            found = _non_finite(item, f"{where}.{k}" if where else str(k))
            if found:
                return found
    return None


def check_configurations(campaign: Campaign, source: str = "campaign") -> None:
    """Build every configuration's geometry once so bad combinations fail now, not mid-run.

    The geometries come from an :class:`EndpointCache`; a configuration it
    cannot build is built again the uncached way (``RemovalConfig.build``, what
    the endpoint job runs), which has the last word and words the error.
    """
    lattice_constant = campaign.lattice_constant or CU_LATTICE_CONSTANT
    cache = EndpointCache(lattice_constant)
    seen: set[tuple] = set()
    for config in campaign.configurations():
        key = (config.facet, config.site_class, config.adsorbates)
        if key in seen:
            continue
        seen.add(key)
        try:
            cache.endpoints(config)
        except Exception:  # the cache is only a fast path: the uncached build decides
            try:
                config.build(lattice_constant)
            except CudissInputError as exc:
                raise CampaignError(f"{source}: {config.label()}: {exc}") from None
