"""The accessibility audit's page table and its checks (axe-core in Chromium, width of a phone).

Every page type of agora is one line of PAGES: a name, a path whose `{fields}` are filled from the first
row of a query on the audit site's data, and who sees it (signed out, signed in, or both). A new page
type (a meeting, a referral, a report) is one more line, e.g.
    Audited("meeting", "/meetings/{id}", SIGNED_IN, first(select(Meeting.id))),
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from agora.consultations.models import Consultation, Status
from agora.ethics_committee.models import Opinion, Referral
from agora.forums.models import ForumPost, ForumSpace, ForumThread
from agora.meetings.models import Assembly, Meeting, MeetingStatus
from agora.people.models import Person
from agora.proposals.models import Amendment, Proposal
from agora.reports.models import Report, ReportStatus

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
BLOCKING = ("serious", "critical")  # axe impacts that fail the audit; the others are reported only
PHONE_WIDTH = 360

SIGNED_OUT = frozenset({"signed out"})
SIGNED_IN = frozenset({"signed in"})
BOTH = SIGNED_OUT | SIGNED_IN

Finder = Callable[[Session], dict[str, Any]]


def first(query: Select[Any]) -> Finder:
    """The path's fields from the first row of `query` (columns labelled by field name; one unlabelled
    column fills `{id}`)."""

    def find(db: Session) -> dict[str, Any]:
        row = db.execute(query.limit(1)).first()
        assert row is not None, f"the audit site has no row for {query}"
        fields = dict(row._mapping)
        return {"id": row[0]} if len(fields) == 1 else fields

    return find


def nothing(db: Session) -> dict[str, Any]:
    return {}


def own(query: Select[Any], author: Any) -> Finder:
    """Like first(), among the rows whose `author` column is the signed-in auditor (db.info["auditor"])."""
    return lambda db: first(query.where(author == db.info["auditor"]))(db)


@dataclass(frozen=True)
class Audited:
    name: str
    path: str
    who: frozenset[str]
    find: Finder = nothing
    status: int = 200


_open = Consultation.status == Status.OPEN
_closed = Consultation.status == Status.CLOSED
PAGES: list[Audited] = [
    Audited("home", "/", BOTH),
    Audited("sign-in", "/signin", SIGNED_OUT),
    Audited("forgotten password", "/forgot", SIGNED_OUT),
    Audited("invitation", "/invitation/{token}", SIGNED_OUT, lambda db: {"token": db.info["audit_invitation"]}),
    Audited("not found", "/no-such-page", BOTH, status=404),
    Audited("account", "/account", SIGNED_IN),
    Audited("notifications", "/notifications", SIGNED_IN),
    Audited("admin: people", "/admin/people", SIGNED_IN),
    Audited("admin: person", "/admin/people/{id}", SIGNED_IN, first(select(Person.id).order_by(Person.email))),
    Audited("admin: regions", "/admin/regions", SIGNED_IN),
    Audited("admin: colleges", "/admin/colleges", SIGNED_IN),
    Audited("consultations", "/consultations", SIGNED_IN),
    Audited("consultation: new", "/consultations/new", SIGNED_IN),
    Audited("consultation: ballot", "/consultations/{id}", SIGNED_IN, first(select(Consultation.id).where(_open))),
    Audited("consultation: closed", "/consultations/{id}", SIGNED_IN, first(select(Consultation.id).where(_closed))),
    Audited("consultation: results", "/consultations/{id}/results", SIGNED_IN,
            first(select(Consultation.id).where(_closed))),
    Audited("consultation: tracking codes", "/consultations/{id}/tracking-codes", SIGNED_IN,
            first(select(Consultation.id).where(_closed))),
    Audited("proposals", "/proposals", SIGNED_IN),
    Audited("proposal: new", "/proposals/new", SIGNED_IN),
    Audited("proposal", "/proposals/{id}", SIGNED_IN, first(select(Proposal.id).order_by(Proposal.created_at))),
    Audited("proposal: versions", "/proposals/{id}/versions", SIGNED_IN, first(select(Proposal.id))),
    Audited("proposal: amend", "/proposals/{id}/amend", SIGNED_IN, first(select(Proposal.id))),
    Audited("proposal: translate", "/proposals/{id}/translate", SIGNED_IN, first(select(Proposal.id))),
    Audited("proposal: amendment", "/proposals/{proposal}/amendments/{id}", SIGNED_IN,
            first(select(Amendment.proposal_id.label("proposal"), Amendment.id.label("id")))),
    Audited("proposal settings", "/proposals/settings", SIGNED_IN),
    Audited("forums", "/forums", SIGNED_IN),
    Audited("forum space", "/forums/{slug}", SIGNED_IN, first(select(ForumSpace.slug.label("slug"), ForumSpace.id))),
    Audited("forum space: new", "/forums/spaces/new", SIGNED_IN),
    Audited("forum thread: new", "/forums/{slug}/new", SIGNED_IN,
            first(select(ForumSpace.slug.label("slug"), ForumSpace.id))),
    Audited("forum thread", "/forums/threads/{id}", SIGNED_IN, first(select(ForumThread.id))),
    Audited("forum post: edit", "/forums/posts/{id}/edit", SIGNED_IN, own(select(ForumPost.id), ForumPost.author_id)),
    Audited("forum post: history", "/forums/posts/{id}/history", SIGNED_IN, first(select(ForumPost.id))),
    Audited("moderation queue", "/moderation", SIGNED_IN),
    Audited("moderation: flag", "/moderation/flag?type=forum_post&id={id}", SIGNED_IN, first(select(ForumPost.id))),
    Audited("moderation: act", "/moderation/act?type=forum_post&id={id}&act=hide", SIGNED_IN,
            first(select(ForumPost.id))),
    Audited("moderation log", "/moderation/log", BOTH),
    Audited("moderation settings", "/moderation/settings", SIGNED_IN),
    Audited("ethics committee", "/ethics", SIGNED_IN),
    Audited("ethics: new referral", "/ethics/referrals/new", SIGNED_IN),
    Audited("ethics referral (committee view)", "/ethics/referrals/{id}", SIGNED_IN,
            own(select(Referral.id), Referral.referrer_id)),
    Audited("ethics register", "/ethics/register", SIGNED_IN),
    Audited("ethics register: position", "/ethics/register/{id}", SIGNED_IN,
            first(select(Opinion.id).where(Opinion.published_at.is_not(None)))),
    Audited("board answers", "/reports", SIGNED_IN),
    Audited("board desk", "/reports/desk", SIGNED_IN),
    Audited("report: new", "/reports/new", SIGNED_IN),
    Audited("report: answered", "/reports/{id}", SIGNED_IN,
            first(select(Report.id).where(Report.status == ReportStatus.ANSWERED))),
    Audited("report: submitted", "/reports/{id}", SIGNED_IN,
            first(select(Report.id).where(Report.status == ReportStatus.SUBMITTED))),
]

_planned = first(select(Meeting.id).where(Meeting.status == MeetingStatus.PLANNED).order_by(Meeting.starts_at))
_running = first(select(Meeting.id).where(Meeting.status == MeetingStatus.RUNNING))  # the auditors checked in
_reported = first(select(Meeting.id).where(Meeting.status == MeetingStatus.SUBMITTED))
_assembly = first(select(Assembly.id))
PAGES += [
    Audited("assemblies", "/assemblies", SIGNED_IN),
    Audited("assembly", "/assemblies/{id}", SIGNED_IN, _assembly),
    Audited("assembly: synthesis", "/assemblies/{id}/synthesis", SIGNED_IN, _assembly),
    Audited("assembly: new", "/assemblies/new", SIGNED_IN),
    Audited("meetings", "/meetings", SIGNED_IN),
    Audited("meetings: calendar", "/meetings?view=calendar", SIGNED_IN),
    Audited("meeting: new", "/meetings/new", SIGNED_IN),
    Audited("meeting", "/meetings/{id}", SIGNED_IN, _planned),
    Audited("meeting: registered", "/meetings/{id}", SIGNED_IN, _running),
    Audited("meeting: run", "/meetings/{id}/run", SIGNED_IN, _running),
    Audited("meeting: attendee live view", "/meetings/{id}/live", SIGNED_IN, _running),
    Audited("meeting: projector", "/meetings/{id}/projector", SIGNED_IN, _running),
    Audited("meeting: report", "/meetings/{id}", SIGNED_IN, _reported),
    Audited("meeting: run, report submitted", "/meetings/{id}/run", SIGNED_IN, _reported),
]


@dataclass(frozen=True)
class Refused:
    """A form sent with what the server refuses (blank after trimming, a wrong password): the page that
    comes back must tie each error to its field and announce it."""

    name: str
    path: str
    who: frozenset[str]
    fields: dict[str, str]  # CSS selector -> what is typed
    submit: str
    find: Finder = nothing


BLANK = "   "  # passes the browser's `required`, refused by the server once trimmed
CLICK = "<click>"  # in `fields`: the element is clicked (a <details> to open) rather than typed into; a <select>
                   # is given the option of that value
REFUSED: list[Refused] = [
    Refused("sign-in: wrong password", "/signin", SIGNED_OUT,
            {"#email": "nobody@example.org", "#password": "not the password"}, "main form button[type=submit]"),
    Refused("proposal: blank title", "/proposals/new", SIGNED_IN, {"#title": BLANK, "#body": "Un texte."},
            "main form button[name=action][value=publish]"),
    Refused("forum thread: blank title", "/forums/{slug}/new", SIGNED_IN, {"#title": BLANK, "#body": "Un texte."},
            "main form button[type=submit]", first(select(ForumSpace.slug.label("slug"), ForumSpace.id))),
    Refused("forum reply: blank", "/forums/threads/{id}", SIGNED_IN, {"#reply-body": BLANK},
            "form:has(#reply-body) button[type=submit]", first(select(ForumThread.id))),
    Refused("ethics referral: blank subject", "/ethics/referrals/new", SIGNED_IN,
            {"#subject": BLANK, "#question": "Une question."}, "main form button[type=submit]"),
    Refused("report content: blank reason", "/moderation/flag?type=forum_post&id={id}", SIGNED_IN, {"#reason": BLANK},
            "main form button[type=submit]", first(select(ForumPost.id))),
    Refused("meeting: ends before it starts", "/meetings/new", SIGNED_IN,
            {"#kind": "quarterly", "#title": "Réunion à l'envers", "#starts_at": "2031-05-04T20:00",
             "#ends_at": "2031-05-04T18:00", "#address": "Rue Haute 1, Liège"},
            "main form button[type=submit]"),
    Refused("meeting: counts above attendance", "/meetings/{id}/run", SIGNED_IN,
            {"#item-r1 summary": CLICK, "#counts-r1-members-for": "999"},
            "#item-r1 form.counts-form button[type=submit]", _running),
]


# --- checks -----------------------------------------------------------------------------------------

@dataclass
class Findings:
    """What the audit found on one page in one language and state."""

    where: str
    blocking: list[str] = field(default_factory=list)
    reported: list[dict[str, Any]] = field(default_factory=list)


def run_axe(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it stands. The script is evaluated through the DevTools
    protocol, so the page's Content-Security-Policy (scripts from agora only) stays in force."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make assets` (it copies axe-core from node_modules for the tests).",
                    pytrace=False)
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text())
    result = page.evaluate("""async () => {
        const found = await axe.run(document, {resultTypes: ["violations"]});
        return found.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary || ""}))}));
    }""")
    return list(result)


def describe(violation: dict[str, Any]) -> str:
    nodes = "; ".join(f"{n['target']} ({n['summary'].splitlines()[-1].strip() if n['summary'] else ''})"
                      for n in violation["nodes"][:5])
    return f"[{violation['impact']}] {violation['id']}: {violation['help']} — {nodes}"


def overflow_at_phone_width(page: Page) -> str | None:
    """None when the page fits 360 px without horizontal scrolling; else what sticks out."""
    before = page.viewport_size
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 740})
    try:
        found = page.evaluate("""width => {
            const root = document.documentElement;
            if (root.scrollWidth <= width) { return null; }
            const name = el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
                (typeof el.className === "string" && el.className ? "." + el.className.split(" ").join(".") : "");
            const wide = [...document.querySelectorAll("body *")].filter(el =>
                el.getBoundingClientRect().right > width + 1 ||
                (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX === "visible"));
            return "page is " + root.scrollWidth + " px wide; sticking out: " + wide.slice(-4).map(name).join(", ");
        }""", PHONE_WIDTH)
    finally:
        if before:
            page.set_viewport_size(before)
    return found


ERRORS_TIED = """() => {
    const problems = [];
    const alerts = [...document.querySelectorAll('[role=alert]')].filter(a => a.textContent.trim());
    if (alerts.length === 0) { problems.push("no message with role=alert"); }
    const invalid = [...document.querySelectorAll('[aria-invalid=true]')];
    if (invalid.length === 0) { problems.push("no field marked aria-invalid"); }
    for (const field of invalid) {
        const ids = (field.getAttribute("aria-describedby") || "").split(/\\s+/).filter(Boolean);
        const said = ids.map(id => document.getElementById(id)).filter(el => el && el.textContent.trim());
        if (!said.some(el => el.getAttribute("role") === "alert")) {
            problems.push((field.id || field.name || field.tagName) + " is not described by its error message");
        }
    }
    return problems;
}"""


def errors_not_tied(page: Page) -> list[str]:
    return list(page.evaluate(ERRORS_TIED))


def save_report(path: Path, findings: list[Findings]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([f.__dict__ for f in findings], indent=1, ensure_ascii=False))
