"""What computes energies and forces: EMT for dry runs, GPAW with named presets, MLIPs.

spec       CalculatorSpec (plain data, in every result) -> a fresh calculator: emt, gpaw,
           or an MLIP for screening (sevennet, chgnet)
presets    GPAW presets as data (presets.yaml), with the bulk-Cu rule of each
adaptive   SCF criteria that follow the force accuracy a driver asks for
recovery   SCF failures retried on a ladder of safer settings
mlip       machine-learned potentials (SevenNet, CHGNet) as offline ASE calculators
electrode_spec  the electrode as data: target potential, jellium, tolerance, implicit water
electrode  GPAW's SJM held at that potential, behind the SCF and potential ladders
"""

from cudiss.workflows.calculators.adaptive import (
    FORCE_ERROR_PER_DENSITY_ERROR,
    GPAW_DEFAULT_CONVERGENCE,
    LOOSEST_DENSITY,
    AdaptiveScfCalculator,
    scf_convergence_for,
    set_scf_convergence,
)
from cudiss.workflows.calculators.mlip import (
    MLIP_MODELS,
    MLIP_NAMES,
    MlipName,
    check_mlip_name,
    mlip_calculator,
    torch_threads,
)
from cudiss.workflows.calculators.presets import GPAW_PRESETS, bulk_parameters
from cudiss.workflows.calculators.recovery import SCF_LADDER, RecoveringCalculator
from cudiss.workflows.calculators.spec import (
    CALCULATOR_CODES,
    CalculatorCode,
    CalculatorSpec,
    as_spec,
    make_calculator,
    software_versions,
)

__all__ = [
    "CALCULATOR_CODES",
    "FORCE_ERROR_PER_DENSITY_ERROR",
    "GPAW_DEFAULT_CONVERGENCE",
    "GPAW_PRESETS",
    "LOOSEST_DENSITY",
    "MLIP_MODELS",
    "MLIP_NAMES",
    "SCF_LADDER",
    "AdaptiveScfCalculator",
    "CalculatorCode",
    "CalculatorSpec",
    "MlipName",
    "RecoveringCalculator",
    "as_spec",
    "bulk_parameters",
    "check_mlip_name",
    "make_calculator",
    "mlip_calculator",
    "scf_convergence_for",
    "set_scf_convergence",
    "software_versions",
    "torch_threads",
]
