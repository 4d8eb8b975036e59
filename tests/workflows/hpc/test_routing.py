"""Routing: each Job of a campaign goes to the worker its kind fits (no SLURM needed).

Short Jobs -- no calculator (endpoints, interpolation, placement, results) or
EMT -- go to the routing's ``short`` worker, GPAW Jobs to ``gpaw`` (or to the
worker of their step: ``bulk``, ``relax``, ``static``, ``neb``, ``vibrations``).
``cudiss submit --worker W`` sends everything to W.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from cudiss.workflows.campaign import campaign_flow, load_campaign, parse_campaign
from cudiss.workflows.hpc.project_files import load_project
from cudiss.workflows.hpc.routing import (
    RouteKey,
    assign_jobs,
    check_routing,
    iter_jobs,
    route_flow,
    route_key,
)
from tests.helpers.corpus import assert_api_refused, assert_refused, run_cli
from tests.helpers.hpc_trial import TRIAL_CAMPAIGN, TRIAL_JOBS
from tests.helpers.paths import EXAMPLES

ROUTING = {"short": "batch", "gpaw": "slurm"}


def _workers(flow) -> Counter:
    return Counter(job.config.manager_config.get("worker") for job in iter_jobs(flow))


def test_an_emt_campaign_is_all_short() -> None:
    flow = campaign_flow(parse_campaign(yaml.safe_load(TRIAL_CAMPAIGN)))
    assert {route_key(job) for job in iter_jobs(flow)} == {(RouteKey.SHORT, None)}
    assert route_flow(flow, ROUTING) == {"batch": TRIAL_JOBS}
    assert _workers(flow) == {"batch": TRIAL_JOBS}


def test_gpaw_jobs_go_to_the_queue_and_the_rest_to_the_batch_worker() -> None:
    flow = campaign_flow(load_campaign(EXAMPLES / "gpaw_cu100_adatom.yaml"))
    kinds = {job.name: route_key(job) for job in iter_jobs(flow)}
    bare = "Cu(100) adatom bare"
    assert kinds[f"{bare}: endpoints"] == (RouteKey.SHORT, None)
    assert kinds[f"{bare}: interpolate"] == (RouteKey.SHORT, None)
    assert kinds[f"{bare}: result"] == (RouteKey.SHORT, None)
    assert kinds[f"{bare}: relax initial"] == (RouteKey.GPAW, RouteKey.RELAX)
    assert kinds[f"{bare}: CI-NEB"] == (RouteKey.GPAW, RouteKey.NEB)
    bulk = next(key for name, key in kinds.items() if "bulk Cu" in name)
    assert bulk == (RouteKey.GPAW, RouteKey.BULK)
    counts = route_flow(flow, {**ROUTING, "neb": "big"})
    by_name = {job.name: job.config.manager_config["worker"] for job in iter_jobs(flow)}
    assert by_name[f"{bare}: CI-NEB"] == "big"
    assert by_name[f"{bare}: relax final"] == "slurm"
    assert by_name[f"{bare}: endpoints"] == "batch"
    assert counts == dict(Counter(by_name.values()))


def test_mechanism_jobs_are_routed_by_their_maker() -> None:
    flow = campaign_flow(load_campaign(EXAMPLES / "gpaw_mechanism.yaml"))
    kinds = Counter(route_key(job) for job in iter_jobs(flow))
    assert set(kinds) == {
        (RouteKey.SHORT, None),
        (RouteKey.GPAW, RouteKey.BULK),
        (RouteKey.GPAW, RouteKey.RELAX),
        (RouteKey.GPAW, RouteKey.NEB),
        (RouteKey.GPAW, RouteKey.VIBRATIONS),
    }
    for job in iter_jobs(flow):  # placement, lowest site, results run no calculator
        if job.name.endswith(("result", "lowest site")) or ": place on " in job.name:
            assert route_key(job) == (RouteKey.SHORT, None), job.name


@pytest.mark.parametrize(
    ("routing", "expected"),
    [
        ({"short": "batch"}, "has no 'gpaw' key"),
        ({"gpaw": "slurm"}, "has no 'short' key"),
        ({**ROUTING, "endpoints": "batch"}, "unknown key 'endpoints'"),
        ({**ROUTING, "neb": "gpu"}, "neb: 'gpu' is not a worker of the project"),
        (["batch"], "must be a mapping of Job kinds to workers"),
        ({}, "must be a mapping of Job kinds to workers"),
    ],
)
def test_bad_routings_are_one_line(routing: object, expected: str) -> None:
    assert_api_refused(lambda: check_routing(routing, ["slurm", "batch"], "project 'x'"), expected)


@pytest.fixture
def batch_project(tmp_path: Path) -> Path:
    """A projects folder with the --local --batch project ``try``."""
    folder = tmp_path / "projects"
    code, _, err = run_cli(
        "hpc", "init", "try", "--local", "--batch", "--projects-dir", str(folder)
    )
    assert code == 0, err
    return folder


def test_assign_jobs_worker_routing_or_first(batch_project: Path, tmp_path: Path) -> None:
    project = load_project("try", batch_project)
    flow = campaign_flow(load_campaign(EXAMPLES / "gpaw_cu100_adatom.yaml"))
    routed = assign_jobs(flow, project)
    assert set(routed) == {"batch", "local"} and sum(routed.values()) == len(list(iter_jobs(flow)))
    # --worker: the whole campaign to one worker, whatever the routing says
    assert assign_jobs(flow, project, "local") == {"local": sum(routed.values())}
    assert _workers(flow) == {"local": sum(routed.values())}
    # without a routing, jobflow-remote's default: the first worker, Jobs left as they are
    code, _, err = run_cli("hpc", "init", "plain", "--local", "--projects-dir", str(batch_project))
    assert code == 0, err
    fresh = campaign_flow(load_campaign(EXAMPLES / "gpaw_cu100_adatom.yaml"))
    counts = assign_jobs(fresh, load_project("plain", batch_project))
    assert counts == {"local": sum(routed.values())}
    assert _workers(fresh) == {None: sum(routed.values())}


def test_submit_refuses_a_bad_routing_or_worker(batch_project: Path) -> None:
    path = batch_project / "try.yaml"
    data = yaml.safe_load(path.read_text())
    data["metadata"]["cudiss"]["routing"]["gpaw"] = "slurm"  # no such worker
    path.write_text(yaml.safe_dump(data))
    submit = ["submit", str(EXAMPLES / "emt_facets.yaml"), "-p", "try",
              "--projects-dir", str(batch_project), "--in-process"]  # fmt: skip
    expected = "metadata.cudiss.routing): gpaw: 'slurm' is not a worker of the project"
    assert_refused(submit, expected, batch_project)
    assert_refused([*submit, "--worker", "gpu"], "has no worker 'gpu'", batch_project)
