"""SCF accuracy of a band's image calculators, following how far the band is from converged.

For image calculators that offer ``set_force_tolerance`` (cudiss's GPAW,
:class:`~cudiss.workflows.calculators.AdaptiveScfCalculator`): early band steps
ask for forces only to a fraction of the band's current fmax, so their SCF
cycles stop sooner; the band that is finally returned always comes from the
calculators' own criteria (docs/neb.md). Calculators without these methods
(EMT...) are left alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ase import Atoms

from cudiss.workflows.neb.settings import NebSettings


def set_force_tolerance(images: Sequence[Atoms], tolerance: float | None) -> None:
    """Ask each interior image's calculator for forces to ``tolerance`` eV/Å.

    ``None``: the calculator's own criteria. Calculators without
    ``set_force_tolerance`` (EMT...) are left alone.
    """
    for image in images[1:-1]:
        setter = getattr(image.calc, "set_force_tolerance", None)
        if setter is not None:
            setter(tolerance)


def discard_loose_results(images: Sequence[Atoms]) -> bool:
    """Make interior images whose results came from loosened SCF criteria re-converge.

    Returns whether any did (their next force request recomputes in place).
    """
    discarded = False
    for image in images[1:-1]:
        discard = getattr(image.calc, "discard_loose_results", None)
        if discard is not None and discard():
            discarded = True
    return discarded


def scf_follower(images: Sequence[Atoms], settings: NebSettings) -> Callable[[float], None] | None:
    """The observer that sets the images' SCF accuracy from the band's fmax (eV/Å).

    ``None`` when ``settings.scf_force_fraction`` is off. Otherwise the images
    are set to the loosest accuracy for the first band, and the returned
    function, told each new band's fmax, asks the next evaluations for
    ``scf_force_fraction * fmax`` while fmax is above ``scf_tight_factor *
    settings.fmax``, and for the calculators' own criteria below it.
    """
    if settings.scf_force_fraction is None:
        return None
    tight_below = settings.scf_tight_factor * settings.fmax
    fraction = settings.scf_force_fraction

    def follow(fmax: float) -> None:
        # the accuracy of the next evaluations, from the band just seen
        set_force_tolerance(images, fraction * fmax if fmax > tight_below else None)

    set_force_tolerance(images, float("inf"))  # first band: loosest
    return follow
