"""Running the playbooks of playbooks/ against this machine (connection local) and reading what they did.

ansible-core has no JSON stdout callback of its own (it lives in the ansible.posix collection, which the roles do not
need), so a run is read from the default callback: the recap line's counters and the tasks reported `changed`.
``conftest.py`` puts this folder on ``sys.path``; test modules ``from playbook_support import …``.
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
PLAYBOOKS = REPO / "playbooks"
BIN = Path(sys.executable).parent
RECAP = re.compile(
    r"^localhost\s*:\s*ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+unreachable=(?P<unreachable>\d+)\s+"
    r"failed=(?P<failed>\d+)\s+skipped=(?P<skipped>\d+)",
    re.MULTILINE,
)
TASK = re.compile(r"^(?:TASK|RUNNING HANDLER) \[(?P<name>.*)\]", re.MULTILINE)


@dataclass(frozen=True)
class Run:
    """One ansible-playbook run: its recap counters, the names of the tasks that changed something, its output."""

    ok: int
    changed: int
    failed: int
    skipped: int
    changed_tasks: list[str]
    output: str


def ansible_environment(home: Path) -> dict[str, str]:
    """Ansible from this venv, with its own home (no ~/.ansible of the machine), plain output, no colours."""
    return {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "ANSIBLE_CONFIG": str(PLAYBOOKS / "ansible.cfg"),
        "ANSIBLE_HOME": str(home),
        "ANSIBLE_LOCAL_TEMP": str(home / "tmp"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
    }


def local_inventory(folder: Path, groups: list[str], variables: dict) -> Path:
    """An inventory of this machine only, in the given groups, with the role variables of the test."""
    inventory = folder / "inventory.yml"
    host = {
        "ansible_connection": "local",
        # The controller's own interpreter: the modules run where the tests run.
        "ansible_python_interpreter": sys.executable,
        **variables,
    }
    inventory.write_text(
        yaml.safe_dump({"all": {"children": {group: {"hosts": {"localhost": host}} for group in groups}}})
    )
    return inventory


def run_playbook(playbook: str, inventory: Path, home: Path, *, check: bool = False) -> Run:
    """Run a playbook of playbooks/ on this machine; fail with its whole output unless it succeeded."""
    command = [str(BIN / "ansible-playbook"), "-i", str(inventory), playbook]
    if check:
        command += ["--check", "--diff"]
    result = subprocess.run(
        command, cwd=PLAYBOOKS, env=ansible_environment(home), capture_output=True, text=True, timeout=600
    )
    output = result.stdout + result.stderr
    recap = RECAP.search(result.stdout)
    assert result.returncode == 0 and recap, output
    return Run(
        ok=int(recap["ok"]),
        changed=int(recap["changed"]),
        failed=int(recap["failed"]),
        skipped=int(recap["skipped"]),
        changed_tasks=changed_tasks(result.stdout),
        output=output,
    )


def changed_tasks(stdout: str) -> list[str]:
    """Names of the tasks (and handlers) whose result on localhost was `changed`."""
    headers = list(TASK.finditer(stdout))
    names = []
    for header, following in zip(headers, [*headers[1:], None], strict=True):
        body = stdout[header.end() : following.start() if following else len(stdout)]
        if re.search(r"^changed: \[localhost\]", body, re.MULTILINE):
            names.append(header["name"].split(" : ", 1)[-1])  # without the "role : " prefix
    return names


def free_id(offset: int) -> int:
    """A uid that is also a free gid, for an account a test creates (and removes). Counted from the process id, so
    test runs of other work trees on the same machine at the same time pick other numbers."""
    taken_users = {entry.pw_uid for entry in pwd.getpwall()}
    taken_groups = {entry.gr_gid for entry in grp.getgrall()}
    start = 40000 + (os.getpid() % 5000) * 4 + offset
    return next(n for n in range(start, start + 1000) if n not in taken_users and n not in taken_groups)


def remove_account(name: str) -> None:
    """Remove an account (and its group) that a test's run created; nothing if it is not there."""
    subprocess.run(["userdel", name], capture_output=True, check=False)
    subprocess.run(["groupdel", name], capture_output=True, check=False)


def build_wheel(folder: Path) -> Path:
    """The kholuutru wheel, built from a copy of the sources so the work tree gets no build/ or egg-info."""
    source = folder / "source"
    source.mkdir()
    shutil.copy2(REPO / "pyproject.toml", source)
    shutil.copy2(REPO / "README.md", source)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", ".*")
    components = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    for component in components["where"]:
        shutil.copytree(REPO / component, source / component, ignore=ignore)
    dist = folder / "dist"
    # From the empty dist folder: `-m` puts the cwd on sys.path, where no source folder may shadow the stdlib.
    dist.mkdir()
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(source)],
                   cwd=dist, check=True, capture_output=True)
    (wheel,) = dist.glob("kholuutru-*.whl")
    return wheel


def environment_file(path: Path) -> dict[str, str]:
    """The variables of a systemd EnvironmentFile as the role writes it: NAME="value" with \\\\ and \\" escaped."""
    variables = {}
    for line in path.read_text().splitlines():
        if line and not line.startswith("#"):
            name, quoted = line.split("=", 1)
            variables[name] = re.sub(r'\\(["\\])', r"\1", quoted[1:-1])
    return variables


def verify_units(folder: Path) -> None:
    """`systemd-analyze verify` on every unit file of a folder: directives, ExecStart binaries, timers' services.
    It reads the files only, so it works where systemd is not PID 1."""
    analyze = shutil.which("systemd-analyze")
    assert analyze is not None, "systemd-analyze is missing: `make test` installs Debian's systemd package"
    units = sorted(str(p) for p in folder.iterdir())
    result = subprocess.run([analyze, "verify", *units], capture_output=True, text=True,
                            env={**os.environ, "SYSTEMD_LOG_LEVEL": "warning"})
    assert result.returncode == 0, result.stdout + result.stderr
