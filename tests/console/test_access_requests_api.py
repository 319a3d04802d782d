"""``/api/v1/access-requests/``: file, decide, read and download through the REST API with a JWT, refusals as JSON
naming the field, and the resource described in the OpenAPI document."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from console_support import PASSWORD, bearer
from pypdf import PdfReader
from retention_support import archived, make_province


@pytest.fixture(scope="module")
def province(database, demo) -> dict:
    return make_province(database, "000.00.72.H47", "000.00.73.H47")


def test_a_request_is_filed_decided_read_and_downloaded_through_the_api(client, api_token, database, storage,
                                                                       settings, pki, province) -> None:
    dossier_id = archived(database, storage, settings, pki, province, "api")
    reader = bearer(api_token(client, "ht.khaithac", PASSWORD))
    head = bearer(api_token(client, "ht.lanhdao", PASSWORD))
    until = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    body = {"dossier_id": dossier_id, "purpose": "Xác minh", "wanted_from": dt.date.today().isoformat(),
            "wanted_until": until}

    refused = client.post("/api/v1/access-requests/", json={**body, "wanted_from": "ngày mai"}, headers=reader)
    assert refused.status_code == 422 and refused.get_json()["field"] == "wanted_from"
    created = client.post("/api/v1/access-requests/", json=body, headers=reader)
    assert created.status_code == 201, created.get_json()
    request_id = created.get_json()["id"]
    assert created.get_json()["state"] == "pending"
    assert client.get(f"/api/v1/access-requests/{request_id}/dossier", headers=reader).status_code == 403

    assert client.post(f"/api/v1/access-requests/{request_id}/approve", json={}, headers=reader).status_code == 404
    queue = client.get(f"/api/v1/access-requests/?unit_id={province['own']}&pending=true", headers=head)
    assert [row["id"] for row in queue.get_json()["result"]] == [request_id]
    approved = client.post(f"/api/v1/access-requests/{request_id}/approve", json={"valid_until": until},
                           headers=head)
    assert approved.status_code == 200 and approved.get_json()["state"] == "approved"

    granted = client.get(f"/api/v1/access-requests/{request_id}/dossier", headers=reader)
    assert granted.status_code == 200 and granted.get_json()["dossier"]["id"] == dossier_id
    [document] = granted.get_json()["documents"]
    download = client.get(document["files"][0]["download"], headers=reader)
    assert download.status_code == 200
    assert "Bản khai thác" in PdfReader(io.BytesIO(download.data)).pages[0].extract_text()

    mine = client.get("/api/v1/access-requests/", headers=reader).get_json()["result"]
    assert [row["id"] for row in mine] == [request_id]
    today = dt.date.today().isoformat()
    report = client.get(f"/api/v1/access-requests/report?unit_id={province['own']}&start={today}&end={today}",
                        headers=head)
    assert report.status_code == 200 and report.get_json()["result"][0]["downloads"] == 1


def test_the_resource_is_described_in_the_openapi_document(client, api_token) -> None:
    spec = client.get("/api/v1/_openapi", headers=bearer(api_token(client, "ht.lanhdao", PASSWORD))).get_json()
    assert "/api/v1/access-requests/{pk}/approve" in spec["paths"]
    assert "NewAccessRequest" in spec["components"]["schemas"]
