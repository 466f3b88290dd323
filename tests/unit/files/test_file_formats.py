"""The one table of file formats: aliases, names and MIME types agree wherever they are used."""

from __future__ import annotations

import pytest

from portal.files import formats


@pytest.mark.parametrize("given, canonical", [
    ("JPEG", "jpg"), (".jpe", "jpg"), ("jpg", "jpg"), ("tif", "tiff"), ("m4v", "mp4"),
    ("PDF", "pdf"), ("xyz", "xyz"),
])
def test_canonical_spelling_of_an_extension(given, canonical):
    assert formats.canonical(given) == canonical


def test_a_slot_accepting_jpg_offers_every_alias_and_names_it_once():
    assert formats.aliases("jpg") == ("jpeg", "jpe")
    assert formats.name("jpeg") == formats.name("jpg") == "JPEG"


def test_names_are_the_verifiers_names_on_the_entry_form_too():
    # The entry form said "MOV" while a refusal said "MOV (QuickTime)": one table now.
    assert [formats.name(f) for f in ("mp4", "mov", "webp", "mp3")] == [
        "MP4", "MOV (QuickTime)", "WebP", "MP3"]
    assert formats.name("abc") == "ABC"


@pytest.mark.parametrize("mime, extension", [
    ("application/pdf", "pdf"), ("image/jpeg", "jpg"), ("video/quicktime", "mov"),
    ("video/x-m4v", "mp4"), ("audio/x-wav", "wav"), ("image/tiff", "tiff"),
    ("text/html", "bin"), ("", "bin"), ("IMAGE/PNG; charset=x", "png"),
])
def test_download_extension_from_the_sniffed_type(mime, extension):
    assert formats.extension_for_mime(mime) == extension


def test_audio_and_video_are_the_media_formats():
    assert all(formats.is_media(f) for f in ("mp3", "mp4", "m4v", "mov", "wav", "flac"))
    assert not any(formats.is_media(f) for f in ("pdf", "jpg", "zip"))
