"""The prize and forwarded lists as rows with Vietnamese headers, shared by CSV/XLSX/PDF/ZIP.

A published edition's lists are its publication snapshot; before publication they are the
live decision, and every file made from them says "DỰ THẢO" (draft)."""

from __future__ import annotations

from dataclasses import dataclass

from portal.results.services import Review, result_lists

HEADERS = ["STT", "Mức giải", "Tên tác phẩm", "Loại hình", "Hình thức", "Tác giả (bút danh)",
           "Cơ quan báo chí", "Mã tác phẩm"]
DRAFT_MARK = "DỰ THẢO: kết quả chưa công bố, có thể còn thay đổi"
DRAFT_SUFFIX = " (dự thảo)"


@dataclass(frozen=True)
class Lists:
    prizes: list[list]
    forwarded: list[list]
    draft: bool

    def title(self, name: str) -> str:
        """A sheet or heading title, marked when the lists are a draft."""
        return name + DRAFT_SUFFIX if self.draft else name


def as_row(n: int, item: dict) -> list:
    return [n, item["level_vi"], item["title"], item["genre_vi"], item["form_vi"],
            ", ".join(item["authors"]), item["agency"], item["reference"]]


def lists(contest, review: Review | None = None) -> Lists:
    """The published lists (or the draft of them) as numbered rows."""
    found = result_lists(contest, review)
    return Lists([as_row(i, p) for i, p in enumerate(found.prizes, 1)],
                 [as_row(i, p) for i, p in enumerate(found.forwarded, 1)], found.draft)
