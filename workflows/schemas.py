"""The documents cudiss's Makers return (pydantic models, stored by jobflow).

Each is an atomate2/emmet document where one exists (a relaxation's task
document, emmet's ``NebResult``) with the fields cudiss records on top of it:
SCF recoveries, resumes from checkpoints, cost and convergence.
"""

from __future__ import annotations

from atomate2.ase.schemas import AseResult, AseStructureTaskDoc
from emmet.core.neb import NebResult
from pydantic import BaseModel, Field


class PrerelaxRecord(BaseModel):
    """The MLIP stage of a pre-relaxed relaxation (:mod:`cudiss.workflows.prerelax`)."""

    mlip: str = Field(description="the MLIP: sevennet or chgnet")
    relaxed: bool = Field(
        True, description="the MLIP relaxed the structure first (False: its Hessian at the input)"
    )
    steps: int = Field(description="BFGS steps of the MLIP relaxation")
    force_calls: int = Field(description="MLIP force calls of the relaxation")
    converged: bool = Field(description="the MLIP relaxation reached the maker's fmax")
    fmax: float = Field(description="largest MLIP force at its last geometry (or the input), eV/Å")
    max_shift_A: float = Field(description="largest displacement of an atom by the MLIP, Å")
    used: bool = Field(False, description="the real relaxation started from the MLIP geometry")
    hessian_used: bool = Field(
        False, description="the MLIP Hessian was BFGS's initial Hessian (a resume keeps its own)"
    )
    hessian_force_calls: int = Field(0, description="MLIP force calls of the Hessian")
    lowest_eigenvalue: float | None = Field(
        None, description="lowest MLIP Hessian eigenvalue before the floor, eV/Å²"
    )
    floored: int = Field(0, description="eigenvalues raised to the floor (1 eV/Å²)")
    wall_time_s: float = Field(0.0, description="MLIP stage wall time (model load included)")
    reused: bool = Field(False, description="read from the saved stage, not computed again")
    note: str | None = Field(None, description="why the MLIP geometry was not used")


class ElectrodeRecord(BaseModel):
    """Where an SJM calculation ended: its potential and excess electrons.

    Potentials are on the scale the calculation asked for (``scale``, ``pH``)
    and, for SJM's own record, on its absolute scale (work function).
    """

    scale: str = Field(description="RHE or SHE: the scale of target_V and potential_V")
    pH: float = Field(0.0, description="pH of the electrolyte")
    target_V: float | None = Field(description="target potential; None: constant charge")
    potential_V: float = Field(description="achieved electrode potential, V")
    potential_absolute_V: float = Field(description="achieved work function (SJM's scale), V")
    excess_electrons: float = Field(description="electrons added to the neutral slab")
    tolerance_V: float = Field(description="accepted |achieved - target|, V")


class CuRelaxResult(AseResult):
    """atomate2's relaxation result plus what happened on the way (``run_ase``'s output)."""

    scf_recoveries: list[str] = Field(
        default_factory=list, description="SCF retries on safer settings, one line each"
    )
    resumed: str | None = Field(
        None, description="how the relaxation continued from a checkpoint; None: fresh start"
    )
    force_calls: int | None = Field(
        None, description="force calls of the relaxation's calculator in this run"
    )
    prerelax: PrerelaxRecord | None = Field(None, description="the MLIP stage; None: none")
    electrode: ElectrodeRecord | None = Field(
        None, description="SJM's potential and charge at the end; None: no electrode"
    )


class CuRelaxTaskDoc(AseStructureTaskDoc):
    """atomate2's relaxation task document plus SCF recoveries, resume note and cost."""

    scf_recoveries: list[str] = Field(
        default_factory=list, description="SCF retries on safer settings, one line each"
    )
    resumed: str | None = Field(
        None, description="how the relaxation continued from a checkpoint; None: fresh start"
    )
    force_calls: int | None = Field(
        None, description="force calls of the relaxation's calculator in this run"
    )
    prerelax: PrerelaxRecord | None = Field(None, description="the MLIP stage; None: none")
    electrode: ElectrodeRecord | None = Field(
        None, description="SJM's potential and charge at the end; None: no electrode"
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
    surrogate_force_calls: int = Field(0, description="surrogate calls of the band stage")
    surrogate_hessian_calls: int = Field(
        0, description="surrogate calls of the NEB Hessian preconditioning the DFT stage"
    )
    scf_recoveries: list[str] = Field(default_factory=list)
    resumed_steps: int = Field(0, description="band steps done before an interruption")
    image_electrodes: list[ElectrodeRecord | None] = Field(
        default_factory=list,
        description="SJM's potential and charge of every image (endpoints: their relaxations)",
    )


class VibrationsResult(BaseModel):
    """Harmonic frequencies of selected atoms (for ZPE and TS, see analysis)."""

    indices: list[int]
    frequencies_cm: list[float] = Field(description="real parts; imaginary modes negative")
    energies_eV: list[float] = Field(description="hbar*omega of the real modes")
    zpe_eV: float
    calculator: dict
