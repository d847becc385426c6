"""Content safety: every payload of tests/xss_corpus.py goes through every user-writable field of proposals,
forums and moderation (and a person's name), then every page that shows them is parsed: no script of ours
only, no event handler, no javascript:/data: URL, no style, no frame or plugin, no htmx attribute that user
content could have planted.

This checks the HTML as a parser reads it; tests/browser/test_deliberation.py loads the same corpus in
Debian's Chromium with the Content-Security-Policy bypassed, to catch what only a browser would execute.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from markupsafe import escape

from agora.deliberation.scope import parse_scope
from agora.forums import services as forums
from agora.forums.models import ForumSpace, SpaceKind
from agora.moderation import services as moderation
from agora.proposals import access
from agora.proposals import services as proposals
from tests.conftest import sign_in
from tests.deliberation_support import client_for, moderation_settings, people, post, principal_of, set_threshold
from tests.factories import person
from tests.xss_corpus import PAYLOADS

OUR_SCRIPTS = {"/static/vendor/htmx.min.js", "/static/vendor/socket.io.min.js", "/static/js/agora.js",
               "/static/js/deliberation.js"}
OUR_META = {"charset", "viewport", "csrf-token", "htmx-config"}
FORBIDDEN_TAGS = {"iframe", "frame", "frameset", "object", "embed", "applet", "svg", "math", "base", "style",
                  "template", "xmp", "isindex", "img", "video", "audio", "source", "marquee", "details", "keygen",
                  "bgsound", "body-in-body", "noscript", "xss"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "background", "dynsrc", "lowsrc", "xlink:href",
                  "poster", "srcset", "codebase", "cite"}
BAD_SCHEMES = ("javascript:", "vbscript:", "data:", "livescript:")
# The pictures agora draws itself (agora/charts): an <svg role="img"> of one of these classes. User content
# never reaches an <svg> (the sanitiser removes it), and every attribute inside is still checked below.
OUR_SVG = {"bars", "timeline", "heat-grid"}
HX_BAD = re.compile(r"alert|xss|javascript|signout|admin|js:", re.I)
CHUNKS = 6


class Inspector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False
        self._bodies = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "body":
            self._bodies += 1
            if self._bodies > 1:
                self.problems.append("a second <body>")
        if tag == "script":
            self._in_script = True
            if found.get("src") not in OUR_SCRIPTS:
                self.problems.append(f"script {attrs}")
        elif tag == "meta" and not (set(found) & OUR_META or found.get("name") in OUR_META):
            self.problems.append(f"meta {attrs}")
        elif tag == "link" and not (found.get("rel") in ("stylesheet", "icon")
                                    and (found.get("href") or "").startswith("/static/")):
            self.problems.append(f"link {attrs}")
        elif tag == "form" and (not (found.get("action") or "/").startswith("/")
                                or (found.get("action") or "").startswith("//")):
            self.problems.append(f"form {attrs}")
        elif tag == "svg" and found.get("role") == "img" and found.get("class") in OUR_SVG \
                and found.get("xmlns") == "http://www.w3.org/2000/svg":
            pass
        elif tag in FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}> {attrs}")
        for name, value in attrs:
            name = name.lower()
            text = (value or "")
            if name.startswith("on") or name in ("style", "srcdoc", "autofocus", "formaction"):
                self.problems.append(f"<{tag} {name}={text!r}>")
            if name in URL_ATTRIBUTES:
                squeezed = re.sub(r"[\x00-\x20]+", "", text).lower()
                if squeezed.startswith(BAD_SCHEMES):
                    self.problems.append(f"<{tag} {name}={text!r}>")
            if name.startswith(("hx-on", "data-hx-on")) or (name.startswith(("hx-", "data-hx-"))
                                                              and HX_BAD.search(text)):
                self.problems.append(f"<{tag} {name}={text!r}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.problems.append(f"inline script {data[:80]!r}")


def problems_in(html: str) -> list[str]:
    inspector = Inspector()
    inspector.feed(html)
    inspector.close()
    return inspector.problems


def test_the_inspector_catches_what_it_must():
    """The checker itself must be able to fail (a test that cannot fail is a defect)."""
    for dangerous in ['<script>alert(1)</script>', '<p onclick="x">', '<a href=" javascript:alert(1)">',
                      '<div hx-get="/signout">', "<iframe src=x>", '<p style="x">', '<img src=x>',
                      '<a href="data:text/html,x">', '<p hx-on::load="x">',
                      '<script src="https://evil/x.js"></script>', '<svg onload="x">',
                      '<svg role="img" class="evil" xmlns="http://www.w3.org/2000/svg">',
                      '<svg role="img" class="bars" xmlns="http://www.w3.org/2000/svg" onload="x">']:
        assert problems_in(dangerous), dangerous
    assert not problems_in('<p><a href="/proposals" rel="nofollow">ok</a></p>'
                           '<script src="/static/js/agora.js"></script>')


def _fill(database, payload: str, n: int, cast: dict) -> dict:
    """Writes one payload into every user-writable field; returns the pages that show them."""
    author, reader, mod = cast["author"], cast["reader"], cast["moderator"]
    title = " ".join(payload.split())[:200]
    if len(title) < 3:
        title = f"{title} {n:03d}"
    urls: dict = {}
    with database.transaction() as db:
        writer = person(db, name=f"A{n} {payload}"[:200], password=None)
        db.flush()
        principal = principal_of(db, author.id)
        draft = proposals.check_draft(title, payload, "fr", parse_scope(db, "region", "liege"), "work")
        proposal = proposals.create(db, principal, draft, publish_now=True)
        other = principal_of(db, reader.id)
        proposals.save_translation(db, other, proposal, "nl", title, payload)
        amendment = proposals.propose_amendment(db, other, proposal, title, payload + " (modifié)", payload)
        proposals.decide_amendment(db, principal, proposal, amendment, False, payload[:1000])
        comment = proposals.add_comment(db, other, proposal, payload, "for")
        proposals.add_comment(db, principal, proposal, payload, "against", comment.id)
        proposals.support_comment(db, principal, proposal, comment, True)
        by_writer = principal_of(db, writer.id)
        proposals.add_comment(db, by_writer, proposal, "Commentaire de la personne au nom piégé", "neutral")
        proposals.support(db, other, access.access_proposal(db, other, proposal.id, for_update=True))
        admin = principal_of(db, cast["admin"].id)
        proposals.put_on_agenda(db, admin, proposal, payload[:500])
        proposals.send_to_board(db, admin, proposal, payload[:500])
        proposals.answer(db, admin, proposal, "postponed", payload)
        withdrawn = proposals.create(db, principal, draft, publish_now=True)
        proposals.withdraw(db, principal, withdrawn, payload[:1000])

        space = ForumSpace(slug=f"space-{n}", kind=SpaceKind.THEME, names={"fr": payload[:100]},
                           descriptions={"fr": payload[:500]})
        db.add(space)
        db.flush()
        forums.subscribe_space(db, other, space, True)
        thread = forums.start_thread(db, by_writer, space, title, payload, "fr")
        opening = forums.opening_post(db, thread)
        thread = forums.access_thread(db, other, thread.id, for_update=True)
        reply = forums.reply(db, other, thread, payload, opening.id)
        forums.edit_post(db, other, thread, reply, payload + " (corrigé)")
        moderator = principal_of(db, mod.id)
        moderation.flag(db, principal, "forum_post", reply.id, payload[:1000])
        moderation.flag(db, other, "proposal", proposal.id, payload[:1000])
        moderation.act(db, moderator, "proposal_comment", comment.id, "hide", payload[:1000])
        urls.update(proposal=proposal.id, amendment=amendment.id, withdrawn=withdrawn.id, thread=thread.id,
                    reply=reply.id, space=space.slug, comment=comment.id)
    return urls


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_no_payload_runs_anywhere(app, client, database, chunk):
    set_threshold(database, absolute=1)
    moderation_settings(database, rate_limit_posts=1000)
    author, reader, moderator, admin = people(database, [], [], ["moderator"], ["admin"])
    cast = {"author": author, "reader": reader, "moderator": moderator, "admin": admin}
    mine = PAYLOADS[chunk::CHUNKS]
    filled = [(payload, _fill(database, payload, chunk * 1000 + i, cast)) for i, payload in enumerate(mine)]
    sign_in(client, author.email)
    seen: list[str] = []
    with client_for(app, reader) as other, client_for(app, moderator) as mod:
        for payload, ids in filled:
            p, a, t = ids["proposal"], ids["amendment"], ids["thread"]
            pages = [
                (client, f"/proposals/{p}"), (other, f"/proposals/{p}?lang=nl"), (mod, f"/proposals/{p}"),
                (client, f"/proposals/{p}/amendments/{a}"), (client, f"/proposals/{p}/versions"),
                (client, f"/proposals/{ids['withdrawn']}"), (client, f"/proposals/{p}/translate?lang=nl"),
                (client, f"/proposals?q={quote(payload[:200])}"), (client, "/proposals?status=answered"),
                (client, f"/proposals/similar?title={quote(payload[:200])}"), (client, "/"),
                (other, "/forums"), (other, f"/forums/{ids['space']}"), (other, f"/forums/threads/{t}"),
                (other, f"/forums/posts/{ids['reply']}/history"), (other, f"/forums/posts/{ids['reply']}/fragment"),
                (other, f"/forums/threads/{t}?quote={ids['reply']}"),
                (other, f"/proposals/comments/{ids['comment']}/fragment"),
                (mod, f"/proposals/comments/{ids['comment']}/fragment"), (mod, "/moderation"),
                (client, "/moderation/log"), (other, "/notifications"), (client, "/notifications"),
                (other, f"/moderation/flag?type=forum_post&id={ids['reply']}"),
                (mod, f"/moderation/act?type=forum_post&id={ids['reply']}&act=hide"),
            ]
            shown = str(escape(" ".join(payload.split())[:200]))
            assert shown in client.get(f"/proposals/{p}").text  # the field really is on the page, escaped
            assert shown in other.get(f"/forums/threads/{t}").text
            for who, path in pages:
                response = who.get(path)
                assert response.status_code == 200, (path, response.status_code)
                found = problems_in(response.text)
                assert not found, f"{payload!r} on {path}: {found[:3]}"
                seen.append(path)
            # forms sent back with an error carry the payload in their fields
            for who, path, data in [
                (client, "/proposals/new", {"title": payload[:200], "body": "", "language": "fr", "scope": "sector",
                                            "sector": payload[:30], "action": "publish"}),
                (other, f"/forums/threads/{t}/reply", {"body": payload + "x" * 20_001}),
                (other, f"/proposals/{p}/comments", {"body": payload, "stance": payload[:20]}),
                (other, "/moderation/flag", {"type": "forum_post", "id": ids["reply"],
                                             "reason": payload + "x" * 1001}),
            ]:
                response = post(who, path, data, from_page="/")
                assert response.status_code in (409, 422), (path, response.status_code)
                found = problems_in(response.text)
                assert not found, f"{payload!r} sent back by {path}: {found[:3]}"
    assert len(seen) >= 25 * len(mine)
