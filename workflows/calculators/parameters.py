"""Calculator parameters GPAW, EMT or an MLIP would reject, found before anything runs.

:func:`check_parameters` reads the keyword arguments a
:class:`~cudiss.workflows.calculators.spec.CalculatorSpec` will build its
calculator with (preset merged with the user's overrides) and refuses, in one
line, a name the calculator does not take or a value of the wrong kind: an
unknown GPAW keyword, ``mode.name`` outside pw/lcao/fd, a plane-wave cutoff in
an LCAO mode, a k-point grid that is not three positive integers, an unknown
occupation or convergence keyword, and numbers that are not finite and positive.
The MLIPs (``sevennet``, ``chgnet``) take no parameters at all: the name fixes the
model, and ``OMP_NUM_THREADS`` the threads.
It imports neither GPAW nor anything that runs: the names are GPAW's own
(``gpaw.dft.PARAMETER_NAMES`` and the signatures of its mode and k-point classes,
GPAW 26), kept here as data and compared with the installed GPAW by the tests.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from typing import Any


def merge_parameters(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Merge ``overrides`` into ``base`` key by key (nested dicts merged too, copies)."""
    merged = copy.deepcopy(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_parameters(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


#: GPAW's keyword arguments (``gpaw.dft.PARAMETER_NAMES``, GPAW 26).
GPAW_PARAMETERS = frozenset(
    {
        "mode",
        "basis",
        "charge",
        "convergence",
        "eigensolver",
        "experimental",
        "extensions",
        "gpts",
        "h",
        "hund",
        "interpolation",
        "kpts",
        "magmoms",
        "maxiter",
        "mixer",
        "nbands",
        "occupations",
        "parallel",
        "poissonsolver",
        "random",
        "setups",
        "soc",
        "spinpol",
        "symmetry",
        "xc",
        "background_charge",
        "external",
    }
)

#: Keywords cudiss sets itself when it builds a calculator (log file, MPI communicator).
SET_BY_CUDISS = frozenset({"txt", "communicator"})

#: Each GPAW mode and the keys its dict form takes besides ``name`` (gpaw.dft.PW, LCAO, FD).
GPAW_MODES: dict[str, frozenset[str]] = {
    "pw": frozenset({"ecut", "dedecut", "qspiral", "dtype", "force_complex_dtype"}),
    "lcao": frozenset({"dtype", "force_complex_dtype"}),
    "fd": frozenset({"nn", "dtype", "force_complex_dtype"}),
}

#: Plane-wave cutoff range, eV: below 100 eV a PW basis cannot hold Cu's 3d
#: states at all (cudiss's test preset, the cheapest calibrated, uses 250 eV);
#: PAW setups are converged well before 2000 eV, past which only the cost grows.
ECUT_RANGE = (100.0, 2000.0)

#: Monkhorst-Pack keys (gpaw.dft.MonkhorstPack).
KPOINT_KEYS = frozenset({"size", "density", "gamma", "even"})

#: Occupation smearings GPAW knows (gpaw.occupations.create_occ_calc).
OCCUPATIONS = frozenset(
    {
        "fermi-dirac",
        "marzari-vanderbilt",
        "methfessel-paxton",
        "fixed",
        "tetrahedron-method",
        "improved-tetrahedron-method",
        "orbital-free",
    }
)
OCCUPATION_KEYS = frozenset({"name", "width", "order", "fixmagmom"})

#: Smearing width range, eV: 0 (no smearing) up to 1 eV (kT ~ 11600 K: beyond it
#: the electronic entropy swamps every energy difference cudiss computes).
WIDTH_MAX = 1.0

#: SCF convergence keywords (gpaw.convergence_criteria, plus ``bands``).
CONVERGENCE_KEYS = frozenset(
    {
        "energy",
        "density",
        "eigenstates",
        "eigenvalues",
        "forces",
        "work function",
        "minimum iterations",
        "maximum iterations",
        "bands",
    }
)

#: Symmetry keys (gpaw.dft.Symmetry), and its string forms.
SYMMETRY_KEYS = frozenset(
    {
        "name",
        "point_group",
        "time_reversal",
        "symmorphic",
        "tolerance",
        "rotations",
        "translations",
        "atommaps",
        "extra_ids",
    }
)

#: EMT's one keyword (ase.calculators.emt.EMT.default_parameters).
EMT_PARAMETERS = frozenset({"asap_cutoff"})


def _choose(names) -> str:
    return ", ".join(sorted(names))


def _number(value: Any, where: str, low: float = 0.0, high: float | None = None) -> float:
    """``value`` as a finite number above ``low`` (and up to ``high``), else ValueError."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{where} must be a number, got {value!r}")
    if not math.isfinite(value) or value <= low or (high is not None and value > high):
        bound = f"in ({low:g}, {high:g}]" if high is not None else f"> {low:g}"
        raise ValueError(f"{where} must be a finite number {bound}, got {value!r}")
    return float(value)


def _integer(value: Any, where: str, low: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(f"{where} must be an integer >= {low}, got {value!r}")
    return value


def _check_mode(mode: Any) -> None:
    if isinstance(mode, str):
        name, keys = mode, {}
    elif isinstance(mode, Mapping):
        name, keys = mode.get("name"), {k: v for k, v in mode.items() if k != "name"}
    else:
        raise ValueError(f"mode must be pw, lcao or fd (or a dict with a name), got {mode!r}")
    if name not in GPAW_MODES:
        raise ValueError(f"mode.name must be one of {_choose(GPAW_MODES)}, got {name!r}")
    extra = sorted(set(keys) - GPAW_MODES[name])
    if extra:
        takes = _choose(GPAW_MODES[name])
        raise ValueError(
            f"mode.{extra[0]}: GPAW's {name} mode takes no {extra[0]!r} (it takes {takes}); "
            f"overrides merge into the preset's mode, so give the whole mode: mode: {name}"
        )
    if "ecut" in keys:
        low, high = ECUT_RANGE
        ecut = _number(keys["ecut"], "mode.ecut (eV)")
        if not low <= ecut <= high:
            raise ValueError(
                f"mode.ecut must be between {low:g} and {high:g} eV, got {ecut:g}: below, a "
                "plane-wave basis cannot hold Cu's 3d states; above, only the cost grows"
            )
    if "nn" in keys:
        _integer(keys["nn"], "mode.nn")


def _check_kpts(kpts: Any) -> None:
    if isinstance(kpts, Mapping):
        extra = sorted(set(kpts) - KPOINT_KEYS - {"name"})
        if extra:
            raise ValueError(f"kpts.{extra[0]}: unknown k-point key; use {_choose(KPOINT_KEYS)}")
        if "size" in kpts:
            _check_kpts(kpts["size"])
        if "density" in kpts:
            _number(kpts["density"], "kpts.density (points per Å⁻¹)")
        for key in ("gamma", "even"):
            if key in kpts and not isinstance(kpts[key], bool):
                raise ValueError(f"kpts.{key} must be true or false, got {kpts[key]!r}")
        return
    if (
        isinstance(kpts, list | tuple)
        and len(kpts) == 3
        and all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in kpts)
    ):
        return
    raise ValueError(
        f"kpts must be three integers >= 1 (e.g. [4, 4, 1]) or a dict of "
        f"{_choose(KPOINT_KEYS)}, got {kpts!r}"
    )


def _check_occupations(occupations: Any) -> None:
    if not isinstance(occupations, Mapping):
        raise ValueError(f"occupations must be a dict with name and width, got {occupations!r}")
    extra = sorted(set(occupations) - OCCUPATION_KEYS)
    if extra:
        raise ValueError(f"occupations.{extra[0]}: unknown key; use {_choose(OCCUPATION_KEYS)}")
    name = occupations.get("name", "fermi-dirac")
    if name not in OCCUPATIONS:
        raise ValueError(f"occupations.name must be one of {_choose(OCCUPATIONS)}, got {name!r}")
    if "width" in occupations:
        width = occupations["width"]
        if width != 0:
            _number(width, "occupations.width (eV)", 0.0, WIDTH_MAX)


def _check_convergence(convergence: Any) -> None:
    if not isinstance(convergence, Mapping):
        raise ValueError(f"convergence must be a dict of criteria, got {convergence!r}")
    for key, value in convergence.items():
        if key not in CONVERGENCE_KEYS:
            raise ValueError(
                f"convergence.{key}: unknown SCF criterion; use {_choose(CONVERGENCE_KEYS)}"
            )
        if key in ("minimum iterations", "maximum iterations"):
            _integer(value, f"convergence.{key}")
        elif key == "bands":
            if not (value in ("occupied", "all") or isinstance(value, int)):
                raise ValueError(
                    f"convergence.bands must be 'occupied', 'all' or an integer, got {value!r}"
                )
        elif not isinstance(value, Mapping):
            _number(value, f"convergence.{key}")


def _check_symmetry(symmetry: Any) -> None:
    if isinstance(symmetry, str):
        if symmetry not in ("on", "off"):
            raise ValueError(f"symmetry must be 'on', 'off' or a dict, got {symmetry!r}")
        return
    if not isinstance(symmetry, Mapping):
        raise ValueError(f"symmetry must be 'on', 'off' or a dict, got {symmetry!r}")
    extra = sorted(set(symmetry) - SYMMETRY_KEYS)
    if extra:
        raise ValueError(f"symmetry.{extra[0]}: unknown key; use {_choose(SYMMETRY_KEYS)}")
    for key in ("point_group", "time_reversal", "symmorphic"):
        if key in symmetry and not isinstance(symmetry[key], bool):
            raise ValueError(f"symmetry.{key} must be true or false, got {symmetry[key]!r}")


def _check_mixer(mixer: Any) -> None:
    if not isinstance(mixer, Mapping):
        raise ValueError(f"mixer must be a dict (beta, nmaxold, weight...), got {mixer!r}")
    if "beta" in mixer:
        _number(mixer["beta"], "mixer.beta", 0.0, 1.0)
    if "nmaxold" in mixer:
        _integer(mixer["nmaxold"], "mixer.nmaxold")
    if "weight" in mixer:
        _number(mixer["weight"], "mixer.weight")


def check_gpaw_parameters(parameters: Mapping[str, Any]) -> None:
    """Refuse GPAW keyword arguments GPAW would reject (see the module docstring).

    Raises
    ------
    ValueError
        One line: ``<key>: <problem>``.

    Examples
    --------
    >>> check_gpaw_parameters({"mode": {"name": "pw", "ecut": 400}, "xc": "PBE"})
    >>> check_gpaw_parameters({"mode": {"name": "nonsense"}})
    Traceback (most recent call last):
    ...
    ValueError: mode.name must be one of fd, lcao, pw, got 'nonsense'
    """
    for key in parameters:
        if key in SET_BY_CUDISS:
            raise ValueError(f"{key}: set by cudiss for every calculation; leave it out")
        if key not in GPAW_PARAMETERS:
            raise ValueError(f"{key}: not a GPAW parameter; GPAW takes {_choose(GPAW_PARAMETERS)}")
    checks = {
        "mode": _check_mode,
        "kpts": _check_kpts,
        "occupations": _check_occupations,
        "convergence": _check_convergence,
        "symmetry": _check_symmetry,
        "mixer": _check_mixer,
    }
    for key, check in checks.items():
        if key in parameters:
            check(parameters[key])
    if "mode" not in parameters:
        raise ValueError("mode: GPAW needs a mode (pw, lcao or fd)")
    xc = parameters.get("xc")
    if xc is not None and not (
        (isinstance(xc, str) and xc.strip()) or (isinstance(xc, Mapping) and "name" in xc)
    ):
        raise ValueError(f"xc must be a functional name such as PBE or RPBE, got {xc!r}")
    if "maxiter" in parameters:
        _integer(parameters["maxiter"], "maxiter")
    if "h" in parameters:
        _number(parameters["h"], "h (grid spacing, Å)", 0.0, 1.0)
    if "charge" in parameters:
        charge = parameters["charge"]
        if isinstance(charge, bool) or not isinstance(charge, int | float):
            raise ValueError(f"charge must be a number (electrons), got {charge!r}")
        if not math.isfinite(charge):
            raise ValueError(f"charge must be finite, got {charge!r}")
    for key in ("spinpol", "hund", "soc", "random"):
        if key in parameters and not isinstance(parameters[key], bool | None):
            raise ValueError(f"{key} must be true or false, got {parameters[key]!r}")


def check_emt_parameters(parameters: Mapping[str, Any]) -> None:
    """Refuse keyword arguments ASE's EMT does not take (it takes ``asap_cutoff`` only).

    Raises
    ------
    ValueError
        One line naming the key.
    """
    for key, value in parameters.items():
        if key not in EMT_PARAMETERS:
            raise ValueError(
                f"{key}: EMT has no such parameter (it takes {_choose(EMT_PARAMETERS)}); "
                "GPAW keys need code: gpaw"
            )
        if not isinstance(value, bool):
            raise ValueError(f"{key} must be true or false, got {value!r}")


def check_mlip_parameters(code: str, parameters: Mapping[str, Any]) -> None:
    """Refuse any parameter given to the MLIP ``code``: it takes none.

    Its model is fixed by the name (``workflows/calculators/mlip.py``), its torch
    threads by ``OMP_NUM_THREADS``; a GPAW or EMT keyword means another code.

    Raises
    ------
    ValueError
        One line naming the first key.

    Examples
    --------
    >>> check_mlip_parameters("sevennet", {})
    >>> check_mlip_parameters("sevennet", {"model": "7net-l3i5"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: model: sevennet takes no parameters (the name fixes the model, ...
    """
    for key in parameters:
        raise ValueError(
            f"{key}: {code} takes no parameters (the name fixes the model, OMP_NUM_THREADS "
            "the threads); leave out overrides"
        )


def check_parameters(code: str, parameters: Mapping[str, Any]) -> None:
    """:func:`check_gpaw_parameters`, :func:`check_emt_parameters` or
    :func:`check_mlip_parameters`, by ``code``."""
    if code == "gpaw":
        check_gpaw_parameters(parameters)
    elif code == "emt":
        check_emt_parameters(parameters)
    else:
        check_mlip_parameters(code, parameters)


__all__ = [
    "EMT_PARAMETERS",
    "GPAW_MODES",
    "GPAW_PARAMETERS",
    "check_emt_parameters",
    "check_gpaw_parameters",
    "check_mlip_parameters",
    "check_parameters",
]
