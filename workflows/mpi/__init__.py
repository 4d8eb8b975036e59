"""Run a GPAW workflow step on all MPI ranks, from a serial Python process.

A jobflow Job (local ``cudiss run`` or a jobflow-remote worker) is one serial
process; GPAW runs in parallel only when started by ``mpiexec ... gpaw python``
(plain ``python`` under mpiexec raises). So a GPAW step hands its inputs to
:mod:`cudiss.workflows.mpi.task`, started as::

    shlex.split(CUDISS_MPI_LAUNCHER) + [path/to/mpi/task.py, task.json]

which runs the *same* code as the serial path (atomate2's ``AseRelaxer`` via
the Maker's ``run_ase``, :func:`cudiss.workflows.neb.run_neb`) on every rank and
pickles the result; the parent returns it unchanged, so flows and documents do
not know whether MPI was used.

When MPI is used is an execution setting, not physics (it must not change a
configuration's id): the environment variable ``CUDISS_MPI_LAUNCHER``
(exported by HPC workers, set by ``cudiss run --ranks N``). A launcher without
an MPI starter (``gpaw python``, what 1-rank workers export) and EMT always run
in-process.

* :mod:`~cudiss.workflows.mpi.launcher` -- which launcher a step uses, and
  running a step through it (:func:`run_task`);
* :mod:`~cudiss.workflows.mpi.task` -- the worker script every rank runs.
"""

from __future__ import annotations

from cudiss.workflows.mpi.launcher import (
    MPI_LAUNCHER_ENV,
    WORKER_SCRIPT,
    MpiRunInfo,
    MpiTaskError,
    _env,  # noqa: F401  (tests check the worker's environment as ``mpi._env``)
    launcher_command,
    launcher_for_ranks,
    run_task,
)

#: How the last MPI step of this process ran; set by :func:`run_task` after
#: every step (an attribute of this package, so ``mpi.last_run`` stays current).
last_run: MpiRunInfo | None = None

__all__ = [
    "MPI_LAUNCHER_ENV",
    "WORKER_SCRIPT",
    "MpiRunInfo",
    "MpiTaskError",
    "last_run",
    "launcher_command",
    "launcher_for_ranks",
    "run_task",
]
