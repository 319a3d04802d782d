"""ARCHITECTURE §1: one distribution; `kholuutru` is a PEP 420 namespace spread over the component folders.

`platform` and `operator` are standard-library names and the repo root is on sys.path under
`python -m pytest`, so a top-level `__init__.py` would shadow the stdlib. The layout is proven on the built
wheel installed in a fresh venv, so nothing passes only because the repo happens to be on sys.path.
"""

import json
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TOP_LEVEL = ["platform", "console", "backups", "operator", "stacks", "playbooks", "runbooks", "monitoring", "tests"]
# The folders the wheel is built from, as pyproject.toml declares them.
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
COMPONENTS = PYPROJECT["tool"]["setuptools"]["packages"]["find"]["where"]
# Files in package folders that are sources for the build only, not runtime data.
SOURCE_ONLY_SUFFIXES = {".pyc", ".pot"}


@pytest.mark.parametrize("folder", TOP_LEVEL)
def test_top_level_folders_are_not_packages(folder):
    assert not (REPO / folder / "__init__.py").exists(), f"{folder}/__init__.py shadows stdlib or namespace"
    assert not (REPO / folder / "kholuutru" / "__init__.py").exists(), "kholuutru must stay a namespace"


def test_no_test_folder_shadows_the_stdlib():
    # pytest may put tests/ on sys.path; tests/operator/__init__.py would then replace the stdlib `operator`.
    shadows = [p for p in (REPO / "tests").rglob("__init__.py") if p.parent.name in sys.stdlib_module_names]
    assert shadows == []


@pytest.mark.parametrize("prelude", ["", f"import sys; sys.path.insert(0, {str(REPO)!r}); "])
def test_repo_root_on_sys_path_leaves_the_stdlib_alone(prelude):
    # `-c` puts the cwd (the repo root) first on sys.path, as `python -m pytest` does; the prelude repeats it.
    imports = "import json, operator, platform; print(json.dumps([operator.__file__, platform.__file__]))"
    code = prelude + imports
    run = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    stdlib = Path(sysconfig.get_paths()["stdlib"]).resolve()
    for module_file in json.loads(run.stdout):
        assert Path(module_file).resolve().is_relative_to(stdlib), module_file


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """Build the wheel from a copy of the sources: the build leaves no build/ or egg-info in the work tree."""
    src = tmp_path_factory.mktemp("src")
    for name in ["pyproject.toml", "README.md", "MANIFEST.in", "setup.cfg", "setup.py"]:
        if (REPO / name).exists():
            shutil.copy2(REPO / name, src / name)
    caches = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", ".*")
    for folder in COMPONENTS:
        shutil.copytree(REPO / folder, src / folder, ignore=caches)
    dist = tmp_path_factory.mktemp("dist")
    # `-m` puts the cwd on sys.path: run from the empty dist folder, where no source folder shadows anything.
    build = [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(src)]
    subprocess.run(build, cwd=dist, check=True, stdout=subprocess.DEVNULL)
    (built,) = dist.glob("kholuutru-*.whl")
    return built


@pytest.fixture(scope="module")
def fresh_venv(wheel, tmp_path_factory):
    venv = tmp_path_factory.mktemp("fresh") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    # The dev venv's pip installs into the fresh one (`--python`): no pip of its own, no index.
    pip = [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python")]
    subprocess.run([*pip, "install", "-q", "--no-deps", "--no-index", str(wheel)], check=True)
    return venv


# Run by the fresh venv's python in isolated mode (-I: neither the cwd nor PYTHON* variables on sys.path).
# The dev venv's site-packages is appended *after* the fresh one, without running its .pth files (so without
# the editable install): third-party dependencies resolve, kholuutru can come only from the wheel.
IMPORT_ALL = """
import importlib, importlib.metadata, json, sys, traceback
sys.path.append(sys.argv[1])
found, errors = {}, {}
for name in ["kholuutru", *sys.argv[2:]]:
    try:
        module = importlib.import_module(name)
    except Exception:
        errors[name] = traceback.format_exc()
        continue
    found[name] = [getattr(module, "__file__", None) or "", *getattr(module, "__path__", [])]
for ep in importlib.metadata.distribution("kholuutru").entry_points:
    try:
        ep.load()
        found[f"entry point {ep.group}:{ep.name}"] = [sys.modules[ep.module].__file__]
    except Exception:
        errors[f"entry point {ep.group}:{ep.name}"] = traceback.format_exc()
print(json.dumps({"found": found, "errors": errors}))
"""


def wheel_modules(wheel):
    """Every module and regular package in the wheel, but for scripts that only run under their tool:
    `__main__`, modules in folders without __init__.py, and an Alembic script location's env.py (the folder
    with script.py.mako), which needs Alembic's migration context at import."""
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = []
    for name in sorted(n for n in names if n.startswith("kholuutru/") and n.endswith(".py")):
        parts = name[: -len(".py")].split("/")
        parents = ["/".join(parts[:i]) for i in range(2, len(parts))]
        folder = "/".join(parts[:-1])
        if (
            parts[-1] == "__main__"
            or any(f"{p}/__init__.py" not in names for p in parents)
            or (parts[-1] == "env" and f"{folder}/script.py.mako" in names)
        ):
            continue
        modules.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return modules


def test_wheel_imports_every_module_from_the_fresh_venv(wheel, fresh_venv, tmp_path):
    modules = wheel_modules(wheel)
    assert {"kholuutru.archive", "kholuutru.operator", "kholuutru.stacks"} <= set(modules)
    dev_site = sysconfig.get_paths()["purelib"]
    result = subprocess.run(
        [str(fresh_venv / "bin" / "python"), "-I", "-c", IMPORT_ALL, dev_site, *modules],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(result.stdout)
    assert not report["errors"], "\n".join(f"{name}:\n{error}" for name, error in report["errors"].items())
    fresh = fresh_venv.resolve()
    outside = {
        name: paths
        for name, paths in report["found"].items()
        if not all(Path(p).resolve().is_relative_to(fresh) for p in paths if p)
    }
    assert outside == {}, "imported from outside the installed wheel"


def test_wheel_ships_every_file_of_the_package_folders(wheel):
    # Templates, translations, SQL and migrations are package data: a missing pattern in pyproject drops them.
    expected = {
        path.relative_to(REPO / folder).as_posix()
        for folder in COMPONENTS
        for path in (REPO / folder / "kholuutru").rglob("*")
        if path.is_file()
        and path.suffix not in SOURCE_ONLY_SUFFIXES
        and not any(part == "__pycache__" or part.startswith(".") for part in path.relative_to(REPO).parts)
    }
    missing = sorted(expected - set(zipfile.ZipFile(wheel).namelist()))
    assert missing == [], "package-folder files missing from the wheel (package-data in pyproject.toml?)"


def test_wheel_installs_the_console_script(fresh_venv):
    script = fresh_venv / "bin" / "kholuutru"
    assert script.is_file()
    assert script.read_text().splitlines()[0] == f"#!{fresh_venv / 'bin' / 'python'}"
