"""Ratios to plain ASE BFGS and the issue's targets (#15), recomputable from results.json.

Targets: an NEB path with a surrogate takes <= 0.4x plain BFGS's real calls with
a barrier within 0.02 eV of BFGS's; a pre-relaxed endpoint relaxation takes
<= 0.5x plain BFGS's real calls from the same start, final energies within 2 meV.
"""

from __future__ import annotations

from typing import Any

NEB_CALL_TARGET = 0.4
BARRIER_TARGET_EV = 0.02
ENDPOINT_CALL_TARGET = 0.5
ENDPOINT_ENERGY_TARGET_MEV = 2.0

TARGETED_METHODS = (
    "cudiss-auto",
    "cudiss-fast",
    "cudiss-sevennet",
    "cudiss-chgnet",
    "cudiss-sevennet-bfgs",
    "cudiss-sevennet-bfgs-precon",
    "cudiss-sevennet-bfgs-precon-floor3",
)
"""The surrogate paths the NEB targets are judged for."""


def add_ratios(entry: dict[str, Any]) -> None:
    """Ratios of every method to the case's plain-ASE BFGS row; endpoint study summaries."""
    ref = entry["methods"].get("ase-bfgs")
    if ref:
        for result in entry["methods"].values():
            result["force_call_ratio"] = round(result["force_calls"] / ref["force_calls"], 3)
            result["wall_ratio"] = round(result["wall_s"] / ref["wall_s"], 3)
            result["barrier_diff_eV"] = round(result["barrier_eV"] - ref["barrier_eV"], 4)
            if ref.get("scf_per_call") and result.get("scf_per_call"):
                result["scf_per_call_ratio"] = round(
                    result["scf_per_call"] / ref["scf_per_call"], 3
                )
                result["scf_ratio"] = round(result["scf_iterations"] / ref["scf_iterations"], 3)
    for study in entry.get("endpoint_study", {}).values():
        study["summary"] = study_summary(entry["endpoint_relax"], study)


def neb_verdicts(result: dict[str, Any]) -> dict[str, bool] | None:
    """Whether a method met the NEB targets (``None`` without a BFGS row to compare)."""
    if result.get("force_call_ratio") is None:
        return None
    return {
        "calls": result["force_call_ratio"] <= NEB_CALL_TARGET,
        "barrier": abs(result["barrier_diff_eV"]) <= BARRIER_TARGET_EV,
        "converged": bool(result["converged"]),
    }


def _ratio(value: float, reference: float) -> float | None:
    return round(value / reference, 3) if reference else None


def study_summary(plain: dict[str, Any], study: dict[str, Any]) -> dict[str, Any]:
    """Both endpoints of one study against plain BFGS's: sums, ratios, targets.

    Parameters
    ----------
    plain
        ``endpoint_relax`` of the case (plain BFGS, ``per_endpoint`` rows).
    study
        The maker's rows by endpoint label (``initial``, ``final``).
    """
    labels = [label for label in ("initial", "final") if label in study]
    ref = plain["per_endpoint"]
    calls = sum(study[label]["force_calls"] for label in labels)
    ref_calls = sum(ref[label]["force_calls"] for label in labels)
    scf = sum(study[label]["scf_iterations"] for label in labels)
    ref_scf = sum(ref[label]["scf_iterations"] for label in labels)
    # the endpoint furthest from plain BFGS's energy, with its sign (negative: lower)
    largest = max((study[label]["delta_meV"] for label in labels), key=abs)
    delta = abs(largest)
    stages = [study[label].get("mlip_stage", {}) for label in labels]
    mlip_calls = sum(s.get("force_calls", 0) + s.get("hessian_force_calls", 0) for s in stages)
    ratio = _ratio(calls, ref_calls)
    return {
        "force_calls": calls,
        "plain_force_calls": ref_calls,
        "call_ratio": ratio,
        "scf_iterations": scf,
        "plain_scf_iterations": ref_scf,
        "scf_ratio": _ratio(scf, ref_scf),
        "wall_s": round(sum(study[label]["wall_s"] for label in labels), 2),
        "plain_wall_s": round(sum(ref[label]["wall_s"] for label in labels), 2),
        "max_abs_delta_meV": delta,
        "largest_delta_meV": largest,
        "mlip_calls": mlip_calls,
        "mlip_wall_s": round(sum(s.get("wall_time_s", 0.0) for s in stages), 2),
        "mlip_geometry_used": all(s.get("used", False) for s in stages) if any(stages) else None,
        "calls_target_met": ratio is not None and ratio <= ENDPOINT_CALL_TARGET,
        "energy_target_met": delta <= ENDPOINT_ENERGY_TARGET_MEV,
    }
