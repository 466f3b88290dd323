"""Requests the storage tests make by hand: a signed part URL, an S3-style error message."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from portal.storage import Storage


def part_url(storage: Storage, key: str, upload_id: str, number: int, length: int,
             expires_in: int = 3600) -> str:
    """The URL the portal would sign for part ``number`` of ``length`` bytes."""
    return storage.sign_request(operation="upload_part", key=key, upload_id=upload_id,
                                part_number=number, content_length=length,
                                expires_in=expires_in)


def error_message(response) -> str:
    """The <Message> of an S3-style XML error answer."""
    root = ET.fromstring(response.content)
    return next(e.text for e in root.iter() if e.tag.rsplit("}", 1)[-1] == "Message")
