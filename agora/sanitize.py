"""The only module that cleans user HTML: named allowlist policies applied once, on the way in.

The product card names bleach; its maintainers have ended it, so agora uses nh3 (Ammonia), its
maintained successor. Allowlists only: no scripts, no event handlers, no styles, no `javascript:` or
`data:` URLs, and no `hx-*`/`data-hx-*`/`hx-on*` attributes, so that user content cannot drive htmx.
Links get `rel="nofollow noopener noreferrer"`.
"""

from __future__ import annotations

from dataclasses import dataclass

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

LINK_REL = "nofollow noopener noreferrer"
URL_SCHEMES = frozenset({"http", "https", "mailto"})


@dataclass(frozen=True)
class Policy:
    name: str
    tags: frozenset[str]
    attributes: dict[str, set[str]]


# Rich text from Markdown: proposals, posts, comments, minutes, opinions.
RICH_TEXT = Policy(
    name="rich_text",
    tags=frozenset({"p", "br", "strong", "em", "b", "i", "u", "s", "del", "ins", "blockquote", "code", "pre",
                    "ul", "ol", "li", "a", "h2", "h3", "h4", "hr", "table", "thead", "tbody", "tr", "th", "td"}),
    attributes={"a": {"href", "title"}, "th": {"scope"}, "ol": {"start"}},
)

# A single line: only emphasis.
INLINE = Policy(name="inline", tags=frozenset({"strong", "em", "code"}), attributes={})

POLICIES = {policy.name: policy for policy in (RICH_TEXT, INLINE)}

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")


def clean_html(html: str, policy: Policy = RICH_TEXT) -> str:
    return nh3.clean(
        html,
        tags=set(policy.tags),
        clean_content_tags={"script", "style", "template", "iframe", "object", "svg", "math"},
        attributes={tag: set(names) for tag, names in policy.attributes.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL if "a" in policy.tags else None,
        strip_comments=True,
        generic_attribute_prefixes=set(),
    )


def render_markdown(text: str, policy: Policy = RICH_TEXT) -> str:
    """Markdown to HTML, cleaned. Raw HTML in the source is escaped by the parser, then cleaned anyway."""
    return clean_html(_markdown.render(text), policy)


def safe(cleaned: str) -> Markup:
    """Marks HTML that went through this module as safe for a template; nothing else may be."""
    return Markup(cleaned)  # noqa: S704 - cleaned by nh3 above
