"""A validated campaign as one jobflow Flow: the bulk reference, then every removal run.

:func:`campaign_flow` expands a :class:`~cudiss.workflows.campaign.Campaign`
(re-exported there, with :func:`bulk_job` and :func:`bulk_key`): one bulk job
(unless a finished one is given), one removal flow per configuration and
calculator (a potential sweep has several calculators,
:mod:`cudiss.workflows.potential_sweep`), and the mechanism jobs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from jobflow import Flow, Job

from cudiss.workflows.flows import BULK_KIND, RemovalConfig, removal_flows
from cudiss.workflows.makers import BulkResult, CuBulkMaker
from cudiss.workflows.mechanism_settings import mechanism_ids, mechanism_jobs

if TYPE_CHECKING:
    from cudiss.workflows.calculators import CalculatorSpec
    from cudiss.workflows.campaign import Campaign

__all__ = ["bulk_job", "bulk_key", "campaign_flow"]


def bulk_job(campaign: Campaign) -> Job:
    """The bulk job of a campaign: a0 and mu_Cu(bulk) fitted, or at the given a0.

    With a numeric ``lattice_constant`` the slabs are built at it, and so is the
    bulk reference: :class:`CuBulkMaker` with ``keep_lattice_constant`` reports
    that a0 and the energy per atom computed there (its E(V) scan around a0 only
    gives the bulk modulus). A fitted a0 would differ from the slabs' lattice
    and put the strain energy between the two into every dissolution energy.
    The calculator is the campaign's without electrode
    (:meth:`~cudiss.workflows.campaign.Campaign.bulk_calculator`): one bulk
    reference serves every potential of a sweep.
    """
    calculator = campaign.bulk_calculator()
    if campaign.lattice_constant is not None:
        maker = CuBulkMaker(
            calculator_spec=calculator,
            a_guess=campaign.lattice_constant,
            keep_lattice_constant=True,
        )
        job = maker.make(campaign.lattice_constant)
    else:
        job = CuBulkMaker(calculator_spec=calculator).make()
    job.name = f"{campaign.name}: bulk Cu ({calculator.label()})"
    job.update_metadata({"cudiss_kind": BULK_KIND, "bulk_key": bulk_key(campaign)})
    return job


def bulk_key(campaign: Campaign) -> str:
    """Key of the bulk reference a campaign needs (calculator without electrode + given a0)."""
    return f"{campaign.bulk_calculator().model_dump_json()}|a0={campaign.lattice_constant}"


def _todo(campaign: Campaign, skip: set[str]) -> list[tuple[CalculatorSpec, list[RemovalConfig]]]:
    """The removal runs not in ``skip``, by calculator (the reference of a sweep first)."""
    todo = []
    for calculator in campaign.calculators():
        configs = [c for c in campaign.configurations() if c.config_id(calculator) not in skip]
        if configs:
            todo.append((calculator, configs))
    return todo


def campaign_flow(
    campaign: Campaign,
    skip: set[str] = frozenset(),
    bulk: BulkResult | None = None,
    store_root: str | None = None,
) -> Flow:
    """Expand a campaign into one jobflow Flow.

    Parameters
    ----------
    campaign
        The validated campaign.
    skip
        ``config_id``, ``gas_id`` and ``adsorption_id`` values already finished
        (left out of the flow).
    bulk
        A finished bulk reference to reuse; if ``None`` the flow starts with a bulk job.
    store_root
        Folder that trajectory paths are made relative to.
    """
    skip = set(skip or ())
    todo = _todo(campaign, skip)
    _, adsorptions = mechanism_ids(campaign)
    jobs: list = []
    if (todo or set(adsorptions) - skip) and bulk is None:
        bulk = bulk_job(campaign)
        jobs.append(bulk)
    output = bulk.output if isinstance(bulk, Job) else bulk
    for calculator, configs in todo:
        jobs += removal_flows(configs, campaign.maker(store_root, calculator), output)
    jobs += mechanism_jobs(campaign, skip, output)
    return Flow(jobs, name=campaign.name)
