"""The off-site backup host role, run for real on this machine with its paths in a temporary root, then again with
nothing changed; then restic really backs up through the resulting sshd (chroot, internal-sftp, key only).

Real: the account, chroot and repository folder, the root-owned authorized keys, the sshd drop-in (validated by
`sshd -t`, and `sshd -T` shows the account gets chroot, internal-sftp and keys only), the nftables ruleset (`nft -c`),
the disk usage script and its unit files, and apt (the packages are installed already, so it only checks).
Check mode (`--check --diff`): the role with its own default paths (/etc/ssh, /srv, /etc/nftables.conf), as on a host.
Neither way: enabling and starting the timer, reloading sshd and loading the ruleset into the kernel
(offsite_backup_manage_services) — without systemd as PID 1 systemctl fails even in check mode.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playbook_support import Run, free_id, local_inventory, remove_account, run_playbook, verify_units

QUOTA_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class OffsiteHost:
    root: Path
    user: str
    variables: dict
    client_key: Path
    first: Run
    second: Run
    inventory: Path


def offsite_variables(root: Path, user: str, public_key: str) -> dict:
    return {
        "offsite_backup_user": user,
        "offsite_backup_uid": free_id(0),
        "offsite_backup_chroot": str(root / "chroot"),
        "offsite_backup_authorized_keys": [public_key],
        "offsite_backup_authorized_keys_dir": str(root / "authorized_keys"),
        "offsite_backup_platform_addresses": ["127.0.0.1"],
        "offsite_backup_admin_addresses": ["10.0.0.0/8", "2001:db8::/32"],
        "offsite_backup_metrics_addresses": ["192.0.2.30"],
        "offsite_backup_sshd_config_dir": str(root / "sshd_config.d"),
        "offsite_backup_sshd_main_config": str(root / "sshd_config"),
        "offsite_backup_nftables_config": str(root / "nftables.conf"),
        "offsite_backup_nft_binary": shutil.which("nft") or "/usr/sbin/nft",
        "offsite_backup_quota_bytes": QUOTA_BYTES,
        "offsite_backup_quota_alert_percent": 50,
        "offsite_backup_textfile_dir": str(root / "textfile"),
        "offsite_backup_quota_script": str(root / "bin" / "kholuutru-offsite-quota"),
        "offsite_backup_systemd_dir": str(root / "systemd"),
        "offsite_backup_manage_services": False,
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def offsite(as_root, ansible_home, tmp_path_factory) -> Iterator[OffsiteHost]:
    # sshd checks every component of a chroot's path: root-owned and writable by nobody else, so not under /tmp.
    root = Path(tempfile.mkdtemp(prefix="kholuutru-offsite-test-", dir="/var/lib"))
    root.chmod(0o755)
    user = f"kltest-backup-{os.getpid()}"
    keys = tmp_path_factory.mktemp("keys")
    try:
        for name in ("host_key", "client_key"):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(keys / name)], check=True)
        # The host's own parts that are not the role's: the main sshd_config including the drop-ins, and the
        # folders a Debian host has already.
        port = free_port()
        (root / "sshd_config").write_text(
            f"Include {root}/sshd_config.d/*.conf\n"
            f"Port {port}\nListenAddress 127.0.0.1\nHostKey {keys / 'host_key'}\nPidFile {root / 'sshd.pid'}\n"
            "UsePAM no\nSubsystem sftp internal-sftp\n"
        )
        for folder in ("bin", "systemd"):
            (root / folder).mkdir()
        # sshd -t wants its privilege-separation folder, which Debian's ssh.service creates.
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        variables = offsite_variables(root, user, (keys / "client_key.pub").read_text())
        inventory = local_inventory(tmp_path_factory.mktemp("offsite-inventory"), ["offsite_backup"], variables)
        first = run_playbook("offsite-backup.yml", inventory, ansible_home)
        second = run_playbook("offsite-backup.yml", inventory, ansible_home)
        yield OffsiteHost(root, user, variables | {"port": port}, keys / "client_key", first, second, inventory)
    finally:
        remove_account(user)
        shutil.rmtree(root, ignore_errors=True)


def test_first_run_builds_the_host(offsite):
    assert offsite.first.changed > 0 and offsite.first.failed == 0
    assert "Write the SFTP-only Match block" in offsite.first.changed_tasks


def test_second_run_changes_nothing(offsite):
    assert offsite.second.changed == 0, offsite.second.changed_tasks
    assert offsite.second.changed_tasks == []


def test_account_has_no_password_and_no_shell(offsite):
    entry = subprocess.run(["getent", "passwd", offsite.user], capture_output=True, text=True, check=True).stdout
    assert entry.strip().endswith(":/usr/sbin/nologin")
    shadow = subprocess.run(["getent", "shadow", offsite.user], capture_output=True, text=True, check=True).stdout
    assert shadow.split(":")[1] == "*"


def test_keys_are_root_owned_outside_the_chroot_and_bound_to_the_platform(offsite):
    keys = offsite.root / "authorized_keys" / offsite.user
    assert keys.stat().st_uid == 0 and keys.stat().st_mode & 0o022 == 0
    entries = [line for line in keys.read_text().splitlines() if not line.startswith("#")]
    assert entries == [f'restrict,from="127.0.0.1" {offsite.client_key.with_suffix(".pub").read_text().strip()}']


def test_the_firewall_allows_ssh_only_from_the_platform_and_the_admins(offsite):
    ruleset = (offsite.root / "nftables.conf").read_text()
    subprocess.run([offsite.variables["offsite_backup_nft_binary"], "-c", "-f", str(offsite.root / "nftables.conf")],
                   check=True)
    assert "policy drop;" in ruleset
    assert "ip saddr { 127.0.0.1, 10.0.0.0/8 } tcp dport 22 accept" in ruleset
    assert "ip6 saddr { 2001:db8::/32 } tcp dport 22 accept" in ruleset
    assert "ip saddr { 192.0.2.30 } tcp dport 9100 accept" in ruleset


@pytest.fixture(scope="module")
def sshd(offsite) -> Iterator[int]:
    """The sshd the role configured, on a free port of 127.0.0.1."""
    config = offsite.root / "sshd_config"
    log = open(offsite.root / "sshd.log", "w")
    process = subprocess.Popen([shutil.which("sshd") or "/usr/sbin/sshd", "-D", "-e", "-f", str(config)],
                               stdout=log, stderr=log)
    port = offsite.variables["port"]
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert process.poll() is None and time.monotonic() < deadline, (offsite.root / "sshd.log").read_text()
            time.sleep(0.05)
    yield port
    process.terminate()
    process.wait(timeout=20)
    log.close()


def ssh_command(offsite, port: int) -> list[str]:
    known_hosts = offsite.root / "known_hosts"
    host_key = (offsite.client_key.parent / "host_key.pub").read_text()
    known_hosts.write_text(f"[127.0.0.1]:{port} {host_key}")
    return ["ssh", "-i", str(offsite.client_key), "-p", str(port), "-o", f"UserKnownHostsFile={known_hosts}",
            "-o", "StrictHostKeyChecking=yes", "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
            "-o", "PasswordAuthentication=no", f"{offsite.user}@127.0.0.1"]


def test_restic_backs_up_into_the_chroot_over_sftp(offsite, sshd, tmp_path):
    ssh = ssh_command(offsite, sshd)
    (tmp_path / "password").write_text("offsite-test-password\n")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "dossier.txt").write_text("hồ sơ lưu trữ\n")
    # Inside the chroot the repository is /restic, exactly what the platform's sftp: URL names.
    restic = ["restic", "--no-cache", "-r", "sftp:platform:/restic", "-o", f"sftp.command={' '.join(ssh)} -s sftp",
              "--password-file", str(tmp_path / "password")]
    subprocess.run([*restic, "init"], check=True, capture_output=True, timeout=120)
    subprocess.run([*restic, "backup", str(tmp_path / "data")], check=True, capture_output=True, timeout=120)
    snapshots = json.loads(subprocess.run([*restic, "snapshots", "--json"], check=True, capture_output=True,
                                          text=True, timeout=120).stdout)
    assert len(snapshots) == 1
    repository = offsite.root / "chroot" / "restic"
    assert (repository / "config").is_file()
    assert (repository / "config").stat().st_uid == offsite.variables["offsite_backup_uid"]


def test_the_account_gets_no_shell(offsite, sshd):
    # ForceCommand internal-sftp: a command is not run, the session is SFTP or nothing.
    result = subprocess.run([*ssh_command(offsite, sshd), "id"], capture_output=True, text=True, timeout=60)
    assert "uid=" not in result.stdout
    assert result.returncode != 0


def run_quota_check(offsite) -> tuple[int, dict[str, float]]:
    script = offsite.variables["offsite_backup_quota_script"]
    result = subprocess.run([script], capture_output=True, text=True, timeout=60)
    metrics = {}
    for line in (offsite.root / "textfile" / "kholuutru_offsite.prom").read_text().splitlines():
        if line and not line.startswith("#"):
            name, value = line.split()
            metrics[name] = float(value)
    return result.returncode, metrics


def test_disk_usage_check_writes_metrics_and_alerts_over_the_threshold(offsite):
    repository = offsite.root / "chroot" / "restic"
    code, metrics = run_quota_check(offsite)
    assert code == 0
    assert metrics["kholuutru_offsite_quota_bytes"] == QUOTA_BYTES
    assert metrics["kholuutru_offsite_quota_alert"] == 0
    assert 0 < metrics["kholuutru_offsite_repository_bytes"] < QUOTA_BYTES / 2
    assert metrics["kholuutru_offsite_filesystem_available_bytes"] > 0
    filler = repository / "filler"
    filler.write_bytes(os.urandom(QUOTA_BYTES * 3 // 4))
    try:
        code, metrics = run_quota_check(offsite)
    finally:
        filler.unlink()
    assert code == 1
    assert metrics["kholuutru_offsite_quota_alert"] == 1
    assert metrics["kholuutru_offsite_repository_bytes"] > QUOTA_BYTES / 2


def test_units_are_written_for_systemd(offsite):
    timer = (offsite.root / "systemd" / "kholuutru-offsite-quota.timer").read_text()
    service = (offsite.root / "systemd" / "kholuutru-offsite-quota.service").read_text()
    assert "OnUnitActiveSec=15min" in timer
    assert f"ExecStart={offsite.variables['offsite_backup_quota_script']}" in service
    assert "ProtectSystem=strict" in service
    verify_units(offsite.root / "systemd")


def file_states(paths: list[str]) -> dict[str, bytes | None]:
    return {path: Path(path).read_bytes() if Path(path).is_file() else None for path in paths}


def test_check_mode_on_the_default_layout_changes_nothing(offsite, ansible_home, tmp_path):
    """With the role's own paths (/srv, /etc/ssh, /etc/nftables.conf …), as on a real host, in check mode."""
    variables = {key: offsite.variables[key] for key in
                 ("offsite_backup_authorized_keys", "offsite_backup_platform_addresses", "offsite_backup_uid")}
    variables |= {"offsite_backup_user": f"{offsite.user}-check", "offsite_backup_manage_services": False}
    watched = ["/etc/nftables.conf", "/etc/ssh/sshd_config.d/kholuutru-backup.conf", "/etc/passwd",
               "/usr/local/sbin/kholuutru-offsite-quota", "/etc/systemd/system/kholuutru-offsite-quota.timer"]
    before = file_states(watched)
    chroot_existed = Path("/srv/kholuutru-backup").exists()
    run = run_playbook("offsite-backup.yml", local_inventory(tmp_path, ["offsite_backup"], variables), ansible_home,
                       check=True)
    assert run.failed == 0
    for task in ("Create the backup account", "Create the chroot, owned by root", "Write the SFTP-only Match block",
                 "Write the nftables ruleset (ssh only from the platform and the administrators)",
                 "Write the disk usage check's service and timer"):
        assert task in run.changed_tasks, run.output
    assert "ForceCommand internal-sftp" in run.output  # --diff shows the Match block it would write
    assert file_states(watched) == before
    assert Path("/srv/kholuutru-backup").exists() == chroot_existed
