"""The proposal pages; `routes` is what agora.app mounts."""

from __future__ import annotations

from starlette.routing import Route

from agora.proposals import moderated, texts  # noqa: F401  (moderation kinds and notification texts)
from agora.proposals.views import amendments as text_views
from agora.proposals.views import detail, discussion, listing

routes = [
    Route("/proposals", listing.proposals, methods=["GET"]),
    Route("/proposals/new", listing.new_proposal, methods=["GET", "POST"]),
    Route("/proposals/similar", listing.similar, methods=["GET"]),
    Route("/proposals/settings", listing.settings, methods=["GET", "POST"]),
    Route("/proposals/comments/{comment_id}/fragment", discussion.comment_fragment, methods=["GET"]),
    Route("/proposals/comments/{comment_id}/support", discussion.support_comment, methods=["POST"]),
    Route("/proposals/{proposal_id}", detail.detail, methods=["GET"]),
    Route("/proposals/{proposal_id}/edit", listing.edit_proposal, methods=["GET", "POST"]),
    Route("/proposals/{proposal_id}/publish", detail.publish, methods=["POST"]),
    Route("/proposals/{proposal_id}/withdraw", detail.withdraw, methods=["POST"]),
    Route("/proposals/{proposal_id}/support", detail.support, methods=["POST"]),
    Route("/proposals/{proposal_id}/unsupport", detail.unsupport, methods=["POST"]),
    Route("/proposals/{proposal_id}/follow", detail.follow, methods=["POST"]),
    Route("/proposals/{proposal_id}/agenda", detail.agenda, methods=["POST"]),
    Route("/proposals/{proposal_id}/board", detail.send_to_board, methods=["POST"]),
    Route("/proposals/{proposal_id}/answer", detail.answer, methods=["POST"]),
    Route("/proposals/{proposal_id}/comments", discussion.add_comment, methods=["POST"]),
    Route("/proposals/{proposal_id}/amend", text_views.amend, methods=["GET", "POST"]),
    Route("/proposals/{proposal_id}/amendments/{amendment_id}", text_views.amendment_detail, methods=["GET"]),
    Route("/proposals/{proposal_id}/amendments/{amendment_id}/edit", text_views.amendment_edit,
          methods=["GET", "POST"]),
    Route("/proposals/{proposal_id}/amendments/{amendment_id}/decide", text_views.amendment_decide, methods=["POST"]),
    Route("/proposals/{proposal_id}/versions", text_views.versions, methods=["GET"]),
    Route("/proposals/{proposal_id}/translate", text_views.translate, methods=["GET", "POST"]),
]
