"""Result documents: what a Cu-removal workflow writes and what analysis reads.

The workflows write one :class:`RemovalResult` per configuration (facet x target
site x adsorbate set) into the store; analysis reads them back with
:meth:`RemovalResult.model_validate`. Units: energies in eV, distances in Å.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from cudiss.analysis.methods import CalculatorCode

RunState = Literal["successful", "unconverged", "failed"]
#: How a solvated (SJM) calculation held its electrode: at a target potential, its
#: electron count adjusted (``constant-potential``), or at a fixed excess charge
#: (``constant-charge``: the zero-charge reference of a potential sweep, which the
#: CHE treats like any zero-charge result).
ElectrodeMode = Literal["constant-potential", "constant-charge"]
ELECTRODE_MODES: tuple[ElectrodeMode, ...] = ("constant-potential", "constant-charge")


class CalculatorInfo(BaseModel):
    """Which calculator produced a result, with every parameter it used.

    ``code`` is DFT (``gpaw``), an MLIP (``sevennet``, ``chgnet``: screening) or EMT
    (dry runs); :mod:`cudiss.analysis.methods` says which is which.
    """

    model_config = ConfigDict(extra="forbid")

    code: CalculatorCode
    preset: str | None = Field(None, description="GPAW preset name ('test', 'production')")
    parameters: dict = Field(default_factory=dict, description="parameters passed to the code")


class ImageData(BaseModel):
    """One NEB image: its energy and geometry."""

    energy_eV: float
    positions_A: list[list[float]]
    forces_eVA: list[list[float]] | None = Field(
        None, description="final forces on the image; lets NEB plots use the force spline"
    )


class RemovalResult(BaseModel):
    """The outcome of one Cu-removal configuration.

    The chemical step (the Cu atom lifted out of its site) is described by the
    NEB fields; the electrochemical dissolution Cu(site) → Cu²⁺ + 2e⁻ by
    ``slab_energy_eV``, ``vacancy_energy_eV`` and ``bulk_energy_per_atom_eV``,
    all from the same calculator.
    """

    model_config = ConfigDict(extra="forbid")

    schema_version: int = 1
    config_id: str = Field(description="stable key: campaign/facet/site/adsorbates/calculator")
    campaign: str
    facet: str
    site_class: str = Field(description="terrace, step, kink or adatom")
    adsorbates: list[str] = Field(default_factory=list, description="bound to the moving Cu")
    target_index: int = Field(description="index of the moving Cu atom in the slab")
    n_atoms: int
    symbols: list[str]
    cell_A: list[list[float]]

    state: RunState
    error: str | None = Field(None, description="why a failed run failed")

    # Chemical step: CI-NEB between relaxed initial and final states.
    forward_barrier_eV: float | None = None
    reverse_barrier_eV: float | None = None
    reaction_energy_eV: float | None = None
    images: list[ImageData] = Field(default_factory=list)
    image_forces_max_eVA: list[float] = Field(
        default_factory=list, description="max NEB force per image at the end"
    )
    neb_converged: bool = False
    endpoints_converged: list[bool] = Field(default_factory=list)
    neb_settings: dict = Field(default_factory=dict)
    force_calls: int | None = Field(None, description="calculator force evaluations in the NEB")
    electrons_transferred: int = Field(
        0,
        description="proton-electron pairs consumed by the NEB step (>0 reduction, <0 "
        "oxidation); 0 for the chemical Cu-lift step",
    )
    electrode_potential_V_RHE: float | None = Field(
        None,
        description="set by constant-potential (e.g. GPAW SJM) runs: energies already "
        "refer to this potential and are used as-is there",
    )

    # Solvated electrode (GPAW SJM), read from the relaxations' and the NEB's
    # electrode records; None without an electrode. Charges in e (electrons added
    # to the neutral slab), potentials in V vs RHE.
    electrode: ElectrodeMode | None = Field(
        None, description="how the electrode was held; None: no electrode (slab in vacuum)"
    )
    electrode_target_V_RHE: float | None = Field(
        None, description="target potential of a constant-potential run, V vs RHE"
    )
    initial_potential_V_RHE: float | None = Field(
        None,
        description="potential the relaxed initial state reached, V vs RHE (at zero "
        "charge: its potential of zero charge)",
    )
    excess_electrons_initial_e: float | None = Field(
        None, description="excess electrons of the relaxed initial state, e"
    )
    excess_electrons_ts_e: float | None = Field(
        None, description="excess electrons of the highest NEB image (transition state), e"
    )
    excess_electrons_final_e: float | None = Field(
        None, description="excess electrons of the relaxed final state, e"
    )
    charge_transferred_e: float | None = Field(
        None,
        description="excess electrons gained from initial to transition state (TS - IS), e; "
        "> 0: the electrode gave electrons to the slab on the way up",
    )
    charge_transferred_final_e: float | None = Field(
        None, description="excess electrons gained from initial to final state (FS - IS), e"
    )
    pzc_reference_id: str | None = Field(
        None,
        description="config_id of this configuration's zero-charge solvated reference "
        "(the CHE row a potential sweep is compared with); its own id for the reference",
    )

    # Electrochemical dissolution Cu(site) -> Cu2+(aq) + 2e-.
    slab_energy_eV: float | None = Field(None, description="relaxed intact slab (initial state)")
    vacancy_energy_eV: float | None = Field(None, description="relaxed slab without the target")
    bulk_energy_per_atom_eV: float | None = Field(None, description="mu_Cu(bulk)")
    lattice_constant_A: float | None = None

    scf_recoveries: list[str] = Field(
        default_factory=list, description="SCF retries with safer settings, per step"
    )
    resumed: list[str] = Field(
        default_factory=list,
        description="steps continued from a checkpoint after an interruption, with the "
        "number of optimizer steps before and after",
    )

    # Mechanism (harmonic adsorbate vibrations, slab frozen): the adsorbates bound to
    # the moving Cu in the initial state and in the lifted complex. Empty: not computed.
    adsorbate_indices: list[int] = Field(
        default_factory=list, description="indices of the adsorbates on the moving Cu"
    )
    initial_frequencies_cm: list[float] = Field(
        default_factory=list,
        description="adsorbate modes in the initial state (imaginary as negative), cm^-1",
    )
    final_frequencies_cm: list[float] = Field(
        default_factory=list,
        description="adsorbate modes of the lifted Cu complex (imaginary as negative), cm^-1",
    )

    calculator: CalculatorInfo
    software: dict[str, str] = Field(default_factory=dict)
    trajectories: dict[str, str] = Field(
        default_factory=dict, description="ASE .traj files by step name (relative to the store)"
    )
    wall_time_s: float | None = None
