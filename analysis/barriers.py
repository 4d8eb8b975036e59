"""Barriers under bias: zero-bias NEB barriers put at an electrode potential.

Two ways a barrier reaches a potential U (V vs RHE):

``"che-bep"`` (default; CHE end-state shift with transfer coefficient β)
    The NEB is run at zero charge, which the CHE identifies with
    U_ref = 0 V vs RHE. A step consuming n proton–electron pairs (sign as in
    :mod:`cudiss.analysis.che`) has

        ΔG_rxn(U) = ΔE_rxn + n e (U − U_ref)
        ΔG‡(U)    = max(ΔE‡ + β n e (U − U_ref), 0, ΔG_rxn(U))
        ΔG‡_rev(U) = ΔG‡(U) − ΔG_rxn(U)

    i.e. the transition state moves by the fraction β of the shift of the final
    state (a Brønsted–Evans–Polanyi-like linear response, β ≈ 0.5 as in
    Butler–Volmer), floored so the barrier is never negative nor below the
    reaction free energy. For a chemical step (n = 0) ΔG‡(U) = ΔE‡ exactly.
    ZPE/TS of the transition state are not included: ΔE‡ stands in for ΔG‡(0).

``"constant-potential"``
    A result that carries its own electrode potential (``electrode_potential_V_RHE``,
    e.g. from GPAW's solvated jellium method) already describes that
    potential; it is used as-is there and is not extrapolated elsewhere.

New models enter through :func:`register_barrier_model`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from cudiss.analysis.che import _finite
from cudiss.structures.errors import CudissInputError

#: Default transfer coefficient β of the end-state shift.
DEFAULT_BETA = 0.5
NAN = float("nan")


class BarrierSource(Protocol):
    """What a barrier model reads; :class:`~cudiss.analysis.documents.RemovalResult` fits.

    Energies in eV; ``electrode_potential_V_RHE`` is None for zero-charge
    (CHE) calculations and the potential (V vs RHE) for constant-potential ones.
    """

    forward_barrier_eV: float | None
    reverse_barrier_eV: float | None
    reaction_energy_eV: float | None
    electrons_transferred: int
    electrode_potential_V_RHE: float | None


@dataclass(frozen=True)
class BarrierAtPotential:
    """Free-energy barriers of one step at one potential (eV; NaN where unknown)."""

    potential_V_RHE: float
    forward_eV: float
    reverse_eV: float
    reaction_eV: float
    method: str


class BarrierModel(Protocol):
    """A rule that puts a :class:`BarrierSource` at potentials.

    Returns one :class:`BarrierAtPotential` per potential it can speak for; a
    constant-potential model may ignore ``potentials_V_RHE`` and return its own.
    """

    def __call__(
        self, source: BarrierSource, potentials_V_RHE: list[float], **options: float
    ) -> list[BarrierAtPotential]: ...


BARRIER_MODELS: dict[str, BarrierModel] = {}


def register_barrier_model(name: str) -> Callable[[BarrierModel], BarrierModel]:
    """Decorator that adds a barrier model to :data:`BARRIER_MODELS` under ``name``.

    Parameters
    ----------
    name : str
        Key used by :func:`barriers_at_potentials` and the table's ``barrier_method`` column.

    Returns
    -------
    callable
        The decorator (returns the model unchanged).
    """

    def decorate(model: BarrierModel) -> BarrierModel:
        BARRIER_MODELS[name] = model
        return model

    return decorate


def _value(x: float | None) -> float:
    return NAN if x is None else float(x)


def shifted_barrier(
    forward_barrier_eV: float,
    reaction_energy_eV: float,
    n_electrons: int,
    potential_V_RHE: float,
    beta: float = DEFAULT_BETA,
    reference_potential_V_RHE: float = 0.0,
    reverse_barrier_eV: float | None = None,
) -> tuple[float, float, float]:
    """End-state shift of a barrier to potential U (the ``"che-bep"`` model).

    Parameters
    ----------
    forward_barrier_eV : float
        ΔE‡ at ``reference_potential_V_RHE`` (eV); NaN if unknown.
    reaction_energy_eV : float
        ΔE_rxn at the reference potential (eV); NaN if unknown.
    n_electrons : int
        Proton–electron pairs consumed by the step (> 0 reduction, < 0 oxidation).
    potential_V_RHE : float
        Target potential U (V vs RHE).
    beta : float
        Transfer coefficient β in [0, 1].
    reference_potential_V_RHE : float
        Potential of the NEB energies (0 V vs RHE under the CHE).
    reverse_barrier_eV : float, optional
        Zero-bias reverse barrier; only used for chemical steps (n = 0), whose
        barriers do not move.

    Returns
    -------
    tuple of float
        (ΔG‡_forward(U), ΔG‡_reverse(U), ΔG_rxn(U)) in eV, NaN where inputs are missing.

    Raises
    ------
    CudissInputError
        β outside [0, 1] or a non-finite potential.

    Examples
    --------
    >>> shifted_barrier(0.8, 0.2, 1, -0.4, beta=0.5)  # 0.8 - 0.2 = 0.6; 0.2 - 0.4 = -0.2
    (0.6000000000000001, 0.8, -0.2)
    """
    if not 0.0 <= _finite(beta, "beta") <= 1.0:
        raise CudissInputError(f"transfer coefficient beta must be in [0, 1], got {beta}")
    shift = n_electrons * (
        _finite(potential_V_RHE, "potential") - _finite(reference_potential_V_RHE, "U_ref")
    )
    forward, reaction = _value(forward_barrier_eV), _value(reaction_energy_eV)
    if n_electrons == 0:
        # Chemical step: nothing moves with the potential.
        reverse = _value(reverse_barrier_eV)
        if math.isnan(reverse) and not math.isnan(forward):
            reverse = forward - reaction
        return forward, reverse, reaction
    dg_rxn = reaction + shift
    if math.isnan(forward) or math.isnan(dg_rxn):
        return forward + beta * shift, NAN, dg_rxn
    dg_fwd = max(forward + beta * shift, 0.0, dg_rxn)
    return dg_fwd, dg_fwd - dg_rxn, dg_rxn


@register_barrier_model("che-bep")
def che_end_state_shift(
    source: BarrierSource,
    potentials_V_RHE: list[float],
    beta: float = DEFAULT_BETA,
    reference_potential_V_RHE: float = 0.0,
    **_: float,
) -> list[BarrierAtPotential]:
    """The CHE end-state-shift model at each potential (see the module docstring).

    Parameters
    ----------
    source : BarrierSource
        Zero-bias NEB result.
    potentials_V_RHE : list of float
        Target potentials (V vs RHE).
    beta : float
        Transfer coefficient.
    reference_potential_V_RHE : float
        Potential of the zero-bias energies.

    Returns
    -------
    list of BarrierAtPotential
    """
    out = []
    for u in potentials_V_RHE:
        fwd, rev, rxn = shifted_barrier(
            _value(source.forward_barrier_eV),
            _value(source.reaction_energy_eV),
            int(source.electrons_transferred),
            u,
            beta=beta,
            reference_potential_V_RHE=reference_potential_V_RHE,
            reverse_barrier_eV=source.reverse_barrier_eV,
        )
        out.append(BarrierAtPotential(float(u), fwd, rev, rxn, "che-bep"))
    return out


@register_barrier_model("constant-potential")
def constant_potential_as_is(
    source: BarrierSource, potentials_V_RHE: list[float], **_: float
) -> list[BarrierAtPotential]:
    """Use a constant-potential result unchanged at its own potential.

    Parameters
    ----------
    source : BarrierSource
        A result with ``electrode_potential_V_RHE`` set.
    potentials_V_RHE : list of float
        Ignored: the result speaks only for its own potential.

    Returns
    -------
    list of BarrierAtPotential
        One entry.

    Raises
    ------
    CudissInputError
        ``source`` has no electrode potential.
    """
    if source.electrode_potential_V_RHE is None:
        raise CudissInputError("constant-potential model needs electrode_potential_V_RHE")
    return [
        BarrierAtPotential(
            float(source.electrode_potential_V_RHE),
            _value(source.forward_barrier_eV),
            _value(source.reverse_barrier_eV),
            _value(source.reaction_energy_eV),
            "constant-potential",
        )
    ]


def barriers_at_potentials(
    source: BarrierSource,
    potentials_V_RHE: Iterable[float],
    model: str | None = None,
    **options: float,
) -> list[BarrierAtPotential]:
    """Put one result's barriers at the requested potentials.

    Parameters
    ----------
    source : BarrierSource
        A :class:`~cudiss.analysis.documents.RemovalResult` or anything alike.
    potentials_V_RHE : iterable of float
        Potentials (V vs RHE).
    model : str, optional
        Key of :data:`BARRIER_MODELS`. Default: ``"constant-potential"`` when the
        source carries its own electrode potential, else ``"che-bep"``.
    **options
        Passed to the model (``beta``, ``reference_potential_V_RHE``).

    Returns
    -------
    list of BarrierAtPotential

    Raises
    ------
    CudissInputError
        Unknown model.
    """
    if model is None:
        model = "constant-potential" if source.electrode_potential_V_RHE is not None else "che-bep"
    if model not in BARRIER_MODELS:
        known = ", ".join(sorted(BARRIER_MODELS))
        raise CudissInputError(f"unknown barrier model {model!r} (known: {known})")
    return BARRIER_MODELS[model](source, [float(u) for u in potentials_V_RHE], **options)


# ---------------------------------------------------------------- band sanity
#: A band has its maximum at an end point unless its highest interior image lies
#: more than this above both end points (eV). Then there is no saddle between
#: them: ``dE_forward_eV`` is only the climb to the higher end point.
ENDPOINT_MAX_TOLERANCE_eV = 0.005
#: An image between an end point and the band's highest point lying more than
#: this below that end point (eV) is a dip: a lower minimum lies on the way up,
#: so the barrier counted from the end point is not the one a system relaxed
#: into that minimum would cross.
DIP_TOLERANCE_eV = 0.01


class BandSource(Protocol):
    """What :func:`barrier_flags` reads; :class:`~cudiss.analysis.documents.RemovalResult` fits."""

    images: Sequence  # items with ``energy_eV``
    forward_barrier_eV: float | None
    reverse_barrier_eV: float | None


def band_flags(energies_eV: Sequence[float]) -> list[str]:
    """Problems of a NEB band read from its image energies (eV, end points included).

    Rules (thresholds :data:`ENDPOINT_MAX_TOLERANCE_eV`, :data:`DIP_TOLERANCE_eV`):

    * ``max at endpoint (initial|final)``: no interior image lies more than
      5 meV above both end points, so the band has no saddle;
    * ``dips below initial by X eV``: an image on the way up from the initial
      state (before the highest image) lies more than 10 meV below it;
    * ``dips below final by X eV``: the same on the way down, after the highest
      image, against the final state. (Images of a downhill band that descend
      below the initial state after the saddle are not a dip.)

    Parameters
    ----------
    energies_eV : sequence of float
        Image energies in band order; fewer than three finite values give no flag.

    Returns
    -------
    list of str
        Empty for a sound band.

    Examples
    --------
    Uphill all the way (0 → 0.2 → 0.5 eV): the highest point is the final state.

    >>> band_flags([0.0, 0.2, 0.5])
    ['max at endpoint (final)']

    A saddle at 0.3 eV, but the image before it is 0.1 eV below the initial
    state (0 − (−0.1) = 0.1 eV):

    >>> band_flags([0.0, -0.1, 0.3, 0.0])
    ['dips below initial by 0.100 eV']

    Endothermic and exothermic bands with a saddle are sound:

    >>> band_flags([0.0, 0.4, 1.5, 1.2, 1.0]), band_flags([0.0, 0.3, -0.5, -0.9, -1.0])
    ([], [])
    """
    e = [float(x) for x in energies_eV]
    if len(e) < 3 or not all(math.isfinite(x) for x in e):
        return []
    first, last = e[0], e[-1]
    top = max(range(1, len(e) - 1), key=lambda i: e[i])  # highest interior image
    flags = []
    if e[top] <= max(first, last) + ENDPOINT_MAX_TOLERANCE_eV:
        flags.append(f"max at endpoint ({'final' if last >= first else 'initial'})")
        top = len(e) - 1 if last >= first else 0
    for name, end, side in (("initial", first, e[1:top]), ("final", last, e[top + 1 : -1])):
        dip = end - min(side, default=end)
        if dip > DIP_TOLERANCE_eV:
            flags.append(f"dips below {name} by {dip:.3f} eV")
    return flags


def barrier_flags(result: BandSource) -> list[str]:
    """Problems of a result's barrier: :func:`band_flags` of its stored images.

    A result without a band (fewer than three images) is judged by its barrier
    fields: a forward (reverse) barrier within 5 meV of zero puts the maximum at
    the initial (final) state. A failed result without barriers gives no flag.

    Examples
    --------
    >>> from types import SimpleNamespace as R
    >>> barrier_flags(R(images=[], forward_barrier_eV=0.5, reverse_barrier_eV=0.0))
    ['max at endpoint (final)']
    """
    energies = [img.energy_eV for img in result.images]
    if len(energies) >= 3:
        return band_flags(energies)
    forward, reverse = _value(result.forward_barrier_eV), _value(result.reverse_barrier_eV)
    if math.isfinite(reverse) and reverse <= ENDPOINT_MAX_TOLERANCE_eV:
        return ["max at endpoint (final)"]
    if math.isfinite(forward) and forward <= ENDPOINT_MAX_TOLERANCE_eV:
        return ["max at endpoint (initial)"]
    return []


def barrier_warning(result: BandSource) -> str:
    """:func:`barrier_flags` as one string joined by ``"; "`` (``""`` for a sound band).

    What the ``barrier_warning`` column of the barrier table holds; also meant
    for other summaries of results (e.g. the table ``cudiss run`` prints).

    Examples
    --------
    >>> from types import SimpleNamespace as R
    >>> band = [R(energy_eV=e) for e in (0.0, -0.1, 0.2, 0.5)]
    >>> barrier_warning(R(images=band, forward_barrier_eV=0.5, reverse_barrier_eV=0.0))
    'max at endpoint (final); dips below initial by 0.100 eV'
    """
    return "; ".join(barrier_flags(result))
