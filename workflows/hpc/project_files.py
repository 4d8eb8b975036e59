"""Validate, write and read jobflow-remote project files (``NAME.yaml``).

jobflow-remote looks for projects in one folder (``~/.jfremote`` unless told
otherwise); :func:`projects_dir` points it elsewhere for a while, so tests and
``--projects-dir`` never touch the user's own projects.
"""

from __future__ import annotations

import contextlib
import json
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
        lines = [line.strip() for line in str(first["msg"]).splitlines() if line.strip()]
        msg = lines[0] if lines else "invalid"
        if "Traceback (most recent call last)" in msg:
            # jobflow-remote pastes a whole traceback into some messages: keep its last line
            msg = msg.split("Traceback (most recent call last)")[0].removesuffix("Error: ")
            msg = msg.rstrip(" .:") + f": {lines[-1]}"
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


_PROJECT_EXTENSIONS = ("yaml", "json", "toml")


def _read_project_file(path: Path) -> Any:
    """The data of a project file in any format jobflow-remote reads."""
    text = path.read_text()
    if path.suffix == ".json":
        return json.loads(text)
    if path.suffix == ".toml":
        import tomlkit  # what jobflow-remote reads TOML projects with

        return tomlkit.parse(text).unwrap()
    return yaml.safe_load(text)


def _projects_in(folder: Path, skip: Path | None = None) -> Iterator[tuple[Path, dict]]:
    """(file, data) of the files of ``folder`` that hold a project's mapping."""
    for ext in _PROJECT_EXTENSIONS:
        for path in sorted(folder.glob(f"*.{ext}")):
            if path == skip:
                continue
            try:
                data = _read_project_file(path)
            except Exception:  # jobflow-remote skips unreadable files too
                continue
            if isinstance(data, dict):
                yield path, data


def _names_in(folder: Path, skip: Path | None = None) -> dict[str, Path]:
    """Project name -> file, for the files of ``folder`` that name one (parsable or not)."""
    names: dict[str, Path] = {}
    for path, data in _projects_in(folder, skip):
        if isinstance(data.get("name"), str):
            names.setdefault(data["name"], path)
    return names


def _check_handle_dirs(folder: Path, skip: Path, data: dict) -> None:
    """Refuse a batch worker whose jobs handle folder another project of ``folder`` uses.

    jobflow-remote's runners exchange Jobs with batch allocations through that
    folder; two batch workers on one folder would take each other's Jobs.
    """
    from cudiss.workflows.hpc.batch import handle_dirs_of

    mine = handle_dirs_of(data)
    if not mine:
        return
    for path, other in _projects_in(folder, skip):
        for handle, worker in handle_dirs_of(other).items():
            if handle in mine:
                raise CudissInputError(
                    f"batch worker {mine[handle]!r}: its jobs handle folder {handle} is the one "
                    f"of worker {worker!r} in {path}; give each batch worker its own "
                    "(--batch-handle-dir)"
                )


def write_project(
    project: Any, directory: str | Path | None = None, overwrite: bool = False
) -> Path:
    """Write a project as ``NAME.yaml``, after validating it again.

    Nothing is written when the project is refused.

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
        Invalid project or name, a projects folder that is a file or cannot be
        written, the file exists and ``overwrite`` is False, another file of
        the folder already defines a project of that name (jobflow-remote would
        then refuse to load any project of the folder), or a batch worker's
        jobs handle folder is another project's.
    """
    from cudiss.workflows.hpc.checks import check_folder, check_project_name

    if isinstance(project, dict):
        project = validate_project(project)
    check_project_name(project.name)
    folder = check_folder("projects folder", directory or default_projects_dir())
    path = folder / f"{project.name}.yaml"
    if path.exists() and not overwrite:
        raise CudissInputError(f"{path} exists; pass --force to replace it")
    if folder.is_dir():
        other = _names_in(folder, skip=path).get(project.name)
        if other is not None:
            raise CudissInputError(
                f"{other} already defines project {project.name!r}; "
                "remove that file or choose another name"
            )
    data = project.model_dump(mode="json", exclude_none=True)
    validate_project(data)  # what is written must read back
    if folder.is_dir():
        _check_handle_dirs(folder, path, data)
    text = yaml.safe_dump(data, sort_keys=False)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    except OSError as exc:
        raise CudissInputError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path


def _project_file_problem(folder: Path, name: str) -> str | None:
    """Why ``folder/NAME.<ext>`` is not loaded as a project, if such a file exists."""
    for ext in _PROJECT_EXTENSIONS:
        path = folder / f"{name}.{ext}"
        if not path.is_file():
            continue
        try:
            data = _read_project_file(path)
        except Exception as exc:
            reason = " ".join(str(exc).split()) or type(exc).__name__
            return f"project file {path} cannot be read: {reason[:200]}"
        if not isinstance(data, dict):
            return f"project file {path} does not hold a project (a mapping of fields)"
        try:
            validate_project(data)
        except CudissInputError as exc:
            return f"project file {path}: {exc}"
        if data.get("name") != name:
            return f"project file {path} defines project {data.get('name')!r}, not {name!r}"
    return None


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
        No projects folder, no such project, several projects and no name, or
        a project file jobflow-remote cannot read (with the reason).
    """
    from jobflow_remote.config.base import ConfigError

    from cudiss.workflows.hpc.checks import check_folder

    folder = check_folder("projects folder", directory or default_projects_dir())
    if not folder.is_dir():
        raise CudissInputError(
            f"projects folder {folder} does not exist; create a project with `cudiss hpc init NAME`"
        )
    with projects_dir(directory):
        from jobflow_remote import SETTINGS
        from jobflow_remote.config.manager import ConfigManager

        try:
            manager = ConfigManager()
        except ConfigError as exc:
            msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise CudissInputError(f"jobflow-remote projects in {folder}: {msg}") from None
        name = name or SETTINGS.project
        known = sorted(manager.projects_data)
        if name is None and len(known) == 1:
            name = known[0]
        if name is not None and name in manager.projects_data:
            try:
                return manager.get_project(name)
            except ConfigError as exc:
                msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise CudissInputError(f"jobflow-remote project: {msg}") from None
    if name is None:
        if not known:
            raise CudissInputError(
                f"no project in {folder}; create one with `cudiss hpc init NAME`"
            )
        raise CudissInputError(
            f"{len(known)} projects in {folder} ({', '.join(known)}): choose one with --project"
        )
    problem = _project_file_problem(folder, name)
    if problem:
        raise CudissInputError(problem)
    have = f"projects: {', '.join(known)}" if known else "no projects"
    raise CudissInputError(
        f"no project {name!r} in {folder} ({have}); create it with `cudiss hpc init {name}`"
    )
