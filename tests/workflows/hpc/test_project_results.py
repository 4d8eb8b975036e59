"""Tables and figures from a jobflow-remote project: ``--project NAME`` as well as ``--store``.

The same documents (successful, failed and unconverged removals, gases,
adsorptions; tests/helpers/project_stores.py) sit in a store folder and in a
``--local`` project's output MontyStore; every table kind must come out the same
from both, every figure must draw, and reading must leave the project's files
as they were. A missing or broken project, a damaged output store and an
unreachable MongoDB are one line each, within seconds, with nothing written.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from cudiss.workflows.hpc.project_files import write_project
from cudiss.workflows.hpc.projects import hpc_project
from cudiss.workflows.hpc.results import removal_results
from cudiss.workflows.hpc.stores import mongo_store
from cudiss.workflows.mechanism_store import open_mechanism
from cudiss.workflows.result_sources import ProjectSource
from cudiss.workflows.store import open_results
from tests.helpers.corpus import assert_api_refused, assert_refused, run_cli, snapshot
from tests.helpers.figures import png_size
from tests.helpers.project_stores import all_documents, project_with, store_with

TABLE_KINDS = ("barriers", "adsorption", "surface", "crossings", "co2er", "landscape", "routes")
PLOT_KINDS = ("neb", "barriers", "surface", "landscape", "span", "co2er")
# the ping waits 3 s; the rest is start-up on a busy 2-core machine
BOUND_SECONDS = 20


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> dict:
    """The same documents in a store folder and in a project."""
    tmp = tmp_path_factory.mktemp("sources")
    docs = all_documents()
    name, folder = project_with(tmp, docs)
    return {
        "store": store_with(tmp / "store", docs),
        "project": name,
        "projects_dir": folder,
        "base": tmp / "base",
    }


def _project_args(sources: dict) -> list[str]:
    return ["--project", sources["project"], "--projects-dir", str(sources["projects_dir"])]


@pytest.mark.parametrize("fmt", ["csv", "md"])
def test_every_table_is_the_same_from_the_project(sources, tmp_path, fmt) -> None:
    before = snapshot(sources["base"])
    for kind in TABLE_KINDS:
        out = {}
        for where, args in (
            ("store", ["--store", str(sources["store"])]),
            ("project", _project_args(sources)),
        ):
            code, text, err = run_cli("table", "--kind", kind, "--format", fmt, *args)
            assert code == 0, f"{kind} from {where}: {err}"
            out[where] = text
        assert out["project"] == out["store"], kind
        assert len(out["store"].splitlines()) > 3, kind
        if kind == "barriers" and fmt == "csv":  # failed and unconverged rows stay
            assert ",failed," in text and ",unconverged," in text
    # reading wrote nothing into the project (no WAL files, no marker rewrites)
    assert snapshot(sources["base"]) == before


def test_every_figure_draws_from_the_project(sources, tmp_path) -> None:
    before = snapshot(sources["base"])
    for kind in PLOT_KINDS:
        out = tmp_path / f"{kind}.png"
        code, _, err = run_cli("plot", kind, *_project_args(sources), "-o", str(out), "--dpi", "40")
        assert code == 0, f"plot {kind}: {err}"
        assert png_size(out)[0] > 100
    assert snapshot(sources["base"]) == before


def test_python_api_reads_a_project(sources) -> None:
    store = open_results(sources["store"])
    kwargs = {"project": sources["project"], "projects_dir": sources["projects_dir"]}
    by_name = open_results(**kwargs)
    by_source = open_results(ProjectSource(sources["project"], sources["projects_dir"]))
    dumped = [r.model_dump() for r in store]
    assert [r.model_dump() for r in by_name] == dumped
    assert [r.model_dump() for r in by_source] == dumped
    assert {r.state for r in by_name} == {"successful", "failed", "unconverged"}
    assert [r.model_dump() for r in removal_results(**{
        "project": sources["project"], "directory": sources["projects_dir"]
    })] == dumped  # fmt: skip
    mech, mech_store = open_mechanism(**kwargs), open_mechanism(sources["store"])
    assert (len(mech.removals), len(mech.adsorptions), len(mech.gases)) == (5, 4, 4)
    assert mech.gases == mech_store.gases and mech.adsorptions == mech_store.adsorptions
    assert_api_refused(lambda: open_results(), "give a store (--store PATH) or a project")
    assert_api_refused(
        lambda: open_results(sources["store"], project="try"), "not both"
    )  # fmt: skip
    assert_api_refused(lambda: open_mechanism(projects_dir="/tmp"), "--projects-dir goes with")


def _broken_project(tmp_path: Path) -> Path:
    folder = tmp_path / "projects"
    folder.mkdir()
    (folder / "bad.yaml").write_text("name: bad\nworkers: [\n")
    return folder


@pytest.mark.parametrize(
    "case",
    ["both", "neither", "dir-alone", "no-project", "broken-file", "damaged-store"],
)
@pytest.mark.parametrize("command", ["table", "plot"])
def test_refusals_are_one_line_and_write_nothing(sources, tmp_path, case, command) -> None:
    out = tmp_path / ("t.csv" if command == "table" else "f.png")
    head = ["table", "-o", str(out)] if command == "table" else ["plot", "neb", "-o", str(out)]
    projects = ["--projects-dir", str(sources["projects_dir"])]
    argv, expected = {
        "both": (["--store", str(sources["store"]), "-p", "try", *projects], "not both"),
        "neither": ([], "--store PATH or --project NAME"),
        "dir-alone": (projects, "--projects-dir goes with --project"),
        "no-project": (["-p", "nope", *projects], "no project 'nope'"),
        "broken-file": (
            ["-p", "bad", "--projects-dir", str(_broken_project(tmp_path))],
            "project file",
        ),
        "damaged-store": (None, "is damaged"),
    }[case]
    if case == "damaged-store":
        # a copy of the project whose outputs collection is cut short
        import shutil

        base = tmp_path / "copy"
        shutil.copytree(sources["base"], base / "base")
        shutil.copytree(sources["projects_dir"], base / "projects")
        text = (base / "projects" / "try.yaml").read_text()
        (base / "projects" / "try.yaml").write_text(
            text.replace(str(sources["base"]), str(base / "base"))
        )
        collection = base / "base" / "outputs" / "cudiss" / "outputs.collection"
        collection.write_bytes(collection.read_bytes()[:1000])
        argv = ["-p", "try", "--projects-dir", str(base / "projects")]
    assert_refused([*head, *argv], expected, tmp_path)
    assert not out.exists()


def test_unreachable_database_is_one_line_within_seconds(tmp_path: Path) -> None:
    folder = tmp_path / "projects"
    project = hpc_project(
        "db",
        "slurm",
        work_dir="/w",
        queue_store=mongo_store("jobs", "localhost", 1),
        docs_store=mongo_store("outputs", "localhost", 1),
        base_dir=tmp_path / "b",
    )
    write_project(project, folder)
    for argv in (
        ["table", "--kind", "routes"],
        ["plot", "surface", "-o", str(tmp_path / "s.png")],
    ):
        start = time.monotonic()
        assert_refused(
            [*argv, "-p", "db", "--projects-dir", str(folder)], "MongoDB at localhost:1", tmp_path
        )
        assert time.monotonic() - start < BOUND_SECONDS
