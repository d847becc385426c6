"""The catalogues: complete, not fuzzy, placeholders intact, template up to date with the code."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from agora.settings import PROJECT_ROOT

LOCALES = PROJECT_ROOT / "locales"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]")


def _catalogue(language: str):
    with open(LOCALES / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=language)


def _strings(value) -> list[str]:
    return list(value) if isinstance(value, tuple | list) else [value]


@pytest.mark.parametrize("language", ["fr", "nl", "de"])
def test_every_entry_is_translated_and_not_fuzzy(language):
    catalogue = _catalogue(language)
    missing = [m.id for m in catalogue if m.id and not all(_strings(m.string))]
    fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
    assert not missing, f"{language}: {len(missing)} untranslated, e.g. {missing[:5]}"
    assert not fuzzy, f"{language}: fuzzy entries {fuzzy[:5]}"


@pytest.mark.parametrize("language", ["fr", "nl", "de"])
def test_placeholders_are_the_same_in_msgid_and_msgstr(language):
    wrong = []
    for message in _catalogue(language):
        if not message.id:
            continue
        expected = sorted(PLACEHOLDER.findall(" ".join(_strings(message.id))))
        for text in _strings(message.string):
            found = sorted(PLACEHOLDER.findall(text))
            # Plural forms may leave out the number in the singular ("one unread").
            if found != expected and not (message.pluralizable and set(found) <= set(expected)):
                wrong.append((message.id, text))
    assert not wrong, f"{language}: placeholders differ: {wrong[:3]}"


def test_template_is_up_to_date_with_the_code(tmp_path: Path):
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "lazy_gettext",
         "-k", "_", "-o", str(fresh), "--no-location", "--sort-output", "--omit-header", "."],
        cwd=PROJECT_ROOT, check=True, capture_output=True,
    )
    with open(fresh, "rb") as handle:
        current = {m.id for m in read_po(handle) if m.id}
    for language in ("fr", "nl", "de"):
        known = {m.id for m in _catalogue(language) if m.id}
        missing = current - known
        assert not missing, f"{language}: run `make extract` and translate: {sorted(map(str, missing))[:5]}"


@pytest.mark.parametrize("language", ["fr", "nl", "de"])
def test_compiled_catalogue_is_newer_than_the_po_file(language):
    po = LOCALES / language / "LC_MESSAGES" / "messages.po"
    mo = po.with_suffix(".mo")
    assert mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime, "run `make translations`"
