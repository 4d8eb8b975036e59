"""The same result documents in a store folder and in a jobflow-remote test project.

Documents are written the way a Job stores its output (``JobStore.update`` with
``uuid``, ``index``, ``output``, ``completed_at`` and the ``cudiss_kind``
metadata), so that ``--store`` and ``--project`` must give the same tables.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from pathlib import Path

from pydantic import BaseModel

from cudiss.analysis.mechanism_documents import ADSORPTION_KIND, GAS_KIND
from cudiss.workflows.flows import RESULT_KIND
from cudiss.workflows.hpc.project_files import load_project, write_project
from cudiss.workflows.hpc.projects import local_project
from cudiss.workflows.store import open_job_store
from tests.helpers.documents import make_result, make_results
from tests.helpers.mechanism_documents import adsorptions, gases, removals


def all_documents() -> list[tuple[str, BaseModel]]:
    """Removal results (successful, failed, unconverged, mechanism routes), gases, adsorptions."""
    unconverged = make_result(
        config_id="camp/100/adatom/bare/emt",
        facet="100",
        site_class="adatom",
        state="unconverged",
        neb_converged=False,
        forward_barrier_eV=0.9,
    )
    docs: list[tuple[str, BaseModel]] = [
        (RESULT_KIND, r) for r in [*make_results()[1:], unconverged, *removals()]
    ]
    docs += [(GAS_KIND, g) for g in gases()]
    docs += [(ADSORPTION_KIND, a) for a in adsorptions()]
    return docs


def write_documents(store, documents: list[tuple[str, BaseModel]]) -> None:
    """Store each model as a Job's output of that kind (as jobflow writes it)."""
    for kind, model in documents:
        doc = {
            "uuid": str(uuid.uuid4()),
            "index": 1,
            "output": model,
            "completed_at": datetime.now(timezone.utc).isoformat(),
            "metadata": {"cudiss_kind": kind},
            "hosts": [],
            "name": kind,
        }
        store.update(doc, key=["uuid", "index"])


def store_with(folder: Path, documents: list[tuple[str, BaseModel]]) -> Path:
    """A cudiss store folder holding ``documents``."""
    store = open_job_store(folder, create=True)
    write_documents(store, documents)
    store.close()
    return folder


def project_with(
    tmp_path: Path, documents: list[tuple[str, BaseModel]], name: str = "try"
) -> tuple[str, Path]:
    """A ``--local`` project (MontyStore outputs) whose output store holds ``documents``.

    Returns
    -------
    tuple of (str, Path)
        The project name and its projects folder.
    """
    folder = tmp_path / "projects"
    write_project(local_project(name, tmp_path / "base"), folder)
    store = load_project(name, folder).get_jobstore()  # the project's own spec
    store.connect()
    write_documents(store, documents)
    store.close()
    return name, folder
