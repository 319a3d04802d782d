"""Every runbook is executed: each shell step of runbooks/*.md runs, in order, against a real local platform.

The platform is made once for the module: this module's PostgreSQL database with the demo province seeded (as
``kholuutru seed --demo`` makes it), a data dir, a local restic repository in a folder of its own with a password
file, and one nightly backup already taken. Each runbook then runs in one bash session of its own (``set -e``,
variables carried from step to step) with the environment its ``<!-- env: … -->`` marker declares, supplied from
:func:`environment` below — the same names an on-call person sets on a real installation. A step must end with the
exit code the runbook states and show its expected output; kubectl steps are checked offline against the CRD, and a
step that calls kubectl or pulumi without being marked offline fails, as does a runbook that drifts from the code.

Where a runbook exists for a damaged state (one document altered in storage), :data:`SITUATIONS` makes that state
first, so the runbook is run against the situation it is written for.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import make_url, select

from kholuutru.archive import demo_pki
from kholuutru.archive.access import Actor
from kholuutru.archive.database import Database
from kholuutru.archive.dossier_models import DocumentFile
from kholuutru.archive.embedded_postgres import BIN_DIR
from kholuutru.archive.seed import seed_demo
from kholuutru.archive.settings import Settings
from kholuutru.archive.storage import open_storage

sys.path.insert(0, str(Path(__file__).parent))
from runbook_blocks import (  # noqa: E402
    OFFLINE_TOOLS,
    UNRUNNABLE,
    Runbook,
    Step,
    check_kubectl,
    output_matches,
    parse,
    tools_named,
)

ROOT = Path(__file__).resolve().parents[2]
RUNBOOKS = sorted(path for path in (ROOT / "runbooks").glob("*.md") if path.name != "README.md")
CRD = ROOT / "operator" / "crds" / "archiveplatforms.yaml"
KHOLUUTRU = Path(sys.executable).with_name("kholuutru")
NAMESPACE_VARIABLE = "K8S_NAMESPACE"
SECTIONS = ("## Khi nào dùng", "## Ai được thực hiện", "## Các bước", "## Kiểm tra", "## Hoàn tác")
STEP_TIMEOUT = 600


@dataclass
class LocalPlatform:
    """The module's platform: its settings, database and the values of every variable a runbook may declare."""

    settings: Settings
    database: Database
    folder: Path
    variables: dict[str, str]


def environment(settings: Settings, superuser_url: str, folder: Path) -> dict[str, str]:
    """The variables runbooks declare, as the on-call person has them on a real installation.

    KHOLUUTRU_*: the platform's own settings (README's configuration table). PGHOST/PGPORT/PGUSER: libpq's, for the
    PostgreSQL superuser who creates a database to restore into. K8S_NAMESPACE / AP_NAME: where the ArchivePlatform
    lives (kubectl steps are only checked offline). The NEW_SIGNING_* files: what a CA hands over with a new key.
    """
    server = make_url(superuser_url)
    new_keys = demo_pki.create(folder / "ca-moi", "CA thử nghiệm thế hệ mới",
                               [demo_pki.Holder("vanthu", "Sở Nội vụ (con dấu mới)", "Sở Nội vụ")])
    (folder / "ca-moi" / "password").write_text(new_keys.password + "\n")
    return {
        "KHOLUUTRU_DATA_DIR": str(settings.data_dir),
        "KHOLUUTRU_DATABASE_URL": settings.database_url.get_secret_value(),
        "KHOLUUTRU_DATABASE_OWNER_URL": settings.database_owner_url.get_secret_value(),
        "KHOLUUTRU_BACKUP_REPOSITORY": str(settings.backup_repository),
        "KHOLUUTRU_BACKUP_PASSWORD_FILE": str(settings.backup_password_file),
        "KHOLUUTRU_SIGNATURE_TRUST_ROOTS_FILE": str(settings.signature_trust_roots_file),
        "PGHOST": server.query["host"] if "host" in server.query else (server.host or ""),
        "PGPORT": str(server.port or 5432),
        "PGUSER": server.username or "postgres",
        "K8S_NAMESPACE": "luutru",
        "AP_NAME": "tinh",
        "NEW_SIGNING_P12": str(new_keys.folder / "vanthu.p12"),
        "NEW_SIGNING_P12_PASSWORD_FILE": str(folder / "ca-moi" / "password"),
        "NEW_CA_ROOT": str(new_keys.folder / demo_pki.ROOT_FILE),
    }


@pytest.fixture(scope="module")
def platform(database: Database, superuser_url: str) -> Iterator[LocalPlatform]:
    """The demo province, a restic repository with its password file and one backup; once for every runbook."""
    folder = Path(tempfile.mkdtemp(prefix="kholuutru-rb-"))
    folder.chmod(0o755)  # the drill's scratch PostgreSQL runs as an unprivileged user when tests run as root
    password = folder / "restic-password"
    password.write_text("mat-khau-kho-sao-luu-ban-dau\n")
    password.chmod(0o600)
    settings = Settings(data_dir=folder / "data", database_url=database.app_url,
                        database_owner_url=database.owner_url, backup_repository=str(folder / "repository"),
                        backup_password_file=password)
    seed_demo(database, open_storage(settings), settings, echo=lambda _line: None)
    # The province's configured roots: here the demo CA the seed made (a real installation's national roots).
    roots = shutil.copy(settings.data_dir / demo_pki.FOLDER / demo_pki.ROOT_FILE, folder / "trust-roots.pem")
    settings = settings.model_copy(update={"signature_trust_roots_file": Path(roots)})
    made = LocalPlatform(settings, database, folder, environment(settings, superuser_url, folder))
    backup = run_step("kholuutru backup run --json", {**base_environment(), **made.variables}, folder)
    assert backup.returncode == 0, backup.stdout
    yield made
    shutil.rmtree(folder, ignore_errors=True)


def base_environment() -> dict[str, str]:
    """The shell's environment before a runbook's variables: ours without any KHOLUUTRU_/RESTIC_/PG settings, with
    ``kholuutru`` and the PostgreSQL client tools on PATH."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("KHOLUUTRU_", "RESTIC_", "PG"))}
    keep["PATH"] = os.pathsep.join([str(KHOLUUTRU.parent), str(BIN_DIR), keep.get("PATH", "")])
    return keep


def run_step(script: str, state: dict[str, str], folder: Path) -> subprocess.CompletedProcess:
    """One step in ``bash -e`` with the session's variables, in the folder the last step left (``PWD``), else
    ``folder``; the variables it leaves (every assignment is exported) are written back into ``state``."""
    state_file = folder / "step-state"
    wrapper = f"set -a\nset -eo pipefail\ntrap 'env -0 > \"{state_file}\"' EXIT\n{script}\n"
    cwd = Path(state["PWD"]) if Path(state.get("PWD", "/nonexistent")).is_dir() else folder
    result = subprocess.run(["bash", "-c", wrapper], env=state, cwd=cwd, capture_output=True, text=True,
                            timeout=STEP_TIMEOUT)
    if state_file.exists():
        pairs = [item.split("=", 1) for item in state_file.read_text().split("\0") if "=" in item]
        state.clear()
        state.update({name: value for name, value in pairs})
        state_file.unlink()
    result.stdout = result.stdout + result.stderr
    return result


def damage_one_document(platform: LocalPlatform) -> None:
    """Alter the bytes of one stored document object, as a disk error or tampering would."""
    with platform.database.session(Actor.system("test")) as session:
        key = session.scalars(select(DocumentFile.object_key).order_by(DocumentFile.id)).first()
    path = Path(platform.settings.documents_url.removeprefix("file://")) / key
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.chmod(0o644)
    path.write_bytes(bytes(data))


SITUATIONS: dict[str, Callable[[LocalPlatform], None]] = {
    "04-khoi-phuc-mot-tai-lieu.md": damage_one_document,
}
"""The state a runbook is written for, made before it runs (by file name)."""


def describe(runbook: Runbook, step: Step, result: subprocess.CompletedProcess) -> str:
    return (f"{runbook.path.name} {step.where} exited {result.returncode} (expected {step.expect_exit}):\n"
            f"{step.script}\n--- output ---\n{result.stdout[-4000:]}")


@pytest.mark.parametrize("path", RUNBOOKS, ids=[path.stem for path in RUNBOOKS])
def test_every_step_of_the_runbook_runs_as_written(path: Path, platform: LocalPlatform):
    runbook = parse(path)
    unknown = sorted(set(runbook.env) - set(platform.variables))
    assert not unknown, f"{path.name} declares variables the test does not supply: {unknown}"
    assert runbook.steps, f"{path.name} has no shell step"
    if path.name in SITUATIONS:
        SITUATIONS[path.name](platform)
    work = platform.folder / f"work-{path.stem}"
    work.mkdir(mode=0o755)
    state = {**base_environment(), **{name: platform.variables[name] for name in runbook.env},
             "WORK_DIR": str(work), "PWD": str(work)}
    for step in runbook.steps:
        if step.offline is not None:
            assert step.offline in OFFLINE_TOOLS, f"{path.name} {step.where}: nothing checks offline {step.offline}"
            problems = check_kubectl(step.script, CRD, NAMESPACE_VARIABLE)
            assert not problems, f"{path.name} {step.where}: " + "\n".join(problems)
            continue
        cannot = tools_named(step.script, UNRUNNABLE)
        assert not cannot, f"{path.name} {step.where} calls {sorted(cannot)}: mark it <!-- offline: kubectl -->"
        result = run_step(step.script, state, work)
        assert result.returncode == step.expect_exit, describe(runbook, step, result)
        missing = [line for line in step.expected_output if not output_matches(line, result.stdout)]
        assert not missing, f"{path.name} {step.where}: expected output missing {missing}\n{result.stdout[-4000:]}"


@pytest.mark.parametrize("path", RUNBOOKS, ids=[path.stem for path in RUNBOOKS])
def test_the_runbook_says_when_who_how_to_verify_and_to_roll_back(path: Path):
    text = path.read_text(encoding="utf-8")
    assert any(line.startswith("Summary: ") for line in text.splitlines()[:6]), "an English summary line on top"
    missing = [section for section in SECTIONS if section not in text]
    assert not missing, f"{path.name} lacks {missing}"


def test_the_index_lists_every_runbook_and_the_readme_links_it():
    index = (ROOT / "runbooks" / "README.md").read_text(encoding="utf-8")
    assert [path.name for path in RUNBOOKS if f"({path.name})" not in index] == []
    assert "(runbooks/README.md)" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_alerts_named_by_the_runbooks_exist():
    """The backup and drill runbooks answer alerts: each alert they name is one the rules define."""
    rules = "\n".join(path.read_text() for path in (ROOT / "monitoring" / "alerts").glob("*.yaml"))
    defined = {line.split(":", 1)[1].strip() for line in rules.splitlines() if line.strip().startswith("- alert:")}
    named = {word.strip("`*,.()") for path in RUNBOOKS for word in path.read_text().split()
             if word.strip("`*,.()").startswith("Kholuutru")}
    assert named and named <= defined, named - defined


def test_offline_kubectl_check_catches_drift():
    """The offline check refuses what a cluster would: an unknown field, a wrong short name, a missing namespace."""
    good = 'kubectl patch ap "$AP_NAME" -n "$K8S_NAMESPACE" --type merge -p \'{"spec":{"suspended":true}}\''
    assert check_kubectl(good, CRD, NAMESPACE_VARIABLE) == []
    drifted = [
        'kubectl patch ap "$AP_NAME" -n "$K8S_NAMESPACE" --type merge -p \'{"spec":{"paused":true}}\'',
        'kubectl patch ap "$AP_NAME" -n "$K8S_NAMESPACE" --type merge -p \'{"spec":{"suspended":"yes"}}\'',
        'kubectl get apx "$AP_NAME" -n "$K8S_NAMESPACE"',
        'kubectl get ap "$AP_NAME"',
        'kubectl get ap "$AP_NAME" -n "$K8S_NAMESPACE" -o jsonpath=\'{.status.lastBackups.time}\'',
        'kubectl wait ap/"$AP_NAME" -n "$K8S_NAMESPACE" --for=condition=Paused',
    ]
    for command in drifted:
        assert check_kubectl(command, CRD, NAMESPACE_VARIABLE), command


def test_a_step_that_fails_or_shows_other_output_is_caught(tmp_path):
    """The runner itself: an unexpected exit code and missing expected output are seen."""
    runbook = tmp_path / "thu.md"
    runbook.write_text("<!-- env: KHOLUUTRU_DATA_DIR -->\n```bash\nX=1\n```\n<!-- expect-exit: 3 -->\n"
                       "```bash\necho \"x=$X\"; exit 3\n```\n<!-- expected-output -->\n```text\nx=1\n```\n"
                       "```bash\nif true; then\n  kubectl get pods\nfi\n```\n", encoding="utf-8")
    parsed = parse(runbook)
    assert parsed.env == ["KHOLUUTRU_DATA_DIR"]
    assert [(s.expect_exit, s.expected_output) for s in parsed.steps] == [(0, []), (3, ["x=1"]), (0, [])]
    assert tools_named(parsed.steps[2].script, UNRUNNABLE) == {"kubectl"}
    assert tools_named("echo ok  # kubectl is not needed\nV=$(pulumi stack output url)", UNRUNNABLE) == {"pulumi"}
    state = {**base_environment(), "PWD": str(tmp_path)}
    assert run_step(parsed.steps[0].script, state, tmp_path).returncode == 0 and state["X"] == "1"
    second = run_step(parsed.steps[1].script, state, tmp_path)
    assert second.returncode == 3 and output_matches("x=1", second.stdout)
    assert run_step("false\necho never", state, tmp_path).stdout == ""  # set -e: a failing line ends the step
    assert output_matches("snapshot …, … documents", "snapshot 1a2b3c4d, 12 documents")
    assert not output_matches("snapshot …, 13 documents", "snapshot 1a2b3c4d, 12 documents")
