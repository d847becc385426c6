"""Fills untranslated catalogue entries from locales/pending/*.json, then leaves the rest alone.

Work done in parallel keeps its new translations in `locales/pending/<feature>.json` (a list of
`{"msgid": ..., "msgid_plural": ... (optional), "fr": ..., "nl": ..., "de": ...}`, where a plural
entry gives a list per language; or a mapping `{msgid: {"fr": ..., "nl": ..., "de": ...}}`) instead of editing the shared catalogues. After `make extract`,
this script writes them into locales/{fr,nl,de}; `make translations` compiles them.

    .venv/bin/python scripts/apply_translations.py [--prune]

`--prune` deletes pending files whose every entry is now in the catalogues.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

LOCALES = Path(__file__).resolve().parent.parent / "locales"
LANGUAGES = ("fr", "nl", "de")


def _entries(loaded: list[dict] | dict[str, dict]) -> list[dict]:
    """A pending file is a list of entries, or a mapping `{msgid: {"fr": ..., "nl": ..., "de": ...}}`."""
    if isinstance(loaded, dict):
        return [{"msgid": msgid, **languages} for msgid, languages in loaded.items()]
    return loaded


def _pending() -> dict[Path, list[dict]]:
    paths = sorted((LOCALES / "pending").glob("*.json"))
    return {path: _entries(json.loads(path.read_text(encoding="utf-8"))) for path in paths}


def _fill(language: str, entries: list[dict]) -> tuple[int, list[str]]:
    path = LOCALES / language / "LC_MESSAGES" / "messages.po"
    with open(path, "rb") as handle:
        catalogue = read_po(handle, locale=language)
    by_id = {entry["msgid"]: entry for entry in entries}
    filled, unknown = 0, []
    for message in catalogue:
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        entry = by_id.get(key)
        if not key or entry is None or language not in entry:
            continue
        current = message.string if isinstance(message.string, tuple) else (message.string,)
        if all(current) and not message.fuzzy:
            continue
        value = entry[language]
        message.string = tuple(value) if isinstance(message.id, tuple) else value
        message.flags.discard("fuzzy")
        filled += 1
    known = {m.id[0] if isinstance(m.id, tuple) else m.id for m in catalogue}
    unknown = [msgid for msgid in by_id if msgid not in known]
    with open(path, "wb") as handle:
        write_po(handle, catalogue, width=76, include_previous=False)
    return filled, unknown


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prune", action="store_true")
    args = parser.parse_args()
    pending = _pending()
    entries = [entry for file_entries in pending.values() for entry in file_entries]
    for language in LANGUAGES:
        filled, unknown = _fill(language, entries)
        print(f"{language}: {filled} entries filled; {len(unknown)} pending msgids not in the catalogue")
    if args.prune:
        for path in pending:
            path.unlink()
            print(f"removed {path.relative_to(LOCALES.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
