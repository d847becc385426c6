"""Every reports route, generated from the routing tables, against someone who may not see a draft
report: a member gets 404 (the draft is confidential), nobody signed in gets 401 (API) or the sign-in
page; nothing changes."""

from __future__ import annotations

from starlette.routing import Route

from agora.reports.api import routes as api_routes
from agora.reports.models import Report
from agora.reports.views import routes as page_routes
from tests.conftest import csrf_of, sign_in
from tests.consultations.support import caller
from tests.reports.support import built, cast

PASSWORD = "correct horse battery"


def _calls(routes, prefix, rid):
    for route in routes:
        assert isinstance(route, Route)
        if "{report_id}" not in route.path:
            continue
        for method in sorted(route.methods - {"HEAD"}):
            yield method, prefix + route.path.replace("{report_id}", rid)


def test_a_draft_is_invisible_to_a_member_on_every_route(client, database):
    c = cast(client, database)
    rid = built(client, c.admin, "consultation", c.consultation)
    member = caller(database, password=PASSWORD)
    api_calls = list(_calls(api_routes, "/api/v1", rid))
    assert len(api_calls) == 9
    for method, path in api_calls:
        response = client.request(method, path, json={"decision": "accepted", "text": {"fr": "x"}},
                                  headers=member.headers)
        assert response.status_code == 404, (method, path, response.status_code)
        assert client.request(method, path, json={}).status_code == 401, (method, path)
    page_calls = list(_calls(page_routes, "", rid))
    assert len(page_calls) == 10
    sign_in(client, member.email)
    token = csrf_of(client)
    for method, path in page_calls:
        response = client.request(method, path, data={"csrf_token": token}, follow_redirects=False)
        assert response.status_code == 404, (method, path, response.status_code)
    with database.transaction() as db:
        report = db.get(Report, rid)
        assert report.status.value == "draft" and report.summary == {}
