"""The prize and forwarded lists as rows with Vietnamese headers, shared by CSV/XLSX/PDF."""

from __future__ import annotations

from portal.results.services import Review, published_rows, review_results

HEADERS = ["STT", "Mức giải", "Tên tác phẩm", "Loại hình", "Hình thức", "Tác giả (bút danh)",
           "Cơ quan báo chí", "Mã tác phẩm"]


def as_row(n: int, item: dict) -> list:
    return [n, item["level_vi"], item["title"], item["genre_vi"], item["form_vi"],
            ", ".join(item["authors"]), item["agency"], item["reference"]]


def lists(contest, review: Review | None = None) -> tuple[Review, list[list], list[list]]:
    """The current decision (what publishing now would freeze) as numbered rows."""
    review = review or review_results(contest, with_agreement=False)
    prizes, forwarded = published_rows(review)
    return (review, [as_row(i, p) for i, p in enumerate(prizes, 1)],
            [as_row(i, p) for i, p in enumerate(forwarded, 1)])
