"""GPAW presets, read from ``presets.yaml`` beside this module.

A preset is data: its GPAW parameters, an optional ``parent`` whose
parameters it starts from (a child replaces whole top-level keys), and how bulk
Cu differs from it (``bulk``: keys to ``set`` and to ``drop``), and how a gas
molecule in a box does (``molecule``, the same form).
"""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from cudiss.workflows.errors import SettingsError

PRESETS_FILE = Path(__file__).with_name("presets.yaml")


class DuplicateKeyError(yaml.constructor.ConstructorError):
    """A key given twice in one YAML mapping (PyYAML would keep the last silently)."""

    def __init__(self, key: object, mark: yaml.Mark) -> None:
        super().__init__(None, None, f"duplicate key {key!r}", mark)
        self.key = key


class UniqueKeyLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses a key given twice in one mapping.

    PyYAML keeps the last of two equal keys without a word, so a campaign file
    with ``relax_fmax`` twice would run with whichever came last. Keys merged in
    with ``<<`` may still be overridden: that is what merging is for.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
            except TypeError:  # an unhashable key: the base class words that error
                break
            if duplicate:
                raise DuplicateKeyError(key, key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load_yaml(text: str) -> Any:
    r"""``yaml.safe_load`` that refuses duplicate keys (:class:`DuplicateKeyError`).

    Every YAML file cudiss reads goes through it: campaign files and the presets.

    >>> load_yaml("a: 1\nb: 2")
    {'a': 1, 'b': 2}
    >>> try:
    ...     load_yaml("a: 1\na: 2")
    ... except DuplicateKeyError as exc:
    ...     print(exc.key, "on line", exc.problem_mark.line + 1)
    a on line 2
    """
    return yaml.load(text, Loader=UniqueKeyLoader)


@cache
def _preset_data() -> dict[str, dict[str, Any]]:
    return load_yaml(PRESETS_FILE.read_text())


def _preset(name: str) -> dict[str, Any]:
    """The data of preset ``name``; an unknown name is a one-line input error."""
    data = _preset_data()
    if name not in data:
        raise SettingsError(f"unknown GPAW preset {name!r}; choose from {sorted(data)}")
    return data[name]


def _resolved(name: str) -> dict[str, Any]:
    data = _preset_data()[name]
    parent = _resolved(data["parent"]) if "parent" in data else {}
    return {**parent, **copy.deepcopy(data["parameters"])}


GPAW_PRESETS: dict[str, dict[str, Any]] = {name: _resolved(name) for name in _preset_data()}
"""Preset name -> GPAW keyword arguments (parents resolved)."""


def preset_description(name: str) -> str:
    """What preset ``name`` is for, in one paragraph."""
    return _preset(name)["description"]


def bulk_parameters(preset: str, parameters: dict[str, Any]) -> dict[str, Any]:
    """``parameters`` (a slab calculation's, preset ``preset``) adapted to bulk Cu.

    Applies the preset's ``bulk`` rule: 3-D k-points, full point-group
    symmetry, no dipole layer. The user's other overrides are kept.

    >>> params = bulk_parameters("test", GPAW_PRESETS["test"])
    >>> params["kpts"], params["symmetry"]
    ({'size': [8, 8, 8]}, {'point_group': True})
    """
    return _apply_rule(preset, "bulk", parameters)


def molecule_parameters(preset: str, parameters: dict[str, Any]) -> dict[str, Any]:
    """``parameters`` (a slab calculation's, preset ``preset``) adapted to a gas molecule.

    Applies the preset's ``molecule`` rule: the Gamma point only, no point-group
    symmetry (the molecule relaxes and vibrates), no dipole layer. The user's
    other overrides are kept.

    >>> params = molecule_parameters("production", GPAW_PRESETS["production"])
    >>> params["kpts"], "poissonsolver" in params
    ({'size': [1, 1, 1]}, False)
    """
    return _apply_rule(preset, "molecule", parameters)


def _apply_rule(preset: str, rule_name: str, parameters: dict[str, Any]) -> dict[str, Any]:
    """``parameters`` with the preset's rule ``rule_name`` (``set`` and ``drop``) applied."""
    rule = _rule(preset, rule_name)
    adapted = {key: value for key, value in parameters.items() if key not in rule.get("drop", [])}
    adapted.update(copy.deepcopy(rule.get("set", {})))
    return adapted


def _rule(preset: str, rule_name: str) -> dict[str, Any]:
    """Rule ``rule_name`` (``bulk``, ``molecule``) of ``preset``, or its parent's."""
    data = _preset(preset)
    if rule_name in data:
        return data[rule_name]
    return _rule(data["parent"], rule_name)
