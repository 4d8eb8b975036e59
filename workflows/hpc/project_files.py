"""Validate, write and read jobflow-remote project files (``NAME.yaml``).

jobflow-remote looks for projects in one folder (``~/.jfremote`` unless told
otherwise); :func:`projects_dir` points it elsewhere for a while, so tests and
``--projects-dir`` never touch the user's own projects.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from cudiss.structures.errors import CudissInputError


def validate_project(data: dict[str, Any]) -> Any:
    """Build a jobflow-remote ``Project`` from its dict form.

    Parameters
    ----------
    data : dict
        The project as jobflow-remote's YAML holds it.

    Returns
    -------
    jobflow_remote.config.base.Project

    Raises
    ------
    CudissInputError
        Anything jobflow-remote's model rejects, as one line naming the field
        (pydantic's own message runs over many lines).
    """
    from jobflow_remote.config.base import Project

    try:
        return Project.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        msg = str(first["msg"]).splitlines()[0]
        raise CudissInputError(f"invalid jobflow-remote project ({where}): {msg}") from None


def default_projects_dir() -> Path:
    """Folder where jobflow-remote looks for projects (``~/.jfremote`` by default)."""
    from jobflow_remote import SETTINGS

    return Path(SETTINGS.projects_folder).expanduser()


@contextlib.contextmanager
def projects_dir(directory: str | Path | None) -> Iterator[Path]:
    """Temporarily point jobflow-remote at another projects folder.

    jobflow-remote reads ``SETTINGS.projects_folder`` whenever a
    ``ConfigManager`` (and so a ``Runner``) is created; tests and
    ``--projects-dir`` must not touch the user's ``~/.jfremote``.

    Parameters
    ----------
    directory : str or Path or None
        Folder to use; None leaves the setting alone.

    Yields
    ------
    Path
        The folder in effect.
    """
    from jobflow_remote import SETTINGS

    old = SETTINGS.projects_folder
    if directory is not None:
        SETTINGS.projects_folder = str(Path(directory).expanduser().resolve())
    try:
        yield Path(SETTINGS.projects_folder)
    finally:
        SETTINGS.projects_folder = old


def write_project(
    project: Any, directory: str | Path | None = None, overwrite: bool = False
) -> Path:
    """Write a project as ``NAME.yaml``, after validating it again.

    Parameters
    ----------
    project : Project or dict
        A jobflow-remote ``Project`` (from
        :func:`~cudiss.workflows.hpc.projects.hpc_project` or
        :func:`~cudiss.workflows.hpc.projects.local_project`) or its dict form.
    directory : str or Path, optional
        Target folder; default :func:`default_projects_dir`.
    overwrite : bool
        Replace an existing file of the same name.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    CudissInputError
        Invalid project, or the file exists and ``overwrite`` is False.
    """
    if isinstance(project, dict):
        project = validate_project(project)
    folder = Path(directory).expanduser() if directory else default_projects_dir()
    path = folder / f"{project.name}.yaml"
    if path.exists() and not overwrite:
        raise CudissInputError(f"{path} exists; pass --force to replace it")
    data = project.model_dump(mode="json", exclude_none=True)
    validate_project(data)  # what is written must read back
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def load_project(name: str | None = None, directory: str | Path | None = None) -> Any:
    """Read and validate a project written by :func:`write_project`.

    Parameters
    ----------
    name : str, optional
        Project name; default: the only project in the folder, or
        jobflow-remote's configured default project.
    directory : str or Path, optional
        Projects folder; default :func:`default_projects_dir`.

    Returns
    -------
    jobflow_remote.config.base.Project

    Raises
    ------
    CudissInputError
        No such project, or jobflow-remote cannot read it.
    """
    from jobflow_remote.config.base import ConfigError

    with projects_dir(directory):
        from jobflow_remote.config.manager import ConfigManager

        try:
            return ConfigManager().get_project(name)
        except ConfigError as exc:
            msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise CudissInputError(f"jobflow-remote project: {msg}") from None
