"""The playbooks parse, pass ansible-lint's production profile without the network, and the example inventory
documents every role variable and decrypts with its vault password (ARCHITECTURE §7)."""

from __future__ import annotations

import json
import subprocess

import pytest
import yaml
from playbook_support import BIN, PLAYBOOKS, ansible_environment

EXAMPLE = PLAYBOOKS / "inventories" / "example"
VAULT_PASSWORD = EXAMPLE / "vault-password.txt"
SITE_PLAYBOOKS = sorted(p.name for p in PLAYBOOKS.glob("*.yml"))
# Which example group_vars file documents the variables of which role.
ROLE_GROUPS = {
    "offsite_backup": "offsite_backup",
    "kholuutru_postgresql": "kholuutru",
    "kholuutru": "kholuutru",
    "kholuutru_nginx": "kholuutru",
}


def test_every_role_is_documented_in_the_example():
    assert sorted(ROLE_GROUPS) == sorted(p.name for p in (PLAYBOOKS / "roles").iterdir())


@pytest.mark.parametrize("playbook", SITE_PLAYBOOKS)
def test_syntax_check(playbook, ansible_home):
    result = subprocess.run(
        [str(BIN / "ansible-playbook"), "--syntax-check", "-i", str(EXAMPLE), "--vault-password-file",
         str(VAULT_PASSWORD), playbook],
        cwd=PLAYBOOKS, env=ansible_environment(ansible_home), capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"playbook: {playbook}" in result.stdout


def test_ansible_lint_production_profile_offline(ansible_home):
    # Any attempt to reach Galaxy or PyPI goes to a proxy on a closed port, so it would fail rather than pass.
    env = {
        **ansible_environment(ansible_home),
        "ANSIBLE_VAULT_PASSWORD_FILE": str(VAULT_PASSWORD),
        "HTTP_PROXY": "http://127.0.0.1:9",
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "NO_PROXY": "",
    }
    result = subprocess.run(
        [str(BIN / "ansible-lint"), "--nocolor"], cwd=PLAYBOOKS, env=env, capture_output=True, text=True
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Profile 'production' was required, and it passed" in output, output
    assert "0 failure(s), 0 warning(s)" in output, output


@pytest.fixture(scope="module")
def example_inventory(ansible_home) -> dict:
    result = subprocess.run(
        [str(BIN / "ansible-inventory"), "-i", str(EXAMPLE), "--vault-password-file", str(VAULT_PASSWORD),
         "--list"],
        cwd=PLAYBOOKS, env=ansible_environment(ansible_home), capture_output=True, text=True, check=True,
    )
    return json.loads(result.stdout)


def test_example_vault_decrypts_with_the_example_password(example_inventory):
    platform = example_inventory["_meta"]["hostvars"]["luutru-01.example.gov.vn"]
    assert (EXAMPLE / "group_vars" / "kholuutru" / "vault.yml").read_text().startswith("$ANSIBLE_VAULT;")
    assert len(platform["vault_kholuutru_secret_key"]) >= 32
    assert platform["kholuutru_secret_key"] == "{{ vault_kholuutru_secret_key }}"
    assert example_inventory["offsite_backup"]["hosts"] == ["dr-backup-01.example.gov.vn"]


@pytest.mark.parametrize("role", sorted(ROLE_GROUPS))
def test_example_group_vars_document_every_role_variable(role):
    defaults = yaml.safe_load((PLAYBOOKS / "roles" / role / "defaults" / "main.yml").read_text())
    example = yaml.safe_load((EXAMPLE / "group_vars" / ROLE_GROUPS[role] / "main.yml").read_text())
    assert sorted(set(defaults) - set(example)) == []
