"""Derived media: a broadcaster's MOV becomes an H.264/AAC ≤720p faststart MP4 proxy with a
poster; judges stream the proxy, organizers download the original; `flask media rebuild`."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import uuid

import pytest

from portal.extensions import db
from portal.files import media
from portal.models import Assignment, Entry, EntryFile, Membership
from portal.storage import get_storage
from tests.support.factories import grant, make_round, make_user
from tests.support.web import login

pytestmark = pytest.mark.skipif(not shutil.which("ffmpeg") or not shutil.which("pdftoppm"),
                                reason="ffmpeg and pdftoppm are needed for derived media")


def _mov(tmp_path) -> bytes:
    """A 2 s 1920×1080 MPEG-4 Part 2 video with PCM audio in a QuickTime MOV, carrying an
    author's name in its metadata (what a broadcaster delivers, not playable in browsers)."""
    out = tmp_path / "src.mov"
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y",
                    "-f", "lavfi", "-i", "testsrc=size=1920x1080:rate=25:duration=2",
                    "-f", "lavfi", "-i", "sine=frequency=440:duration=2",
                    "-c:v", "mpeg4", "-q:v", "5", "-c:a", "pcm_s16le",
                    "-metadata", "artist=Nguyễn Văn Tác Giả", "-metadata", "title=Phóng sự",
                    str(out)], check=True)
    return out.read_bytes()


def _probe(data: bytes, tmp_path) -> dict:
    path = tmp_path / f"probe-{uuid.uuid4().hex}"
    path.write_bytes(data)
    done = subprocess.run(["ffprobe", "-v", "error", "-show_streams", "-show_format",
                           "-of", "json", str(path)], capture_output=True, check=True)
    return json.loads(done.stdout)


def _read(key: str) -> bytes:
    return b"".join(get_storage().iter_chunks(key))


@pytest.fixture
def video(app, world, tmp_path):
    data = _mov(tmp_path)
    key = f"{world.contest.id}/{world.entry.id}/{uuid.uuid4().hex}"
    get_storage().put_file(key, io.BytesIO(data), content_type="video/quicktime")
    row = EntryFile(entry_id=world.entry.id, slot_id=world.video.id, part_number=1, key=key,
                    original_filename="Phóng sự Nguyễn Văn Tác Giả.mov",
                    content_type="video/quicktime", size=len(data), status=EntryFile.VERIFIED)
    db.session.add(row)
    db.session.commit()
    return row, data


def test_mov_gets_a_720p_h264_aac_faststart_proxy_and_a_poster(app, video, tmp_path):
    row, _data = video
    assert media.build_job(file_id=row.id) == [media.PROXY, media.POSTER]
    proxy = _read(media.proxy_key(row, get_storage()))
    info = _probe(proxy, tmp_path)
    codecs = {s["codec_type"]: s for s in info["streams"]}
    assert codecs["video"]["codec_name"] == "h264"
    assert (codecs["video"]["width"], codecs["video"]["height"]) == (1280, 720)
    assert codecs["audio"]["codec_name"] == "aac"
    assert proxy.index(b"moov") < proxy.index(b"mdat")  # faststart: the index comes first
    tags = json.dumps(info["format"].get("tags", {}), ensure_ascii=False)
    assert "Tác Giả" not in tags and "Phóng sự" not in tags
    poster = _read(media.derivatives(row)[media.POSTER][0])
    assert poster[:3] == b"\xff\xd8\xff"
    assert media.build_job(file_id=row.id) == []  # made once; a rerun changes nothing


def test_judge_streams_the_proxy_and_the_organizer_downloads_the_original(app, world, video):
    row, data = video
    media.build_job(file_id=row.id)
    judge, org = make_user("gk@example.vn"), make_user("btc@example.vn")
    grant(judge, world.contest, Membership.JUDGE)
    grant(org, world.contest, Membership.ORGANIZER)
    world.entry.status = Entry.SUBMITTED
    rnd = make_round(world.contest, judges=[judge])
    db.session.add(Assignment(round_id=rnd.id, entry_id=world.entry.id, judge_id=judge.id,
                              status=Assignment.ACTIVE))
    db.session.commit()
    proxy = _read(media.proxy_key(row, get_storage()))

    judge_client = app.test_client()
    login(judge_client, judge.email)
    response = judge_client.get(f"/files/{row.id}?inline=1")
    assert response.status_code == 200
    assert response.mimetype == "video/mp4" and response.get_data() == proxy
    assert "Tác Giả" not in response.headers.get("Content-Disposition", "")

    org_client = app.test_client()
    login(org_client, org.email)
    response = org_client.get(f"/files/{row.id}")
    assert response.mimetype == "video/quicktime" and response.get_data() == data


def test_rebuild_remakes_a_deleted_proxy(app, runner, video):
    row, _data = video
    media.build_job(file_id=row.id)
    key = media.proxy_key(row, get_storage())
    get_storage().delete(key)  # derived data: deleting it loses nothing
    assert media.proxy_key(row, get_storage()) is None
    result = runner.invoke(args=["media", "rebuild"])
    assert "1 files enqueued." in result.output  # no Redis: built in-process
    assert media.proxy_key(row, get_storage()) == key


def test_pdf_gets_a_first_page_thumbnail(app, world):
    from tests.integration.files.helpers import make_pdf

    key = f"{world.contest.id}/{world.entry.id}/{uuid.uuid4().hex}"
    get_storage().put_file(key, io.BytesIO(make_pdf(pages=2)), content_type="application/pdf")
    row = EntryFile(entry_id=world.entry.id, slot_id=world.script.id, key=key,
                    original_filename="kich-ban.pdf", content_type="application/pdf",
                    status=EntryFile.VERIFIED)
    db.session.add(row)
    db.session.commit()
    assert media.build_job(file_id=row.id) == [media.THUMB]
    assert _read(media.derivatives(row)[media.THUMB][0])[:8] == b"\x89PNG\r\n\x1a\n"
    assert media.proxy_key(row, get_storage()) is None  # a PDF is served as it is
