"""Fixed text of RESULTS.md: what each method is, and the overhead section.

The overhead numbers come from ``bench/bench_overhead.py`` (``"overhead"`` in
results.json); this module only renders them.
"""

from __future__ import annotations

from cudiss.workflows.neb import NebSettings

# What NebSettings.fast() adds to the surrogate stage (docs/neb.md).
_FAST = NebSettings.fast()
FAST_PATH_NOTES = [
    note
    for enabled, note in (
        (
            _FAST.surrogate_precon,
            "- *cudiss-fast*, real stage: ODE preconditioned by the surrogate's NEB Hessian "
            "(finite-difference Jacobian of the EMT band's NEB force, |eigenvalues| floored at "
            f"{_FAST.surrogate_precon_floor} eV/Å²); its first step is at "
            "most the Newton step (h <= 1; ASE's own estimate was ~3 Newton steps on the GPAW "
            "hop and that trial band was rejected); an unconverged surrogate band is "
            "discarded.",
        ),
        (
            _FAST.scf_force_fraction is not None,
            "- *cudiss-fast*, GPAW: the first band's SCF stops at a loose density criterion "
            "(1e-3), later bands use the preset's criteria below "
            f"{_FAST.scf_tight_factor} x fmax (else "
            f"{_FAST.scf_force_fraction} x the band's fmax as force tolerance); "
            "a band converged on loose forces is re-converged in place, and such in-place "
            "SCF runs count as calls.",
        ),
    )
    if enabled
]

MLIP_NOTES = [
    "- *cudiss-auto*: `NebSettings(surrogate='auto')` resolved for the case, what a "
    "campaign with the default settings runs (`workflows/neb/settings.py`, `AUTO_PATHS`): "
    "on GPAW the EMT fast path for the bare hop, the SevenNet band with BFGS from "
    "SevenNet's NEB Hessian floored at 3 eV/Å² with adsorbates without H (CO), plain "
    "BFGS with an adsorbate carrying H (OH) since 0c3ad51 (the OH row of run 6 was "
    "the CO path, merged as *cudiss-sevennet-bfgs-precon-floor3*); the row's *settings* "
    "say which.",
    "- *cudiss-sevennet* / *cudiss-chgnet*: `NebSettings.fast(surrogate=...)`: the "
    "same two steps as *cudiss-fast* with a machine-learned potential instead of EMT "
    "(docs/neb.md): the band pre-converged with endpoint-shifted MLIP forces, then the "
    "real stage's ODE preconditioned by the MLIP's NEB Hessian (forward differences for "
    "SevenNet, central for CHGNet). *surrogate calls* = band stage + Hessian, each call "
    "counted by the same wrapper as the real ones; *surrogate s* = their wall time "
    "(included in the row's wall time; the model load, once per process, is not). On the "
    "EMT cases the MLIPs (trained on PBE) are as approximate as they would be for DFT.",
    "- *cudiss-sevennet-bfgs-precon*: `NebSettings(surrogate='sevennet', optimizer='bfgs', "
    "surrogate_precon=True)`: the SevenNet band, then BFGS starting from SevenNet's NEB "
    "Hessian (floored at 1 eV/Å²) instead of ASE's 70 eV/Å² identity and updating it "
    "from the DFT forces (run 3: on probation, after which plain BFGS went on; run 5: "
    "without). *-floor3*: the Hessian floored at 3 eV/Å² (`surrogate_precon_floor=3`), "
    "what `surrogate: auto` takes with DFT for bands carrying adsorbates without H. "
    "*cudiss-sevennet-bfgs*: the same from the identity.",
]

ENDPOINT_NOTES = [
    "- *Endpoint relaxations*: both unrelaxed endpoints of the case relaxed again "
    "through `CuRelaxMaker(prerelax=...).run_ase` (docs/mlip.md), fmax 0.05 eV/Å, in its "
    "own folder and checkpoint directory. *sevennet*: the maker's default, the real "
    "calculator's BFGS starts from the unrelaxed endpoint with the MLIP Hessian there; "
    "*sevennet-geometry* (`prerelax_geometry=True`): the MLIP relaxes first, then BFGS "
    "starts from the MLIP geometry and the MLIP Hessian there. "
    "*calls* and *SCF* are the real calculator's, metered as in the NEB rows; *MLIP "
    "calls* = relaxation + Hessian; *ΔE* = final energy minus plain BFGS's; *shift* = "
    "largest distance of an atom from plain BFGS's minimum. The NEB band still starts "
    "from the plain-BFGS endpoints. *maker, none* (EMT only) is the maker without "
    "pre-relaxation: it should equal plain BFGS.",
]

NOTES = [
    "## Notes on the methods",
    "",
    "- *ase-bfgs* / *ase-fire*: plain ASE, one calculator per image created once "
    "(GPAW then restarts each image from its previous wavefunctions, as in cudiss).",
    "- *atomate2-default*: `AseNebFromImagesMaker().run_ase(images)` (0.1.5) with its "
    "defaults: FIRE (fixed by `AseNebInterface`), fmax 0.1, 500 steps, and an empty "
    "`neb_kwargs` field, so ASE's NEB defaults apply: **no climbing image**, 'aseneb' "
    "tangent, k = 0.1 (`DEFAULT_NEB_KWARGS` with climb only applies when "
    "`AseNebInterface.run_neb` is called directly). It re-evaluates both endpoints "
    "(2 calls, counted). Judged by the common criterion it is not converged to 0.05; its "
    "own document says state 'successful' and tag 'forces not converged' (the tag tests "
    "raw, unprojected forces). *atomate2-0.05*: `relax_kwargs={'fmax': 0.05}`, "
    "`neb_kwargs={'climb': True, 'method': 'improvedtangent'}` (EMT only; the GPAW part "
    "is limited to four NEB runs). atomate2 deep-copies one calculator per image, which "
    "GPAW's calculator does not support: the bench hands it a stand-in whose "
    "`__deepcopy__` returns a fresh metered GPAW (`FreshOnDeepcopy`).",
    "- *cudiss-default*: `run_neb` with default `NebSettings` (ODE, CI, improved tangent). "
    "*cudiss-fast*: `NebSettings.fast()`: the band is first relaxed with EMT whose forces "
    "are shifted so the given endpoints are EMT minima (no climbing, fmax 0.1), then ODE "
    "with the real calculator and CI. On the EMT cases the surrogate is the target "
    "potential itself, so those rows only show the mechanism works; the DFT saving is the "
    "GPAW row, and *emt-adatom-co-mismatch* (target = EMT with Cu/C/O re-parametrised by "
    "2-15 %, `MismatchEMT`; surrogate = plain EMT) shows the surrogate is not just "
    "copying the target. Surrogate (EMT) calls are listed apart; they cost milliseconds.",
    *FAST_PATH_NOTES,
    "- Wall times: the atomate2-default EMT row includes importing atomate2 (~2 s).",
    *MLIP_NOTES,
    *ENDPOINT_NOTES,
    "- *gpaw-adatom-co* history (docs/neb.md): before commit 0c4552e the adatom and CO "
    "ate the slab's top vacuum (O 1.3 Å below the cell's top face); on that cell plain "
    "BFGS took 90 calls and the EMT-surrogate paths crawled past 200. A finite-difference "
    "DFT Hessian of the relaxed upright initial state had tilt curvatures of -3.1 and "
    "-2.8 eV/Å²: upright CO is a ridge the NEB images slid off. The case now runs on the "
    "corrected cell with CO tilted 5° by the builder (`structures/tilt.py`); each case's "
    "*geometry* line says what the builder did.",
    "",
]


def render_overhead(overhead: dict | None) -> list[str]:
    """The section written from ``bench/bench_overhead.py``'s results."""
    if not overhead:
        return ["## Workflow overhead", "", "Not measured yet: run `bench/bench_overhead.py`.", ""]
    lines = ["## Workflow overhead (bench/bench_overhead.py)", ""]
    relax = overhead.get("relax")
    if relax:
        lines += [
            f"Relax: {relax['system']}, at most {relax['max_steps']} BFGS steps, same process.",
            "",
            "| | wall s |",
            "|---|---|",
            f"| AseRelaxer directly | {relax['direct_wall_s']} |",
            f"| CuRelaxMaker + run_locally into the on-disk store | {relax['jobflow_wall_s']} |",
            f"| ... of which inside the maker's run_ase (DFT) | "
            f"{relax['jobflow_inside_run_ase_s']} |",
            f"| opening the store (once per campaign) | {relax['store_open_s']} |",
            "",
            f"Overhead of jobflow + store: {relax['overhead_s']} s = "
            f"{100 * relax['overhead_fraction']:.1f} % of the relax itself (target <= 5 %: "
            f"{'met' if relax['overhead_fraction'] <= 0.05 else 'NOT met'}). Wall-time ratio "
            f"of the two runs: {relax['wall_ratio_jobflow_over_direct']:.3f} (includes DFT "
            "timing noise from the machine's load, which is why the in-run split is the "
            f"number to quote). Energies: {relax['direct_energy_eV']} vs "
            f"{relax['jobflow_energy_eV']} eV.",
            "",
        ]
    camp = overhead.get("campaign")
    if camp:
        how = (
            f"timed on {camp['geometry_checks_timed']} geometries and extrapolated"
            if camp["geometry_check_extrapolated"]
            else "all timed"
        )
        lines += [
            f"Campaign: {camp['configurations']} configurations "
            f"({camp['distinct_geometries']} distinct geometries: 4 facets x terrace/adatom x "
            "125 adsorbate sets, EMT).",
            "",
            "| step | s |",
            "|---|---|",
            f"| pydantic validation | {camp['pydantic_validate_s']} |",
            f"| geometry checks in parse_campaign ({how}; "
            f"{camp['geometry_check_s_per_geometry']} s each) | "
            f"{camp['geometry_check_s_all']} |",
            f"| campaign_flow expansion ({camp['flow_jobs_total']} jobs) | "
            f"{camp['campaign_flow_s']} |",
            "",
            f"Target < 10 s: flow expansion "
            f"{'met' if camp['campaign_flow_s'] < 10 else 'NOT met'}; parse_campaign with its "
            f"geometry checks {'met' if camp['parse_campaign_s_estimate'] < 10 else 'NOT met'} "
            f"(~{camp['parse_campaign_s_estimate']} s). Failures found by the checks: "
            f"{camp['geometry_check_failures'] or 'none'}.",
            "",
        ]
    return lines
