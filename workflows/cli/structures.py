"""``cudiss build`` and ``cudiss sites``: make slabs and Cu-removal end points, list sites."""

from __future__ import annotations

import os
import re
from pathlib import Path

import typer
from ase import Atoms
from ase.io import read, write
from rich.console import Console
from rich.table import Table

from cudiss.analysis.fileio import atomic_write_all
from cudiss.structures.bulk import CU_LATTICE_CONSTANT
from cudiss.structures.coordination import (
    add_adatom,
    add_kink,
    check_cu_slab,
    classify_surface_atoms,
    coordination_numbers,
    generalized_coordination,
)
from cudiss.structures.errors import NotACuSlabError, SlabParameterError, StructureFileError
from cudiss.structures.removal import removal_endpoints
from cudiss.structures.sites import find_sites, place_adsorbates
from cudiss.structures.slabs import cu_slab
from cudiss.workflows.cli.app import app

#: Output formats (by suffix) that keep positions, cell and pbc; .traj also keeps FixAtoms.
OUTPUT_SUFFIXES = (".traj", ".xyz", ".extxyz", ".cif", ".json", ".vasp")


def parse_size(text: str) -> tuple[int, int]:
    """``"3x3"`` -> (3, 3)."""
    match = re.fullmatch(r"\s*(\d+)\s*[xX,]\s*(\d+)\s*", str(text))
    if not match:
        raise SlabParameterError(f"bad --size {text!r}; use NxM with integers, e.g. 3x3")
    return int(match.group(1)), int(match.group(2))


def parse_placement(text: str) -> tuple[str, str]:
    """``"CO@ontop"`` -> ("CO", "ontop"); a bare name goes ontop."""
    name, _, site = str(text).partition("@")
    if not name.strip():
        raise SlabParameterError(f"bad --adsorbate {text!r}; use NAME@SITE, e.g. CO@ontop")
    return name.strip(), (site.strip() or "ontop")


def _short(path: Path, keep: int = 60) -> str:
    """``path`` quoted for a one-line message, its middle cut if it is very long."""
    text = str(path)
    return repr(text) if len(text) <= 2 * keep else repr(f"{text[:keep]}...{text[-keep:]}")


def _check_name_length(path: Path) -> None:
    """Refuse a path the file system cannot hold (ENAMETOOLONG), naming the limit."""
    parent = path.parent if str(path.parent) else Path(".")
    try:
        name_max = os.pathconf(parent, "PC_NAME_MAX")
        path_max = os.pathconf(parent, "PC_PATH_MAX")
    except (OSError, ValueError):
        name_max, path_max = 255, 4096
    for part in path.parts:
        if len(os.fsencode(part)) > name_max:
            raise StructureFileError(
                f"cannot write {_short(path)}: a name of {len(os.fsencode(part))} bytes is "
                f"longer than the {name_max} bytes the file system allows; use a shorter name"
            )
    if len(os.fsencode(str(path.absolute()))) >= path_max:
        raise StructureFileError(
            f"cannot write {_short(path)}: the path is longer than the {path_max} bytes "
            "the system allows; use a shorter path"
        )


def _check_output(path: Path) -> None:
    """Fail before any work if ``path`` cannot be written as a structure file."""
    _check_name_length(path)
    if path.suffix.lower() not in OUTPUT_SUFFIXES:
        raise StructureFileError(
            f"cannot write {str(path)!r}: unknown suffix {path.suffix or '(none)'!r}; "
            f"use one of {', '.join(OUTPUT_SUFFIXES)}"
        )
    try:
        _check_output_folder(path)
    except OSError as exc:  # e.g. a loop of symbolic links on the way
        reason = exc.strerror or type(exc).__name__
        raise StructureFileError(f"cannot write {_short(path)}: {reason}") from None


def _check_output_folder(path: Path) -> None:
    if path.is_dir():
        raise StructureFileError(f"cannot write {str(path)!r}: it is a directory")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise StructureFileError(
            f"cannot write {str(path)!r}: folder {str(parent)!r} does not exist"
        )
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise StructureFileError(f"cannot write {str(path)!r}: permission denied")


def _write_all(files: dict[Path, Atoms]) -> None:
    """Write every file or none, atomically, with the mode ``open(path, "w")`` would give.

    The project's one writer (:func:`cudiss.analysis.fileio.atomic_write_all`).
    """
    for path in files:
        _check_output(path)

    def writer(path: Path, atoms: Atoms):
        fmt = "extxyz" if path.suffix.lower() in (".xyz", ".extxyz") else _format_of(path)
        return lambda tmp: write(tmp, atoms, format=fmt)

    atomic_write_all(
        {path: writer(path, atoms) for path, atoms in files.items()}, error=StructureFileError
    )


def _format_of(path: Path) -> str:
    return {".traj": "traj", ".cif": "cif", ".json": "json", ".vasp": "vasp"}[path.suffix.lower()]


@app.command()
def build(
    facet: str = typer.Argument(..., help="111, 100, 110 or 211 (also '(111)', 'Cu(111)')."),
    output: Path = typer.Option(..., "-o", "--output", help="Output file (.traj .xyz .cif ...)."),
    size: str = typer.Option("3x3", "--size", help="Surface cell, NxM."),
    layers: int = typer.Option(4, "--layers", help="Number of layers."),
    vacuum: float = typer.Option(7.5, "--vacuum", help="Vacuum on each side, Å."),
    fixed: int = typer.Option(2, "--fixed", help="Bottom layers held fixed."),
    a: float = typer.Option(CU_LATTICE_CONSTANT, "--a", help="Lattice constant, Å."),
    adatom: bool = typer.Option(False, "--adatom", help="Add a Cu adatom in a hollow."),
    kink: bool = typer.Option(False, "--kink", help="Make a kink in the step edge (211)."),
    adsorbate: list[str] = typer.Option(
        [], "--adsorbate", help="NAME@SITE, repeatable (e.g. CO@ontop, H@fcc:2)."
    ),
    removal: str | None = typer.Option(
        None, "--removal", help="Cu-removal target: atom index or terrace/step/kink/adatom."
    ),
    with_: list[str] = typer.Option(
        [], "--with", help="Adsorbate bound to the removal target, repeatable."
    ),
) -> None:
    """Build a Cu slab (optionally with adatom, kink, adsorbates) or Cu-removal end points.

    With --removal, writes OUT's stem + _initial, _final and _vacancy.
    """
    if removal is None and with_:
        raise SlabParameterError("--with needs --removal (adsorbates bound to the removed Cu)")
    if removal is not None:
        stem = output.with_suffix("")
        files = {
            Path(f"{stem}_{part}{output.suffix}"): None for part in ("initial", "final", "vacancy")
        }
    else:
        files = {output: None}
    for path in files:
        _check_output(path)

    slab = cu_slab(facet, parse_size(size), layers, vacuum, fixed, a)
    if kink:
        slab = add_kink(slab)
    if adatom:
        slab = add_adatom(slab)
    if adsorbate:
        slab = place_adsorbates(slab, [parse_placement(p) for p in adsorbate])

    console = Console()
    if removal is not None:
        ends = removal_endpoints(slab, removal, with_)
        paths = list(files)
        _write_all(dict(zip(paths, (ends.initial, ends.final, ends.vacancy), strict=True)))
        console.print(
            f"Cu({slab.info.get('facet', facet)}) removal of {ends.site_class} Cu atom "
            f"{ends.target_index} with {'+'.join(with_) or 'no adsorbates'}: moved "
            f"{float((ends.displacement**2).sum() ** 0.5):.2f} Å"
        )
        for path in paths:
            console.print(f"wrote {path}")
    else:
        _write_all({output: slab})
        console.print(f"wrote {output} ({slab.get_chemical_formula()}, {len(slab)} atoms)")


@app.command()
def sites(
    file: Path = typer.Argument(..., help="Structure file readable by ASE."),
    kind: list[str] = typer.Option([], "--kind", help="Only these site kinds, repeatable."),
) -> None:
    """List the symmetry-unique adsorption sites and the classes of surface Cu atoms."""
    if not file.is_file():
        raise StructureFileError(f"cannot read {str(file)!r}: no such file")
    try:
        atoms = read(file)
    except Exception as exc:  # ase raises many types for unreadable files
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise StructureFileError(f"cannot read {str(file)!r} as a structure: {reason}") from None
    if isinstance(atoms, list):
        atoms = atoms[-1]
    if "Cu" not in atoms.get_chemical_symbols():
        raise StructureFileError(f"{str(file)!r} has no Cu atoms; cudiss sites needs a Cu slab")
    try:
        check_cu_slab(atoms)
    except NotACuSlabError as exc:
        raise NotACuSlabError(f"{str(file)!r}: {exc}") from None
    found = find_sites(atoms, kinds=kind or None)

    console = Console()
    table = Table(title=f"Adsorption sites of {file.name} (symmetry-unique)")
    for column in ("kind", "x (Å)", "y (Å)", "z (Å)", "Cu atoms"):
        table.add_column(column, justify="left" if column in ("kind", "Cu atoms") else "right")
    for s in found:
        x, y, z = s.position
        table.add_row(s.kind, f"{x:.3f}", f"{y:.3f}", f"{z:.3f}", " ".join(map(str, s.atoms)))
    console.print(table)

    classes = classify_surface_atoms(atoms)
    cn = coordination_numbers(atoms)
    gcn = generalized_coordination(atoms)
    ctable = Table(title="Surface Cu atoms")
    for column in ("index", "class", "CN", "CN-bar"):
        ctable.add_column(column, justify="right" if column != "class" else "left")
    for k, c in classes.items():
        ctable.add_row(str(k), c, str(cn[k]), f"{gcn[k]:.2f}")
    console.print(ctable)
