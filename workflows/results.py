"""The result document of one Cu-removal configuration, assembled from its steps.

:func:`removal_result` is the last job of every removal flow
(:class:`~cudiss.workflows.flows.RemovalBarrierMaker`). It runs after failed
steps too: a step that raised passes on a
:class:`~cudiss.workflows.failures.StepFailure`, and the result then says which
steps are missing and why, and is marked ``failed``; otherwise it is
``successful`` or ``unconverged``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from jobflow import JobConfig, OnMissing, job

from cudiss.analysis.documents import CalculatorInfo, ImageData, RemovalResult
from cudiss.workflows.calculators import CalculatorSpec, software_versions
from cudiss.workflows.electrode_fields import electrode_fields
from cudiss.workflows.failures import StepFailure
from cudiss.workflows.neb import NebSettings
from cudiss.workflows.schemas import BulkResult

if TYPE_CHECKING:
    # annotations only: flows.py imports this module to build its flows
    from cudiss.workflows.flows import Endpoints, RemovalConfig

__all__ = ["removal_result"]


def _relative(path: str | None, root: Path | None) -> str | None:
    if path is None:
        return None
    if root is None:
        return path
    try:
        return str(Path(path).resolve().relative_to(root.resolve()))
    except ValueError:
        return path


def _relax_ok(doc) -> tuple[float | None, bool]:
    if doc is None:
        return None, False
    return float(doc.output.energy), bool(doc.is_force_converged)


def _split_failures(*outputs):
    """``outputs`` with every :class:`StepFailure` replaced by ``None``, and the failures.

    A failure passed on by later steps arrives several times: listed once.
    """
    failures = list(dict.fromkeys(out for out in outputs if isinstance(out, StepFailure)))
    return [None if isinstance(out, StepFailure) else out for out in outputs], failures


# Runs after failed steps too: a step that raised returns a StepFailure, one that
# never ran (e.g. its flow was cut short) arrives as None.
@job(config=JobConfig(on_missing_references=OnMissing.NONE))
def removal_result(
    config: RemovalConfig,
    calculator: CalculatorSpec,
    neb_settings: NebSettings,
    bulk: BulkResult | StepFailure | None,
    endpoints: Endpoints | StepFailure | None,
    relaxed_initial,
    relaxed_final,
    relaxed_vacancy,
    neb,
    store_root: str | None = None,
    initial_vibrations=None,
    final_vibrations=None,
) -> RemovalResult:
    """Assemble the :class:`RemovalResult` of one configuration from its steps.

    Any step output may be a :class:`StepFailure` (or ``None``); the result then
    says which steps are missing and why, and is marked ``failed``.
    ``initial_vibrations`` and ``final_vibrations`` (adsorbate frequencies in the
    initial state and the lifted complex, flows with ``vibrations``) are
    optional: a failed one leaves its frequencies empty and is named in
    ``error`` without failing the barrier (flows stored without them still load).
    With an electrode on ``calculator`` (GPAW's SJM) the result also carries the
    potentials and excess electrons of the path
    (:func:`~cudiss.workflows.electrode_fields.electrode_fields`).
    """
    root = Path(store_root) if store_root else None
    outputs, failures = _split_failures(
        bulk, endpoints, relaxed_initial, relaxed_final, relaxed_vacancy, neb
    )
    bulk, endpoints, relaxed_initial, relaxed_final, relaxed_vacancy, neb = outputs
    missing = [
        name
        for name, value in (
            ("bulk lattice constant", bulk),
            ("endpoint construction", endpoints),
            ("initial-state relaxation", relaxed_initial),
            ("final-state relaxation", relaxed_final),
            ("NEB", neb),
        )
        if value is None
    ]
    e_initial, initial_converged = _relax_ok(relaxed_initial)
    _, final_converged = _relax_ok(relaxed_final)
    e_vacancy, _ = _relax_ok(relaxed_vacancy)

    reference = endpoints.initial if endpoints is not None else None
    fields: dict = {}
    if neb is not None:
        energies = list(neb.energies)
        images = [
            ImageData(
                energy_eV=energy,
                positions_A=neb.image_positions[i]
                if i < len(neb.image_positions)
                else structure.cart_coords.tolist(),
                forces_eVA=neb.image_forces[i] if i < len(neb.image_forces) else None,
            )
            for i, (energy, structure) in enumerate(zip(energies, neb.images, strict=True))
        ]
        fields = {
            "forward_barrier_eV": max(energies) - energies[0],
            "reverse_barrier_eV": max(energies) - energies[-1],
            "reaction_energy_eV": energies[-1] - energies[0],
            "images": images,
            "image_forces_max_eVA": list(neb.image_fmax),
            "neb_converged": bool(neb.converged),
            "force_calls": neb.force_calls,
        }
        reference = neb.images[0]

    relaxations = (
        ("relax initial", relaxed_initial),
        ("relax final", relaxed_final),
        ("relax vacancy", relaxed_vacancy),
    )
    recoveries = [
        f"{step}: {line}"
        for step, doc in relaxations
        if doc is not None
        for line in doc.scf_recoveries
    ]
    resumed = [
        f"{step}: {doc.resumed}" for step, doc in relaxations if doc is not None and doc.resumed
    ]
    if neb is not None:
        recoveries += [f"NEB {line}" for line in neb.scf_recoveries]
        if neb.resumed_steps:
            resumed.append(
                f"NEB: resumed from checkpoint at band step {neb.resumed_steps} "
                f"({neb.resumed_steps} steps before the interruption, "
                f"{neb.steps - neb.resumed_steps} after)"
            )

    trajectories = {}
    for step, doc in (
        ("relax_initial", relaxed_initial),
        ("relax_final", relaxed_final),
        ("relax_vacancy", relaxed_vacancy),
    ):
        if doc is not None and doc.dir_name:
            trajectories[step] = _relative(str(Path(doc.dir_name) / "relax.traj"), root)
    if neb is not None:
        for index, path in enumerate(neb.trajectories):
            trajectories[f"neb_image_{index}"] = _relative(path, root)

    if missing:
        state = "failed"
        error = "missing: " + ", ".join(missing)
        if failures:
            error += " (" + "; ".join(str(failure) for failure in failures) + ")"
    elif not (fields.get("neb_converged") and initial_converged and final_converged):
        state, error = "unconverged", None
    else:
        state, error = "successful", None
    vib_fields, vib_error = _vibration_fields(initial_vibrations, final_vibrations)
    fields.update(electrode_fields(config, calculator, relaxed_initial, relaxed_final, neb))
    if vib_error:
        error = f"{error}; {vib_error}" if error else vib_error

    return RemovalResult(
        config_id=config.config_id(calculator),
        campaign=config.campaign,
        facet=config.facet,
        site_class=config.site_class,
        adsorbates=list(config.adsorbates),
        target_index=endpoints.target_index if endpoints is not None else -1,
        n_atoms=len(reference) if reference is not None else 0,
        symbols=[site.specie.symbol for site in reference] if reference is not None else [],
        cell_A=reference.lattice.matrix.tolist() if reference is not None else [],
        state=state,
        error=error,
        endpoints_converged=[initial_converged, final_converged],
        neb_settings=neb_settings.model_dump(),
        slab_energy_eV=e_initial,
        vacancy_energy_eV=e_vacancy,
        bulk_energy_per_atom_eV=bulk.energy_per_atom_eV if bulk is not None else None,
        lattice_constant_A=bulk.lattice_constant_A if bulk is not None else None,
        calculator=CalculatorInfo(
            code=calculator.code,
            preset=calculator.preset if calculator.code == "gpaw" else None,
            parameters=calculator.parameters(),
        ),
        software=software_versions(),
        trajectories=trajectories,
        scf_recoveries=recoveries,
        resumed=resumed,
        wall_time_s=neb.wall_time_s if neb is not None else None,
        **fields,
        **vib_fields,
    )


def _vibration_fields(initial, final) -> tuple[dict, str | None]:
    """The adsorbate-frequency fields of a removal result, and a note on failed ones."""
    fields: dict = {}
    failed = [
        f"{name} ({value})"
        for name, value in (("initial", initial), ("final", final))
        if isinstance(value, StepFailure)
    ]
    if initial is not None and not isinstance(initial, StepFailure):
        fields["adsorbate_indices"] = list(initial.indices)
        fields["initial_frequencies_cm"] = list(initial.frequencies_cm)
    if final is not None and not isinstance(final, StepFailure):
        fields.setdefault("adsorbate_indices", list(final.indices))
        fields["final_frequencies_cm"] = list(final.frequencies_cm)
    note = ("vibrations failed: " + "; ".join(failed)) if failed else None
    return fields, note
