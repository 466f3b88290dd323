"""S3Storage only: prefix on every key, bucket CORS, error translation, public endpoint."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import pytest

from portal.storage import S3Storage, StorageError
from tests.support.s3 import ACCESS_KEY, SECRET_KEY
from tests.support.storage_requests import part_url

KEY = "2025/entry-9/77aa"


def test_prefix_applies_to_every_stored_key(s3):
    storage = s3.storage
    storage.put_file(KEY, io.BytesIO(b"abc"), content_type="text/plain")
    upload_id = storage.start_upload("2025/entry-9/88bb", content_type="video/mp4")

    raw = storage.client.list_objects_v2(Bucket=storage.bucket)
    assert [item["Key"] for item in raw["Contents"]] == ["portal-test/" + KEY]
    raw_uploads = storage.client.list_multipart_uploads(Bucket=storage.bucket)["Uploads"]
    assert [u["Key"] for u in raw_uploads] == ["portal-test/2025/entry-9/88bb"]
    assert [o.key for o in storage.list_keys()] == [KEY]
    assert [u[:2] for u in storage.list_multipart_uploads()] == [("2025/entry-9/88bb", upload_id)]
    url = part_url(storage, "2025/entry-9/88bb", upload_id, 1, 3)
    assert "/portal-test/2025/entry-9/88bb?" in url


def test_ensure_bucket_sets_cors_for_browser_part_uploads(s3):
    storage = s3.storage
    storage.ensure_bucket(["https://giaibualiemvang.example"])  # second call: bucket exists
    rules = storage.client.get_bucket_cors(Bucket=storage.bucket)["CORSRules"]
    assert len(rules) == 1
    assert rules[0]["AllowedOrigins"] == ["https://giaibualiemvang.example"]
    # Uppy's AwsS3 plugin creates (POST), lists (GET), completes (POST) and aborts (DELETE).
    assert sorted(rules[0]["AllowedMethods"]) == ["DELETE", "GET", "HEAD", "POST", "PUT"]
    assert rules[0]["ExposeHeaders"] == ["ETag"]


def test_download_redirects_to_a_short_lived_presigned_get(s3):
    storage = s3.storage
    storage.put_file(KEY, io.BytesIO(b"abc"), content_type="application/pdf")
    response = storage.download_response(
        KEY, filename="Ảnh.pdf", content_type="application/pdf", inline=True
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(
        storage.client.meta.endpoint_url + "/" + storage.bucket + "/portal-test/" + KEY + "?"
    )
    assert "X-Amz-Expires=300" in location
    assert "response-content-disposition=" in location
    assert response.headers["Cache-Control"] == "no-store"


def test_unreachable_store_raises_a_readable_error():
    storage = S3Storage(
        "bucket", endpoint_url="http://127.0.0.1:9", access_key=ACCESS_KEY, secret_key=SECRET_KEY
    )
    with pytest.raises(StorageError) as caught:
        storage.head(KEY)
    assert caught.value.status == 503
    assert str(caught.value) == (
        "The file store is not reachable right now. Your upload is kept; "
        "try again in a few minutes."
    )


def test_missing_bucket_is_reported_as_misconfiguration(s3, moto_endpoint):
    storage = S3Storage(
        "no-such-bucket-here",
        endpoint_url=moto_endpoint,
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
    )
    with pytest.raises(StorageError) as caught:
        storage.start_upload(KEY, content_type="application/pdf")
    assert caught.value.status == 503
    assert str(caught.value) == (
        "The file store refused the request. The portal is misconfigured; "
        "please tell the secretariat."
    )


def test_part_urls_are_signed_for_the_public_endpoint(moto_endpoint):
    storage = S3Storage(
        "bucket",
        endpoint_url=moto_endpoint,
        public_endpoint_url="https://files.example.vn",
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
    )
    url = part_url(storage, KEY, "upload-1", 3, 3)
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == (
        "https",
        "files.example.vn",
        "/bucket/" + KEY,
    )
    assert "partNumber=3" in parts.query and "uploadId=upload-1" in parts.query
    assert storage.client.meta.endpoint_url == moto_endpoint


def test_part_number_out_of_range_is_refused(s3):
    with pytest.raises(StorageError) as caught:
        part_url(s3.storage, KEY, "x", 10_001, 3)
    assert str(caught.value) == "Invalid part number."
