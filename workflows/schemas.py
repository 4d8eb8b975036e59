"""The documents cudiss's Makers return (pydantic models, stored by jobflow).

Each is an atomate2/emmet document where one exists (a relaxation's task
document, emmet's ``NebResult``) with the fields cudiss records on top of it:
SCF recoveries, resumes from checkpoints, cost and convergence.
"""

from __future__ import annotations

from atomate2.ase.schemas import AseResult, AseStructureTaskDoc
from emmet.core.neb import NebResult
from pydantic import BaseModel, Field


class CuRelaxResult(AseResult):
    """atomate2's relaxation result plus what happened on the way (``run_ase``'s output)."""

    scf_recoveries: list[str] = Field(
        default_factory=list, description="SCF retries on safer settings, one line each"
    )
    resumed: str | None = Field(
        None, description="how the relaxation continued from a checkpoint; None: fresh start"
    )


class CuRelaxTaskDoc(AseStructureTaskDoc):
    """atomate2's relaxation task document plus SCF recoveries and the resume note."""

    scf_recoveries: list[str] = Field(
        default_factory=list, description="SCF retries on safer settings, one line each"
    )
    resumed: str | None = Field(
        None, description="how the relaxation continued from a checkpoint; None: fresh start"
    )


class BulkResult(BaseModel):
    """Fitted fcc lattice constant and the bulk energy per atom at it."""

    lattice_constant_A: float
    energy_per_atom_eV: float
    bulk_modulus_GPa: float
    volumes_A3: list[float]
    energies_eV: list[float]
    calculator: dict


class CuNebResult(NebResult):
    """emmet's ``NebResult`` plus what cudiss records about cost and convergence."""

    converged: bool = False
    force_calls: int = 0
    steps: int = 0
    image_fmax: list[float] = Field(default_factory=list)
    image_forces: list[list[list[float]]] = Field(default_factory=list)
    image_positions: list[list[list[float]]] = Field(
        default_factory=list, description="continuous (unwrapped) band, Å"
    )
    trajectories: list[str] = Field(default_factory=list)
    settings: dict = Field(default_factory=dict)
    wall_time_s: float = 0.0
    surrogate_force_calls: int = 0
    scf_recoveries: list[str] = Field(default_factory=list)
    resumed_steps: int = Field(0, description="band steps done before an interruption")


class VibrationsResult(BaseModel):
    """Harmonic frequencies of selected atoms (for ZPE and TS, see analysis)."""

    indices: list[int]
    frequencies_cm: list[float] = Field(description="real parts; imaginary modes negative")
    energies_eV: list[float] = Field(description="hbar*omega of the real modes")
    zpe_eV: float
    calculator: dict
