"""The authorization matrix: every route and method, as each of nine principals.

The TABLE below is the specification.  Columns are the principals of
`tests.security.seed.PRINCIPALS`:

    anon  owner  other  coauthor  judge_a  judge_o  org_x  org  admin

anon: not logged in; owner: the entrant who owns the entry (and the draft); other: another
entrant; coauthor: a co-author the owner named (EntryAuthor.user_id, a confirmed address)
and who accepted, without the owner's leave to change files; judge_a: a
judge assigned to the entry; judge_o: a judge of the same edition, not assigned; org_x: an
organizer of another edition; org: an organizer of this edition; admin: a global admin.

Codes: "L" = redirect to the login page; "401" = the JSON protocol's "log in" answer;
"403"/"404" = refused (404 everywhere, so strangers cannot learn what exists; 403 only
for people who may see an entry but not change it); any other number = exactly that
status (GET routes);
"ok" = for a POST/PUT by a principal allowed to use the route: anything that is neither a
5xx nor a refusal (not 401/403/404, not a redirect to the login page).  POSTs carry a valid
CSRF token and an empty body.

Every request by a refused principal, and every GET by anyone, must leave every row of
every table unchanged.  After an allowed POST that changed the database, the world is
seeded again before the next principal, so no principal sees another's changes.

The matrix runs on SQLite and PostgreSQL; the CSRF refusals on SQLite only.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

import pytest
from flask import Blueprint

from portal import create_app
from portal.extensions import db
from tests.security.routes import KWARGS, url_for_route
from tests.security.seed import PRINCIPALS, client_as, seed, snapshot_tables, table_diff
from tests.support.apps import base_config, empty_all_tables

REFUSALS = {"L", "401", "403", "404"}
IGNORED_METHODS = {"HEAD", "OPTIONS"}

#           anon owner other coauthor judge_a judge_o org_x org admin
TABLE = {
    "GET /": "200 200 200 200 200 200 200 200 200",
    # Agencies: a focal point is not one of these principals; its rights are tested in
    # tests/integration/agencies/test_agencies.py. An organizer sees an agency's page and
    # receipts but may not confirm or send for it (403).
    "GET /agencies/": "L   200 200 200 200 200 200 200 200",
    "GET /agencies/<int:agency_id>": "L   404 404 404 404 404 404 200 200",
    "POST /agencies/<int:agency_id>/dossier": "L   404 404 404 404 404 404 403 403",
    "POST /agencies/<int:agency_id>/entries/<int:entry_id>/confirm":
        "L   404 404 404 404 404 404 403 403",
    "POST /agencies/<int:agency_id>/entries/<int:entry_id>/unconfirm":
        "L   404 404 404 404 404 404 403 403",
    "GET /agencies/dossiers/<int:dossier_id>/receipt.pdf": "L   404 404 404 404 404 404 200 200",
    "GET /organize/<slug>/agencies": "L   404 404 404 404 404 404 200 200",
    "POST /organize/<slug>/agencies": "L   404 404 404 404 404 404 ok  ok",
    "POST /organize/<slug>/agencies/<int:agency_id>/focal-points":
        "L   404 404 404 404 404 404 ok  ok",
    "GET /auth/account": "L   200 200 200 200 200 200 200 200",
    "GET /auth/confirm": "L   200 200 200 200 200 200 200 200",
    "POST /auth/confirm": "L   ok  ok  ok  ok  ok  ok  ok  ok",
    "GET /auth/confirm/<token>": "200 200 200 200 200 200 200 200 200",
    "POST /auth/confirm/<token>": "ok  ok  ok  ok  ok  ok  ok  ok  ok",
    "POST /auth/account": "L   ok  ok  ok  ok  ok  ok  ok  ok",
    "GET /auth/forgot": "200 200 200 200 200 200 200 200 200",
    "POST /auth/forgot": "ok  ok  ok  ok  ok  ok  ok  ok  ok",
    "GET /auth/login": "200 302 302 302 302 302 302 302 302",
    "POST /auth/login": "ok  ok  ok  ok  ok  ok  ok  ok  ok",
    "POST /auth/logout": "ok  ok  ok  ok  ok  ok  ok  ok  ok",
    "GET /auth/password": "L   200 200 200 200 200 200 200 200",
    "POST /auth/password": "L   ok  ok  ok  ok  ok  ok  ok  ok",
    "GET /auth/register": "200 302 302 302 302 302 302 302 302",
    "POST /auth/register": "ok  ok  ok  ok  ok  ok  ok  ok  ok",
    "GET /auth/reset/<token>": "200 200 200 200 200 200 200 200 200",
    "POST /auth/reset/<token>": "ok  ok  ok  ok  ok  ok  ok  ok  ok",
    "GET /entries/": "L   200 200 200 200 200 200 200 200",
    "GET /entries/<int:entry_id>": "L   200 404 200 404 404 404 200 200",
    "POST /entries/<int:entry_id>/delete": "L   ok  404 403 404 404 404 403 403",
    "GET /entries/<int:entry_id>/edit": "L   200 404 403 404 404 404 403 403",
    "POST /entries/<int:entry_id>/edit": "L   ok  404 403 404 404 404 403 403",
    "GET /entries/<int:entry_id>/receipt.pdf": "L   200 404 200 404 404 404 200 200",
    "POST /entries/<int:entry_id>/reopen": "L   ok  404 403 404 404 404 403 403",
    "GET /entries/<int:entry_id>/submit": "L   200 404 403 404 404 404 403 403",
    "POST /entries/<int:entry_id>/submit": "L   ok  404 403 404 404 404 403 403",
    "POST /entries/<int:entry_id>/withdraw": "L   ok  404 403 404 404 404 403 403",
    "GET /entries/new/<slug>": "L   200 200 200 403 403 200 403 403",
    # Only the invited account answers its invitation (`other`, named on a draft).
    "POST /entries/invitations/<int:author_id>/accept": "L   404 ok  404 404 404 404 404 404",
    "POST /entries/invitations/<int:author_id>/decline": "L   404 ok  404 404 404 404 404 404",
    "POST /entries/new/<slug>": "L   ok  ok  ok  403 403 ok  403 403",
    "GET /files/<int:file_id>": "404 200 404 200 200 404 404 200 200",
    "POST /files/<int:file_id>/delete": "404 ok  404 403 404 404 404 404 404",
    "GET /files/entries/<int:entry_id>/slots": "404 200 404 200 404 404 404 404 404",
    "POST /files/entries/<int:entry_id>/uploads": "401 ok  404 403 404 404 404 404 404",
    "POST /files/uploads/<int:file_id>/abort": "401 ok  404 403 404 404 404 404 404",
    "POST /files/uploads/<int:file_id>/sign": "401 ok  404 403 404 404 404 404 404",
    "POST /files/uploads/<int:file_id>/verify": "401 ok  404 403 404 404 404 404 404",
    "GET /judge/": "L   200 200 200 200 200 200 200 200",
    "GET /judge/<slug>/rounds/<int:round_id>": "L   404 404 404 200 200 404 404 404",
    "GET /judge/assignments/<int:assignment_id>": "L   404 404 404 200 404 404 404 404",
    "POST /judge/assignments/<int:assignment_id>": "L   404 404 404 ok  404 404 404 404",
    "POST /judge/assignments/<int:assignment_id>/autosave": "401 404 404 404 ok  404 404 404 404",
    "GET /judge/assignments/<int:assignment_id>/conflict": "L   404 404 404 200 404 404 404 404",
    "POST /judge/assignments/<int:assignment_id>/conflict": "L   404 404 404 ok  404 404 404 404",
    "POST /lang": "ok  ok  ok  ok  ok  ok  ok  ok  ok",
    "GET /organize/": "L   404 404 404 404 404 200 200 200",
    "GET /organize/<slug>/audit": "L   404 404 404 404 404 404 200 200",
    "GET /organize/<slug>/audit.csv": "L   404 404 404 404 404 404 200 200",
    "GET /organize/<slug>/dashboard": "L   404 404 404 404 404 404 200 200",
    "GET /organize/<slug>/entries": "L   404 404 404 404 404 404 200 200",
    "GET /organize/<slug>/entries.csv": "L   404 404 404 404 404 404 200 200",
    "GET /organize/<slug>/jobs": "L   404 404 404 404 404 404 200 200",
    "POST /organize/<slug>/jobs/retry": "L   404 404 404 404 404 404 ok  ok",
    "GET /organize/<slug>/levels/<int:level_id>": "L   404 404 404 404 404 404 200 200",
    "POST /organize/<slug>/levels/<int:level_id>": "L   404 404 404 404 404 404 ok  ok",
    "GET /organize/<slug>/members": "L   404 404 404 404 404 404 200 200",
    "POST /organize/<slug>/members": "L   404 404 404 404 404 404 ok  ok",
    "POST /organize/<slug>/members/<int:membership_id>/revoke":
        "L   404 404 404 404 404 404 ok  ok",
    "GET /organize/<slug>/rounds/": "L   404 404 404 404 404 404 200 200",
    "GET /organize/<slug>/rounds/<int:round_id>/advance": "L   404 404 404 404 404 404 200 200",
    "POST /organize/<slug>/rounds/<int:round_id>/advance": "L   404 404 404 404 404 404 ok  ok",
    "GET /organize/<slug>/rounds/<int:round_id>/assignments":
        "L   404 404 404 404 404 404 200 200",
    "GET /organize/<slug>/rounds/<int:round_id>/assignments/<int:assignment_id>":
        "L   404 404 404 404 404 404 200 200",
    "POST /organize/<slug>/rounds/<int:round_id>/assignments/<int:assignment_id>/recuse":
        "L   404 404 404 404 404 404 ok  ok",
    "POST /organize/<slug>/rounds/<int:round_id>/assignments/<int:assignment_id>/remove":
        "L   404 404 404 404 404 404 ok  ok",
    "POST /organize/<slug>/rounds/<int:round_id>/assignments/<int:assignment_id>/replace":
        "L   404 404 404 404 404 404 ok  ok",
    "POST /organize/<slug>/rounds/<int:round_id>/assignments/<int:assignment_id>/swap":
        "L   404 404 404 404 404 404 ok  ok",
    "POST /organize/<slug>/rounds/<int:round_id>/assignments/add":
        "L   404 404 404 404 404 404 ok  ok",
    "POST /organize/<slug>/rounds/<int:round_id>/assignments/auto":
        "L   404 404 404 404 404 404 ok  ok",
    "GET /organize/<slug>/rounds/<int:round_id>/conflicts": "L   404 404 404 404 404 404 200 200",
    "GET /organize/<slug>/rounds/<int:round_id>/edit": "L   404 404 404 404 404 404 200 200",
    "POST /organize/<slug>/rounds/<int:round_id>/edit": "L   404 404 404 404 404 404 ok  ok",
    "GET /organize/<slug>/rounds/<int:round_id>/entries/<int:entry_id>":
        "L   404 404 404 404 404 404 200 200",
    "GET /organize/<slug>/rounds/<int:round_id>/panels": "L   404 404 404 404 404 404 200 200",
    "POST /organize/<slug>/rounds/<int:round_id>/panels": "L   404 404 404 404 404 404 ok  ok",
    "POST /organize/<slug>/rounds/<int:round_id>/panels/<int:panel_id>":
        "L   404 404 404 404 404 404 ok  ok",
    "POST /organize/<slug>/rounds/<int:round_id>/panels/<int:panel_id>/delete":
        "L   404 404 404 404 404 404 ok  ok",
    "POST /organize/<slug>/rounds/<int:round_id>/populate": "L   404 404 404 404 404 404 ok  ok",
    "GET /organize/<slug>/rounds/<int:round_id>/progress": "L   404 404 404 404 404 404 200 200",
    "POST /organize/<slug>/rounds/<int:round_id>/reminders": "L   404 404 404 404 404 404 ok  ok",
    "POST /organize/<slug>/rounds/<int:round_id>/rubric": "L   404 404 404 404 404 404 ok  ok",
    "POST /organize/<slug>/rounds/<int:round_id>/sheets/<int:sheet_id>/reopen":
        "L   404 404 404 404 404 404 ok  ok",
    "POST /organize/<slug>/rounds/<int:round_id>/status": "L   404 404 404 404 404 404 ok  ok",
    "GET /organize/<slug>/rounds/new": "L   404 404 404 404 404 404 200 200",
    "POST /organize/<slug>/rounds/new": "L   404 404 404 404 404 404 ok  ok",
    "GET /organize/<slug>/screening": "L   404 404 404 404 404 404 200 200",
    "POST /organize/<slug>/screening": "L   404 404 404 404 404 404 ok  ok",
    "GET /organize/<slug>/screening/<int:entry_id>": "L   404 404 404 404 404 404 200 200",
    "POST /organize/<slug>/screening/<int:entry_id>": "L   404 404 404 404 404 404 ok  ok",
    "GET /organize/<slug>/settings": "L   404 404 404 404 404 404 200 200",
    "POST /organize/<slug>/settings": "L   404 404 404 404 404 404 ok  ok",
    "GET /organize/<slug>/slots/<int:slot_id>": "L   404 404 404 404 404 404 200 200",
    "POST /organize/<slug>/slots/<int:slot_id>": "L   404 404 404 404 404 404 ok  ok",
    "GET /organize/<slug>/stats/rounds/<int:round_id>": "L   404 404 404 404 404 404 200 200",
    "GET /organize/<slug>/structure": "L   404 404 404 404 404 404 200 200",
    "GET /results/<slug>": "200 200 200 200 200 200 200 200 200",
    "POST /results/<slug>/categories": "L   404 404 404 404 404 404 ok  ok",
    "POST /results/<slug>/decision": "L   404 404 404 404 404 404 ok  ok",
    "GET /results/<slug>/entries/<int:entry_id>": "L   404 404 404 404 404 404 200 200",
    "POST /results/<slug>/entries/<int:entry_id>/accept": "L   404 404 404 404 404 404 ok  ok",
    "POST /results/<slug>/entries/<int:entry_id>/forward": "L   404 404 404 404 404 404 ok  ok",
    "POST /results/<slug>/entries/<int:entry_id>/level": "L   404 404 404 404 404 404 ok  ok",
    "POST /results/<slug>/entries/<int:entry_id>/shares": "L   404 404 404 404 404 404 ok  ok",
    "GET /results/<slug>/export/<any(prizes, forwarded):which>.csv":
        "L   404 404 404 404 404 404 200 200",
    "GET /results/<slug>/export/annex.pdf": "L   404 404 404 404 404 404 200 200",
    "GET /results/<slug>/export/nomination.zip": "L   404 404 404 404 404 404 200 200",
    "GET /results/<slug>/export/report.pdf": "L   404 404 404 404 404 404 200 200",
    "GET /results/<slug>/export/results.xlsx": "L   404 404 404 404 404 404 200 200",
    # judge_id is judge_a's: that judge may print their own sheets, no other judge may.
    "GET /results/<slug>/export/rounds/<int:round_id>/judges/<int:judge_id>.pdf":
        "L   404 404 404 200 404 404 200 200",
    "POST /results/<slug>/publish": "L   404 404 404 404 404 404 ok  ok",
    "GET /results/<slug>/review": "L   404 404 404 404 404 404 200 200",
    "POST /results/<slug>/tiebreak": "L   404 404 404 404 404 404 ok  ok",
    "GET /results/<slug>/v/<int:n>": "200 200 200 200 200 200 200 200 200",
    # The local S3-compatible endpoint for Uppy's AwsS3 plugin: without the portal's
    # signed token nobody gets anything.
    "POST /storage/s3/<path:key>": "403 403 403 403 403 403 403 403 403",
    "PUT /storage/s3/<path:key>": "403 403 403 403 403 403 403 403 403",
    "GET /storage/s3/<path:key>": "403 403 403 403 403 403 403 403 403",
    "DELETE /storage/s3/<path:key>": "403 403 403 403 403 403 403 403 403",
}

# The only route that takes no CSRF token: the local twin of presigned S3 URLs, whose
# HMAC token is its whole authority (see portal/storage/views.py).
CSRF_EXEMPT = {"POST /storage/s3/<path:key>", "PUT /storage/s3/<path:key>",
               "DELETE /storage/s3/<path:key>"}


def route_keys(app) -> dict[str, object]:
    """"METHOD /rule" -> rule, for every route and method the app answers (static aside)."""
    keys = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted((rule.methods or set()) - IGNORED_METHODS):
            keys[f"{method} {rule.rule}"] = rule
    return keys


def unclassified_routes(app) -> set[str]:
    """Routes the app answers that the TABLE does not classify."""
    return set(route_keys(app)) - set(TABLE)


def stale_rows(app) -> set[str]:
    """TABLE rows naming a route the app no longer has."""
    return set(TABLE) - set(route_keys(app))


def outcome(response) -> str:
    location = response.headers.get("Location", "")
    if response.status_code in (301, 302, 303) and urlsplit(location).path == "/auth/login":
        return "L"
    return str(response.status_code)


def send(app, world, principal: str, method: str, url: str, *, csrf: bool = True):
    client, token = client_as(app, world, principal)
    if method == "GET":
        return client.get(url)
    data = {"csrf_token": token} if csrf else {}
    headers = {"X-CSRFToken": token} if csrf else {}
    return client.open(url, method=method, data=data, headers=headers)


def reseed(app):
    db.session.remove()
    empty_all_tables()
    world = seed(app)
    return world, snapshot_tables()


def test_every_route_is_in_the_table(app):
    assert unclassified_routes(app) == set()
    assert stale_rows(app) == set()
    assert set(KWARGS) >= {rule.endpoint for rule in route_keys(app).values()}


def test_an_unclassified_route_is_reported(tmp_path):
    app = create_app(base_config("sqlite://", tmp_path))
    bp = Blueprint("dummy", __name__)

    @bp.route("/dummy-unclassified", methods=["GET", "POST"])
    def dummy():
        return "dummy"

    app.register_blueprint(bp)
    assert unclassified_routes(app) == {"GET /dummy-unclassified", "POST /dummy-unclassified"}


def test_only_get_post_and_the_part_put_are_answered(app):
    methods = {key.split(" ", 1)[0] for key in route_keys(app)}
    assert methods == {"GET", "POST", "PUT", "DELETE"}
    assert {k for k in route_keys(app) if k.startswith(("PUT ", "DELETE "))} | {
        "POST /storage/s3/<path:key>"} == CSRF_EXEMPT


@pytest.mark.parametrize("key", sorted(TABLE))
def test_route_answers_each_principal_as_the_table_says(app, key):
    method = key.split(" ", 1)[0]
    rule = route_keys(app)[key]
    expected = dict(zip(PRINCIPALS, TABLE[key].split(), strict=True))
    world = seed(app)
    baseline = snapshot_tables()
    # Refused principals first: nothing they send may change a row.
    order = sorted(PRINCIPALS, key=lambda p: expected[p] == "ok")
    got, failures = {}, []
    for principal in order:
        url = url_for_route(app, rule, world)
        response = send(app, world, principal, method, url)
        got[principal] = outcome(response)
        want = expected[principal]
        if want == "ok":
            if response.status_code >= 500 or got[principal] in REFUSALS:
                failures.append(f"{principal}: {got[principal]}, expected not refused/5xx")
        elif got[principal] != want:
            failures.append(f"{principal}: {got[principal]}, expected {want}")
        changed = table_diff(baseline, snapshot_tables())
        if changed:
            if method == "GET" or want != "ok":
                failures.append(f"{principal}: {method} changed rows: {changed}")
            world, baseline = reseed(app)
    assert not failures, f"{key} -> {got}"


def _allowed_principal(key: str) -> str:
    """A principal the route does not refuse, so a refusal can only come from CSRF; for a
    route no principal may use (a focal point's POSTs), one the view would answer 403, which
    is not 400 either."""
    codes = dict(zip(PRINCIPALS, TABLE[key].split(), strict=True))
    allowed = [p for p in PRINCIPALS[::-1] if codes[p] not in REFUSALS]
    return allowed[0] if allowed else next(p for p in PRINCIPALS[::-1] if codes[p] == "403")


# SQLite only: the token check runs before any view touches the database.
@pytest.mark.parametrize("db_backend", ["sqlite"])
@pytest.mark.parametrize("key", sorted(k for k in TABLE if not k.startswith("GET ")
                                       and k not in CSRF_EXEMPT))
def test_post_without_csrf_token_is_refused(app, key):
    method = key.split(" ", 1)[0]
    rule = route_keys(app)[key]
    world = seed(app)
    baseline = snapshot_tables()
    principal = _allowed_principal(key)
    response = send(app, world, principal, method, url_for_route(app, rule, world), csrf=False)
    assert response.status_code == 400, (principal, response.status_code)
    assert table_diff(baseline, snapshot_tables()) == []


def test_json_upload_endpoint_refuses_a_missing_csrf_header(app):
    """The uploader's JSON calls carry the token in X-CSRFToken only."""
    world = seed(app)
    client, token = client_as(app, world, "owner")
    url = f"/files/entries/{world.draft_id}/uploads"
    # Part 1 holds the upload in progress: resuming it (same name and size) answers 200.
    body = {"slot_id": world.slot_id, "part_number": 1, "filename": "ban-nhap.pdf",
            "size": len(world.pdf), "type": "application/pdf"}
    before = snapshot_tables()
    refused = client.post(url, json=body, headers={"Accept": "application/json"})
    assert refused.status_code == 400
    assert table_diff(before, snapshot_tables()) == []
    accepted = client.post(url, json=body, headers={"Accept": "application/json",
                                                    "X-CSRFToken": token})
    assert accepted.status_code == 200, accepted.get_json()
    assert accepted.get_json()["file_id"] == world.upload_id


def test_part_put_refuses_a_tampered_token(app):
    """The CSRF-exempt part PUT is guarded by its HMAC token: a changed token writes
    nothing; the real one writes exactly the signed length."""
    world = seed(app)
    client, _token = client_as(app, world, "owner")
    url, token = world.part_url.split("&token=")
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    response = client.put(f"{url}&token={forged}", data=world.pdf)
    assert response.status_code == 403, response.data
    ok = client.put(world.part_url, data=world.pdf)
    assert ok.status_code == 200
    assert ok.headers["ETag"] == f'"{hashlib.sha256(world.pdf).hexdigest()}"'
