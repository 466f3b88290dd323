"""The organizer's results workbook: prize list, forwarded list, score matrix per round,
one sheet per judge. Vietnamese headers, frozen header row, set widths, numbers as numbers."""

from __future__ import annotations

import io
import re
from collections import defaultdict

import sqlalchemy as sa
import sqlalchemy.orm as so
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from judging.numbers import round_half_up
from judging.prizes import split_prize
from portal.exports.cells import xlsx_row
from portal.exports.results_lists import DRAFT_MARK, HEADERS, Lists, lists
from portal.extensions import db
from portal.models import Assignment, Criterion, Entry, Score, ScoreSheet, User
from portal.results.services import compute_round, published_categories, review_results, rounds_of

PRIZES_TITLE = "Danh sách đạt giải"
FORWARDED_TITLE = "Chuyển vòng toàn quốc"
CATEGORIES_TITLE = "Giải khác"
WINNERS_TITLE = "Tác giả đạt giải"
WINNER_HEADERS = ["STT", "Mức giải", "Mã hồ sơ", "Tên tác phẩm", "Họ và tên", "Bút danh",
                  "Năm sinh", "Cơ quan, nơi công tác", "Điện thoại", "Email",
                  "Tiền thưởng (đồng)"]
CATEGORY_HEADERS = ["STT", "Giải", "Người / đơn vị / tác phẩm nhận giải", "Tác phẩm", "Mã hồ sơ",
                    "Lý do của Hội đồng"]
LIST_WIDTHS = [6, 18, 50, 16, 18, 30, 30, 16]
_BAD = re.compile(r"[\[\]:*?/\\]")


def _title(name: str, used: set[str]) -> str:
    base = _BAD.sub("-", name).strip()[:31] or "Sheet"
    title, n = base, 2
    while title.lower() in used:
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(title.lower())
    return title


def _sheet(wb: Workbook, title: str, headers: list[str], widths: list[int], used: set[str]):
    ws = wb.create_sheet(_title(title, used))
    ws.freeze_panes = "A2"
    for i, width in enumerate(widths):
        ws.column_dimensions[_col(i)].width = width
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="center")
    row = xlsx_row(ws, headers)
    for cell in row:
        cell.font, cell.alignment = bold, wrap
    ws.append(row)
    return ws


def _col(i: int) -> str:
    name = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        name = chr(65 + r) + name
    return name


def _num(value: float | None, digits: int = 2):
    """Half-up of the exact value (82.625 -> 82.63, as Excel shows it), never float round()."""
    return None if value is None else float(round_half_up(value, digits))


def _winners_sheet(wb, found: Lists, review, used: set[str]) -> None:
    """Per author of each prize-winning work of the prize list (the published one once
    published): what certificates and payment need (organizer only): full name, pen name,
    year of birth, agency, phone, email and the money share."""
    amounts = {pl.name_vi: pl.amount_vnd for pl in review.levels}
    references = [row[-1] for row in found.prizes]
    entries = {e.reference: e for e in db.session.scalars(
        sa.select(Entry).where(Entry.contest_id == review.contest.id,
                               Entry.reference.in_(references))
        .options(so.selectinload(Entry.authors))
    )} if references else {}
    ws = _sheet(wb, WINNERS_TITLE, WINNER_HEADERS, [6, 14, 16, 45, 28, 22, 9, 30, 14, 28, 16],
                used)
    n = 0
    for row in found.prizes:  # the prize list's order
        level_vi, title, reference = row[1], row[2], row[-1]
        entry = entries.get(reference)
        if entry is None:
            continue
        authors = entry.authors
        amount = amounts.get(level_vi)
        shares = (split_prize(amount, len(authors), [a.prize_share for a in authors])
                  if amount is not None and authors else [None] * len(authors))
        for author, share in zip(authors, shares, strict=True):
            n += 1
            ws.append(xlsx_row(ws, [
                n, level_vi, reference, title, author.full_name,
                author.pen_name or None, author.year_of_birth, author.workplace or None,
                author.phone or None, author.email or None, share]))


def build(contest) -> bytes:
    """The whole workbook as bytes (write-only mode: rows are streamed to the file)."""
    review = review_results(contest, with_agreement=False)
    found = lists(contest, review)
    wb = Workbook(write_only=True)
    if found.draft:
        wb.properties.title = DRAFT_MARK
    used: set[str] = set()
    for title, rows in ((PRIZES_TITLE, found.prizes), (FORWARDED_TITLE, found.forwarded)):
        ws = _sheet(wb, found.title(title), HEADERS + ["Điểm tổng hợp"], LIST_WIDTHS + [14],
                    used)
        refs = {r.reference: r for r in review.results.rows.values()} if review.results else {}
        for row in rows:
            result = refs.get(row[-1])
            ws.append(xlsx_row(ws, row + [_num(result.value) if result else None]))

    rounds = rounds_of(contest)
    computed = []
    for round_ in rounds:
        results = (review.results if review.round is not None and round_.id == review.round.id
                   else compute_round(round_, with_agreement=False))
        computed.append((round_, results))
    judge_ids = {j for _, res in computed for j in res.judges}
    names = dict(db.session.execute(
        sa.select(User.id, User.full_name).where(User.id.in_(judge_ids))).all()
    ) if judge_ids else {}
    genre_pos = {g.code: i for i, g in enumerate(review.genres)}
    genre_names = {g.code: g.name_vi for g in review.genres}  # the sheet shows names, not codes

    for round_, results in computed:
        judges = sorted(results.judges, key=lambda j: (names.get(j, ""), j))
        headers = (["Mã tác phẩm", "Tên tác phẩm", "Loại hình"]
                   + [names.get(j, str(j)) for j in judges]
                   + ["Số phiếu", "Tổng điểm", "Điểm tổng hợp", "Xếp hạng", "Cảnh báo"])
        widths = [16, 45, 18] + [12] * len(judges) + [9, 11, 13, 9, 40]
        ws = _sheet(wb, f"Vòng {round_.position} - {round_.name_vi}", headers, widths, used)
        matrix: dict[int, dict[int, float]] = defaultdict(dict)
        for s in results.sheets:
            matrix[s.entry_id][s.judge_id] = s.total
        column = {j: i for i, j in enumerate(judges)}
        rows = sorted(results.rows.values(),
                      key=lambda r: (genre_pos.get(r.genre_code, 99), r.rank is None,
                                     r.rank or 0, r.reference))
        for r in rows:
            cells: list = [None] * len(judges)
            for j, total in matrix.get(r.entry_id, {}).items():
                cells[column[j]] = _num(total)
            flags = "; ".join(
                f"{names.get(f.judge_id, f.judge_id)}: {_num(f.total)} / {_num(f.others_mean)}"
                for f in r.flags)
            total = sum(matrix.get(r.entry_id, {}).values()) if r.n_sheets else None
            genre = genre_names.get(r.genre_code, r.genre_code)
            ws.append(xlsx_row(ws, [r.reference, r.title, genre] + cells
                               + [r.n_sheets, _num(total), _num(r.value), r.rank,
                                  flags or None]))

    criteria_order: list[tuple[int, str, str]] = []
    per_judge: dict[int, list[list]] = defaultdict(list)
    for round_, results in computed:
        codes = [c.code for c in round_.criteria]
        for c in round_.criteria:
            if c.code not in {k for _, k, _ in criteria_order}:
                criteria_order.append((len(criteria_order), c.code, c.name_vi))
        values: dict[tuple[int, int], dict[str, float]] = defaultdict(dict)
        for judge_id, entry_id, code, value in db.session.execute(
            sa.select(Assignment.judge_id, Assignment.entry_id, Criterion.code, Score.value)
            .join(ScoreSheet, ScoreSheet.assignment_id == Assignment.id)
            .join(Score, Score.sheet_id == ScoreSheet.id)
            .join(Criterion, Criterion.id == Score.criterion_id)
            .where(Assignment.round_id == round_.id, Assignment.status == Assignment.ACTIVE,
                   ScoreSheet.status == ScoreSheet.SUBMITTED)
        ):
            values[(judge_id, entry_id)][code] = float(value)
        for s in sorted(results.sheets, key=lambda s: (s.judge_id, s.entry_id)):
            row = results.rows.get(s.entry_id)
            per_judge[s.judge_id].append(
                (round_.position, row.reference if row else "", row.title if row else "",
                 {c: values[(s.judge_id, s.entry_id)].get(c) for c in codes}, s.total))
    for judge_id in sorted(per_judge, key=lambda j: (names.get(j, ""), j)):
        codes = [code for _, code, _ in criteria_order]
        headers = (["Vòng", "Mã tác phẩm", "Tên tác phẩm"] + [n for _, _, n in criteria_order]
                   + ["Tổng điểm"])
        ws = _sheet(wb, f"GK {names.get(judge_id, judge_id)}", headers,
                    [7, 16, 45] + [14] * len(codes) + [11], used)
        for position, reference, title, crit, total in per_judge[judge_id]:
            ws.append(xlsx_row(ws, [position, reference, title]
                               + [_num(crit.get(c)) for c in codes] + [_num(total)]))

    _winners_sheet(wb, found, review, used)

    categories = published_categories(contest, with_reasons=True)
    if categories:
        ws = _sheet(wb, CATEGORIES_TITLE, CATEGORY_HEADERS, [6, 40, 40, 45, 16, 50], used)
        n = 0
        for cat in categories:
            for w in cat["winners"]:
                n += 1
                ws.append(xlsx_row(ws, [n, cat["name_vi"], w["name"], w["title"] or None,
                                        w["reference"] or None, w.get("reason") or None]))

    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
