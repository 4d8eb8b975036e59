"""Running cudiss flows on HPC queues through jobflow-remote: the public names in one place.

The code lives in modules with one job each; this module only re-exports
their public names, for code that imports them from here (e.g.
:mod:`cudiss.workflows.mpi`) and for Jobs queued before the split, which
jobflow-remote stored as ``cudiss.workflows.hpc.smoke_*``.

* :mod:`~cudiss.workflows.hpc_worker_env` -- what a worker exports before every
  Job (the MPI launcher for GPAW, thread limits);
* :mod:`~cudiss.workflows.hpc_stores` -- store specs: MongoDB, on-disk
  MontyStore, JobStore;
* :mod:`~cudiss.workflows.hpc_projects` -- build production (SLURM/PBS) and
  local test projects;
* :mod:`~cudiss.workflows.hpc_project_files` -- validate, write and read
  ``NAME.yaml`` project files;
* :mod:`~cudiss.workflows.hpc_submit` -- queue a Flow, or run it to completion
  in this process;
* :mod:`~cudiss.workflows.hpc_status` -- Job states, live or from the last
  in-process run;
* :mod:`~cudiss.workflows.hpc_results` -- the outputs and ``RemovalResult``
  documents of a run;
* :mod:`~cudiss.workflows.hpc_smoke` -- a tiny EMT Flow that proves a worker
  and its queue work.
"""

from __future__ import annotations

from cudiss.workflows.hpc_project_files import (
    default_projects_dir,
    load_project,
    projects_dir,
    write_project,
)
from cudiss.workflows.hpc_projects import (
    DEFAULT_MPI_LAUNCHER,
    Scheduler,
    hpc_project,
    is_memory_queue,
    local_project,
)
from cudiss.workflows.hpc_results import open_jobstore, removal_results
from cudiss.workflows.hpc_smoke import (
    smoke_adatom_binding,
    smoke_adatom_energy,
    smoke_fail,
    smoke_slab_energy,
    smoke_test_flow,
)
from cudiss.workflows.hpc_status import STATES_SNAPSHOT, JobStateRow, job_states
from cudiss.workflows.hpc_stores import mongo_store, monty_store
from cudiss.workflows.hpc_submit import run_flow_in_process, submit_flow
from cudiss.workflows.hpc_worker_env import MPI_LAUNCHER_ENV, mpi_launcher

__all__ = [
    "DEFAULT_MPI_LAUNCHER",
    "MPI_LAUNCHER_ENV",
    "STATES_SNAPSHOT",
    "JobStateRow",
    "Scheduler",
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
    "projects_dir",
    "removal_results",
    "run_flow_in_process",
    "smoke_adatom_binding",
    "smoke_adatom_energy",
    "smoke_fail",
    "smoke_slab_energy",
    "smoke_test_flow",
    "submit_flow",
    "write_project",
]
