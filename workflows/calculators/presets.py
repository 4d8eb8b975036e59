"""GPAW presets, read from ``presets.yaml`` beside this module.

A preset is data: its GPAW parameters, an optional ``parent`` whose
parameters it starts from (a child replaces whole top-level keys), and how bulk
Cu differs from it (``bulk``: keys to ``set`` and to ``drop``).
"""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any

import yaml

PRESETS_FILE = Path(__file__).with_name("presets.yaml")


@cache
def _preset_data() -> dict[str, dict[str, Any]]:
    with PRESETS_FILE.open() as f:
        return yaml.safe_load(f)


def _resolved(name: str) -> dict[str, Any]:
    data = _preset_data()[name]
    parent = _resolved(data["parent"]) if "parent" in data else {}
    return {**parent, **copy.deepcopy(data["parameters"])}


GPAW_PRESETS: dict[str, dict[str, Any]] = {name: _resolved(name) for name in _preset_data()}
"""Preset name -> GPAW keyword arguments (parents resolved)."""


def preset_description(name: str) -> str:
    """What preset ``name`` is for, in one paragraph."""
    return _preset_data()[name]["description"]


def bulk_parameters(preset: str, parameters: dict[str, Any]) -> dict[str, Any]:
    """``parameters`` (a slab calculation's, preset ``preset``) adapted to bulk Cu.

    Applies the preset's ``bulk`` rule: 3-D k-points, full point-group
    symmetry, no dipole layer. The user's other overrides are kept.

    >>> params = bulk_parameters("test", GPAW_PRESETS["test"])
    >>> params["kpts"], params["symmetry"]
    ({'size': [8, 8, 8]}, {'point_group': True})
    """
    rule = _preset_data()[preset]["bulk"]
    bulk = {key: value for key, value in parameters.items() if key not in rule.get("drop", [])}
    bulk.update(copy.deepcopy(rule.get("set", {})))
    return bulk
