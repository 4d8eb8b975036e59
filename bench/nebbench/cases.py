"""The NEB problems of the benchmark: endpoints from ``build_removal_system``, a calculator.

Every case names its default methods (what ``bench/bench_neb.py`` runs without
``--methods``) and the methods it also allows when asked by name (the dear
ones on GPAW: each GPAW NEB costs 10-45 min on 2 cores).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ase.calculators.emt import EMT

from cudiss.structures.removal import RemovalEndpoints, build_removal_system
from cudiss.workflows.calculators import CalculatorSpec


@dataclass
class Case:
    """One NEB problem: endpoints from :func:`build_removal_system` and a calculator.

    Attributes
    ----------
    size, layers, vacuum, fixed_layers, a
        Slab of :func:`build_removal_system` (vacuum and ``a`` in Å).
    methods
        Methods run by default, in this order.
    optional
        Further methods run only when ``--methods`` names them.
    target
        Calculator factory used instead of ``spec`` (the surrogate-mismatch case).
    cold_start
        Recompute the BFGS run's final interior images with fresh calculators
        (GPAW: what keeping one calculator per image saves in SCF iterations).
    """

    name: str
    spec: CalculatorSpec
    facet: str
    site: str
    adsorbates: list[str]
    size: tuple[int, int]
    layers: int
    vacuum: float
    fixed_layers: int
    a: float
    methods: list[str]
    optional: list[str] = field(default_factory=list)
    target: Callable[[], Any] | None = None
    cold_start: bool = False

    @property
    def is_gpaw(self) -> bool:
        """Whether the real calculator is GPAW (DFT: minutes per NEB, not seconds)."""
        return self.spec.code == "gpaw"

    def build(self, txt: str) -> Any:
        """A fresh calculator of this case (GPAW writes its log to ``txt``)."""
        return self.target() if self.target is not None else self.spec.build(txt=txt)

    def endpoints(self) -> RemovalEndpoints:
        """The unrelaxed endpoints, as the campaigns build them (top vacuum kept, tilt)."""
        return build_removal_system(
            self.facet,
            self.site,
            self.adsorbates,
            self.size,
            self.layers,
            self.vacuum,
            self.fixed_layers,
            self.a,
        )

    def allowed(self) -> list[str]:
        """Every method this case can run (default ones first)."""
        return [*self.methods, *self.optional]


MLIP_METHODS = ["cudiss-sevennet", "cudiss-chgnet"]
"""``NebSettings.fast(surrogate=...)``: MLIP-preconverged band + MLIP NEB Hessian."""

EMT_METHODS = [
    "ase-bfgs",
    "ase-fire",
    "atomate2-default",
    "atomate2-0.05",
    "cudiss-default",
    "cudiss-fast",
    "cudiss-auto",
    *MLIP_METHODS,
]


class MismatchEMT(EMT):
    """EMT with re-parametrised Cu, C and O: a target the EMT surrogate does not equal.

    On the plain EMT cases the fast path's surrogate *is* the target. Here Cu's
    s0 is 1.1 % larger (EMT's 3.59 vs PBE's 3.63 Å lattice constant) and
    E0/V0/eta2/lambda and C/O's parameters differ by 2-15 %, so the surrogate
    stage and its Hessian are only approximations, as with DFT (docs/neb.md).

    ASE's ``EMT`` reads its parameters from the module-level table
    ``ase.calculators.emt.parameters`` in ``initialize``; the table is swapped for
    the duration of that call only. The cutoff comes from the largest s0 of the
    whole table (Ag), which the changed values do not reach.
    """

    # (E0 eV, s0 bohr, V0 eV, eta2, kappa, lambda in 1/bohr, n0 in 1/bohr^3), scaled
    PARAMETERS: ClassVar[dict[str, tuple[float, ...]]] = {
        "Cu": (-3.6855, 2.69937, 2.2284, 1.7346, 2.740, 1.84882, 0.00910),
        "C": (-4.025, 1.8462, 0.3652, 1.652, 2.9295, 1.892, 0.01322),
        "O": (-5.06, 1.911, 0.2988, 1.7346, 2.790, 1.892, 0.00850),
    }

    def initialize(self, atoms):
        import ase.calculators.emt as emt_module

        saved = dict(emt_module.parameters)
        emt_module.parameters.update(self.PARAMETERS)
        try:
            super().initialize(atoms)
        finally:
            emt_module.parameters.clear()
            emt_module.parameters.update(saved)


# The bare hop keeps the four NEB runs it always had, so its rows stay comparable.
GPAW_HOP_METHODS = ["ase-bfgs", "cudiss-fast", "cudiss-default", "atomate2-default"]

# Adsorbate-bound Cu removal on GPAW (issue #15): the reference, the EMT fast path
# and the path campaigns take (``surrogate: auto``: the SevenNet band, BFGS from its
# floored Hessian), three NEB runs per case; the other MLIP variants only on
# request: each GPAW NEB costs 10-50 min of one core.
GPAW_ADSORBATE_METHODS = ["ase-bfgs", "cudiss-fast", "cudiss-auto"]
GPAW_ADSORBATE_OPTIONAL = [
    "cudiss-sevennet",
    "cudiss-chgnet",
    "cudiss-default",
    "cudiss-sevennet-bfgs",
    "cudiss-sevennet-bfgs-precon",
    "cudiss-sevennet-bfgs-precon-floor3",
]

_EMT = CalculatorSpec(code="emt")
_GPAW_TEST = CalculatorSpec(code="gpaw", preset="test")
# Cu(100) 3x3x4 with an adatom, two layers fixed (EMT's lattice constant).
_EMT_SLAB = ((3, 3), 4, 7.5, 2, 3.59)
# Cu(100) 2x2x3 with an adatom, one layer fixed (PBE's lattice constant): 13 Cu.
_GPAW_SLAB = ((2, 2), 3, 6.0, 1, 3.63)


def _adatom(
    name: str, spec: CalculatorSpec, slab: tuple, adsorbates: list[str], methods: list[str], **kw
) -> Case:
    """A Cu(100) adatom case: the adatom (with ``adsorbates``) hops to the next hollow."""
    return Case(name, spec, "100", "adatom", adsorbates, *slab, methods, **kw)


CASES: dict[str, Case] = {
    case.name: case
    for case in (
        _adatom("emt-adatom-hop", _EMT, _EMT_SLAB, [], EMT_METHODS),
        _adatom("emt-adatom-co", _EMT, _EMT_SLAB, ["CO"], EMT_METHODS),
        _adatom(
            "emt-adatom-co-mismatch",
            _EMT,
            (*_EMT_SLAB[:4], 3.59 * 1.011),
            ["CO"],
            ["ase-bfgs", "cudiss-default", "cudiss-fast", *MLIP_METHODS],
            target=MismatchEMT,
        ),
        _adatom("gpaw-adatom-hop", _GPAW_TEST, _GPAW_SLAB, [], GPAW_HOP_METHODS, cold_start=True),
        # CO on the adatom, on the corrected cell (top vacuum kept, commit 0c4552e)
        # and tilted 5 degrees by the builder (structures/tilt.py).
        _adatom(
            "gpaw-adatom-co",
            _GPAW_TEST,
            _GPAW_SLAB,
            ["CO"],
            GPAW_ADSORBATE_METHODS,
            optional=GPAW_ADSORBATE_OPTIONAL,
        ),
        # H rather than OH: H sits atop the adatom and is carried along the
        # 2.57 Å hop, so the endpoints are distinct, equivalent by symmetry (as in
        # the other hop cases) and not trivial. Atop is a minimum, not a ridge as
        # upright CO was: SevenNet's lateral curvature of H there is +0.18 eV/Å²
        # (central differences at its relaxed endpoint). OH is no better test:
        # SevenNet moves its O 1.2 Å off atop and H 2.7 Å (the bent-OH basin of
        # docs/mlip.md), beyond the 1 Å rule, so its pre-relaxation is dropped.
        _adatom(
            "gpaw-adatom-h",
            _GPAW_TEST,
            _GPAW_SLAB,
            ["H"],
            GPAW_ADSORBATE_METHODS,
            optional=GPAW_ADSORBATE_OPTIONAL,
        ),
        # OH on the adatom, tilted 5 degrees by the builder like CO: the H case's
        # atop H is a ridge on GPAW (its plain-BFGS band fell 0.72 eV below the
        # endpoints), while a tilted OH relaxes into a real (bent) minimum.
        _adatom(
            "gpaw-adatom-oh",
            _GPAW_TEST,
            _GPAW_SLAB,
            ["OH"],
            GPAW_ADSORBATE_METHODS,
            optional=GPAW_ADSORBATE_OPTIONAL,
        ),
    )
}
