"""Which worker runs which Job of a campaign: short Jobs to a batch worker, GPAW Jobs to the queue.

A project's routing is a mapping kept in its file under
``metadata: {cudiss: {routing: {...}}}`` (jobflow-remote keeps ``metadata``
for its users); ``cudiss hpc init NAME --batch`` writes

.. code-block:: yaml

    metadata:
      cudiss:
        routing: {short: batch, gpaw: slurm}

and ``cudiss submit`` (without ``--worker``) sends every Job by its
:class:`RouteKey`:

* ``short`` -- a Job that runs no calculator (endpoints, interpolation,
  adsorbate placement, lowest site, every result assembly: removal, gas and
  adsorption results) or runs EMT or an MLIP (``sevennet``, ``chgnet``: bulk,
  relaxations, CI-NEB, vibrations, seconds to minutes each, never on MPI ranks);
* ``gpaw`` -- a Job whose Maker runs GPAW (bulk E(V) scan, relaxation,
  single point, CI-NEB, vibrations).

Optional keys send one GPAW step elsewhere, e.g. ``neb: slurm-big`` for the
CI-NEBs: ``bulk``, ``relax``, ``static``, ``neb``, ``vibrations``. A Job's
calculator and step come from its Maker (``job.maker.calculator_spec.code`` and
the Maker's class), not from its name; Jobs without a Maker run no calculator.
The routing is checked (known keys, ``short`` and ``gpaw`` present, workers
of the project) whenever a project is used.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from enum import Enum
from typing import Any

from cudiss.structures.errors import CudissInputError


class RouteKey(str, Enum):
    """Keys of a routing mapping: a kind of Job -> the worker that runs it."""

    SHORT = "short"
    GPAW = "gpaw"
    BULK = "bulk"
    RELAX = "relax"
    STATIC = "static"
    NEB = "neb"
    VIBRATIONS = "vibrations"


#: Keys every routing names; the others default to ``gpaw``.
REQUIRED_KEYS = (RouteKey.SHORT, RouteKey.GPAW)
#: GPAW steps that may have their own worker.
STEP_KEYS = (RouteKey.BULK, RouteKey.RELAX, RouteKey.STATIC, RouteKey.NEB, RouteKey.VIBRATIONS)


def routing_metadata(short: str, gpaw: str) -> dict[str, Any]:
    """A project's ``metadata`` holding the routing ``{short: ..., gpaw: ...}``."""
    return {"cudiss": {"routing": {RouteKey.SHORT.value: short, RouteKey.GPAW.value: gpaw}}}


def check_routing(routing: Any, workers: Iterable[str], where: str) -> dict[str, str]:
    """Validate a routing mapping against a project's workers.

    Parameters
    ----------
    routing : Any
        The mapping as read from the project file.
    workers : iterable of str
        The project's worker names.
    where : str
        What the mapping belongs to, for the message (e.g. ``project 'cu100'``).

    Returns
    -------
    dict of str to str
        Route key -> worker name.

    Raises
    ------
    CudissInputError
        Not a mapping, an unknown key, ``short`` or ``gpaw`` missing, or a
        worker the project does not have.
    """
    keys = ", ".join(k.value for k in RouteKey)
    if not isinstance(routing, dict) or not routing:
        raise CudissInputError(
            f"routing of {where} must be a mapping of Job kinds to workers "
            f"(e.g. {{short: batch, gpaw: slurm}}), not {routing!r}"
        )
    names = list(workers)
    checked: dict[str, str] = {}
    for key, worker in routing.items():
        if key not in {k.value for k in RouteKey}:
            raise CudissInputError(f"routing of {where}: unknown key {key!r} (known: {keys})")
        if not isinstance(worker, str) or worker not in names:
            raise CudissInputError(
                f"routing of {where}: {key}: {worker!r} is not a worker of the project "
                f"(has: {', '.join(names)})"
            )
        checked[key] = worker
    missing = [k.value for k in REQUIRED_KEYS if k.value not in checked]
    if missing:
        short = missing[0] == "short"
        jobs = "short Jobs (no calculator, EMT or an MLIP)" if short else "GPAW Jobs"
        raise CudissInputError(
            f"routing of {where} has no {missing[0]!r} key: name the worker of {jobs}"
        )
    return checked


def project_routing(project: Any) -> dict[str, str] | None:
    """The checked routing of a project, or None if its file has none.

    Parameters
    ----------
    project : jobflow_remote.config.base.Project
        A loaded project.

    Raises
    ------
    CudissInputError
        ``metadata.cudiss`` or its ``routing`` is malformed (:func:`check_routing`).
    """
    meta = project.metadata or {}
    cudiss = meta.get("cudiss") if isinstance(meta, dict) else None
    if cudiss is None:
        return None
    where = f"project {project.name!r} (metadata.cudiss.routing)"
    if not isinstance(cudiss, dict) or "routing" not in cudiss:
        raise CudissInputError(f"metadata.cudiss of project {project.name!r} has no routing")
    return check_routing(cudiss["routing"], project.workers, where)


def _step(maker: Any) -> RouteKey | None:
    """The GPAW step a Maker performs, by its class (subclasses first)."""
    from cudiss.workflows.makers import CuNebMaker, CuRelaxMaker, CuStaticMaker
    from cudiss.workflows.thermo_makers import CuBulkMaker, CuVibrationsMaker

    for cls, key in (
        (CuBulkMaker, RouteKey.BULK),
        (CuNebMaker, RouteKey.NEB),
        (CuVibrationsMaker, RouteKey.VIBRATIONS),
        (CuStaticMaker, RouteKey.STATIC),
        (CuRelaxMaker, RouteKey.RELAX),
    ):
        if isinstance(maker, cls):
            return key
    return None


def route_key(job: Any) -> tuple[RouteKey, RouteKey | None]:
    """Kind of a Job for routing: ``short`` or ``gpaw``, and its GPAW step if known.

    Parameters
    ----------
    job : jobflow.Job
        A Job of a campaign Flow.

    Returns
    -------
    tuple
        ``(RouteKey.SHORT, None)`` for a Job without a calculator, with EMT or an MLIP;
        ``(RouteKey.GPAW, step)`` for a GPAW Job (``step`` None for a Maker
        cudiss does not know).
    """
    maker = job.maker
    spec = getattr(maker, "calculator_spec", None)
    code = getattr(spec, "code", None)
    if code != "gpaw":  # none, EMT or an MLIP: seconds to minutes, in one process
        return RouteKey.SHORT, None
    return RouteKey.GPAW, _step(maker)


def worker_for(job: Any, routing: dict[str, str]) -> str:
    """The worker a checked routing sends ``job`` to (a step key before ``gpaw``)."""
    kind, step = route_key(job)
    if kind is RouteKey.GPAW and step is not None and step.value in routing:
        return routing[step.value]
    return routing[kind.value]


def iter_jobs(flow: Any) -> Iterator[Any]:
    """Every Job of a Flow, nested Flows included, in order."""
    from jobflow import Flow

    for item in flow.jobs if isinstance(flow, Flow) else [flow]:
        if isinstance(item, Flow):
            yield from iter_jobs(item)
        else:
            yield item


def route_flow(flow: Any, routing: dict[str, str]) -> dict[str, int]:
    """Assign every Job of a Flow to its worker (jobflow-remote ``manager_config``).

    A Job that already names a worker (``jobflow_remote.set_run_config``)
    keeps it.

    Parameters
    ----------
    flow : jobflow.Flow
        The campaign Flow; changed in place.
    routing : dict of str to str
        A checked routing (:func:`check_routing`).

    Returns
    -------
    dict of str to int
        Worker -> number of Jobs it runs, in the order workers first appear.
    """
    from jobflow_remote import set_run_config

    counts: dict[str, int] = {}
    for job in iter_jobs(flow):
        worker = job.config.manager_config.get("worker")
        if not worker:
            worker = worker_for(job, routing)
            set_run_config(job, worker=worker)
        counts[worker] = counts.get(worker, 0) + 1
    return counts


def assign_worker(flow: Any, worker: str) -> dict[str, int]:
    """Send every Job of a Flow to one worker (``--worker``); returns ``{worker: Jobs}``."""
    from jobflow_remote import set_run_config

    jobs = list(iter_jobs(flow))
    for job in jobs:
        set_run_config(job, worker=worker)
    return {worker: len(jobs)}


def assign_jobs(flow: Any, project: Any, worker: str | None = None) -> dict[str, int]:
    """Give every Job of a Flow its worker of ``project``: ``worker``, the routing or the first.

    Parameters
    ----------
    flow : jobflow.Flow
        Changed in place.
    project : jobflow_remote.config.base.Project
        The project the Flow goes to.
    worker : str, optional
        Send everything here (checked against the project's workers). Without
        it the project's routing decides (:func:`route_flow`), and without a
        routing every Job that names no worker goes to the first worker.

    Returns
    -------
    dict of str to int
        Worker -> number of Jobs.

    Raises
    ------
    CudissInputError
        Unknown worker, a malformed routing, or a project without workers.
    """
    if worker is not None:
        if worker not in project.workers:
            raise CudissInputError(
                f"project {project.name!r} has no worker {worker!r} "
                f"(has: {', '.join(project.workers)})"
            )
        return assign_worker(flow, worker)
    routing = project_routing(project)
    if routing is not None:
        return route_flow(flow, routing)
    first = next(iter(project.workers), None)
    if first is None:
        raise CudissInputError(f"project {project.name!r} has no worker")
    # no routing: jobflow-remote gives the first worker to Jobs that name none
    counts: dict[str, int] = {}
    for job in iter_jobs(flow):
        name = job.config.manager_config.get("worker") or first
        counts[name] = counts.get(name, 0) + 1
    return counts
