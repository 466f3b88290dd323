"""Screening rules for an entry: windows, parts, authors, caps, files, URLs and declarations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlsplit

from judging.i18n import N_
from judging.problems import DEFAULT_TZ, Problem, fmt_date, fmt_datetime
from judging.text import normalize_name

__all__ = [
    "DateWindow",
    "EditionRules",
    "EntryFacts",
    "Part",
    "Person",
    "Problem",
    "SlotRequirement",
    "SubmissionWindow",
    "check_entry",
    "check_url",
    "check_window",
    "same_person",
]


@dataclass(frozen=True)
class DateWindow:
    """Publication window; both ``start`` and ``end`` are inclusive."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise ValueError("DateWindow start is after end")

    def __contains__(self, d: object) -> bool:
        return isinstance(d, date) and self.start <= d <= self.end


@dataclass(frozen=True)
class SubmissionWindow:
    """Submission window of aware datetimes: open iff ``opens <= now < closes``."""

    opens: datetime
    closes: datetime

    def __post_init__(self) -> None:
        if self.opens.tzinfo is None or self.closes.tzinfo is None:
            raise ValueError("SubmissionWindow needs timezone-aware datetimes")
        if self.opens >= self.closes:
            raise ValueError("SubmissionWindow opens at or after it closes")

    def is_open(self, now: datetime) -> bool:
        """True iff ``opens <= now < closes`` (``now`` must be aware)."""
        return self.opens <= _aware(now) < self.closes


@dataclass(frozen=True)
class Person:
    """An author (or staff member) as far as identity matching needs."""

    full_name: str
    year_of_birth: int | None
    user_id: int | None = None
    workplace: str = ""


@dataclass(frozen=True)
class Part:
    """One part (kỳ) of a work; a single work has one part."""

    number: int
    title: str
    published_on: date | None
    outlet: str = ""
    url: str | None = None


@dataclass(frozen=True)
class SlotRequirement:
    """How many verified files of one kind (e.g. "pdf", "audio") an entry must carry."""

    kind: str
    label: str
    required: bool
    min_count: int
    max_count: int


@dataclass(frozen=True)
class EntryFacts:
    """Everything screening looks at for one entry."""

    entry_id: int | None
    genre_code: str
    requires_url: bool
    declared_parts: int
    parts: tuple[Part, ...]
    authors: tuple[Person, ...]
    verified_files: Mapping[str, int]
    slots: tuple[SlotRequirement, ...]
    won_national_press_award: bool = False
    accepted_rules: bool = True
    # The sending agency's focal point confirmed the entry in the portal: that replaces
    # the uploaded confirmation letter (slots of kind CONFIRMATION_KIND).
    agency_confirmed: bool = False


@dataclass(frozen=True)
class EditionRules:
    """The per-edition settings screening applies."""

    publication_window: DateWindow
    submission_window: SubmissionWindow
    max_parts: int
    max_authors: int
    per_author_cap: int
    tz: str = DEFAULT_TZ


def _aware(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    return now


def same_person(a: Person, b: Person) -> bool:
    """True on equal non-None user_id, or equal normalised name and equal known birth year."""
    if a.user_id is not None and a.user_id == b.user_id:
        return True
    return (
        a.year_of_birth is not None
        and a.year_of_birth == b.year_of_birth
        and normalize_name(a.full_name) != ""
        and normalize_name(a.full_name) == normalize_name(b.full_name)
    )


def check_window(rules: EditionRules, now: datetime) -> list[Problem]:
    """Return [] while the submission window is open, else one problem saying why.

    Raises ValueError if ``now`` is naive.
    """
    win = rules.submission_window
    now = _aware(now)
    if now < win.opens:
        return [
            Problem(
                "submission_not_open",
                N_("Submissions open at %(opens)s; they are not accepted yet."),
                {"opens": fmt_datetime(win.opens, rules.tz),
                 "closes": fmt_datetime(win.closes, rules.tz)},
            )
        ]
    if now >= win.closes:
        return [
            Problem(
                "submission_closed",
                N_("Submissions closed at %(closes)s."),
                {"closes": fmt_datetime(win.closes, rules.tz)},
            )
        ]
    return []


def check_url(url: str | None) -> bool:
    """True iff ``url`` is http(s), has a host containing a dot, and has no whitespace."""
    if not url or any(ch.isspace() for ch in url):
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return False
    host = parts.hostname or ""
    labels = host.split(".")
    return (
        parts.scheme in ("http", "https")
        and len(labels) >= 2
        and all(labels)
    )


def _check_parts(entry: EntryFacts, rules: EditionRules) -> list[Problem]:
    out: list[Problem] = []
    win = rules.publication_window
    bounds = {"start": fmt_date(win.start), "end": fmt_date(win.end)}
    if not entry.parts:
        out.append(Problem("no_parts", N_("The entry has no published part."), {}, "parts"))
    if entry.declared_parts != len(entry.parts):
        out.append(
            Problem(
                "parts_count_mismatch",
                N_("The entry declares %(declared)s parts but lists %(actual)s."),
                {"declared": entry.declared_parts, "actual": len(entry.parts)},
                "declared_parts",
            )
        )
    if len(entry.parts) > rules.max_parts:
        out.append(
            Problem(
                "too_many_parts",
                N_("A series may have at most %(max)s parts; this entry has %(actual)s."),
                {"max": rules.max_parts, "actual": len(entry.parts)},
                "parts",
            )
        )
    for i, part in enumerate(entry.parts):
        d = part.published_on
        if d is None:
            out.append(
                Problem(
                    "part_date_missing",
                    N_("Part %(part)s has no publication date."),
                    {"part": part.number},
                    f"parts-{i}-published_on",
                )
            )
        elif d < win.start:
            out.append(
                Problem(
                    "part_before_window",
                    N_("Part %(part)s was published on %(date)s, before the window opens "
                       "on %(start)s."),
                    {"part": part.number, "date": fmt_date(d), **bounds},
                    f"parts-{i}-published_on",
                )
            )
        elif d > win.end:
            out.append(
                Problem(
                    "part_after_window",
                    N_("Part %(part)s was published on %(date)s, after the window closes "
                       "on %(end)s."),
                    {"part": part.number, "date": fmt_date(d), **bounds},
                    f"parts-{i}-published_on",
                )
            )
        if not part.outlet or not part.outlet.strip():
            # What makes a work eligible is where it was published, not where its author
            # works (anyone may enter): every part names its licensed press outlet.
            out.append(
                Problem(
                    "part_outlet_missing",
                    N_("Part %(part)s does not say which press outlet published it."),
                    {"part": part.number},
                    f"parts-{i}-outlet",
                )
            )
        if entry.requires_url:
            if not part.url or not part.url.strip():
                out.append(
                    Problem(
                        "url_missing",
                        N_("Part %(part)s needs the address (URL) where it was published."),
                        {"part": part.number},
                        f"parts-{i}-url",
                    )
                )
            elif not check_url(part.url):
                out.append(
                    Problem(
                        "url_invalid",
                        N_("The address of part %(part)s, “%(url)s”, is not a valid web "
                           "address (it must start with http:// or https://)."),
                        {"part": part.number, "url": part.url},
                        f"parts-{i}-url",
                    )
                )
    return out


def _check_authors(
    entry: EntryFacts,
    rules: EditionRules,
    other_entries: Sequence[tuple[Person, ...]],
    staff: Sequence[Person],
) -> list[Problem]:
    out: list[Problem] = []
    authors = entry.authors
    if not authors:
        out.append(Problem("no_authors", N_("The entry names no author."), {}, "authors"))
    if len(authors) > rules.max_authors:
        out.append(
            Problem(
                "too_many_authors",
                N_("An entry may name at most %(max)s authors; this entry names %(actual)s."),
                {"max": rules.max_authors, "actual": len(authors)},
                "authors",
            )
        )
    for i, author in enumerate(authors):
        name_field = f"authors-{i}-full_name"
        if not normalize_name(author.full_name):
            out.append(
                Problem(
                    "author_name_missing",
                    N_("Author %(position)s has no name."),
                    {"position": i + 1},
                    name_field,
                )
            )
            continue
        if any(same_person(author, earlier) for earlier in authors[:i]):
            out.append(
                Problem(
                    "author_duplicate",
                    N_("%(name)s is listed more than once as an author."),
                    {"name": author.full_name},
                    name_field,
                )
            )
            continue
        count = 1 + sum(
            1 for other in other_entries if any(same_person(author, p) for p in other)
        )
        if count > rules.per_author_cap:
            out.append(
                Problem(
                    "author_over_cap",
                    N_("%(name)s would appear on %(count)s entries; each author may appear "
                       "on at most %(cap)s."),
                    {"name": author.full_name, "count": count, "cap": rules.per_author_cap},
                    name_field,
                )
            )
        if any(same_person(author, member) for member in staff):
            out.append(
                Problem(
                    "author_is_staff",
                    N_("%(name)s is a judge or organizer of this edition and may not enter."),
                    {"name": author.full_name},
                    name_field,
                )
            )
    return out


CONFIRMATION_KIND = "confirmation"


def _check_files(entry: EntryFacts) -> list[Problem]:
    out: list[Problem] = []
    for slot in entry.slots:
        if entry.agency_confirmed and slot.kind == CONFIRMATION_KIND:
            continue
        n = entry.verified_files.get(slot.kind, 0)
        params = {"label": slot.label, "count": n,
                  "min": slot.min_count, "max": slot.max_count}
        if (slot.required or n > 0) and n < slot.min_count:
            out.append(
                Problem(
                    "files_too_few",
                    N_("%(label)s: %(count)s file(s) uploaded, at least %(min)s needed."),
                    params,
                    f"files-{slot.kind}",
                )
            )
        elif n > slot.max_count:
            out.append(
                Problem(
                    "files_too_many",
                    N_("%(label)s: %(count)s file(s) uploaded, at most %(max)s allowed."),
                    params,
                    f"files-{slot.kind}",
                )
            )
    return out


def check_entry(
    entry: EntryFacts,
    rules: EditionRules,
    *,
    now: datetime,
    other_entries: Sequence[tuple[Person, ...]] = (),
    staff: Sequence[Person] = (),
) -> list[Problem]:
    """Return every screening failure of ``entry`` (empty list = eligible), in a stable order.

    Order: window, parts (count, then per part: date, outlet, URL), authors (count, then per
    author: name, duplicate, cap, staff), files (per slot), declarations.  ``other_entries``
    holds the author tuples of the author's OTHER entries in this edition (never this entry
    itself); the cap counts this entry plus every other entry naming a ``same_person``.
    A slot's minimum applies when it is required or has any file; its maximum always; a
    confirmation slot is not checked at all once the sending agency confirmed the entry.
    """
    out = check_window(rules, now)
    out += _check_parts(entry, rules)
    out += _check_authors(entry, rules, other_entries, staff)
    out += _check_files(entry)
    if entry.won_national_press_award:
        out.append(
            Problem(
                "national_press_award",
                N_("Works that won the National Press Award cannot enter."),
                {},
                "won_national_press_award",
            )
        )
    if not entry.accepted_rules:
        out.append(
            Problem(
                "rules_not_accepted",
                N_("You must accept the rules of the award before submitting."),
                {},
                "accepted_rules",
            )
        )
    return out
