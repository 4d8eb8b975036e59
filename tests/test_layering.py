"""Import layering, read from the source with ``ast`` (nothing is imported or run).

Every ``import`` and ``from ... import`` in structures/, workflows/ and analysis/
counts, wherever it stands: at module level, inside functions, under
``if TYPE_CHECKING:``, in ``try``/``except ImportError`` -- and so do
``importlib.import_module("...")`` and ``__import__("...")`` with a literal name.
Relative imports are resolved against the file's package (the folders install as
``cudiss.structures``, ``cudiss.workflows``, ``cudiss.analysis``; a bare
``import workflows...`` counts as ``cudiss.workflows...``). ``from X import Y``
counts as an import of ``X`` and of ``X.Y`` (``from ase import calculators``).

Rules (README, "Layout": workflows -> structures, workflows -> analysis,
analysis -> structures at most):

- structures-no-calculator: structures/ is pure geometry. It imports no calculator:
  not gpaw, not ``ase.calculators`` (structures uses none of it today, not even
  ``SinglePointCalculator``: its Atoms carry positions, cell, tags and
  constraints, never energies or forces), not the ML-potential packages, and none
  of ASE's modules that exist to drive a calculator (``ase.optimize``, ``ase.md``,
  ``ase.vibrations``). Geometry from ASE (``ase``, ``ase.build``, ``ase.geometry``,
  ``ase.neighborlist``, ``ase.constraints``, ``ase.data``) and pymatgen stays allowed.
- structures-no-jobflow: structures/ imports no jobflow, jobflow_remote, atomate2.
- structures-below-workflows-and-analysis: structures/ imports nothing from
  ``cudiss.workflows`` or ``cudiss.analysis``.
- analysis-no-dft-or-jobflow: analysis/ imports no gpaw, jobflow, jobflow_remote,
  atomate2 (it reads results and runs no DFT).
- analysis-below-workflows: analysis/ imports nothing from ``cudiss.workflows``.
- nothing-imports-bench: no module of the three packages imports ``bench``
  (benchmarks and experiments are not part of the product).

A second check covers the tests themselves (tests-import-helpers-only): a test
module imports product code, pytest fixtures (by name, from conftest.py) and
``tests.helpers``; never another test module, conftest.py, or bench.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.helpers.paths import REPO, TESTS

PACKAGES = {
    "structures": "cudiss.structures",
    "workflows": "cudiss.workflows",
    "analysis": "cudiss.analysis",
}


@dataclass(frozen=True)
class Rule:
    name: str
    applies_to: tuple[str, ...]  # packages whose modules the rule binds
    forbidden: tuple[str, ...]  # module prefixes they may not import
    why: str


CALCULATORS = (
    "gpaw",
    "ase.calculators",
    "ase.optimize",
    "ase.md",
    "ase.vibrations",
    "mace",
    "chgnet",
    "matgl",
    "sevenn",
    "fairchem",
    "torchani",
)
JOBFLOW = ("jobflow", "jobflow_remote", "atomate2")

RULES = (
    Rule(
        "structures-no-calculator",
        ("cudiss.structures",),
        CALCULATORS,
        "structures/ is pure geometry and imports no calculator",
    ),
    Rule(
        "structures-no-jobflow",
        ("cudiss.structures",),
        JOBFLOW,
        "structures/ imports no jobflow, jobflow_remote or atomate2",
    ),
    Rule(
        "structures-below-workflows-and-analysis",
        ("cudiss.structures",),
        ("cudiss.workflows", "cudiss.analysis"),
        "structures/ imports nothing from cudiss.workflows or cudiss.analysis",
    ),
    Rule(
        "analysis-no-dft-or-jobflow",
        ("cudiss.analysis",),
        ("gpaw", *JOBFLOW),
        "analysis/ reads results and imports no gpaw, jobflow, jobflow_remote or atomate2",
    ),
    Rule(
        "analysis-below-workflows",
        ("cudiss.analysis",),
        ("cudiss.workflows",),
        "analysis/ imports nothing from cudiss.workflows",
    ),
    Rule(
        "nothing-imports-bench",
        tuple(PACKAGES.values()),
        ("bench", "cudiss.bench"),
        "no product module imports bench",
    ),
)


@dataclass(frozen=True)
class Import:
    path: str  # relative to the repository, e.g. "structures/sites.py"
    line: int
    names: tuple[str, ...]  # absolute dotted names this statement imports


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    module: str
    rule: str
    why: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: imports {self.module} [{self.rule}: {self.why}]"


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def module_name(path: str) -> str:
    """``structures/sites.py`` -> ``cudiss.structures.sites``; ``workflows/neb/__init__.py``
    -> ``cudiss.workflows.neb``; outside the three packages: the dotted path itself."""
    parts = list(Path(path).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    if parts and parts[0] in PACKAGES:
        parts[0] = PACKAGES[parts[0]]
    return ".".join(parts)


def _absolute(name: str) -> str:
    head, _, rest = name.partition(".")
    if head in PACKAGES:  # the folder itself on sys.path: same modules as cudiss.<folder>
        return PACKAGES[head] + ("." + rest if rest else "")
    return name


def _resolve(node: ast.ImportFrom, package: str) -> str:
    if not node.level:
        return _absolute(node.module or "")
    parts = package.split(".")
    base = parts[: len(parts) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imports_in_source(source: str, path: str) -> Iterator[Import]:
    """Every import of one file, at any depth (functions, classes, if/try blocks)."""
    tree = ast.parse(source, filename=path)
    module = module_name(path)
    package = module if path.endswith("__init__.py") else module.rpartition(".")[0]
    for node in sorted(ast.walk(tree), key=lambda n: getattr(n, "lineno", 0)):
        if isinstance(node, ast.Import):
            names = tuple(_absolute(alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(node, package)
            names = (base, *(f"{base}.{alias.name}" for alias in node.names if alias.name != "*"))
        elif (
            isinstance(node, ast.Call)
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and not node.args[0].value.startswith(".")
            and (
                (
                    isinstance(node.func, ast.Name)
                    and node.func.id in ("__import__", "import_module")
                )
                or (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
            )
        ):
            names = (_absolute(node.args[0].value),)
        else:
            continue
        yield Import(path, node.lineno, names)


def check_imports(imports: Iterable[Import], rules: Iterable[Rule] = RULES) -> list[Violation]:
    rules = tuple(rules)
    found = []
    for imp in imports:
        owner = module_name(imp.path)
        for rule in rules:
            if not any(_within(owner, package) for package in rule.applies_to):
                continue
            for name in imp.names:
                if any(_within(name, prefix) for prefix in rule.forbidden):
                    found.append(Violation(imp.path, imp.line, name, rule.name, rule.why))
                    break
    return found


def check_source(source: str, path: str) -> list[Violation]:
    """The layering rules applied to one file's source, ``path`` relative to the repository."""
    return check_imports(imports_in_source(source, path))


def source_files(root: Path, folders: Iterable[str] = PACKAGES) -> list[Path]:
    return sorted(
        p
        for folder in folders
        for p in (root / folder).rglob("*.py")
        if "__pycache__" not in p.parts
    )


def check_tree(root: Path) -> tuple[list[Violation], int]:
    """(violations, files read) for structures/, workflows/ and analysis/ under ``root``."""
    files = source_files(root)
    found = []
    for file in files:
        found += check_source(file.read_text(encoding="utf-8"), file.relative_to(root).as_posix())
    return found, len(files)


def _report(violations: list[Violation]) -> str:
    return f"{len(violations)} layering violation(s):\n" + "\n".join(map(str, violations))


# ---------------------------------------------------------------- the tree
def test_source_tree_keeps_its_layers():
    violations, files = check_tree(REPO)
    # a wrong root would find nothing and pass: the three packages must be there
    for folder in PACKAGES:
        assert source_files(REPO, [folder]), f"no Python files under {REPO / folder}"
    assert files >= 20, files
    assert not violations, _report(violations)


# ---------------------------------------------------------------- the checker
BAD_STRUCTURES = '''\
"""A module of structures/ that breaks every rule once."""
import numpy as np
from ase.build import fcc111
from ase.constraints import FixAtoms
from cudiss.structures.errors import SlabParameterError
from . import geometry

import gpaw


def relax(atoms):
    from ase.calculators.emt import EMT
    from ase.optimize import BFGS

    return EMT, BFGS


def flows():
    from jobflow import Flow
    from ..workflows import makers
    import importlib

    return importlib.import_module("cudiss.analysis.tables"), Flow, makers


from ase import calculators
import bench.bench_neb
from atomate2.forcefields import jobs
'''


def test_checker_reports_every_forbidden_import_with_file_line_and_rule():
    found = check_source(BAD_STRUCTURES, "structures/bad.py")
    got = {(v.line, v.module, v.rule) for v in found}
    assert got == {
        (8, "gpaw", "structures-no-calculator"),
        (12, "ase.calculators.emt", "structures-no-calculator"),
        (13, "ase.optimize", "structures-no-calculator"),
        (19, "jobflow", "structures-no-jobflow"),
        (20, "cudiss.workflows", "structures-below-workflows-and-analysis"),
        (23, "cudiss.analysis.tables", "structures-below-workflows-and-analysis"),
        (26, "ase.calculators", "structures-no-calculator"),
        (27, "bench.bench_neb", "nothing-imports-bench"),
        (28, "atomate2.forcefields", "structures-no-jobflow"),
    }, "\n".join(map(str, found))
    message = str(next(v for v in found if v.line == 12))
    assert message.startswith("structures/bad.py:12: imports ase.calculators.emt")
    assert "structures-no-calculator" in message and "pure geometry" in message


def test_checker_rules_for_analysis_and_what_stays_allowed():
    source = (
        "from ase.calculators.singlepoint import SinglePointCalculator\n"  # allowed here
        "from cudiss.structures.errors import CudissInputError\n"  # analysis -> structures
        "from .che import ReactionStep\n"
        "def f():\n"
        "    import jobflow_remote\n"
        "    from gpaw import GPAW\n"
        "    from ..workflows.store import open_results\n"
        "    import workflows.neb\n"
    )
    found = check_source(source, "analysis/tables.py")
    assert [(v.line, v.module, v.rule) for v in found] == [
        (5, "jobflow_remote", "analysis-no-dft-or-jobflow"),
        (6, "gpaw", "analysis-no-dft-or-jobflow"),
        (7, "cudiss.workflows.store", "analysis-below-workflows"),
        (8, "cudiss.workflows.neb", "analysis-below-workflows"),
    ]
    # workflows may import everything but bench
    workflows = "import gpaw\nfrom jobflow import job\nfrom cudiss.analysis import tables\n"
    assert check_source(workflows, "workflows/neb/driver.py") == []
    assert [v.rule for v in check_source("from bench import x\n", "workflows/cli/app.py")] == [
        "nothing-imports-bench"
    ]


def test_checker_reads_a_tree(tmp_path):
    (tmp_path / "structures" / "sub").mkdir(parents=True)
    (tmp_path / "structures" / "sub" / "__init__.py").write_text("from ... import workflows\n")
    (tmp_path / "analysis").mkdir()
    (tmp_path / "analysis" / "ok.py").write_text("import numpy\n")
    violations, files = check_tree(tmp_path)
    assert files == 2
    # structures/sub/__init__.py is cudiss.structures.sub: ``...`` is cudiss
    assert [str(v) for v in violations] == [
        "structures/sub/__init__.py:1: imports cudiss.workflows "
        "[structures-below-workflows-and-analysis: "
        "structures/ imports nothing from cudiss.workflows or cudiss.analysis]"
    ]


# ---------------------------------------------------------------- the tests
def import_problems_under_tests(source: str, path: str, local: set[str]) -> list[str]:
    """Imports of one file under tests/ that reach another test module, conftest or bench.

    ``local``: the module names of the files under tests/ (``test_campaign``, ``slurm``, ...),
    which a test could import bare when its folder is on ``sys.path``.
    """
    problems = []
    for imp in imports_in_source(source, path):
        for name in imp.names:
            top = name.partition(".")[0]
            if _within(name, "tests") and name != "tests" and not _within(name, "tests.helpers"):
                problems.append(
                    f"{path}:{imp.line}: imports {name} (tests share only tests.helpers)"
                )
                break
            if top in local or top in ("conftest", "bench"):
                problems.append(
                    f"{path}:{imp.line}: imports {name} (a test file, conftest or bench)"
                )
                break
    return problems


def test_tests_import_only_product_code_and_helpers():
    files = [p for p in sorted(TESTS.rglob("*.py")) if "__pycache__" not in p.parts]
    local = {p.stem for p in files} - {"__init__"}
    problems = []
    for file in files:
        rel = file.relative_to(REPO).as_posix()
        problems += import_problems_under_tests(file.read_text(encoding="utf-8"), rel, local)
    assert len(files) > 10
    assert not problems, "\n".join(problems)


def test_the_tests_check_sees_a_test_importing_a_test():
    source = (
        "from tests.helpers.paths import REPO\n"
        "from tests import helpers\n"
        "from tests.workflows.test_campaign import EXAMPLES\n"
        "def f():\n"
        "    from test_removal import same_atoms\n"
        "import conftest\n"
        "from .test_che import network\n"
    )
    assert import_problems_under_tests(source, "tests/analysis/test_x.py", {"test_removal"}) == [
        "tests/analysis/test_x.py:3: imports tests.workflows.test_campaign"
        " (tests share only tests.helpers)",
        "tests/analysis/test_x.py:5: imports test_removal (a test file, conftest or bench)",
        "tests/analysis/test_x.py:6: imports conftest (a test file, conftest or bench)",
        "tests/analysis/test_x.py:7: imports tests.analysis.test_che"
        " (tests share only tests.helpers)",
    ]
