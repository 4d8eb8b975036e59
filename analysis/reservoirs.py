"""Reservoirs of the mechanism analysis: formation stoichiometry, gas free energies, balance.

Every adsorbate X* (nC carbon, nO oxygen, nH hydrogen atoms) is formed from
reservoirs under the computational hydrogen electrode (CHE, :mod:`cudiss.analysis.che`):

    X* ← a CO2 + b H2O + n (H⁺ + e⁻),  a = nC, b = nO − 2 nC, n = nH − 2 b

or, with CO as the carbon reservoir, a = nC (CO), b = nO − nC, n = nH − 2 b. Then

    ΔG_form(U) = G(slab + X) − G(slab) − [a G(CO2) + b G(H2O) + n ½ G(H2)] + n e U_RHE

so ΔG_form(U) = ΔG_form(0) + n e U. Gas free energies G = E + ZPE + ∫Cp dT − TS come
from the project's own vibrations (ideal gas, :func:`cudiss.analysis.thermo.gas_correction`)
at H2O 3534 Pa (0.035 bar) and 101325 Pa for the others, or from the labelled literature
fallback (:data:`cudiss.analysis.thermo.LITERATURE_GAS_CORRECTIONS`). :mod:`cudiss.analysis.balance`
checks that every state of a removal landscape holds the same atoms
and charge (surface Cu, CO2, H2O, H⁺ + e⁻, Cu²⁺ and its 2 e⁻). Units: eV, K, Pa.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from ase import Atoms
from ase.formula import Formula

from cudiss.analysis.documents import CalculatorInfo
from cudiss.analysis.mechanism_documents import GasResult
from cudiss.analysis.thermo import (
    LITERATURE_GAS_CORRECTIONS,
    STANDARD_TEMPERATURE_K,
    FreeEnergyCorrection,
    gas_correction,
    gas_free_energy,
)
from cudiss.structures.adsorbates import get_adsorbate
from cudiss.structures.errors import CudissInputError, UnknownAdsorbateError

Carbon = Literal["CO2", "CO"]
#: Partial pressures of the gas references (Pa): H2O at its vapour pressure at 298 K
#: (0.035 bar, so that G(H2O, g) = G(H2O, l)); every other gas at 1 atm.
GAS_PRESSURES_PA: dict[str, float] = {"H2O": 3534.0}
DEFAULT_GAS_PRESSURE_PA = 101325.0

#: Approximation notes every mechanism table carries in ``df.attrs["approximations"]``.
APPROX_CHE = "CHE: G(H+ + e-) = 1/2 G(H2) - eU_RHE (Nørskov 2004); no field or solvent effects"
APPROX_HARMONIC = (
    "adsorbates harmonic (ase HarmonicThermo), slab frozen, modes < 50 cm-1 raised to 50 cm-1; "
    "without frequencies 'no vibrations: ΔE only'"
)
APPROX_GAS = (
    "ideal gases (ase IdealGasThermo) at 298.15 K, H2O 3534 Pa, others 101325 Pa; "
    "literature ZPE/TS fallback where labelled"
)
APPROX_COVERAGE = "one adsorbate (set) per cell: the coverage is the cell's (coverage_ML)"
APPROX_NEB = "chemical Cu lift from a zero-charge CI-NEB: its barrier does not move with U"
APPROX_TS = "transition-state free energy = G(initial) + ΔE‡: no ZPE or TS of the saddle"


def calculator_label(calculator: CalculatorInfo) -> str:
    """``code`` or ``code:preset`` of a calculator, e.g. ``gpaw:test``.

    >>> calculator_label(CalculatorInfo(code="gpaw", preset="test"))
    'gpaw:test'
    """
    return f"{calculator.code}:{calculator.preset}" if calculator.preset else calculator.code


def composition(name: str) -> dict[str, int]:
    """Element counts of an adsorbate or molecule name (``"CO*"``, ``"HCOO"``, ``"H2O"``).

    Library names and aliases (:mod:`cudiss.structures.adsorbates`) first, else the
    name read as a chemical formula.

    >>> composition("OCHO*") == {"C": 1, "O": 2, "H": 1}
    True
    """
    key = str(name).strip().rstrip("*").strip()
    try:
        ads = get_adsorbate(key) if key.upper() not in ("", "BARE") else None
    except UnknownAdsorbateError:
        ads = None
    if ads is not None:
        return dict(Counter(ads.atoms.get_chemical_symbols()))
    try:
        counts = Formula(key).count()
    except ValueError:
        raise CudissInputError(f"not an adsorbate or formula: {name!r}") from None
    if not counts:
        raise CudissInputError(f"not an adsorbate or formula: {name!r}")
    return dict(counts)


@dataclass(frozen=True)
class Formation:
    """X ← a C-reservoir + b H2O + n (H⁺ + e⁻) (negative counts are released).

    Attributes
    ----------
    name : str
        Species label (``"CO"`` or ``"CO+H"`` for a set).
    carbon : {"CO2", "CO"}
        Carbon reservoir.
    a_carbon, b_h2o, n_pairs : int
        Reservoir counts; n_pairs > 0 means pairs consumed (reduction).
    """

    name: str
    carbon: Carbon
    a_carbon: int
    b_h2o: int
    n_pairs: int


def formation(name: str | Sequence[str], carbon: Carbon = "CO2") -> Formation:
    """Formation stoichiometry of an adsorbate (or a set of them) from the reservoirs.

    Parameters
    ----------
    name : str or sequence of str
        Adsorbate name (``"CO"``, ``"COOH*"``) or a set (``["CO", "H"]``: summed).
    carbon : {"CO2", "CO"}
        Carbon reservoir.

    Returns
    -------
    Formation

    Raises
    ------
    CudissInputError
        Unknown name, an element other than C, O, H, or an unknown reservoir.

    Examples
    --------
    CO*: nC = 1, nO = 1, nH = 0, so a = 1, b = 1 − 2 = −1, n = 0 − 2(−1) = 2:

    >>> f = formation("CO")
    >>> f.a_carbon, f.b_h2o, f.n_pairs
    (1, -1, 2)
    """
    if carbon not in ("CO2", "CO"):
        raise CudissInputError(f"unknown carbon reservoir {carbon!r} (use CO2 or CO)")
    names = [name] if isinstance(name, str) else list(name)
    total: Counter[str] = Counter()
    for item in names:
        total.update(composition(item))
    other = sorted(set(total) - {"C", "O", "H"})
    if other:
        raise CudissInputError(f"{name!r}: elements {other} have no reservoir (C, O, H only)")
    n_c, n_o, n_h = total["C"], total["O"], total["H"]
    a = n_c
    b = n_o - (2 * n_c if carbon == "CO2" else n_c)
    label = "+".join(str(x).strip().rstrip("*") for x in names) or "bare"
    return Formation(name=label, carbon=carbon, a_carbon=a, b_h2o=b, n_pairs=n_h - 2 * b)


@dataclass(frozen=True)
class GasReferences:
    """Free energies of the gas references of one calculator.

    Attributes
    ----------
    G_eV : dict
        G = E + ZPE + ∫Cp dT − TS (eV) by gas name.
    E_eV : dict
        DFT total energy (eV) by gas name.
    source : dict
        ``"own vibrations (ideal gas)"`` or ``"literature: <citation>"`` by gas name.
    missing : dict
        Gases without a free energy and why.
    corrections : dict
        The :class:`~cudiss.analysis.thermo.FreeEnergyCorrection` used, by gas name.
    """

    G_eV: dict[str, float]
    E_eV: dict[str, float] = field(default_factory=dict)
    source: dict[str, str] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)
    corrections: dict[str, FreeEnergyCorrection] = field(default_factory=dict)

    def _needed(self, form: Formation) -> dict[str, float]:
        need = {form.carbon: float(form.a_carbon), "H2O": float(form.b_h2o)}
        need["H2"] = 0.5 * form.n_pairs
        return {k: v for k, v in need.items() if v != 0}

    def has(self, form: Formation) -> bool:
        """True if every gas ``form`` needs has a free energy."""
        return all(k in self.G_eV for k in self._needed(form))

    def require(self, names: Iterable[str], what: str) -> None:
        """Raise a one-line CudissInputError naming the gases of ``names`` that are missing."""
        lacking = [n for n in names if n not in self.G_eV]
        if lacking:
            why = "; ".join(f"{n}: {self.missing.get(n, 'no gas result')}" for n in lacking)
            raise CudissInputError(f"{what} needs gas references {lacking} ({why})")

    def reservoir_G(self, form: Formation) -> float:
        """a G(C reservoir) + b G(H2O) + n ½ G(H2) (eV)."""
        need = self._needed(form)
        self.require(need, form.name)
        return sum(v * self.G_eV[k] for k, v in need.items())

    def reservoir_E(self, form: Formation) -> float:
        """The same with DFT energies only (eV): the reference of ΔE."""
        need = self._needed(form)
        self.require(need, form.name)
        return sum(v * self.E_eV[k] for k, v in need.items())

    def source_label(self, form: Formation) -> str:
        """``"CO2: own vibrations (ideal gas); H2: ..."`` for the gases ``form`` uses."""
        need = self._needed(form)
        return "; ".join(f"{k}: {self.source.get(k, 'missing')}" for k in sorted(need)) or "none"


def _gas_atoms(gas: GasResult) -> Atoms:
    if not gas.symbols or len(gas.positions_A) != len(gas.symbols):
        raise CudissInputError(f"gas {gas.name}: result has no geometry")
    return Atoms(gas.symbols, positions=gas.positions_A, cell=gas.cell_A or None)


def _own_gas_correction(
    gas: GasResult, temperature_K: float
) -> tuple[FreeEnergyCorrection | None, str]:
    """The ideal-gas correction from the gas's own modes, or None and why not.

    A vibration among the 3N-5/3N-6 modes that is imaginary means the box run did
    not end at a minimum (EMT's CO2 bends, for one): its modes are not used.
    """
    if not gas.frequencies_cm:
        return None, "no frequencies"
    pressure = GAS_PRESSURES_PA.get(gas.name, DEFAULT_GAS_PRESSURE_PA)
    try:
        corr = gas_correction(
            _gas_atoms(gas),
            gas.frequencies_cm,
            gas.geometry,
            gas.symmetry_number,
            spin=gas.spin,
            name=gas.name,
            temperature_K=temperature_K,
            pressure_Pa=pressure,
        )
    except CudissInputError as exc:
        return None, f"own modes unusable: {exc}"
    return corr, ""


def gas_free_energies(
    gases: Sequence[GasResult],
    temperature_K: float = STANDARD_TEMPERATURE_K,
    fallback: bool = True,
    co2_correction_eV: float = 0.0,
) -> GasReferences:
    """Free energies of the gas references of one calculator.

    Own frequencies → ideal-gas correction at :data:`GAS_PRESSURES_PA`; no
    frequencies → the literature correction (298.15 K only) when ``fallback``; else
    the gas is listed in ``missing``. Failed results are listed in ``missing`` too.

    Parameters
    ----------
    gases : sequence of GasResult
        At most one successful result per gas name (one calculator).
    temperature_K : float
        Temperature (K).
    fallback : bool
        Use :data:`~cudiss.analysis.thermo.LITERATURE_GAS_CORRECTIONS` without frequencies.
    co2_correction_eV : float
        Added to G(CO2) (e.g. Peterson 2010's 0.45 eV for RPBE); 0 by default.

    Returns
    -------
    GasReferences

    Raises
    ------
    CudissInputError
        Two successful results for one gas, non-GasResult input, bad numbers.
    """
    if not temperature_K > 0 or not math.isfinite(temperature_K):
        raise CudissInputError(f"temperature must be positive, got {temperature_K} K")
    if not math.isfinite(co2_correction_eV):
        raise CudissInputError(f"co2_correction_eV must be finite, got {co2_correction_eV}")
    G, E, source, missing, corr = {}, {}, {}, {}, {}
    for gas in gases:
        if not isinstance(gas, GasResult):
            raise CudissInputError(f"not a GasResult: {type(gas).__name__}")
        if gas.state != "successful" or gas.energy_eV is None:
            missing.setdefault(gas.name, f"gas run {gas.state}")
            continue
        if gas.name in G:
            raise CudissInputError(f"two successful {gas.name} gas results: pass one calculator's")
        c, why_not = _own_gas_correction(gas, temperature_K)
        if c is not None:
            src = f"own vibrations (ideal gas, {c.pressure_Pa:g} Pa)"
        elif fallback and gas.name in LITERATURE_GAS_CORRECTIONS:
            if abs(temperature_K - STANDARD_TEMPERATURE_K) > 1e-6:
                missing[gas.name] = f"{why_not}; literature values are for 298.15 K only"
                continue
            c = LITERATURE_GAS_CORRECTIONS[gas.name]
            src = f"literature: {c.source} ({why_not})"
        else:
            missing[gas.name] = why_not + ("" if fallback else " (literature fallback off)")
            if fallback:
                missing[gas.name] += " and no citable literature correction"
            continue
        G[gas.name] = gas_free_energy(gas.name, gas.energy_eV, c, co2_correction_eV)
        E[gas.name] = float(gas.energy_eV)
        source[gas.name] = src + (
            f" + CO2 correction {co2_correction_eV:g} eV"
            if gas.name == "CO2" and co2_correction_eV
            else ""
        )
        corr[gas.name] = c
        missing.pop(gas.name, None)
    return GasReferences(G_eV=G, E_eV=E, source=source, missing=missing, corrections=corr)


def gases_by_calculator(gases: Sequence[GasResult]) -> dict[str, list[GasResult]]:
    """Gas results grouped by :func:`calculator_label` (slab and box runs share the label)."""
    out: dict[str, list[GasResult]] = {}
    for gas in gases:
        if not isinstance(gas, GasResult):
            raise CudissInputError(f"not a GasResult: {type(gas).__name__}")
        out.setdefault(calculator_label(gas.calculator), []).append(gas)
    return out


def gas_product_formation(name: str, refs: GasReferences, carbon: Carbon = "CO2") -> float:
    """ΔG(0) (eV) of forming a gas product from the reservoirs, e.g. CO(g) or HCOOH(g).

    ΔG = G(gas) − [a G(CO2) + b G(H2O) + n ½ G(H2)]; it shifts by n e U like an
    adsorbate (n = :func:`formation` (name).n_pairs).
    """
    refs.require([name], f"{name}(g)")
    return refs.G_eV[name] - refs.reservoir_G(formation(name, carbon))
