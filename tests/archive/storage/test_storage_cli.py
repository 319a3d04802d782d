"""``kholuutru storage verify|sweep`` as runbooks and CronJobs call them: settings from the environment, one JSON
object with --json, exit 1 when fixity fails (ARCHITECTURE §4), on both backends.
"""

from __future__ import annotations

import io
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from kholuutru.archive import document_files
from kholuutru.archive.cli import main


@pytest.fixture(autouse=True)
def only_this_tests_files(superuser_engine):
    """Verify walks every row of the database, and each test has a storage of its own: start from no rows (an
    uploaded PDF's signature validation records go with it)."""
    with superuser_engine.begin() as connection:
        connection.execute(text("DELETE FROM signature_validations"))
        connection.execute(text("DELETE FROM document_files"))


@pytest.fixture
def kholuutru(database, backend, tmp_path):
    """Run the CLI in-process with the environment a CronJob would give it."""
    environment = {
        "KHOLUUTRU_DATA_DIR": str(tmp_path / "data"),
        "KHOLUUTRU_DATABASE_URL": database.app_url,
        "KHOLUUTRU_DATABASE_OWNER_URL": database.owner_url,
        "KHOLUUTRU_STORAGE_URL": backend.url,
        **{f"KHOLUUTRU_{name.upper()}": value for name, value in backend.settings_values.items()},
    }

    def run(*args: str):
        return CliRunner().invoke(main, list(args), env=environment, catch_exceptions=False)

    return run


def one_json(result) -> dict:
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    return json.loads(lines[0])


def upload(database, settings, backend, place, data: bytes):
    with database.session(place.staff()) as session:
        return document_files.add_file(session, place.staff(), backend.storage, settings,
                                       document_id=place.document_id, stream=io.BytesIO(data), file_name="a.pdf")


def test_verify_passes_then_names_a_corrupted_and_a_missing_object(database, settings, backend, new_document,
                                                                  make_pdf, kholuutru):
    place = new_document()
    files = [upload(database, settings, backend, place, make_pdf(pages)) for pages in (1, 2, 3)]

    result = kholuutru("storage", "verify", "--json")
    report = one_json(result)
    assert result.exit_code == 0, result.output
    assert report["ok"] is True and report["objects_checked"] == 3
    assert report["bytes_checked"] == sum(f.size for f in files)
    assert report["mismatches"] == [] and report["missing"] == []

    corrupted, gone, _ = files
    backend.overwrite(corrupted.object_key, b"%PDF-1.4 bit rot")
    backend.storage.delete(gone.object_key)

    result = kholuutru("storage", "verify", "--json")
    report = one_json(result)
    assert result.exit_code == 1 and report["ok"] is False
    assert report["missing"] == [{"file_id": gone.id, "document_id": place.document_id, "key": gone.object_key}]
    [mismatch] = report["mismatches"]
    assert (mismatch["file_id"], mismatch["document_id"], mismatch["key"]) == (
        corrupted.id, place.document_id, corrupted.object_key)
    assert mismatch["expected_sha256"] == corrupted.sha256 and mismatch["actual_size"] == len(b"%PDF-1.4 bit rot")

    human = kholuutru("storage", "verify")
    assert human.exit_code == 1
    assert f"file {gone.id}" in human.stdout and f"file {corrupted.id}" in human.stdout
    assert "FIXITY FAILURE" in human.stdout


def test_verify_by_sample_and_bad_sample_values(database, settings, backend, new_document, make_pdf, kholuutru):
    upload(database, settings, backend, new_document(), make_pdf(1))
    result = kholuutru("storage", "verify", "--sample", "1", "--json")
    assert result.exit_code == 0 and one_json(result)["objects_checked"] == 1
    assert one_json(result)["sample"] == 1.0
    for bad in ("0", "1.5", "x"):
        assert kholuutru("storage", "verify", "--sample", bad, "--json").exit_code == 2


def test_sweep_from_the_command_line(database, settings, backend, new_document, make_pdf, kholuutru):
    place = new_document()
    with pytest.raises(RuntimeError), database.session(place.staff()) as session:
        orphan = document_files.add_file(session, place.staff(), backend.storage, settings,
                                         document_id=place.document_id, stream=io.BytesIO(make_pdf(1)),
                                         file_name="a.pdf")
        raise RuntimeError("crash before the commit")

    kept = one_json(kholuutru("storage", "sweep", "--json"))
    assert kept == {"ok": True, "grace_hours": 24.0, "deleted": []}
    result = kholuutru("storage", "sweep", "--grace-hours", "0", "--json")
    assert result.exit_code == 0 and one_json(result)["deleted"] == [orphan.object_key]
    assert not backend.storage.exists(orphan.object_key)
    assert kholuutru("storage", "sweep", "--grace-hours", "-1").exit_code == 2
