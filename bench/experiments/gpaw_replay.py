"""Replay recorded NEB geometries of one image through one GPAW calculator.

The geometries come from a gpaw_neb_variants.py run (geometries.npz: every
geometry each image's calculator evaluated, in order). Each configuration
replays the same sequence with a fresh calculator built by CalculatorSpec
(test preset) and reports the SCF iterations per call and the final energy and
forces, to check that SCF-algorithm changes keep the same converged results.

Usage: gpaw_replay.py WORKDIR CALCKEY CONFIG [CONFIG ...]
Configs: default | fresh-mixer | keep-history | pulay | beta0.1 ...
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import case_band

from cudiss.workflows.calculators import CalculatorSpec


def configure(calc, config: str):
    """Apply a restart strategy to a freshly built (wrapped) GPAW calculator."""
    if config in ("default", "pulay") or config.startswith("beta"):
        return
    from gpaw.mixer.msr1 import MSR1Mixer
    from gpaw.new.scf import SCFLoop

    if config == "fresh-mixer":
        # MSR1 keeps A, B and its trust radius across SCF runs (reset() only
        # clears the histories): start every SCF like a new mixer.
        original = SCFLoop.iterate

        def iterate(self, *args, **kwargs):
            mixer = self.mixer
            if isinstance(mixer, MSR1Mixer):
                mixer.A, mixer.B, mixer.trust_radius = 0.0, 1.0, None
                mixer.last_dNt = np.inf
            return original(self, *args, **kwargs)

        SCFLoop.iterate = iterate
    elif config == "keep-history":

        def move(self, relpos_ac, atomdist):
            self.relpos_ac, self.atomdist = relpos_ac, atomdist
            self.ghat_aLr = self.setups.create_compensation_charges(
                self.desc, relpos_ac, atomdist, xp=self.xp
            )

        MSR1Mixer.move = move
        MSR1Mixer.reset = lambda self: None
    else:
        raise ValueError(config)


def overrides_for(config: str) -> dict:
    if config == "pulay":
        return {"mixer": {"name": "pulay"}}
    if config.startswith("beta"):
        return {"mixer": {"beta": float(config[4:])}}
    return {}


def replay(geoms: np.ndarray, config: str, workdir: Path) -> dict:
    _case, band, _ = case_band("gpaw-adatom-hop")
    atoms = band[1].copy()
    spec = CalculatorSpec(code="gpaw", preset="test", overrides=overrides_for(config))
    calc = spec.build(txt=str(workdir / f"{config}.txt"))
    configure(calc, config)
    atoms.calc = calc
    counts, energies, forces = [], [], []
    for positions in geoms:
        atoms.positions = positions
        forces.append(atoms.get_forces(apply_constraint=False).copy())
        energies.append(float(atoms.get_potential_energy()))
        counts.append(int(calc.get_number_of_iterations()))
    return {"counts": counts, "energies": energies, "forces": forces}


if __name__ == "__main__":
    src, key, *configs = sys.argv[1:]
    geoms = np.load(Path(src) / "geometries.npz")[key]
    workdir = Path(tempfile.mkdtemp(prefix="replay-"))
    ref = None
    for config in configs:
        out = replay(geoms, config, workdir)
        if ref is None:
            ref = out
        dE = max(abs(a - b) for a, b in zip(out["energies"], ref["energies"], strict=True))
        dF = max(
            float(np.abs(a - b).max()) for a, b in zip(out["forces"], ref["forces"], strict=True)
        )
        line = {
            "config": config,
            "counts": out["counts"],
            "total": sum(out["counts"]),
            "max_dE_vs_first": dE,
            "max_dF_vs_first": dF,
            "src": src,
            "key": key,
        }
        print(json.dumps(line), flush=True)
        with (Path(__file__).parent / "replay.jsonl").open("a") as fh:
            fh.write(json.dumps(line) + "\n")
