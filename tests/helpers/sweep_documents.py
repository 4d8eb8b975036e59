"""Hand-made results of a potential sweep: SJM barriers and their zero-charge references.

Numbers chosen to be worked by hand (energies in eV, potentials in V vs RHE,
charges in e):

* Cu(100) adatom, bare (``BARE_REF``): zero-charge reference ΔE‡ 0.45,
  ΔE_rxn 0.10, PZC −0.20; SJM at −0.5 V: ΔE‡ 0.50, ΔE_rxn 0.20, initial state
  reached −0.49 V, 0.10 e → TS 0.16 e (Δq‡ +0.06), FS 0.13 e (Δq rxn +0.03);
  SJM at 0.0 V: ΔE‡ 0.40, ΔE_rxn 0.05, reached 0.0 V. Slope (0.40 − 0.50) /
  (0 − (−0.5)) = −0.20 eV/V.
* Cu(100) adatom, +H (``H_REF``): reference ΔE‡ 0.70 with one proton–electron
  pair (n = 1) and ΔE_rxn 0.30; SJM at −0.5 V only: ΔE‡ 0.55 (no slope).
"""

from __future__ import annotations

from cudiss.analysis.documents import CalculatorInfo, RemovalResult
from tests.helpers.documents import make_result

BARE_REF = "sweep/100/adatom/bare/gpaw-sjm-test@+0.00e/aaaa"
H_REF = "sweep/100/adatom/H/gpaw-sjm-test@+0.00e/bbbb"
SJM = CalculatorInfo(code="gpaw", preset="sjm-test")


def _sweep_result(config_id: str, reference: str, **fields) -> RemovalResult:
    base = {
        "config_id": config_id,
        "campaign": "sweep",
        "facet": "100",
        "site_class": "adatom",
        "images": [],
        "vacancy_energy_eV": None,
        "calculator": SJM,
        "pzc_reference_id": reference,
    }
    return make_result(**{**base, **fields})


def reference(config_id: str, forward: float, reaction: float, **fields) -> RemovalResult:
    """A zero-charge solvated reference (constant charge, 0 e) of one configuration."""
    return _sweep_result(
        config_id,
        config_id,
        electrode="constant-charge",
        forward_barrier_eV=forward,
        reaction_energy_eV=reaction,
        reverse_barrier_eV=forward - reaction,
        excess_electrons_initial_e=0.0,
        excess_electrons_ts_e=0.0,
        excess_electrons_final_e=0.0,
        charge_transferred_e=0.0,
        charge_transferred_final_e=0.0,
        **fields,
    )


def at_potential(
    reference_id: str, target: float, forward: float, reaction: float, **fields
) -> RemovalResult:
    """An SJM result at ``target`` V vs RHE of the configuration of ``reference_id``."""
    tag = f"{target:+.2f}V_RHE"
    config_id = reference_id.replace("+0.00e/", f"{tag}/")
    values = {
        "electrode": "constant-potential",
        "electrode_target_V_RHE": target,
        "electrode_potential_V_RHE": target,
        "initial_potential_V_RHE": target,
        "forward_barrier_eV": forward,
        "reaction_energy_eV": reaction,
        "reverse_barrier_eV": forward - reaction,
        **fields,
    }
    return _sweep_result(config_id, reference_id, **values)


def sweep_results() -> list[RemovalResult]:
    """The results of the module docstring, references first."""
    return [
        reference(BARE_REF, 0.45, 0.10, initial_potential_V_RHE=-0.20),
        reference(H_REF, 0.70, 0.30, adsorbates=["H"], electrons_transferred=1),
        at_potential(
            BARE_REF,
            -0.5,
            0.50,
            0.20,
            electrode_potential_V_RHE=-0.49,
            initial_potential_V_RHE=-0.49,
            excess_electrons_initial_e=0.10,
            excess_electrons_ts_e=0.16,
            excess_electrons_final_e=0.13,
            charge_transferred_e=0.06,
            charge_transferred_final_e=0.03,
        ),
        at_potential(BARE_REF, 0.0, 0.40, 0.05),
        at_potential(H_REF, -0.5, 0.55, 0.10, adsorbates=["H"], electrons_transferred=1),
    ]
