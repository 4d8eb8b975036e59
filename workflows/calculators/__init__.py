"""What computes energies and forces: EMT for dry runs, GPAW with named presets.

spec       CalculatorSpec (plain data, in every result) -> a fresh calculator
presets    GPAW presets as data (presets.yaml), with the bulk-Cu rule of each
adaptive   SCF criteria that follow the force accuracy a driver asks for
recovery   SCF failures retried on a ladder of safer settings
"""

from cudiss.workflows.calculators.adaptive import (
    FORCE_ERROR_PER_DENSITY_ERROR,
    GPAW_DEFAULT_CONVERGENCE,
    LOOSEST_DENSITY,
    AdaptiveScfCalculator,
    scf_convergence_for,
    set_scf_convergence,
)
from cudiss.workflows.calculators.presets import GPAW_PRESETS, bulk_parameters
from cudiss.workflows.calculators.recovery import SCF_LADDER, RecoveringCalculator
from cudiss.workflows.calculators.spec import (
    CalculatorCode,
    CalculatorSpec,
    as_spec,
    make_calculator,
    software_versions,
)

__all__ = [
    "FORCE_ERROR_PER_DENSITY_ERROR",
    "GPAW_DEFAULT_CONVERGENCE",
    "GPAW_PRESETS",
    "LOOSEST_DENSITY",
    "SCF_LADDER",
    "AdaptiveScfCalculator",
    "CalculatorCode",
    "CalculatorSpec",
    "RecoveringCalculator",
    "as_spec",
    "bulk_parameters",
    "make_calculator",
    "scf_convergence_for",
    "set_scf_convergence",
    "software_versions",
]
