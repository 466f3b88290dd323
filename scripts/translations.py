"""Build the vi and en catalogues: extract, merge the Vietnamese fragments, check, compile.

Message ids are English. Vietnamese translations are kept by area in
portal/translations/fragments/*.po (hand-edited); `update` writes the full
catalogues from the extracted template plus those fragments, `check` lists every
message without a translation or with mismatched placeholders, and `compile`
writes the .mo files the app loads.
"""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "portal" / "translations"
POT = TRANSLATIONS / "messages.pot"
FRAGMENTS = TRANSLATIONS / "fragments"
LOCALES = ("vi", "en")
# Fixed header dates keep `update` idempotent: rebuilding changes no file unless a message did.
FIXED_DATE = datetime(2026, 1, 1, tzinfo=UTC)
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|%[sdif]")


def po_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def extract(pot: Path = POT) -> Catalog:
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "--quiet", "extract",
         "-F", "babel.cfg",
         "-k", "_l", "-k", "N_", "-k", "lazy_gettext", "--no-location",
         "--sort-output", "--no-wrap",
         "-o", str(pot), "portal", "judging"],
        cwd=ROOT, check=True,
    )
    with pot.open("rb") as fh:
        template = read_po(fh)
    template.creation_date = FIXED_DATE
    with pot.open("wb") as fh:
        write_po(fh, template, width=100)
    return template


def fragments() -> dict:
    known: dict = {}
    for path in sorted(FRAGMENTS.glob("*.po")):
        with path.open("rb") as fh:
            for message in read_po(fh):
                if message.id and message.string:
                    known[message.id] = message.string
    return known


def _key(message):
    return message.id


def build(template: Catalog, locale: str, known: dict) -> Catalog:
    catalog = Catalog(locale=locale, project="golden-hammer-portal", fuzzy=False,
                      creation_date=FIXED_DATE, revision_date=FIXED_DATE)
    for message in template:
        if not message.id:
            continue
        if locale == "en":
            string = message.id
        else:
            string = known.get(message.id, "")
            if isinstance(message.id, tuple) and isinstance(string, str) and string:
                string = (string,)
        catalog.add(message.id, string, flags=message.flags, context=message.context)
    return catalog


def missing(catalog: Catalog) -> list[str]:
    problems = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        if not all(strings) or "fuzzy" in message.flags:
            problems.append(f"untranslated: {ids[0]!r}")
            continue
        want = sorted(PLACEHOLDER.findall(ids[0]))
        for s in strings:
            if sorted(PLACEHOLDER.findall(s)) != want:
                problems.append(f"placeholders differ: {ids[0]!r} -> {s!r}")
    return problems


def update() -> int:
    template = extract()
    known = fragments()
    for locale in LOCALES:
        path = po_path(locale)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            write_po(fh, build(template, locale, known), width=100, omit_header=False)
    missing_count = check(quiet=True)
    if missing_count:
        print(f"{missing_count} message(s) lack a translation: scripts/translations.py check")
    return 0


def check(quiet: bool = False) -> int:
    """Print every untranslated message or mismatched placeholder; return how many."""
    problems = []
    for locale in LOCALES:
        with po_path(locale).open("rb") as fh:
            problems += [f"{locale}: {p}" for p in missing(read_po(fh, locale=locale))]
    if not quiet:
        for p in problems:
            print(p)
    return len(problems)


def compile_all() -> int:
    for locale in LOCALES:
        path = po_path(locale)
        if not path.exists():
            print(f"missing {path}; run scripts/translations.py update")
            return 1
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=locale)
        with path.with_suffix(".mo").open("wb") as fh:
            write_mo(fh, catalog)
    return 0


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "update"
    result = {"update": update, "check": check, "compile": compile_all}[command]()
    sys.exit(1 if result else 0)
