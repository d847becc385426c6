"""The accessibility audit: axe-core inside Debian's Chromium on every page type of tests/browser/audit.py
(signed out and signed in, in French, Dutch and German; no serious or critical violation), and every page
at 360 px wide without horizontal scrolling. Lesser findings are written to
test-artifacts/accessibility.json for reading, not failed on."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.audit import (
    BLOCKING,
    CLICK,
    PAGES,
    REFUSED,
    Audited,
    Findings,
    Refused,
    describe,
    errors_not_tied,
    overflow_at_phone_width,
    run_axe,
    save_report,
)
from tests.browser.site import LANGUAGES, Site, demo_site

pytestmark = pytest.mark.browser
REPORT = Path(__file__).resolve().parents[2] / "test-artifacts" / "accessibility.json"
_everything: list[Findings] = []


@pytest.fixture(scope="module")
def site(template_database: str, tmp_path_factory: pytest.TempPathFactory, chromium) -> Iterator[Site]:
    with demo_site(template_database, tmp_path_factory.mktemp("audit"), chromium) as built:
        yield built
    save_report(REPORT, _everything)


def audit(site: Site, audited: Audited, language: str, signed_in: bool) -> Findings:
    with site.database.session(write=False) as db:
        db.info["audit_invitation"] = site.invitation
        db.info["auditor"] = site.auditors[language] if signed_in else None
        path = audited.path.format(**audited.find(db))
    state = "signed in" if signed_in else "signed out"
    findings = Findings(f"{audited.name} ({path}, {language}, {state})")
    page = site.page(language, signed_in=signed_in)
    response = page.goto(site.url + path, wait_until="load")
    assert response is not None
    if response.status != audited.status:
        findings.blocking.append(f"answered {response.status}, expected {audited.status}")
        return findings
    if page.locator("html").get_attribute("lang") != language:
        findings.blocking.append(f"<html lang> is {page.locator('html').get_attribute('lang')!r}")
    for violation in run_axe(page):
        if violation["impact"] in BLOCKING:
            findings.blocking.append(describe(violation))
        else:
            findings.reported.append(violation)
    overflow = overflow_at_phone_width(page)
    if overflow:
        findings.blocking.append(f"horizontal scrolling at 360 px: {overflow}")
    return findings


@pytest.mark.parametrize("audited", PAGES, ids=[p.name for p in PAGES])
def test_page_type_is_accessible_in_every_language(site: Site, audited: Audited):
    found = [audit(site, audited, language, state == "signed in")
             for state in sorted(audited.who) for language in LANGUAGES]
    _everything.extend(found)
    problems = [f"{f.where}:\n    " + "\n    ".join(f.blocking) for f in found if f.blocking]
    assert problems == [], "\n".join(problems)


def test_the_audit_can_fail(site: Site):
    """The checks themselves find what they are meant to find, on a page built to fail them."""
    page = site.page("fr", signed_in=False)
    page.goto(site.url + "/signin")
    page.evaluate("""() => {
        const main = document.querySelector("main");
        main.insertAdjacentHTML("beforeend", '<img src="/static/favicon.svg"><button></button><p>pâle</p><p>large</p>');
        const [pale, wide] = [...main.querySelectorAll("p")].slice(-2);
        pale.style.color = "#bbb";  // set through the CSSOM: the CSP refuses inline style attributes
        wide.style.width = "900px";
    }""")
    found = {v["id"]: v["impact"] for v in run_axe(page)}
    assert {"image-alt": "critical", "button-name": "critical", "color-contrast": "serious"}.items() <= found.items()
    assert "sticking out: " in (overflow_at_phone_width(page) or "")
    assert errors_not_tied(page) == ["no message with role=alert", "no field marked aria-invalid"]
    page.evaluate("""() => document.querySelector("main").insertAdjacentHTML("beforeend",
        '<p role="alert" id="oops">Oups</p><input id="loose" aria-invalid="true" aria-describedby="nowhere">')""")
    assert errors_not_tied(page) == ["loose is not described by its error message"]


@pytest.mark.parametrize("refused", REFUSED, ids=[r.name for r in REFUSED])
def test_refused_forms_tie_and_announce_their_errors(site: Site, refused: Refused):
    signed_in = "signed in" in refused.who
    problems = []
    for language in LANGUAGES:
        with site.database.session(write=False) as db:
            path = refused.path.format(**refused.find(db))
        page = site.page(language, signed_in=signed_in)
        page.goto(site.url + path)
        for selector, text in refused.fields.items():
            field = page.locator(selector)
            if text == CLICK:
                field.click()
            elif field.evaluate("el => el.tagName") == "SELECT":
                field.select_option(text)
            else:
                field.fill(text)
        with page.expect_navigation():
            page.locator(refused.submit).first.click()
        where = f"{refused.name} ({language})"
        problems += [f"{where}: {p}" for p in errors_not_tied(page)]
        problems += [f"{where}: {describe(v)}" for v in run_axe(page) if v["impact"] in BLOCKING]
    assert problems == [], "\n".join(problems)
