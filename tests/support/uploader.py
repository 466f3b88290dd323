"""The one upload protocol, as the browser speaks it: a small Python twin of what
portal/static/js/uploader.js and Uppy's AwsS3 plugin (signRequest mode) send.

1. POST /files/entries/<id>/uploads: the portal opens the upload in storage and answers
   its file id, key, upload id and part size;
2. for each request the plugin builds (UploadPart, ListParts, CompleteMultipartUpload,
   AbortMultipartUpload), POST /files/uploads/<id>/sign {method, key, uploadId,
   partNumber?} and send the request to the URL it answers (the bucket on S3, the app's
   S3-compatible endpoint on local storage), reading S3's XML;
3. POST /files/uploads/<id>/verify.

Every test, fault test and benchmark that uploads drives this class. ``http`` sends a
request to a signed URL: None sends it through the Flask test client (local storage);
``over_http`` sends it over the network (S3, or a served portal).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field

DATA_CSRF = re.compile(r'data-csrf="([^"]+)"')


@dataclass
class Sent:
    """What a signed URL answered."""

    status: int
    headers: dict
    body: bytes

    @property
    def etag(self) -> str | None:
        return self.headers.get("ETag") or self.headers.get("etag")

    def error(self) -> str:
        """S3's error message (XML ``<Message>``), or the body as text."""
        found = xml_values(self.body, "Message")
        return found[0] if found else self.body.decode("utf-8", "replace")


@dataclass
class Refused:
    """A storage refusal shaped like the portal's JSON answer, so a test can treat a
    failed completion and a refused verification alike."""

    status_code: int
    message: str
    sent: Sent = field(repr=False)

    def get_json(self) -> dict:
        return {"error": self.message}


def xml_values(body: bytes, tag: str) -> list[str]:
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return []
    return [e.text or "" for e in root.iter() if e.tag.rsplit("}", 1)[-1] == tag]


def over_http(method: str, url: str, data: bytes = b"") -> Sent:
    """Send one signed request over the network (S3, LocalStack, a served portal)."""
    import requests

    response = requests.request(method, url, data=data, timeout=120)
    return Sent(response.status_code, dict(response.headers), response.content)


def csrf_token(client, entry_id: int) -> str:
    page = client.get(f"/files/entries/{entry_id}/slots").get_data(as_text=True)
    match = DATA_CSRF.search(page)
    assert match, page[:500]
    return match.group(1)


class Uploader:
    """The protocol through a logged-in Flask test client, for one entry."""

    def __init__(self, client, entry_id: int, *,
                 http: Callable[[str, str, bytes], Sent] | None = None):
        self.client = client
        self.entry_id = entry_id
        self.token = csrf_token(client, entry_id)
        self.http = http
        self.uploads: dict[int, dict] = {}  # file id -> what start answered

    def headers(self) -> dict:
        return {"X-CSRFToken": self.token, "Accept": "application/json"}

    def _post(self, url: str, body: dict | None = None):
        return self.client.post(url, json=body or {}, headers=self.headers())

    # The portal's endpoints -----------------------------------------------------------

    def start(self, slot_id, filename, size, *, part=None, type_="application/pdf"):
        response = self._post(f"/files/entries/{self.entry_id}/uploads", {
            "slot_id": slot_id, "part_number": part, "filename": filename, "size": size,
            "type": type_,
        })
        body = response.get_json(silent=True) or {}
        if "file_id" in body:
            self.uploads[body["file_id"]] = body
        return response

    def sign(self, file_id: int, method: str, *, part_number=None, key=None, upload_id=None):
        """Ask the portal to sign one request; key and upload id default to the upload's."""
        started = self.uploads.get(file_id, {})
        body = {"method": method, "key": key or started.get("key"),
                "uploadId": upload_id if upload_id is not None else started.get("uploadId")}
        if part_number is not None:
            body["partNumber"] = part_number
        return self._post(f"/files/uploads/{file_id}/sign", body)

    def verify(self, file_id: int):
        return self._post(f"/files/uploads/{file_id}/verify")

    def abort(self, file_id: int):
        return self._post(f"/files/uploads/{file_id}/abort")

    # Requests to signed URLs ----------------------------------------------------------

    def send(self, method: str, url: str, data: bytes = b"") -> Sent:
        if self.http is not None:
            return self.http(method, url, data)
        path = re.sub(r"^https?://[^/]+", "", url)
        response = self.client.open(path, method=method, data=data)
        return Sent(response.status_code, dict(response.headers), response.get_data())

    def send_file_parts(self, file_id: int, path, *, workers: int = 1) -> list[tuple[int, str]]:
        """Send a file from disk part by part (``workers`` at a time), reading one part
        into memory at a time, as the browser slices a File; returns (number, etag)."""
        from concurrent.futures import ThreadPoolExecutor
        from pathlib import Path

        size, part_size = Path(path).stat().st_size, self.uploads[file_id]["part_size"]

        def one(number: int) -> tuple[int, str]:
            with open(path, "rb") as fh:
                fh.seek((number - 1) * part_size)
                return number, self.send_part(file_id, number, fh.read(part_size))

        count = max(1, -(-size // part_size))
        with ThreadPoolExecutor(workers) as pool:
            return list(pool.map(one, range(1, count + 1)))

    def signed(self, file_id: int, method: str, data: bytes = b"", **sign) -> Sent:
        answer = self.sign(file_id, method, **sign)
        assert answer.status_code == 200, answer.get_json()
        return self.send(method, answer.get_json()["url"], data)

    def put_part(self, file_id: int, number: int, data: bytes) -> Sent:
        return self.signed(file_id, "PUT", data, part_number=number)

    def send_part(self, file_id: int, number: int, data: bytes) -> str:
        sent = self.put_part(file_id, number, data)
        assert sent.status == 200, (sent.status, sent.error())
        assert sent.etag, sent.headers
        return sent.etag

    def list_parts(self, file_id: int) -> list[tuple[int, str, int]]:
        sent = self.signed(file_id, "GET")
        assert sent.status == 200, (sent.status, sent.error())
        root = ET.fromstring(sent.body)
        parts = []
        for part in (e for e in root.iter() if e.tag.rsplit("}", 1)[-1] == "Part"):
            fields = {c.tag.rsplit("}", 1)[-1]: c.text for c in part}
            parts.append((int(fields["PartNumber"]), fields["ETag"].strip('"'),
                          int(fields["Size"])))
        return parts

    def complete_in_storage(self, file_id: int, parts) -> Sent:
        body = "<CompleteMultipartUpload>" + "".join(
            f"<Part><PartNumber>{n}</PartNumber><ETag>{e}</ETag></Part>" for n, e in parts
        ) + "</CompleteMultipartUpload>"
        return self.signed(file_id, "POST", body.encode())

    def complete(self, file_id: int, parts):
        """Complete the upload in storage, then have the portal verify it, as the plugin
        and the post-processor do. A refused completion comes back as ``Refused``."""
        sent = self.complete_in_storage(file_id, parts)
        if sent.status != 200 or xml_values(sent.body, "Code"):
            return Refused(sent.status if sent.status != 200 else 400, sent.error(), sent)
        return self.verify(file_id)

    def chunks(self, file_id: int, data: bytes) -> list[bytes]:
        size = self.uploads[file_id]["part_size"]
        return [data[i:i + size] for i in range(0, len(data), size)] or [b""]

    def upload(self, slot_id, filename, data: bytes, *, part=None, type_="application/pdf"):
        """The whole protocol; returns the verification response (or ``Refused``)."""
        started = self.start(slot_id, filename, len(data), part=part, type_=type_)
        assert started.status_code == 201, started.get_json()
        file_id = started.get_json()["file_id"]
        parts = [(n, self.send_part(file_id, n, chunk))
                 for n, chunk in enumerate(self.chunks(file_id, data), start=1)]
        return self.complete(file_id, parts)


class _RemoteResponse:
    """A requests response with the two methods the Uploader reads of a Flask one."""

    def __init__(self, response):
        self._response = response
        self.status_code = response.status_code
        self.headers = response.headers

    def get_json(self, silent: bool = False):
        try:
            return self._response.json()
        except ValueError:
            if silent:
                return None
            raise

    def get_data(self, as_text: bool = False):
        return self._response.text if as_text else self._response.content


class RemotePortal:
    """A served portal (gunicorn in the benchmarks) behind the Flask test client's
    interface, so ``Uploader`` drives it over HTTP: ``Uploader(RemotePortal(session,
    url), entry_id)``. Thread-safe enough for parallel part uploads."""

    def __init__(self, session, base_url: str, timeout: float = 900):
        self.session, self.base, self.timeout = session, base_url.rstrip("/"), timeout

    def get(self, path: str, **kwargs):
        return _RemoteResponse(self.session.get(self.base + path, timeout=self.timeout,
                                                **kwargs))

    def post(self, path: str, **kwargs):
        return _RemoteResponse(self.session.post(self.base + path, timeout=self.timeout,
                                                 **kwargs))

    def open(self, path: str, method: str = "GET", data: bytes = b""):
        # Signed URLs carry their own authority: no session cookie is needed.
        import requests

        return _RemoteResponse(requests.request(method, self.base + path, data=data,
                                                timeout=self.timeout))
