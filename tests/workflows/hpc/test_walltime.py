"""A relaxation killed at its allocation's walltime continues from its checkpoint when rerun.

jobflow-remote 1.0.1 marks such a Job FAILED ("does not contain the response");
``cudiss status`` shows it as ``STOPPED (walltime)`` with the steps its checkpoint
kept and the command that continues it, and after the rerun as ``COMPLETED,
resumed``. The SLURM test runs a slowed EMT relaxation (SlowRelaxMaker, ~110 s)
under a 1-minute walltime, then reruns it as ``jf job rerun`` does
(``JobController.rerun_job``) with a longer one.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from ase.build import add_adsorbate, fcc100
from ase.calculators.emt import EMT
from ase.constraints import FixAtoms
from ase.optimize import BFGS
from jobflow import Flow, JobStore
from maggma.stores import MemoryStore
from pymatgen.io.ase import AseAtomsAdaptor

from cudiss.workflows.checkpoint import checkpoint_root
from cudiss.workflows.hpc.project_files import load_project, write_project
from cudiss.workflows.hpc.projects import hpc_project, local_project
from cudiss.workflows.hpc.status import (
    STATES_SNAPSHOT,
    rows_from_controller,
    state_label,
    write_snapshot,
)
from cudiss.workflows.hpc.walltime import (
    checkpoint_dirs,
    continue_command,
    killed_at_walltime,
    step_checkpoint,
)
from cudiss.workflows.makers import CuNebMaker, CuRelaxMaker
from cudiss.workflows.neb import NebSettings, interpolate_band
from tests.helpers.corpus import run_cli
from tests.helpers.paths import REPO
from tests.helpers.slurm import scontrol
from tests.helpers.walltime import SlowRelaxMaker, memory_runner, rattled_slab

SLURM_KILL = "slurmstepd: error: *** JOB 7 ON localhost CANCELLED AT 2026-11-27T17:53:08 DUE TO TIME LIMIT ***"  # noqa: E501
PBS_KILL = "=>> PBS: job killed: walltime 3630 exceeded limit 3600"
NO_RESPONSE = (
    "The output file jfremote_out.json was downloaded, but it does not contain the "
    "response. The job was likely killed before completing"
)


def _info(state: str, queue_err: str | None = None, **kw) -> SimpleNamespace:
    remote = SimpleNamespace(queue_err=queue_err, error=None, process_id="7")
    fields = {"name": "relax", "uuid": "u", "db_id": "5", "worker": "local", "error": None}
    return SimpleNamespace(state=SimpleNamespace(value=state), remote=remote, **{**fields, **kw})


def test_walltime_kill_is_recognised() -> None:
    assert killed_at_walltime(_info("FAILED", SLURM_KILL, error=NO_RESPONSE))
    assert killed_at_walltime(_info("FAILED", PBS_KILL))
    assert not killed_at_walltime(_info("FAILED", "Segmentation fault", error=NO_RESPONSE))
    assert not killed_at_walltime(_info("COMPLETED", SLURM_KILL))


def test_checkpoint_folders_of_workers(tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "projects"
    write_project(local_project("loc", tmp_path / "base"), folder)
    worker = load_project("loc", folder).workers["local"]
    monkeypatch.delenv("CUDISS_CHECKPOINT_DIR")
    assert checkpoint_dirs(worker)[0] == tmp_path / "base" / "runs" / "checkpoints"
    # an environment value passed on by the scheduler wins over the work_dir's folder
    monkeypatch.setenv("CUDISS_CHECKPOINT_DIR", str(tmp_path / "mine"))
    assert checkpoint_dirs(worker) == [tmp_path / "mine", tmp_path / "base/runs/checkpoints"]
    cluster = hpc_project("c", "slurm", work_dir="/scratch/me/w", base_dir=tmp_path)
    assert checkpoint_dirs(cluster.workers["slurm"])[1] == Path("/scratch/me/w/checkpoints")
    shared = hpc_project(
        "s", "slurm", work_dir="/w", pre_run=["export CUDISS_CHECKPOINT_DIR=/shared/ck"]
    )
    assert checkpoint_dirs(shared.workers["slurm"])[0] == Path("/shared/ck")
    unknown = hpc_project(
        "v", "slurm", work_dir="/w", pre_run=["export CUDISS_CHECKPOINT_DIR=$SCRATCH/ck"]
    )
    assert checkpoint_dirs(unknown.workers["slurm"]) == [checkpoint_root()]


def test_continue_command_per_queue(tmp_path: Path) -> None:
    mongo = hpc_project("cu", "slurm", work_dir="/w", base_dir=tmp_path)
    assert continue_command(mongo, "12") == "`jf -p cu job rerun 12`"
    local = local_project("try", tmp_path / "b")
    assert "cudiss submit CAMPAIGN.yaml -p try --in-process" in continue_command(local, "12")


def _adatom():
    slab = fcc100("Cu", size=(2, 2, 3), vacuum=6.0)
    add_adsorbate(slab, "Cu", 1.6, "hollow")
    slab.set_constraint(FixAtoms(indices=list(range(8))))
    return slab


def test_step_checkpoint_is_the_file_the_step_writes(tmp_path: Path, monkeypatch) -> None:
    root = tmp_path / "ck"
    monkeypatch.setenv("CUDISS_CHECKPOINT_DIR", str(root))
    monkeypatch.chdir(tmp_path)  # the steps write their trajectories here
    atoms = _adatom()
    atoms.positions[-1] += (0.3, 0.2, 0.2)
    adaptor = AseAtomsAdaptor()
    structure = adaptor.get_structure(atoms)
    relax = CuRelaxMaker(fmax=0.05)
    relax.run_ase(structure)
    found = step_checkpoint(relax.make(structure), root)
    assert found.path.exists() and found.path.parent == root and found.load()["nsteps"] > 0
    initial, final = _adatom(), _adatom()
    final.positions[-1, 0] += 1.8
    for end in (initial, final):
        end.calc = EMT()
        BFGS(end, logfile=None).run(fmax=0.05)
        end.calc = None
    band = [adaptor.get_structure(a) for a in interpolate_band(initial, final, 1, "linear")]
    neb = CuNebMaker(settings=NebSettings(n_images=1, fmax=0.2))
    neb.run_ase(band)
    found = step_checkpoint(neb.make(band), root)
    assert found.path.exists() and found.path.name.startswith("neb-")
    # a step that keeps no checkpoint
    assert step_checkpoint(CuRelaxMaker(steps=1).make(structure), root) is None


def test_rows_of_a_killed_and_a_resumed_step(tmp_path: Path, monkeypatch) -> None:
    """rows_from_controller on a fake controller: STOPPED (walltime) and COMPLETED, resumed."""
    root = tmp_path / "ck"
    monkeypatch.setenv("CUDISS_CHECKPOINT_DIR", str(root))
    monkeypatch.chdir(tmp_path)  # the steps write their trajectories here
    atoms = _adatom()
    atoms.positions[-1] += (0.3, 0.2, 0.2)
    structure = AseAtomsAdaptor().get_structure(atoms)
    maker = CuRelaxMaker(fmax=0.05)
    maker.run_ase(structure)
    killed = maker.make(structure)
    store = JobStore(MemoryStore())
    store.connect()
    store.update(
        {"uuid": "done", "index": 1, "output": {"resumed": "resumed from checkpoint at step 4"}},
        key=["uuid", "index"],
    )
    infos = [
        _info("FAILED", SLURM_KILL, uuid=killed.uuid, error=NO_RESPONSE),
        _info("COMPLETED", uuid="done", db_id="6"),
    ]
    project = hpc_project("cu", "slurm", work_dir="/w", base_dir=tmp_path)
    project.workers["local"].pre_run = f"export CUDISS_CHECKPOINT_DIR={root}"
    jc = SimpleNamespace(
        get_jobs_info=lambda **kw: infos,
        jobstore=store,
        project=project,
        get_job_doc=lambda db_id: SimpleNamespace(job=killed),
    )
    stopped, resumed = rows_from_controller(jc)
    assert (stopped.state, state_label(stopped)) == ("STOPPED", "STOPPED (walltime)")
    last = stopped.error.splitlines()[-1]
    assert re.fullmatch(
        rf"killed at the walltime after \d+ steps, checkpointed in {root}/relax-\w+\.pkl; "
        r"continue from there with `jf -p cu job rerun 5`",
        last,
    ), last
    assert state_label(resumed) == "COMPLETED, resumed" and resumed.note.endswith("step 4")


# ---------------------------------------------------------------- on the local SLURM
@pytest.mark.slurm
def test_walltime_killed_relaxation_resumes_in_the_next_allocation(
    local_slurm: Path, tmp_path: Path, monkeypatch
) -> None:
    # the checkpoints go where the project's worker puts them: BASE/runs/checkpoints
    monkeypatch.delenv("CUDISS_CHECKPOINT_DIR")
    monkeypatch.setenv("COLUMNS", "400")  # `cudiss status` table on one line per Job
    folder, base = tmp_path / "projects", tmp_path / "base"
    project = local_project("wt", base, walltime="00:01:00", pre_run=[f"export PYTHONPATH={REPO}"])
    write_project(project, folder)
    structure, calls, energy = rattled_slab()
    # ~110 s of force calls: more than SLURM lets a 1-minute job run (killed 60-90 s in)
    job = SlowRelaxMaker(delay_s=110 / calls, fmax=0.05).make(structure)
    job.name = "slow relax"
    flow = Flow([job])
    with memory_runner("wt", folder) as runner:
        jc = runner.job_controller
        jc.add_flow(flow, worker="local")
        runner.run_all_jobs(max_seconds=200)
        (row,) = rows_from_controller(jc, [flow.uuid])
        write_snapshot(project, [row])
        assert scontrol(row.process_id)["JobState"] == "TIMEOUT"
        assert jc.get_job_info(db_id=row.db_id).state.value == "FAILED"  # jobflow-remote's
        assert (row.state, state_label(row)) == ("STOPPED", "STOPPED (walltime)"), row
        kept = int(re.search(r"after (\d+) steps", row.error).group(1))
        assert 0 < kept < calls - 1, row.error
        assert f"checkpointed in {base / 'runs' / 'checkpoints'}/relax-" in row.error
        code, out, err = run_cli("status", "-p", "wt", "--projects-dir", str(folder))
        assert code == 0 and "STOPPED" in out and "continue from there with" in out, out + err
        # what `jf -p wt job rerun ID` does, and a longer walltime for the next allocation
        jc.rerun_job(db_id=row.db_id)
        jc.set_job_run_properties(
            resources={"nodes": 1, "ntasks": 1, "time": "00:05:00"}, db_ids=[row.db_id]
        )
        runner.run_all_jobs(max_seconds=200)
        (done,) = rows_from_controller(jc, [flow.uuid])
        write_snapshot(project, [done])
        doc = jc.jobstore.get_output(job.uuid)
    assert (done.state, state_label(done)) == ("COMPLETED", "COMPLETED, resumed"), done
    assert done.process_id != row.process_id  # a new allocation
    assert doc["resumed"].startswith(f"resumed from checkpoint at step {kept} ")
    assert done.note == doc["resumed"]
    # the same relaxation as one uninterrupted run: BFGS continued with its Hessian
    assert doc["output"]["energy"] == pytest.approx(energy, abs=1e-6)
    assert (base / STATES_SNAPSHOT).exists()
    code, out, _ = run_cli("status", "-p", "wt", "--projects-dir", str(folder))
    assert code == 0 and "COMPLETED" in out
