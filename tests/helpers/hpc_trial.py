"""The small EMT campaign of the HPC-path tests, and an honest count of the SLURM jobs a run used.

:data:`TRIAL_CAMPAIGN` is docs/hpc.md's trial campaign with a second facet
(four configurations, 25 Jobs: bulk, then per configuration endpoints,
relaxed initial and final states, interpolation, CI-NEB, result).

:class:`SlurmJobCount` counts SLURM jobs two ways: the job ids slurmctld
handed out during the run whose working folder lies under the project's base
folder (between two held marker jobs, so jobs of other tests sharing the
cluster are not counted), and the queue ids jobflow-remote recorded for the
Jobs. The first is the number of ``sbatch`` calls; the second must be a
subset of it.
"""

from __future__ import annotations

import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

#: Campaign file text: 4 EMT configurations on small cells, seconds with `cudiss run`.
TRIAL_CAMPAIGN = """\
name: hpc-trial
calculator: emt
facets: ["100", "111"]
sites: [adatom]
adsorbates: [[], [O]]
slab: {size: [2, 2], layers: 3, vacuum: 6.0, fixed_layers: 1}
neb: {n_images: 1, fmax: 0.1}
dissolution: false
"""
#: Jobs of :data:`TRIAL_CAMPAIGN`: one bulk Job + 4 configurations x 6 Jobs, + the
#: carry-over Job of each Cu(100) adatom hop (its final state is the initial one
#: translated; the Cu(111) hop goes fcc -> hcp and relaxes both).
TRIAL_JOBS = 27
#: slurmctld's default MinJobAge: how long a finished job stays in ``scontrol show job``.
MIN_JOB_AGE_S = 300


def _slurm(*args: str) -> str:
    return subprocess.run(
        ["timeout", "20", *args], capture_output=True, text=True, check=True
    ).stdout


def marker_job() -> int:
    """Submit a held no-op job and cancel it: its id marks a point in slurmctld's counter."""
    job_id = int(_slurm("sbatch", "--parsable", "--hold", "--job-name=cudiss-marker", "--wrap=true")
                 .strip().split(";")[0])  # fmt: skip
    _slurm("scancel", str(job_id))
    return job_id


def slurm_jobs_under(folder: Path, after: int, before: int) -> dict[int, str]:
    """Job id -> name of the jobs with ids in (after, before) working under ``folder``.

    Finished jobs stay listed for ``MinJobAge`` (300 s by default) after they end.
    """
    jobs = {}
    root = str(folder.resolve())
    for line in _slurm("scontrol", "show", "job", "-o").splitlines():
        job_id = re.search(r"\bJobId=(\d+)", line)
        work_dir = re.search(r"\bWorkDir=(\S+)", line)
        name = re.search(r"\bJobName=(\S+)", line)
        if not (job_id and work_dir and after < int(job_id[1]) < before):
            continue
        if work_dir[1] == root or work_dir[1].startswith(root + "/"):
            jobs[int(job_id[1])] = name[1] if name else ""
    return jobs


@dataclass
class SlurmJobCount:
    """SLURM jobs and wall time of one run of a project whose files live under ``base``."""

    base: Path
    first: int = 0
    last: int = 0
    started: float = 0.0
    wall_s: float = 0.0
    slurm_jobs: dict[int, str] = field(default_factory=dict)

    def __enter__(self) -> SlurmJobCount:
        self.first = marker_job()
        self.started = time.monotonic()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall_s = time.monotonic() - self.started
        self.last = marker_job()
        self.slurm_jobs = slurm_jobs_under(self.base, self.first, self.last)

    def check_against(self, queue_ids: set[str]) -> int:
        """The SLURM job count, after checking jobflow-remote's queue ids are among those jobs.

        slurmctld forgets a finished job ``MinJobAge`` (300 s) after it ended;
        for longer runs the ids jobflow-remote recorded fill that gap.
        """
        ids = {int(i) for i in queue_ids}
        if self.wall_s < MIN_JOB_AGE_S - 20:
            missing = ids - set(self.slurm_jobs)
            assert not missing, f"queue ids {sorted(missing)} not among the run's SLURM jobs"
        return len(set(self.slurm_jobs) | ids)
