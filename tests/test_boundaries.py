"""ARCHITECTURE §2, the dependency direction: checked by import-linter and, independently, by reading code.

The ast check needs nothing installed, so the rule still holds if the import-linter configuration were wrong.
"""

import ast
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
OURS = ("kholuutru.archive", "kholuutru.console", "kholuutru.backups", "kholuutru.operator")
# folder -> (forbidden top-level name prefixes, forbidden module names with their submodules)
RULES = {
    "platform/kholuutru/archive": (
        ("flask", "pulumi"),
        ("kopf", "kmock", "kubernetes", "werkzeug", *OURS[1:]),
    ),
    "operator/kholuutru/operator": ((), OURS[:3]),
}
# ARCHITECTURE §2, stacks ──► operator/crds only: the Pulumi program may import the standard library, Pulumi's SDKs,
# PyYAML (to read the CRD files) and itself — nothing else, so not the operator's code either.
STACKS_ALLOWED = ("pulumi", "pulumi_kubernetes", "yaml", "kholuutru.stacks")


def imported_modules(source: str, package: str) -> set[str]:
    """Absolute names of everything `source` imports; relative imports resolved against `package`."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            names.add(module)
            # `from kholuutru import console` imports the module kholuutru.console.
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def forbidden(names: set[str], prefixes: tuple[str, ...], modules: tuple[str, ...]) -> set[str]:
    def banned(name: str) -> bool:
        in_module = any(name == m or name.startswith(m + ".") for m in modules)
        return in_module or name.split(".")[0].startswith(prefixes)

    return set(filter(banned, names))


def test_import_linter_contracts_are_kept():
    lint_imports = Path(sys.executable).parent / "lint-imports"
    # The component folders on PYTHONPATH come before the editable install: this work tree is what is checked.
    folders = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(REPO / f) for f in folders["where"])}
    run = subprocess.run(
        [str(lint_imports), "--no-cache", "--no-logo"], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize("folder", RULES)
def test_no_forbidden_import_in_the_source(folder):
    prefixes, modules = RULES[folder]
    root = REPO / folder.split("/")[0]
    found = {}
    for path in (REPO / folder).rglob("*.py"):
        package = ".".join(path.relative_to(root).parent.parts)
        bad = forbidden(imported_modules(path.read_text(encoding="utf-8"), package), prefixes, modules)
        if bad:
            found[str(path.relative_to(REPO))] = sorted(bad)
    assert found == {}


def not_allowed(names: set[str], allowed: tuple[str, ...]) -> set[str]:
    """The imported names that are neither in the standard library nor in (a submodule of) ``allowed``."""
    return {
        name for name in names
        if name.split(".")[0] not in sys.stdlib_module_names and name != "__future__"
        and not any(name == a or name.startswith(a + ".") for a in allowed)
    }


def test_the_stacks_import_only_pulumi_and_the_crd_reader():
    found = {}
    sources = [*(REPO / "stacks/kholuutru/stacks").rglob("*.py"), REPO / "stacks/__main__.py"]
    assert len(sources) > 2
    for path in sources:
        package = ".".join(path.relative_to(REPO / "stacks").parent.parts)
        bad = not_allowed(imported_modules(path.read_text(encoding="utf-8"), package), STACKS_ALLOWED)
        if bad:
            found[str(path.relative_to(REPO))] = sorted(bad)
    assert found == {}


@pytest.mark.parametrize("source", [
    "from kholuutru.operator import crd",
    "import kholuutru.archive.settings",
    "import kubernetes",
    "from ..operator.kube import Kube",
])
def test_the_stacks_check_sees_what_is_not_allowed(source):
    assert not_allowed(imported_modules(source, "kholuutru.stacks"), STACKS_ALLOWED)


def test_the_stacks_check_allows_pulumi_yaml_and_the_stdlib():
    source = "import pulumi\nimport pulumi_kubernetes as k8s\nimport yaml\nfrom pathlib import Path\nfrom . import crds"
    assert not_allowed(imported_modules(source, "kholuutru.stacks"), STACKS_ALLOWED) == set()


@pytest.mark.parametrize(
    "source, package",
    [
        ("import flask_appbuilder", "kholuutru.archive"),
        ("from werkzeug.exceptions import NotFound", "kholuutru.archive"),
        ("import pulumi_kubernetes as k8s", "kholuutru.archive"),
        ("from kholuutru import console", "kholuutru.archive"),
        ("from ..console.views import X", "kholuutru.archive"),
        ("from ...backups import run", "kholuutru.archive.services"),
        ("import kholuutru.operator.handlers", "kholuutru.archive"),
    ],
)
def test_the_source_check_sees_forbidden_imports(source, package):
    # Guards the checker itself: a check that finds nothing in any input would pass vacuously above.
    prefixes, modules = RULES["platform/kholuutru/archive"]
    assert forbidden(imported_modules(source, package), prefixes, modules)


def test_the_source_check_allows_the_archive_its_own_imports():
    source = "import sqlalchemy\nfrom . import models\nfrom .errors import X\nimport kholuutru.archive.db"
    prefixes, modules = RULES["platform/kholuutru/archive"]
    assert forbidden(imported_modules(source, "kholuutru.archive"), prefixes, modules) == set()
