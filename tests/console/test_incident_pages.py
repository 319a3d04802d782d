"""The incident screens: anyone reports through the online form (refusals beside the field), the operating unit
handles the incident and suspends the platform from a security incident, and /metrics counts the open ones."""

from __future__ import annotations

import re

from kholuutru.archive.access import Actor
from kholuutru.archive.models import AuditEvent

BANNER = 'id="kholuutru-suspension-banner"'


def text(answer) -> str:
    return answer.get_data(as_text=True)


def open_gauge(client, severity: str) -> float:
    match = re.search(rf'^kholuutru_incidents_open{{severity="{severity}"}} (\S+)$', text(client.get("/metrics")), re.M)
    assert match, "no open-incidents gauge"
    return float(match.group(1))


def report(client, csrf_token, **values) -> object:
    token = csrf_token(client, "/incidents/report")
    return client.post("/incidents/report", data={"csrf_token": token, "channel": "online", **values})


def test_the_report_form_keeps_the_input_and_names_the_field(client_as, csrf_token):
    staff = client_as("canbo")
    answer = report(staff, csrf_token, title="Máy in không in được", description="", category="technical",
                    severity="low")
    assert answer.status_code == 422
    page = text(answer)
    assert 'id="field-description"' in page and "Trường &#39;Mô tả&#39; là bắt buộc." in page
    assert 'value="Máy in không in được"' in page


def test_report_handle_and_suspend_from_a_security_incident(client, client_as, csrf_token, database):
    critical_before = open_gauge(client, "critical")
    staff = client_as("canbo")
    answer = report(staff, csrf_token, title="Thư lừa đảo giả mạo hệ thống", description="Nhiều cán bộ nhận thư lạ.",
                    category="security", severity="critical")
    assert answer.status_code == 302
    incident_id = int(answer.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
    page = text(staff.get(f"/incidents/{incident_id}"))
    assert "Thư lừa đảo giả mạo hệ thống" in page and 'id="kholuutru-suspend-form"' not in page
    assert open_gauge(client, "critical") == critical_before + 1
    assert client_as("lanhdao").get(f"/incidents/{incident_id}").status_code == 404  # not theirs, not handlers

    admin = client_as("admin")
    detail = f"/incidents/{incident_id}"
    token = csrf_token(admin, detail)
    assert admin.post(f"{detail}/assign", data={"csrf_token": token, "assignee": "trucvanhanh"}).status_code == 302
    refused = admin.post(f"{detail}/suspend", data={"csrf_token": token, "reason": ""}, follow_redirects=True)
    assert "Phải nêu lý do." in text(refused) and BANNER not in text(refused)
    suspended = admin.post(f"{detail}/suspend", data={"csrf_token": token, "reason": "Chặn thư giả mạo"},
                           follow_redirects=True)
    assert BANNER in text(suspended) and f"#{incident_id}" in text(suspended)
    try:
        assert staff.get(detail).status_code == 503  # the notice only
        inspector = client_as("thanhtra")
        note = inspector.post(f"{detail}/entry", data={"csrf_token": csrf_token(inspector, detail),
                                                      "text": "Đã lấy mẫu thư."}, follow_redirects=True)
        assert note.status_code == 200 and "Đã lấy mẫu thư." in text(note)
        blocked = admin.post(f"{detail}/resolve", data={"csrf_token": token, "resolution": "Xong"})
        assert blocked.status_code == 503
    finally:
        resumed = admin.post(f"{detail}/resume", data={"csrf_token": token, "reason": "Đã chặn tên miền giả"},
                             follow_redirects=True)
    assert BANNER not in text(resumed)
    done = admin.post(f"{detail}/resolve", data={"csrf_token": token, "resolution": "Đã chặn tên miền giả mạo"},
                      follow_redirects=True)
    assert "Đã chặn tên miền giả mạo" in text(done)
    kinds = re.findall(r'<tr data-kind="(\w+)">', text(done))
    assert kinds == ["report", "assign", "suspend", "note", "resume", "resolve"]
    assert open_gauge(client, "critical") == critical_before
    with database.session(Actor.system("test")) as session:
        actions = [e.action for e in session.query(AuditEvent).order_by(AuditEvent.seq)
                   if e.action.startswith(("incident.", "platform."))][-6:]
    assert actions == ["incident.report", "incident.assign", "platform.suspend", "incident.note", "platform.resume",
                       "incident.resolve"]
