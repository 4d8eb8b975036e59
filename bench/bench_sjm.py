"""Constant potential (SJM) against constant charge: the cost of one Cu-removal CI-NEB.

Issue #16. The Cu(100) adatom hop to the next hollow, built by
``build_removal_system`` on a 2x2x2 slab (9 Cu, bottom layer fixed, PBE lattice
constant 3.63 Å), GPAW's ``sjm-test`` preset (FD h 0.2 Å, k 2x2x1), SJM's
implicit water, the jellium region fixed in space 3 Å above the initial state's
highest atom (the band's highest atom stays below it). Three conditions, each
relaxing the initial state with ``CuRelaxMaker`` and running the CI-NEB with
``CuNebMaker`` (``surrogate: auto``: the EMT fast path for bare Cu):

``neutral``
    constant charge, zero excess electrons: the solvated slab at its potential
    of zero charge (PZC), the reference SJM's cost is compared with;
``pzc``
    SJM held at the potential of the neutral relaxed initial state (its PZC),
    so N ≈ 0 and the barrier must equal the neutral one within a few meV;
``shifted``
    SJM at PZC + ``--shift`` (default −0.2 V): a charged electrode. At −1.0,
    −0.5 and −0.4 V this cell could not hold the charge with the jellium 3 Å
    above the adatom (docs/constant-potential.md).
``charged``
    constant charge again, with the excess electrons of the ``shifted``
    condition's relaxed initial state (from its row, which must exist), starting
    from that geometry: the canonical run at the same charge, the reference for
    the cost of holding the potential (SJM's own cost claim compares with a
    constant-charge trajectory), apart from what the charge does to the band.

The final state is the relaxed initial state mirrored through the plane halfway
between the two hollows: that plane is a symmetry of the slab, of the k-mesh and
(the hop runs along a cell vector, the plane lies on half the cell) of the grid,
so only the initial state is relaxed and both endpoints have its energy. The SJM
conditions start from the neutral relaxed geometry and from the electron count
the slope guess predicts.

Costs: force calls (new geometries, from the documents), SCF iterations and
potential attempts (SJM's electron-count iterations) read from GPAW's logs, and
wall time. Prints a table and writes ``bench/sjm_results.json``.

Run: ``.venv/bin/python bench/bench_sjm.py [--conditions neutral,pzc,shifted]``
(about 2-3 h of one core). The SJM conditions start from the neutral relaxed
initial state, from ``--out`` or from the neutral relaxation's checkpoint, so
they may run as separate processes once ``neutral`` has relaxed.
``--vacuum`` and ``--jellium-gap`` (Å) move the jellium region farther from the
adatom; rows of another geometry go to another ``--out`` (the script refuses to
mix them).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
from ase import Atoms
from pymatgen.io.ase import AseAtomsAdaptor

from cudiss.analysis.electrode import potential_from_absolute
from cudiss.structures.removal import RemovalEndpoints, build_removal_system
from cudiss.workflows.calculators import CalculatorSpec
from cudiss.workflows.makers import CuRelaxMaker
from cudiss.workflows.neb import NebSettings, interpolate_band
from cudiss.workflows.neb_maker import CuNebMaker

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from nebbench.metering import scf_cycles  # noqa: E402
from nebbench.mirror import mirror_map, mirrored_final  # noqa: E402

CONDITIONS = ("neutral", "pzc", "shifted", "charged")
SLAB = {"size": (2, 2), "layers": 2, "vacuum": 7.0, "fixed_layers": 1, "a": 3.63}
SETTINGS = NebSettings(n_images=3, fmax=0.05, climb=True, surrogate="auto")
RELAX_FMAX = 0.05
TOLERANCE_V = 0.01
#: dU/dN of this cell, first guess (V per electron): the -5.2 V/e measured on the
#: 1x1 Cu(111) cell (5.7 Å²) scaled to this cell's 26.4 Å² (same capacitance per area).
SLOPE_V_PER_ELECTRON = -1.1
JELLIUM_GAP_A = 3.0


def endpoints(vacuum: float = SLAB["vacuum"]) -> RemovalEndpoints:
    """The unrelaxed hop, as campaigns build it, with ``vacuum`` (Å) above and below."""
    s = SLAB
    return build_removal_system(
        "100", "adatom", [], s["size"], s["layers"], vacuum, s["fixed_layers"], s["a"]
    )


def electrode(
    condition: str,
    top_z: float,
    cell_c: float,
    pzc_abs: float | None,
    shift: float,
    gap: float = JELLIUM_GAP_A,
    charge: float = 0.0,
):
    """The electrode mapping of ``condition`` (jellium region fixed in space, ``gap`` Å up).

    ``charge``: the excess electrons of the ``charged`` condition (e).
    """
    common = {
        "jellium_bottom_A": top_z + gap,
        "jellium_top_A": cell_c - 1.0,
        "slope_V_per_electron": SLOPE_V_PER_ELECTRON,
        "tolerance_V": TOLERANCE_V,
    }
    if condition in ("neutral", "charged"):
        count = charge if condition == "charged" else 0.0
        return {**common, "potential_V": None, "excess_electrons": count}
    offset = 0.0 if condition == "pzc" else shift
    return {
        **common,
        "potential_V": potential_from_absolute(pzc_abs + offset, "SHE"),
        "scale": "SHE",
        "excess_electrons": offset / SLOPE_V_PER_ELECTRON,
    }


def keep_earlier_logs(folder: Path) -> None:
    """Rename GPAW's logs of an interrupted run (GPAW overwrites them) so they still count."""
    earlier = len(list(folder.glob("earlier-*"))) + 1
    for log in [*folder.glob("gpaw.txt"), *folder.glob("gpaw-image-*.txt")]:
        log.rename(folder / f"earlier-{earlier}-{log.name}")


def log_costs(folder: Path, name: str) -> dict[str, int]:
    """Costs summed over the GPAW logs ``name`` (a glob) in ``folder``, earlier runs' included.

    ``calculations``: new geometries (one SJM header each, resumed runs
    included); ``scf_iterations``; ``potential_attempts``: SJM's electron-count
    iterations (0 at constant charge).
    """
    logs = sorted([*folder.glob(name), *folder.glob(f"earlier-*-{name}")])
    text = [log.read_text(errors="replace") for log in logs]
    return {
        "calculations": sum(t.count("Solvated jellium method (SJM) calculation") for t in text),
        "scf_iterations": int(sum(sum(scf_cycles(log)) for log in logs)),
        "potential_attempts": sum(t.count("to equilibrate potential") for t in text),
        "logs": len(logs),
    }


def neutral_start(
    ends: RemovalEndpoints, root: Path, gap: float = JELLIUM_GAP_A
) -> tuple[float, np.ndarray]:
    """The PZC (V, SJM's scale) and positions (Å) of the neutral relaxed initial state.

    The neutral relaxation through the same maker and checkpoint as the
    ``neutral`` condition: when that one has relaxed (in another process), this
    resumes from its last step, so an SJM condition need not wait for the
    neutral NEB. Not part of any condition's cost.
    """
    top_z, cell_c = float(ends.initial.positions[:, 2].max()), float(ends.initial.cell[2, 2])
    spec = CalculatorSpec(
        code="gpaw",
        preset="sjm-test",
        electrode=electrode("neutral", top_z, cell_c, None, 0.0, gap),
    )
    folder = root / "neutral-start"
    folder.mkdir(parents=True, exist_ok=True)
    here = Path.cwd()
    os.chdir(folder)
    try:
        # a copy: atomate2's relaxer moves the atoms it is given
        relax = CuRelaxMaker(calculator_spec=spec, fmax=RELAX_FMAX).run_ase(ends.initial.copy())
    finally:
        os.chdir(here)
    positions = AseAtomsAdaptor.get_atoms(relax.final_mol_or_struct).positions
    return relax.electrode.potential_absolute_V, positions


def run_condition(condition: str, start: Atoms, ends: RemovalEndpoints, electrode_: dict, root):
    """Relax the initial state and run the CI-NEB of one condition in ``root/condition``."""
    folder = root / condition
    folder.mkdir(parents=True, exist_ok=True)
    spec = CalculatorSpec(code="gpaw", preset="sjm-test", electrode=electrode_)
    keep_earlier_logs(folder)
    here = Path.cwd()
    os.chdir(folder)
    try:
        t0 = time.perf_counter()
        relax = CuRelaxMaker(calculator_spec=spec, fmax=RELAX_FMAX).run_ase(start.copy())
        t1 = time.perf_counter()
        initial = start.copy()  # constraints and tags kept
        initial.positions = AseAtomsAdaptor.get_atoms(relax.final_mol_or_struct).positions
        energy = float(relax.trajectory.frame_properties[-1]["energy"])
        final = mirrored_final(initial, ends)
        band = interpolate_band(initial, final, SETTINGS.n_images)
        neb = CuNebMaker(calculator_spec=spec, settings=SETTINGS).run_ase(
            band, endpoint_energies=(energy, energy)
        )
        t2 = time.perf_counter()
    finally:
        os.chdir(here)
    return {
        "condition": condition,
        "load_1min_after": round(os.getloadavg()[0], 2),
        "electrode": electrode_,
        "relax": {
            "force_calls_this_run": relax.force_calls,
            "resumed": relax.resumed,
            "wall_s_this_run": round(t1 - t0, 1),
            "energy_eV": energy,
            "record": None if relax.electrode is None else relax.electrode.model_dump(),
            **log_costs(folder, "gpaw.txt"),
        },
        "neb": {
            "force_calls": neb.force_calls,
            "surrogate_force_calls": neb.surrogate_force_calls,
            "wall_s_this_run": round(t2 - t1, 1),
            "converged": neb.converged,
            "barrier_eV": round(max(neb.energies) - energy, 4),
            "image_energies_eV": [round(e - energy, 4) for e in neb.energies],
            "image_electrodes": [
                None if r is None else r.model_dump() for r in neb.image_electrodes
            ],
            "resumed_steps": neb.resumed_steps,
            **log_costs(folder, "gpaw-image-*.txt"),
        },
        "initial_positions": initial.positions.tolist(),
    }


#: (SJM condition, constant-charge reference, summary key)
COMPARISONS = (
    ("pzc", "neutral", "pzc"),
    ("shifted", "neutral", "shifted"),
    ("shifted", "charged", "shifted_vs_charged"),
)


def cost_ratios(row: dict, base: dict) -> dict[str, float]:
    """Calls, SCF iterations and NEB wall time of ``row`` over those of ``base``."""
    # from the logs (earlier, interrupted runs included); wall time of the NEB
    # only, which is never resumed here. A resumed relaxation re-evaluates its
    # last geometry, and a relaxation started from another condition's minimum
    # (``charged``) has nothing to do: their counts do not compare.
    resumed = row["relax"]["resumed"] or base["relax"]["resumed"]
    started_relaxed = "charged" in (row["condition"], base["condition"])
    stages = ("neb",) if resumed or started_relaxed else ("relax", "neb")
    pairs = [(stage, key) for stage in stages for key in ("calculations", "scf_iterations")]
    pairs.append(("neb", "wall_s_this_run"))
    return {
        f"{stage}_{key}_ratio": round(row[stage][key] / base[stage][key], 2)
        for stage, key in pairs
        if base[stage][key]
    }


def summary(rows: dict[str, dict], shift: float) -> dict[str, Any]:
    """Cost ratios of the SJM conditions against constant charge, and the barrier slope."""
    out: dict[str, Any] = {
        key: cost_ratios(rows[name], rows[base])
        for name, base, key in COMPARISONS
        if name in rows and base in rows
    }
    if "pzc" in rows and "shifted" in rows:
        rise = rows["shifted"]["neb"]["barrier_eV"] - rows["pzc"]["neb"]["barrier_eV"]
        out["slope_barrier_eV_per_V"] = round(rise / shift, 4)
    return out


def table(rows: dict[str, dict]) -> str:
    """The measured rows as a Markdown table."""
    lines = [
        "| condition | relax calls | relax SCF | NEB calls | NEB SCF | potential attempts "
        "| NEB wall s | barrier eV | excess e (IS) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, row in rows.items():
        relax, neb = row["relax"], row["neb"]
        record = relax["record"] or {}
        attempts = relax["potential_attempts"] + neb["potential_attempts"]
        lines.append(
            f"| {name} | {relax['calculations']} | {relax['scf_iterations']} "
            f"| {neb['calculations']} | {neb['scf_iterations']} | {attempts} "
            f"| {neb['wall_s_this_run']:.0f} | {neb['barrier_eV']:.4f} "
            f"| {record.get('excess_electrons', 0.0):+.3f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conditions", default=",".join(CONDITIONS))
    parser.add_argument("--shift", type=float, default=-0.2, help="V from the PZC (shifted)")
    parser.add_argument("--out", default=str(HERE / "sjm_results.json"))
    parser.add_argument("--workdir", default="/tmp/bench-sjm")
    parser.add_argument("--vacuum", type=float, default=SLAB["vacuum"], help="Å (slab builder)")
    parser.add_argument(
        "--jellium-gap",
        type=float,
        default=JELLIUM_GAP_A,
        help="Å from the initial state's highest atom to the jellium region's bottom",
    )
    args = parser.parse_args(argv)
    asked = {c.strip() for c in args.conditions.split(",") if c.strip()}
    unknown = sorted(asked - set(CONDITIONS))
    if unknown:
        parser.error(f"unknown condition(s) {unknown}; choose from {list(CONDITIONS)}")
    conditions = [c for c in CONDITIONS if c in asked]  # charged follows shifted
    out = Path(args.out)
    saved = json.loads(out.read_text()) if out.exists() else {}
    rows: dict[str, dict] = saved.get("rows", {})
    geometry = {"vacuum": args.vacuum, "jellium_gap_A": args.jellium_gap}
    saved_geometry = {
        "vacuum": saved.get("slab", SLAB)["vacuum"],
        "jellium_gap_A": saved.get("jellium_gap_A", JELLIUM_GAP_A),
    }
    if rows and saved_geometry != geometry:
        parser.error(f"{out} holds rows for {saved_geometry}, not {geometry}: use another --out")
    if "charged" in asked and "shifted" not in asked | set(rows):
        parser.error(f"charged takes the shifted row's electron count: {out} has none")
    root = Path(args.workdir)
    os.environ.setdefault("CUDISS_CHECKPOINT_DIR", str(root / "checkpoints"))
    ends = endpoints(args.vacuum)
    top_z = float(ends.initial.positions[:, 2].max())
    cell_c = float(ends.initial.cell[2, 2])
    mirror_map(ends)  # refuse before any DFT if the hop is not a mirror image
    for condition in conditions:
        pzc_abs, start, charge = None, ends.initial, 0.0
        if condition == "charged":
            start = ends.initial.copy()
            start.positions = np.array(rows["shifted"]["initial_positions"])
            charge = rows["shifted"]["relax"]["record"]["excess_electrons"]
        elif condition != "neutral":
            start = ends.initial.copy()
            if "neutral" in rows:
                pzc_abs = rows["neutral"]["relax"]["record"]["potential_absolute_V"]
                start.positions = np.array(rows["neutral"]["initial_positions"])
            else:
                pzc_abs, start.positions = neutral_start(ends, root, args.jellium_gap)
        mapping = electrode(condition, top_z, cell_c, pzc_abs, args.shift, args.jellium_gap, charge)
        print(f"== {condition}: {mapping}", flush=True)
        rows[condition] = run_condition(condition, start, ends, mapping, root)
        print(json.dumps({k: rows[condition][k] for k in ("relax", "neb")}), flush=True)
        # a fresh read: another process may have written its condition meanwhile
        latest = json.loads(out.read_text()) if out.exists() else {}
        rows = {**latest.get("rows", {}), **rows}
        result = {
            "issue": 16,
            "slab": {**SLAB, "vacuum": args.vacuum},
            "jellium_gap_A": args.jellium_gap,
            "settings": SETTINGS.model_dump(),
            "preset": "sjm-test",
            "shift_V": args.shift,
            "machine": {"node": platform.node(), "cpus": os.cpu_count()},
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "command": shlex.join(["python", "bench/bench_sjm.py", *(argv or sys.argv[1:])]),
            "rows": rows,
            "summary": summary(rows, args.shift),
        }
        out.write_text(json.dumps(result, indent=1))
    print(table(rows))
    print(json.dumps(summary(rows, args.shift), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
