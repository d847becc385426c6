"""A thread page's posts, each drawn once per content and kind of reader (agora.web.fragments).

A post shows its own fields (a `ShownPost`, which holds nothing else), the post it quotes, the
thread's id and whether it accepts replies; of the reader only whether someone is signed in, whether
the post is theirs and whether they moderate. The key is all of it: forums/post.html and the
moderation macros must show nothing else (tests/web/test_fragments.py reads them).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from markupsafe import Markup

from agora.forums.models import ForumThread
from agora.forums.services import ShownPost
from agora.i18n import current_language
from agora.permissions import Permission, Principal, allowed
from agora.web import templating
from agora.web.fragments import FragmentMemo

POSTS = FragmentMemo(max_chars=8_000_000)  # 8 M characters (16 M with the keys): some 5,000 posts of 1,500
PAGES = FragmentMemo(max_chars=8_000_000)  # the same for whole pages of posts: some 50 pages of 50


def post_drawer(thread: ForumThread, quotes: dict[str, ShownPost], accepts_replies: bool, principal: Principal,
                context: dict[str, Any]) -> Callable[[list[ShownPost]], Markup]:
    """`posts_html(posts)` for the template: a page's posts, memoised as a whole on the keys of its posts
    (one look-up instead of fifty: under load the loop of look-ups was a tenth of the page), each post
    memoised on its own for a page that changed, and drawn with this request's context on a miss. What the
    key takes of the reader and the language is settled once per page, not once per post."""
    module: list[Any] = []
    signed_in = principal.person is not None
    moderates = allowed(principal, Permission.MODERATION_ACT)
    language = current_language()

    def draw(post: ShownPost) -> str:
        if not module:
            template = templating.environment().get_template("forums/post.html")
            module.append(template.make_module(context))
        return str(module[0].forum_post(post, thread, quotes, accepts_replies))

    def key_of(post: ShownPost) -> tuple[Any, ...]:
        quoted = quotes.get(post.quote_of_id) if post.quote_of_id else None
        reader = (signed_in, post.author_id == principal.id, moderates)
        return post, quoted, reader  # a ShownPost is its own key

    def posts_html(posts: list[ShownPost]) -> Markup:
        keys = tuple(key_of(post) for post in posts)
        return PAGES.get((keys, thread.id, accepts_replies, language),
                         lambda: "".join(POSTS.get((key, thread.id, accepts_replies, language),
                                                   lambda post=key[0]: draw(post)) for key in keys))

    return posts_html
