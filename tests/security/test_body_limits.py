"""Request bodies: small everywhere, refused before they are read; upload parts stay large."""

from __future__ import annotations

import hashlib

from portal.storage import get_storage
from tests.security.seed import client_as, seed, snapshot_tables

MiB = 1024 * 1024


class CountingBody:
    """A request body of `size` bytes, produced on demand, that counts what is read."""

    def __init__(self, size: int, fill: bytes = b"a"):
        self.size, self.fill, self.read_bytes = size, fill, 0

    def read(self, n: int = -1) -> bytes:
        left = self.size - self.read_bytes
        n = left if n is None or n < 0 else min(n, left)
        self.read_bytes += n
        return self.fill * n

    def readline(self, n: int = -1) -> bytes:
        return self.read(n if n and n > 0 else 64 * 1024)


def _post_big(client, path: str, size: int, token: str = "", content_type=None):
    body = CountingBody(size)
    response = client.post(
        path, headers={"X-CSRFToken": token},
        content_type=content_type or "application/x-www-form-urlencoded",
        environ_overrides={"wsgi.input": body, "CONTENT_LENGTH": str(size)})
    return response, body


def test_oversize_login_post_is_refused_unread(app):
    """A 100 MiB anonymous login body: 413 with the translated page, not one byte parsed."""
    world = seed(app)
    client, token = client_as(app, world, "anon")
    before = snapshot_tables()
    response, body = _post_big(client, "/auth/login", 100 * MiB, token)
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "Dữ liệu bạn gửi vượt quá giới hạn cho phép. Chưa có gì được lưu." in page
    assert body.read_bytes == 0
    assert snapshot_tables() == before


def test_every_form_route_refuses_a_body_over_one_mebibyte(app):
    """The limit holds for every POST route outside the storage endpoints, logged in or not,
    urlencoded or multipart, and nothing reads the body first."""
    world = seed(app)
    client, token = client_as(app, world, "admin")
    rules = [r for r in app.url_map.iter_rules() if "POST" in (r.methods or ())
             and not r.endpoint.startswith("storage_local.")]
    assert len(rules) > 30
    before = snapshot_tables()
    for rule in rules:
        path = rule.rule.replace("<slug>", world.slug).replace("<path:key>", "x")
        for arg in rule.arguments - {"slug", "key"}:
            path = path.replace(f"<int:{arg}>", "1").replace(f"<{arg}>", "x")
        for content_type in ("application/x-www-form-urlencoded",
                             "multipart/form-data; boundary=xyz"):
            response, body = _post_big(client, path, MiB + 1, token, content_type)
            assert response.status_code == 413, (rule.rule, response.status_code)
            assert body.read_bytes == 0, rule.rule
    assert snapshot_tables() == before


def test_oversize_json_call_gets_a_json_error(app):
    world = seed(app)
    client, token = client_as(app, world, "owner")
    response = client.post(f"/files/entries/{world.draft_id}/uploads",
                           data=b"{" + b" " * (2 * MiB) + b"}", content_type="application/json",
                           headers={"X-CSRFToken": token, "Accept": "application/json"})
    assert response.status_code == 413
    assert response.get_json() == {
        "error": "Dữ liệu bạn gửi vượt quá giới hạn cho phép. Chưa có gì được lưu."}


def test_many_small_fields_are_refused(app):
    """MAX_FORM_PARTS: a multipart body of 5000 tiny fields (under 1 MiB) is refused."""
    world = seed(app)
    client, token = client_as(app, world, "anon")
    data = {f"f{i}": "x" for i in range(5000)}
    response = client.post("/auth/login", data={"csrf_token": token, **data},
                           content_type="multipart/form-data")
    assert response.status_code == 413


def test_large_part_put_to_local_storage_is_accepted(app):
    """The part endpoint alone takes a body far over the forms' limit (here 5 MiB)."""
    storage = get_storage()
    upload_id = storage.start_upload("ed/1/big", content_type="application/pdf")
    data = bytes(range(256)) * (5 * MiB // 256)
    url = storage.sign_request(operation="upload_part", key="ed/1/big", upload_id=upload_id,
                               part_number=1, content_length=len(data), expires_in=60)
    response = app.test_client().put(url, data=data)
    assert response.status_code == 200
    assert response.headers["ETag"] == f'"{hashlib.sha256(data).hexdigest()}"'
    assert [p.size for p in storage.list_parts("ed/1/big", upload_id)] == [len(data)]
