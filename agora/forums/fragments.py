"""A thread page's posts, each drawn once per content and kind of reader (agora.web.fragments).

A post shows its own fields, the post it quotes, the thread's id and whether it accepts replies; of
the reader only whether someone is signed in, whether the post is theirs and whether they moderate.
`post_key` lists all of it: forums/post.html must show nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from markupsafe import Markup

from agora.forums.models import ForumThread
from agora.forums.services import ShownPost
from agora.i18n import current_language
from agora.permissions import Permission, Principal, allowed
from agora.web import templating
from agora.web.fragments import FragmentMemo

POSTS = FragmentMemo(max_chars=8_000_000)  # 8 M characters (16 M with the keys): some 5,000 posts of 1,500


# Every attribute of a post (or of the post it quotes) that forums/post.html and the moderation macros
# read, and the author's name (tests/web/test_fragments.py checks the templates read nothing else).
POST_FIELDS = ("id", "number", "author_id", "created_at", "edit_count", "moderation", "moderated_at",
               "moderation_reason", "quote_of_id", "body_html")


def post_key(post: ShownPost, quoted: ShownPost | None, thread_id: str, accepts_replies: bool,
             reader: tuple[bool, bool, bool], language: str) -> Hashable:
    """A `ShownPost` holds exactly what its HTML shows (POST_FIELDS and the author's name: the tests check
    both), so it is its own part of the key."""
    return post, quoted, thread_id, accepts_replies, reader, language


def post_drawer(thread: ForumThread, quotes: dict[str, ShownPost], accepts_replies: bool, principal: Principal,
                context: dict[str, Any]) -> Callable[[ShownPost], Markup]:
    """`post_html(post)` for the template: the memoised HTML, drawn with this request's context on a miss.
    What the key takes of the reader and the language is settled once per page, not once per post."""
    module: list[Any] = []
    signed_in = principal.person is not None
    moderates = allowed(principal, Permission.MODERATION_ACT)
    language = current_language()

    def draw(post: ShownPost) -> str:
        if not module:
            template = templating.environment().get_template("forums/post.html")
            module.append(template.make_module(context))
        return str(module[0].forum_post(post, thread, quotes, accepts_replies))

    def post_html(post: ShownPost) -> Markup:
        quoted = quotes.get(post.quote_of_id) if post.quote_of_id else None
        reader = (signed_in, post.author_id == principal.id, moderates)
        return POSTS.get(post_key(post, quoted, thread.id, accepts_replies, reader, language), lambda: draw(post))

    return post_html
