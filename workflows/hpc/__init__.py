"""Running cudiss flows on HPC queues through jobflow-remote: the public names in one place.

The code lives in modules with one job each; this package only re-exports
their public names, for code that imports them from here and for Jobs queued
before the split, which jobflow-remote stored as
``cudiss.workflows.hpc.smoke_*``. The names load on first use, so importing
one module (e.g. :mod:`~cudiss.workflows.hpc.worker_env`, which
:mod:`cudiss.workflows.mpi` reads on every MPI rank) does not load jobflow.

* :mod:`~cudiss.workflows.hpc.worker_env` -- what a worker exports before every
  Job (the MPI launcher for GPAW, thread limits);
* :mod:`~cudiss.workflows.hpc.stores` -- store specs: MongoDB (with short
  timeouts), on-disk MontyStore, JobStore; a ping of a project's MongoDB;
* :mod:`~cudiss.workflows.hpc.checks` -- the checks of every ``hpc init``
  value (names, walltimes, counts, memory, shell lines, hosts, ports);
* :mod:`~cudiss.workflows.hpc.schedulers` -- the shell worker's scheduler IO,
  which quotes Job names in the script (also in the scripts of batch workers);
* :mod:`~cudiss.workflows.hpc.batch` -- batch workers: many short Jobs per
  allocation (jobflow-remote ``BatchConfig``), their settings and checks;
* :mod:`~cudiss.workflows.hpc.routing` -- which worker runs which Job: short
  Jobs (no calculator, EMT) to the batch worker, GPAW Jobs to the queue;
* :mod:`~cudiss.workflows.hpc.projects` -- build production (SLURM/PBS) and
  local test projects;
* :mod:`~cudiss.workflows.hpc.project_files` -- validate, write and read
  ``NAME.yaml`` project files;
* :mod:`~cudiss.workflows.hpc.submit` -- queue a Flow, or run it to completion
  in this process;
* :mod:`~cudiss.workflows.hpc.status` -- Job states, live or from the last
  in-process run;
* :mod:`~cudiss.workflows.hpc.results` -- the outputs and ``RemovalResult``
  documents of a run;
* :mod:`~cudiss.workflows.hpc.smoke` -- a tiny EMT Flow that proves a worker
  and its queue work.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cudiss.workflows.hpc.batch import (
        BATCH_WORKER,
        LOCAL_BATCH,
        PRODUCTION_BATCH,
        BatchSettings,
        check_batch_workers,
    )
    from cudiss.workflows.hpc.project_files import (
        default_projects_dir,
        load_project,
        projects_dir,
        write_project,
    )
    from cudiss.workflows.hpc.projects import (
        DEFAULT_MPI_LAUNCHER,
        Scheduler,
        hpc_project,
        is_memory_queue,
        local_project,
    )
    from cudiss.workflows.hpc.results import open_jobstore, removal_results
    from cudiss.workflows.hpc.routing import RouteKey, assign_jobs, project_routing, route_flow
    from cudiss.workflows.hpc.schedulers import QuotedShellIO, shell_scheduler
    from cudiss.workflows.hpc.smoke import (
        smoke_adatom_binding,
        smoke_adatom_energy,
        smoke_fail,
        smoke_slab_energy,
        smoke_test_flow,
    )
    from cudiss.workflows.hpc.status import STATES_SNAPSHOT, JobStateRow, job_states
    from cudiss.workflows.hpc.stores import check_mongo_reachable, mongo_store, monty_store
    from cudiss.workflows.hpc.submit import run_flow_in_process, submit_flow
    from cudiss.workflows.hpc.worker_env import MPI_LAUNCHER_ENV, mpi_launcher

#: Public name -> the module of this package that defines it.
_EXPORTS: dict[str, str] = {
    **dict.fromkeys(
        ("BATCH_WORKER", "LOCAL_BATCH", "PRODUCTION_BATCH", "BatchSettings", "check_batch_workers"),
        "batch",
    ),
    **dict.fromkeys(
        ("default_projects_dir", "load_project", "projects_dir", "write_project"),
        "project_files",
    ),
    **dict.fromkeys(
        ("DEFAULT_MPI_LAUNCHER", "Scheduler", "hpc_project", "is_memory_queue", "local_project"),
        "projects",
    ),
    **dict.fromkeys(("open_jobstore", "removal_results"), "results"),
    **dict.fromkeys(("RouteKey", "assign_jobs", "project_routing", "route_flow"), "routing"),
    **dict.fromkeys(("QuotedShellIO", "shell_scheduler"), "schedulers"),
    **dict.fromkeys(
        (
            "smoke_adatom_binding",
            "smoke_adatom_energy",
            "smoke_fail",
            "smoke_slab_energy",
            "smoke_test_flow",
        ),
        "smoke",
    ),
    **dict.fromkeys(("STATES_SNAPSHOT", "JobStateRow", "job_states"), "status"),
    **dict.fromkeys(("check_mongo_reachable", "mongo_store", "monty_store"), "stores"),
    **dict.fromkeys(("run_flow_in_process", "submit_flow"), "submit"),
    **dict.fromkeys(("MPI_LAUNCHER_ENV", "mpi_launcher"), "worker_env"),
}

__all__ = [
    "BATCH_WORKER",
    "DEFAULT_MPI_LAUNCHER",
    "LOCAL_BATCH",
    "MPI_LAUNCHER_ENV",
    "PRODUCTION_BATCH",
    "STATES_SNAPSHOT",
    "BatchSettings",
    "JobStateRow",
    "QuotedShellIO",
    "RouteKey",
    "Scheduler",
    "assign_jobs",
    "check_batch_workers",
    "check_mongo_reachable",
    "default_projects_dir",
    "hpc_project",
    "is_memory_queue",
    "job_states",
    "load_project",
    "local_project",
    "mongo_store",
    "monty_store",
    "mpi_launcher",
    "open_jobstore",
    "project_routing",
    "projects_dir",
    "removal_results",
    "route_flow",
    "run_flow_in_process",
    "shell_scheduler",
    "smoke_adatom_binding",
    "smoke_adatom_energy",
    "smoke_fail",
    "smoke_slab_energy",
    "smoke_test_flow",
    "submit_flow",
    "write_project",
]


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
