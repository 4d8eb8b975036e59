"""What a NEB run produced: the band, its energies and forces, convergence and cost."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from ase import Atoms

from cudiss.workflows.schemas import ElectrodeRecord


@dataclass
class NebRun:
    """What an NEB run produced (energies in eV, forces in eV/Å)."""

    images: list[Atoms]
    energies: list[float]
    image_fmax: list[float]
    forces: list[np.ndarray]
    converged: bool
    steps: int
    force_calls: int
    wall_time_s: float
    trajectories: list[str] = field(default_factory=list)
    optimizers: list[str] = field(default_factory=list)
    surrogate_force_calls: int = 0
    surrogate_hessian_calls: int = 0
    """Surrogate force calls of the NEB Hessian that preconditions the DFT stage."""
    scf_recoveries: list[str] = field(default_factory=list)
    resumed_steps: int = 0
    """Band steps done before an interruption, read from the checkpoint (0: fresh start)."""
    electrodes: list[ElectrodeRecord | None] = field(default_factory=list)
    """SJM's potential and charge of every image (``None``: no electrode, or an endpoint)."""

    @property
    def dips_below_endpoints(self) -> bool:
        """An interior image lies >0.05 eV below both endpoints: a lower minimum
        exists along the path, so the barrier from the initial state is suspect."""
        return min(self.energies[1:-1]) < min(self.energies[0], self.energies[-1]) - 0.05

    @property
    def forward_barrier(self) -> float:
        """Highest image energy minus the initial state's (the climbing image's, with CI)."""
        return max(self.energies) - self.energies[0]

    @property
    def reverse_barrier(self) -> float:
        """Highest image energy minus the final state's."""
        return max(self.energies) - self.energies[-1]

    @property
    def reaction_energy(self) -> float:
        """Final minus initial state energy."""
        return self.energies[-1] - self.energies[0]
