"""Who may call each route: one declared rule per (method, path) of `agora.app.routes()`.

`tests/security/test_access_matrix.py` reads the routing table and fails for any route missing here
(and for any rule whose route is gone), then calls every route as every role of `world.ROLES` against
objects owned by `owner` and checks that exactly the roles named here get through. "Denied" means
401, 403, 404 or a redirect to the sign-in page; anything else below 500 counts as getting through (a
422 for an empty form is the route's own answer to someone it let in). A 5xx always fails.

Adding a route? Add a line below: the method and path exactly as the routing table has them, the
roles allowed (the sets below), and, when the route needs them to reach its object, `query`, `form`
or `renames` (use another value of the world for a path parameter, e.g. a draft for `proposal_id`).
Mark `fresh=True` when calling the route changes the world for the routes after it (it then runs on a
world of its own).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.security.world import ROLES, SIGNED_IN

EVERYONE = frozenset(ROLES)
NOBODY: frozenset[str] = frozenset()
ADMIN = frozenset({"admin"})
OWNER = frozenset({"owner"})
MODERATORS = frozenset({"moderator", "admin"})
BOARD = frozenset({"board", "admin"})  # Permission.PROPOSALS_ANSWER
RELAYS = frozenset({"relay", "relay_other_region", "admin"})  # any relay may organise a meeting in their region
RUNNERS = frozenset({"relay", "admin"})  # the meeting's own region's relay runs it
SYNTHESIS = frozenset({"relay", "relay_other_region", "board", "admin"})


@dataclass(frozen=True)
class Rule:
    allowed: frozenset[str]
    query: str = ""
    form: dict[str, str] = field(default_factory=dict)
    renames: dict[str, str] = field(default_factory=dict)
    fresh: bool = False


FLAG = "type=forum_post&id={post_id}"
ACT = "type=forum_post&id={post_id}&act=hide"
DRAFT = {"proposal_id": "draft_id"}

RULES: dict[str, Rule] = {
    # --- accounts -------------------------------------------------------------------------------
    "GET /": Rule(EVERYONE),
    "GET /signin": Rule(EVERYONE),
    "POST /signin": Rule(EVERYONE, form={"email": "{victim_email}", "password": "correct horse battery"}),
    "POST /signout": Rule(EVERYONE),
    "GET /invitation/{token}": Rule(EVERYONE),
    "POST /invitation/{token}": Rule(EVERYONE),
    "GET /forgot": Rule(EVERYONE),
    "POST /forgot": Rule(EVERYONE),
    "GET /reset/{token}": Rule(EVERYONE),
    "POST /reset/{token}": Rule(EVERYONE),
    "GET /account": Rule(SIGNED_IN),
    "POST /account/password": Rule(SIGNED_IN),
    "POST /account/tokens": Rule(SIGNED_IN),
    "POST /account/digest": Rule(SIGNED_IN),
    # Anyone signed in may ask; only the owner's own token is revoked (test_objects.py).
    "POST /account/tokens/{token_id}/revoke": Rule(SIGNED_IN),
    "POST /language": Rule(EVERYONE, form={"language": "nl"}),
    "GET /notifications": Rule(SIGNED_IN),
    "POST /notifications/read": Rule(SIGNED_IN),
    # --- people and administration ----------------------------------------------------------------
    "GET /admin/people": Rule(ADMIN),
    "GET /admin/people/{person_id}": Rule(ADMIN),
    "POST /admin/people/{person_id}/roles": Rule(ADMIN, form={"role": "moderator", "region": ""}),
    "POST /admin/people/{person_id}/roles/revoke": Rule(ADMIN, form={"grant": "{grant_id}"}),
    "POST /admin/people/{person_id}/active": Rule(ADMIN, form={"active": "0"}),
    "GET /admin/regions": Rule(ADMIN),
    "POST /admin/regions": Rule(ADMIN),
    "GET /admin/colleges": Rule(ADMIN),
    "POST /admin/colleges": Rule(ADMIN),
    # --- proposals ----------------------------------------------------------------------------------
    "GET /proposals": Rule(SIGNED_IN),
    "GET /proposals/new": Rule(SIGNED_IN),
    "POST /proposals/new": Rule(SIGNED_IN),
    "GET /proposals/similar": Rule(SIGNED_IN),
    "GET /proposals/settings": Rule(ADMIN),
    "POST /proposals/settings": Rule(ADMIN),
    "GET /proposals/comments/{comment_id}/fragment": Rule(SIGNED_IN),
    "POST /proposals/comments/{comment_id}/support": Rule(SIGNED_IN),
    "GET /proposals/{proposal_id}": Rule(SIGNED_IN),
    "GET /proposals/{proposal_id}/edit": Rule(OWNER, renames=DRAFT),  # a draft is its author's alone
    "POST /proposals/{proposal_id}/edit": Rule(OWNER, renames=DRAFT),
    "POST /proposals/{proposal_id}/publish": Rule(OWNER, renames=DRAFT, fresh=True),
    "POST /proposals/{proposal_id}/withdraw": Rule(OWNER, fresh=True),
    "POST /proposals/{proposal_id}/support": Rule(SIGNED_IN),
    "POST /proposals/{proposal_id}/unsupport": Rule(SIGNED_IN),
    "POST /proposals/{proposal_id}/follow": Rule(SIGNED_IN),
    "POST /proposals/{proposal_id}/agenda": Rule(ADMIN),
    "POST /proposals/{proposal_id}/board": Rule(ADMIN),
    "POST /proposals/{proposal_id}/answer": Rule(BOARD),
    "POST /proposals/{proposal_id}/comments": Rule(SIGNED_IN),
    "GET /proposals/{proposal_id}/amend": Rule(SIGNED_IN),
    "POST /proposals/{proposal_id}/amend": Rule(SIGNED_IN),
    "GET /proposals/{proposal_id}/amendments/{amendment_id}": Rule(SIGNED_IN),
    "GET /proposals/{proposal_id}/amendments/{amendment_id}/edit": Rule(OWNER),
    "POST /proposals/{proposal_id}/amendments/{amendment_id}/edit": Rule(OWNER),
    "POST /proposals/{proposal_id}/amendments/{amendment_id}/decide": Rule(OWNER, form={"decision": "accept"},
                                                                           fresh=True),
    "GET /proposals/{proposal_id}/versions": Rule(SIGNED_IN),
    "GET /proposals/{proposal_id}/translate": Rule(SIGNED_IN),
    "POST /proposals/{proposal_id}/translate": Rule(SIGNED_IN),
    # --- forums ---------------------------------------------------------------------------------------
    "GET /forums": Rule(SIGNED_IN),
    "GET /forums/spaces/new": Rule(ADMIN),
    "POST /forums/spaces/new": Rule(ADMIN),
    "GET /forums/threads/{thread_id}": Rule(SIGNED_IN),
    "POST /forums/threads/{thread_id}/reply": Rule(SIGNED_IN),
    "POST /forums/threads/{thread_id}/subscribe": Rule(SIGNED_IN),
    "GET /forums/posts/{post_id}": Rule(SIGNED_IN),
    "GET /forums/posts/{post_id}/fragment": Rule(SIGNED_IN),
    "GET /forums/posts/{post_id}/edit": Rule(OWNER),
    "POST /forums/posts/{post_id}/edit": Rule(OWNER),
    "GET /forums/posts/{post_id}/history": Rule(SIGNED_IN),
    "GET /forums/{slug}": Rule(SIGNED_IN),
    "GET /forums/{slug}/edit": Rule(ADMIN),
    "POST /forums/{slug}/edit": Rule(ADMIN),
    "GET /forums/{slug}/new": Rule(SIGNED_IN),
    "POST /forums/{slug}/new": Rule(SIGNED_IN),
    "POST /forums/{slug}/subscribe": Rule(SIGNED_IN),
    # --- moderation -------------------------------------------------------------------------------------
    "GET /moderation": Rule(MODERATORS),
    "GET /moderation/flag": Rule(SIGNED_IN, query=FLAG),
    "POST /moderation/flag": Rule(SIGNED_IN, form={"type": "forum_post", "id": "{post_id}", "reason": "Hors sujet"}),
    "GET /moderation/act": Rule(MODERATORS, query=ACT),
    "POST /moderation/act": Rule(MODERATORS, form={"type": "forum_post", "id": "{post_id}", "act": "hide",
                                                   "reason": "Hors sujet"}, fresh=True),
    "GET /moderation/log": Rule(EVERYONE),  # the public moderation log
    "GET /moderation/settings": Rule(ADMIN),
    "POST /moderation/settings": Rule(ADMIN),
    # --- consultations ----------------------------------------------------------------------------------
    "GET /consultations": Rule(SIGNED_IN),
    "GET /consultations/new": Rule(ADMIN),
    "POST /consultations/new": Rule(ADMIN),
    "GET /consultations/{consultation_id}": Rule(SIGNED_IN),
    "POST /consultations/{consultation_id}/ballot": Rule(SIGNED_IN),
    "GET /consultations/{consultation_id}/results": Rule(SIGNED_IN),  # 409 until the close (embargo)
    "GET /consultations/{consultation_id}/results.csv": Rule(SIGNED_IN),
    "GET /consultations/{consultation_id}/tracking-codes": Rule(SIGNED_IN),
    "GET /consultations/{consultation_id}/edit": Rule(ADMIN),
    "POST /consultations/{consultation_id}/edit": Rule(ADMIN),
    "GET /consultations/{consultation_id}/preview": Rule(ADMIN),
    "POST /consultations/{consultation_id}/approve": Rule(ADMIN),
    "POST /consultations/{consultation_id}/open": Rule(ADMIN),
    "POST /consultations/{consultation_id}/close": Rule(ADMIN, fresh=True),
    "POST /consultations/{consultation_id}/second-call": Rule(ADMIN, fresh=True),
    # --- the API (bearer tokens) ---------------------------------------------------------------------------
    "GET /api/v1/openapi.json": Rule(EVERYONE),
    "GET /api/v1/me": Rule(SIGNED_IN),
    "GET /api/v1/consultations": Rule(SIGNED_IN),
    "POST /api/v1/consultations": Rule(ADMIN),
    "GET /api/v1/consultations/{consultation_id}": Rule(SIGNED_IN),
    "PUT /api/v1/consultations/{consultation_id}": Rule(ADMIN),
    "POST /api/v1/consultations/{consultation_id}/approve": Rule(ADMIN),
    "POST /api/v1/consultations/{consultation_id}/open": Rule(ADMIN),
    "POST /api/v1/consultations/{consultation_id}/close": Rule(ADMIN, fresh=True),
    "POST /api/v1/consultations/{consultation_id}/second-call": Rule(ADMIN, fresh=True),
    "POST /api/v1/consultations/{consultation_id}/ballot": Rule(SIGNED_IN),
    "GET /api/v1/consultations/{consultation_id}/participation": Rule(SIGNED_IN),
    "GET /api/v1/consultations/{consultation_id}/results": Rule(SIGNED_IN),
    "GET /api/v1/consultations/{consultation_id}/results.csv": Rule(SIGNED_IN),
    "GET /api/v1/consultations/{consultation_id}/tracking-codes": Rule(SIGNED_IN),
    "GET /api/v1/proposals": Rule(SIGNED_IN),
    "POST /api/v1/proposals": Rule(SIGNED_IN),
    "GET /api/v1/proposals/{proposal_id}": Rule(SIGNED_IN),
    "POST /api/v1/proposals/{proposal_id}/support": Rule(SIGNED_IN),
    "DELETE /api/v1/proposals/{proposal_id}/support": Rule(SIGNED_IN),
    "GET /api/v1/proposals/{proposal_id}/comments": Rule(SIGNED_IN),
    "POST /api/v1/proposals/{proposal_id}/comments": Rule(SIGNED_IN),
    "POST /api/v1/proposals/{proposal_id}/translations": Rule(SIGNED_IN),
    # --- meetings and assemblies (the meeting is a pre-assembly in Brussels, organised by its relay) -------
    "GET /meetings": Rule(SIGNED_IN),
    "GET /meetings/new": Rule(RELAYS),
    "POST /meetings/new": Rule(RELAYS),
    "GET /meetings/regions/{slug}.ics": Rule(EVERYONE, renames={"slug": "region_slug"}),  # a public feed
    "GET /meetings/{meeting_id}.ics": Rule(SIGNED_IN),
    "GET /meetings/{meeting_id}": Rule(SIGNED_IN),
    "POST /meetings/{meeting_id}/register": Rule(SIGNED_IN),
    "POST /meetings/{meeting_id}/cancel": Rule(SIGNED_IN),
    "GET /meetings/{meeting_id}/live": Rule(SIGNED_IN),
    "GET /meetings/{meeting_id}/projector": Rule(SIGNED_IN),
    # Only a checked-in attendee votes in the room, and nobody of the world is checked in: all refused.
    "POST /meetings/{meeting_id}/vote": Rule(NOBODY, form={"item": "{ref}", "choice": "for"}),
    "GET /meetings/{meeting_id}/run": Rule(RUNNERS),
    "GET /meetings/{meeting_id}/people": Rule(RUNNERS),
    "GET /meetings/{meeting_id}/registrations.csv": Rule(RUNNERS),
    "POST /meetings/{meeting_id}/checkin": Rule(RUNNERS),
    "POST /meetings/{meeting_id}/current": Rule(RUNNERS),
    "POST /meetings/{meeting_id}/counts": Rule(RUNNERS, form={"item": "{ref}"}),
    "POST /meetings/{meeting_id}/notes": Rule(RUNNERS),
    "POST /meetings/{meeting_id}/proposals": Rule(RUNNERS),
    "POST /meetings/{meeting_id}/minutes": Rule(RUNNERS),
    "POST /meetings/{meeting_id}/submit": Rule(RUNNERS),
    "POST /meetings/{meeting_id}/addenda": Rule(RUNNERS),
    "GET /assemblies": Rule(SIGNED_IN),
    "GET /assemblies/new": Rule(ADMIN),
    "POST /assemblies/new": Rule(ADMIN),
    "GET /assemblies/{assembly_id}": Rule(SIGNED_IN),
    "POST /assemblies/{assembly_id}/documents": Rule(ADMIN),
    "GET /assemblies/{assembly_id}/documents/{document_id}": Rule(SIGNED_IN),
    "GET /assemblies/{assembly_id}/synthesis": Rule(SYNTHESIS),
    "GET /api/v1/assemblies": Rule(SIGNED_IN),
    "POST /api/v1/assemblies": Rule(ADMIN),
    "GET /api/v1/assemblies/{assembly_id}": Rule(SIGNED_IN),
    "GET /api/v1/assemblies/{assembly_id}/synthesis": Rule(SYNTHESIS),
    "GET /api/v1/meetings": Rule(SIGNED_IN),
    "POST /api/v1/meetings": Rule(RELAYS),
    "GET /api/v1/meetings/{meeting_id}": Rule(SIGNED_IN),
    "POST /api/v1/meetings/{meeting_id}/registration": Rule(SIGNED_IN),
    "DELETE /api/v1/meetings/{meeting_id}/registration": Rule(SIGNED_IN),
    "GET /api/v1/meetings/{meeting_id}/registrations": Rule(RUNNERS),
    "POST /api/v1/meetings/{meeting_id}/checkins": Rule(RUNNERS),
    "POST /api/v1/meetings/{meeting_id}/current": Rule(RUNNERS),
    "GET /api/v1/meetings/{meeting_id}/positions": Rule(SIGNED_IN),
    "POST /api/v1/meetings/{meeting_id}/items/{ref}/vote": Rule(SIGNED_IN),
    "PUT /api/v1/meetings/{meeting_id}/items/{ref}/counts": Rule(RUNNERS),
    "POST /api/v1/meetings/{meeting_id}/notes": Rule(RUNNERS),
    "POST /api/v1/meetings/{meeting_id}/proposals": Rule(RUNNERS),
    "PUT /api/v1/meetings/{meeting_id}/minutes": Rule(RUNNERS),
    "POST /api/v1/meetings/{meeting_id}/submit": Rule(RUNNERS),
    "POST /api/v1/meetings/{meeting_id}/addenda": Rule(RUNNERS),
    # --- static files ------------------------------------------------------------------------------------
    "GET /static/{path}": Rule(EVERYONE),
}


# Routes whose full role matrix lives beside their feature, written by its authors with the objects it
# needs (confidential referrals, report workflows). Here they are still checked against anyone signed
# out and against a member, on objects that do not exist: denied, never a 5xx (test_access_matrix.py).
# A new route of these features still needs a line, here or in RULES.
COVERED_ELSEWHERE: dict[str, str] = {
    "GET /ethics": "tests/ethics/test_access.py",
    "POST /ethics/committee/{action}": "tests/ethics/test_access.py",
    "GET /ethics/referrals/new": "tests/ethics/test_access.py",
    "POST /ethics/referrals/new": "tests/ethics/test_access.py",
    "GET /ethics/referrals/{referral_id}": "tests/ethics/test_access.py",
    "GET /ethics/referrals/{referral_id}/access-log": "tests/ethics/test_access.py",
    "GET /ethics/referrals/{referral_id}/attachments/{attachment_id}": "tests/ethics/test_access.py",
    "POST /ethics/referrals/{referral_id}/{action}": "tests/ethics/test_access.py",
    "GET /ethics/register": "tests/ethics/test_access.py",
    "GET /ethics/register/{opinion_id}": "tests/ethics/test_access.py",
    "POST /ethics/register/{opinion_id}/translate": "tests/ethics/test_access.py",
    "POST /ethics/register/{opinion_id}/follow-up": "tests/ethics/test_access.py",
    "GET /reports": "tests/reports/test_access.py",
    "GET /reports/desk": "tests/reports/test_access.py",
    "GET /reports/new": "tests/reports/test_access.py",
    "POST /reports/new": "tests/reports/test_access.py",
    "GET /reports/{report_id}.pdf": "tests/reports/test_access.py",
    "GET /reports/{report_id}.csv": "tests/reports/test_access.py",
    "GET /reports/{report_id}.json": "tests/reports/test_access.py",
    "GET /reports/{report_id}": "tests/reports/test_access.py",
    "POST /reports/{report_id}/edit": "tests/reports/test_access.py",
    "POST /reports/{report_id}/refresh": "tests/reports/test_access.py",
    "POST /reports/{report_id}/submit": "tests/reports/test_access.py",
    "POST /reports/{report_id}/acknowledge": "tests/reports/test_access.py",
    "POST /reports/{report_id}/answer": "tests/reports/test_access.py",
    "POST /reports/{report_id}/correct": "tests/reports/test_access.py",
    "POST /api/v1/ethics/referrals": "tests/ethics/test_access.py",
    "GET /api/v1/ethics/referrals/{referral_id}": "tests/ethics/test_access.py",
    "POST /api/v1/ethics/referrals/{referral_id}/{action}": "tests/ethics/test_access.py",
    "GET /api/v1/ethics/register": "tests/ethics/test_access.py",
    "GET /api/v1/ethics/register/{opinion_id}": "tests/ethics/test_access.py",
    "GET /api/v1/reports": "tests/reports/test_access.py",
    "POST /api/v1/reports": "tests/reports/test_access.py",
    "GET /api/v1/reports/{report_id}.pdf": "tests/reports/test_access.py",
    "GET /api/v1/reports/{report_id}.csv": "tests/reports/test_access.py",
    "GET /api/v1/reports/{report_id}": "tests/reports/test_access.py",
    "PATCH /api/v1/reports/{report_id}": "tests/reports/test_access.py",
    "POST /api/v1/reports/{report_id}/refresh": "tests/reports/test_access.py",
    "POST /api/v1/reports/{report_id}/submit": "tests/reports/test_access.py",
    "POST /api/v1/reports/{report_id}/acknowledge": "tests/reports/test_access.py",
    "POST /api/v1/reports/{report_id}/answer": "tests/reports/test_access.py",
    "POST /api/v1/reports/{report_id}/correct": "tests/reports/test_access.py",
}
