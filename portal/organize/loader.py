"""Load an edition from a TOML document: create it, or update it in place by slug."""

from __future__ import annotations

import tomllib
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from judging.prizes import CATEGORY_RULES, NAME_STYLES
from portal.agencies import services as agency_services
from portal.extensions import db
from portal.models import (
    Contest,
    Criterion,
    FileSlot,
    Genre,
    Panel,
    PrizeCategory,
    PrizeLevel,
    PrizeQuota,
    Round,
    Score,
    User,
    normalize_email,
)

MB = 1024 * 1024


class EditionFileError(ValueError):
    """The edition file is malformed; the message names the place."""


def _dt(value, where: str) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise EditionFileError(f"{where}: a date-time needs a UTC offset, e.g. +07:00")
        return value
    raise EditionFileError(f"{where}: expected a date-time such as 2025-09-30T17:00:00+07:00")


def _date(value, where: str) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    raise EditionFileError(f"{where}: expected a date such as 2025-09-15")


def _require(table: dict, key: str, where: str):
    if key not in table:
        raise EditionFileError(f"{where}: '{key}' is missing")
    return table[key]


def read_edition_file(path: str | Path) -> dict:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise EditionFileError(f"{path}: {exc}") from exc


def load_edition(data: dict) -> Contest:
    """Create or update the edition described by data (flush, never commit).

    Entries are never touched. Genres, slots, levels and rounds are matched by
    code/kind/position and updated in place, so a reload keeps every entry's links.
    Raises EditionFileError with the failing place.
    """
    e = _require(data, "edition", "file")
    slug = _require(e, "slug", "[edition]")
    contest = db.session.scalar(sa.select(Contest).where(Contest.slug == slug))
    if contest is None:
        contest = Contest(slug=slug)
        db.session.add(contest)
    contest.name = _require(e, "name", "[edition]")
    contest.name_en = e.get("name_en", "")
    contest.year = int(_require(e, "year", "[edition]"))
    contest.number = int(e.get("number", 1))
    contest.organizing_body = e.get("organizing_body", "")
    contest.province = e.get("province", "")
    contest.timezone = e.get("timezone", "Asia/Ho_Chi_Minh")
    contest.ref_prefix = e.get("ref_prefix", f"BLV{contest.year}")
    contest.publication_start = _date(_require(e, "publication_start", "[edition]"),
                                      "[edition] publication_start")
    contest.publication_end = _date(_require(e, "publication_end", "[edition]"),
                                    "[edition] publication_end")
    contest.submission_opens = _dt(_require(e, "submission_opens", "[edition]"),
                                   "[edition] submission_opens")
    contest.submission_closes = _dt(_require(e, "submission_closes", "[edition]"),
                                    "[edition] submission_closes")
    contest.per_author_cap = int(e.get("per_author_cap", 2))
    contest.max_authors = int(e.get("max_authors", 5))
    contest.max_parts = int(e.get("max_parts", 5))
    contest.status = e.get("status", Contest.DRAFT)
    if contest.status not in Contest.STATUSES:
        raise EditionFileError(f"[edition] status must be one of {', '.join(Contest.STATUSES)}")
    contest.rules_url = e.get("rules_url", "")
    contest.allow_quota_transfer = bool(e.get("allow_quota_transfer", False))
    contest.special_prize_count = int(e.get("special_prize_count", 0))
    contest.national_reason_required = bool(e.get("national_reason_required", False))
    contest.issuing_body = e.get("issuing_body", "")
    contest.document_place = e.get("document_place", "")
    contest.name_style = e.get("name_style", "pen")
    if contest.name_style not in NAME_STYLES:
        raise EditionFileError(f"[edition] name_style must be one of {', '.join(NAME_STYLES)}")
    contest.entry_routes = e.get("entry_routes", Contest.ROUTE_BOTH)
    if contest.entry_routes not in Contest.ROUTES:
        raise EditionFileError(f"[edition] entry_routes must be one of {', '.join(Contest.ROUTES)}")
    if contest.publication_start > contest.publication_end:
        raise EditionFileError("[edition] publication_start is after publication_end")
    if contest.submission_opens >= contest.submission_closes:
        raise EditionFileError("[edition] submission_opens is not before submission_closes")
    db.session.flush()

    _load_agencies(contest, data.get("agencies", []))
    genres = _load_genres(contest, data.get("genres", []))
    _load_levels(contest, data.get("prize_levels", []), genres)
    _load_categories(contest, data.get("prize_categories", []))
    _load_rounds(contest, data.get("rounds", []), genres)
    db.session.flush()
    return contest


def _load_agencies(contest: Contest, rows: list[dict]) -> None:
    """Add each listed agency the edition does not have yet (by judging.text.same_agency);
    an agency is never removed by a reload, since entries point at it."""
    for i, row in enumerate(rows):
        name = _require(row, "name", f"[[agencies]] #{i + 1}")
        if agency_services.find_agency(contest, name) is None:
            agency_services.add_agency(contest=contest, name=name, actor=None)


def _load_genres(contest: Contest, rows: list[dict]) -> dict[str, Genre]:
    by_code = {g.code: g for g in contest.genres}
    for i, row in enumerate(rows):
        where = f"[[genres]] #{i + 1}"
        code = _require(row, "code", where)
        genre = by_code.get(code)
        if genre is None:
            genre = Genre(code=code)
            contest.genres.append(genre)
            by_code[code] = genre
        genre.name_vi = _require(row, "name_vi", where)
        genre.name_en = row.get("name_en", genre.name_vi)
        genre.position = i
        genre.requires_url = bool(row.get("requires_url", False))
        genre.series_word_vi = row.get("series_word_vi", "Loạt bài")
        genre.part_word_vi = row.get("part_word_vi", "kỳ")
        slots = {s.kind: s for s in genre.slots}
        for j, srow in enumerate(row.get("slots", [])):
            swhere = f"{where} slot #{j + 1}"
            kind = _require(srow, "kind", swhere)
            if kind not in FileSlot.KINDS:
                raise EditionFileError(f"{swhere}: kind must be one of {', '.join(FileSlot.KINDS)}")
            slot = slots.get(kind)
            if slot is None:
                slot = FileSlot(kind=kind)
                genre.slots.append(slot)
            slot.label_vi = _require(srow, "label_vi", swhere)
            slot.label_en = srow.get("label_en", slot.label_vi)
            slot.formats = ",".join(_require(srow, "formats", swhere))
            slot.max_size = int(Decimal(str(_require(srow, "max_size_mb", swhere))) * MB)
            slot.min_count = int(srow.get("min_count", 0))
            slot.max_count = int(srow.get("max_count", 1))
            slot.required = bool(srow.get("required", slot.min_count > 0))
            slot.per_part = bool(srow.get("per_part", False))
            slot.position = j
            if slot.max_size <= 0 or slot.max_count < max(slot.min_count, 1):
                raise EditionFileError(f"{swhere}: sizes and counts must be positive and in order")
    db.session.flush()
    return by_code


def _load_levels(contest: Contest, rows: list[dict], genres: dict[str, Genre]) -> None:
    by_code = {lv.code: lv for lv in contest.prize_levels}
    for i, row in enumerate(rows):
        where = f"[[prize_levels]] #{i + 1}"
        code = _require(row, "code", where)
        level = by_code.get(code)
        if level is None:
            level = PrizeLevel(code=code)
            contest.prize_levels.append(level)
            by_code[code] = level
        level.name_vi = _require(row, "name_vi", where)
        level.name_en = row.get("name_en", level.name_vi)
        level.position = i
        level.is_special = bool(row.get("special", False))
        level.min_score = Decimal(str(row["min_score"])) if "min_score" in row else None
        level.amount_vnd = row.get("amount_vnd")
        quotas = {q.genre_id: q for q in level.quotas}
        for gcode, n in row.get("quotas", {}).items():
            if gcode not in genres:
                raise EditionFileError(f"{where}: quota for unknown genre '{gcode}'")
            genre = genres[gcode]
            quota = quotas.get(genre.id)
            if quota is None:
                quota = PrizeQuota(genre=genre)
                level.quotas.append(quota)
            quota.quota = int(n)


def _load_categories(contest: Contest, rows: list[dict]) -> None:
    """[[prize_categories]]: code, name_vi, name_en, recipient (work|author|unit|person),
    count, decided_by (ranking|council), rule (for ranking: one of CATEGORY_RULES)."""
    by_code = {c.code: c for c in contest.prize_categories}
    for i, row in enumerate(rows):
        where = f"[[prize_categories]] #{i + 1}"
        code = _require(row, "code", where)
        cat = by_code.get(code)
        if cat is None:
            cat = PrizeCategory(code=code)
            contest.prize_categories.append(cat)
            by_code[code] = cat
        cat.name_vi = _require(row, "name_vi", where)
        cat.name_en = row.get("name_en", cat.name_vi)
        cat.recipient = row.get("recipient", PrizeCategory.WORK)
        if cat.recipient not in PrizeCategory.RECIPIENTS:
            raise EditionFileError(f"{where}: recipient must be one of "
                                   f"{', '.join(PrizeCategory.RECIPIENTS)}")
        cat.count = int(row.get("count", 1))
        if cat.count < 1:
            raise EditionFileError(f"{where}: count must be at least 1")
        cat.decided_by = row.get("decided_by", PrizeCategory.COUNCIL)
        cat.rule = row.get("rule", "") if cat.decided_by == PrizeCategory.RANKING else ""
        if cat.decided_by not in (PrizeCategory.RANKING, PrizeCategory.COUNCIL):
            raise EditionFileError(f"{where}: decided_by must be ranking or council")
        if cat.decided_by == PrizeCategory.RANKING and cat.rule not in CATEGORY_RULES:
            raise EditionFileError(f"{where}: rule must be one of {', '.join(CATEGORY_RULES)}")
        cat.position = i
        cat.amount_vnd = row.get("amount_vnd")


def _rubric_changes(criteria: dict[str, Criterion], rows: list[dict]) -> bool:
    """Would loading these criterion rows change the round's rubric?"""
    for j, crow in enumerate(rows):
        crit = criteria.get(crow.get("code"))
        if crit is None:
            return True
        try:
            wanted = (j, crow.get("name_vi"), crow.get("name_en", crow.get("name_vi")),
                      crow.get("description", ""), Decimal(str(crow.get("max_score"))),
                      Decimal(str(crow.get("step", 1))), Decimal(str(crow.get("weight", 1))))
        except ArithmeticError:
            return True
        if wanted != (crit.position, crit.name_vi, crit.name_en, crit.description,
                      Decimal(crit.max_score), Decimal(crit.step), Decimal(crit.weight)):
            return True
    return False


def _load_rounds(contest: Contest, rows: list[dict], genres: dict[str, Genre]) -> None:
    existing = {
        r.position: r
        for r in db.session.scalars(sa.select(Round).where(Round.contest_id == contest.id))
    }
    for i, row in enumerate(rows):
        where = f"[[rounds]] #{i + 1}"
        position = int(row.get("position", i + 1))
        rnd = existing.get(position)
        if rnd is None:
            rnd = Round(contest=contest, position=position)
            db.session.add(rnd)
        rnd.name_vi = _require(row, "name_vi", where)
        rnd.name_en = row.get("name_en", rnd.name_vi)
        rnd.opens_at = _dt(_require(row, "opens_at", where), f"{where} opens_at")
        rnd.closes_at = _dt(_require(row, "closes_at", where), f"{where} closes_at")
        rnd.judges_per_entry = int(row.get("judges_per_entry", 3))
        rnd.blind = bool(row.get("blind", True))
        rnd.aggregation = row.get("aggregation", "mean")
        if rnd.aggregation not in Round.AGGREGATIONS:
            raise EditionFileError(f"{where}: aggregation must be one of {Round.AGGREGATIONS}")
        rnd.trim_min_sheets = int(row.get("trim_min_sheets", 5))
        rnd.disagreement_threshold = Decimal(str(row.get("disagreement_threshold", 20)))
        rnd.advance_rule = row.get("advance_rule", "top_n")
        rnd.advance_value = Decimal(str(row.get("advance_value", 5)))
        criteria = {c.code: c for c in rnd.criteria}
        if rnd.id is not None and _rubric_changes(criteria, row.get("criteria", [])) and \
                db.session.scalar(sa.select(sa.exists().where(
                    Score.criterion_id == Criterion.id, Criterion.round_id == rnd.id))):
            raise EditionFileError(f"{where}: rubric frozen: scores exist for this round, "
                                   "so its criteria cannot change")
        for j, crow in enumerate(row.get("criteria", [])):
            cwhere = f"{where} criterion #{j + 1}"
            code = _require(crow, "code", cwhere)
            crit = criteria.get(code)
            if crit is None:
                crit = Criterion(code=code)
                rnd.criteria.append(crit)
            crit.position = j
            crit.name_vi = _require(crow, "name_vi", cwhere)
            crit.name_en = crow.get("name_en", crit.name_vi)
            crit.description = crow.get("description", "")
            crit.max_score = Decimal(str(_require(crow, "max_score", cwhere)))
            crit.step = Decimal(str(crow.get("step", 1)))
            crit.weight = Decimal(str(crow.get("weight", 1)))
        panels = {p.name: p for p in rnd.panels}
        for j, prow in enumerate(row.get("panels", [])):
            pwhere = f"{where} panel #{j + 1}"
            name = _require(prow, "name", pwhere)
            panel = panels.get(name)
            if panel is None:
                panel = Panel(name=name)
                rnd.panels.append(panel)
            panel.position = j
            unknown = [c for c in prow.get("genres", []) if c not in genres]
            if unknown:
                raise EditionFileError(f"{pwhere}: unknown genres {unknown}")
            panel.genres = [genres[c] for c in prow.get("genres", [])]
            emails = [normalize_email(x) for x in prow.get("judges", [])]
            if emails:
                users = db.session.scalars(sa.select(User).where(User.email.in_(emails))).all()
                panel.judges = sorted(users, key=lambda u: emails.index(u.email))
