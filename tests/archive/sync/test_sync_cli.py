"""``kholuutru sync users|procedures|dossiers --json``: one JSON summary; exit 0 even with records held for review,
1 when the run could not complete, 2 when LGSP is not configured."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from lgsp_samples import dossier_record, procedure_record

from kholuutru.archive.cli import main


@pytest.fixture(scope="module")
def cli(database, province, sync_settings, tmp_path_factory):
    base = {"KHOLUUTRU_DATABASE_URL": database.app_url, "KHOLUUTRU_DATABASE_OWNER_URL": database.owner_url,
            "KHOLUUTRU_LGSP_BASE_URL": sync_settings.lgsp_base_url,
            "KHOLUUTRU_LGSP_CLIENT_ID": sync_settings.lgsp_client_id,
            "KHOLUUTRU_LGSP_CLIENT_SECRET_FILE": str(sync_settings.lgsp_client_secret_file),
            "KHOLUUTRU_LGSP_PAGE_SIZE": "2", "KHOLUUTRU_LGSP_RETRIES": "1", "KHOLUUTRU_LGSP_BACKOFF_SECONDS": "0"}
    data_dir = tmp_path_factory.mktemp("cli-data")

    def run(*args: str, **env: str | None):
        return CliRunner().invoke(main, ["--data-dir", str(data_dir), "sync", *args], env={**base, **env})

    return run


def one_json(result) -> dict:
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    return json.loads(lines[0])


def test_a_run_prints_one_summary_and_held_records_do_not_fail_it(cli, lgsp):
    lgsp.feeds["dossiers"] = [dossier_record(1), dossier_record(2, NgayTiepNhan="hôm qua"), dossier_record(3)]
    result = cli("dossiers", "--json")
    assert result.exit_code == 0, result.output
    body = one_json(result)
    assert {key: body[key] for key in ("ok", "feed", "state", "fetched", "created", "updated", "unchanged",
                                       "rejected", "pages", "cursor_before", "cursor_after")} == {
        "ok": True, "feed": "dossiers", "state": "succeeded", "fetched": 3, "created": 2, "updated": 0,
        "unchanged": 0, "rejected": 1, "pages": 2, "cursor_before": None, "cursor_after": "c3"}

    human = cli("dossiers", "--full")
    assert human.exit_code == 0, human.output
    assert "không đổi / unchanged 2" in human.output and "chờ xem xét / rejected 1" in human.output


def test_a_run_that_cannot_complete_exits_1_and_bad_input_exits_2(cli, lgsp):
    lgsp.feeds["procedures"] = [procedure_record(n) for n in range(1, 4)]
    lgsp.faults.errors[("procedures", "c2")] = 5
    failed = cli("procedures", "--json")
    assert failed.exit_code == 1, failed.output
    body = one_json(failed)
    assert (body["ok"], body["state"], body["created"], body["cursor_after"]) == (False, "failed", 2, "c2")
    lgsp.faults.errors.clear()

    assert cli("procedures", "--json", KHOLUUTRU_LGSP_BASE_URL="").exit_code == 2
    assert cli("nothing", "--json").exit_code == 2
