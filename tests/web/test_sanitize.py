"""agora/sanitize.py: what survives and what never does."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from agora.sanitize import INLINE, clean_html, render_markdown

DANGEROUS = [
    '<script>alert(1)</script>',
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<svg onload=alert(1)><circle/></svg>',
    '<math><mtext><script>alert(1)</script></mtext></math>',
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<div hx-get="/admin" hx-trigger="load">x</div>',
    '<p data-hx-post="/signout" data-hx-trigger="load">x</p>',
    '<p hx-on:click="alert(1)" hx-on::load="fetch(1)">x</p>',
    '<iframe src="https://evil.example"></iframe>',
    '<form action="/signout" method="post"><button>x</button></form>',
    '<a href="/x" onclick="alert(1)">x</a>',
    '<<script>script>alert(1)//<</script>/script>',
]


@pytest.mark.parametrize("payload", DANGEROUS)
def test_dangerous_markup_is_removed(payload):
    cleaned = clean_html(payload).lower()
    for marker in ("<script", "onerror", "onload", "onclick", "javascript:", "data:text", "hx-", "<iframe",
                   "<form", "style=", "<svg"):
        assert marker not in cleaned, (payload, cleaned)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))


@pytest.mark.parametrize("payload", DANGEROUS)
def test_markdown_never_lets_raw_html_through(payload):
    parser = _Tags()
    parser.feed(render_markdown(f"Some **text** {payload}"))
    assert {tag for tag, _attrs in parser.tags} <= {"p", "strong"}
    assert all(not attrs for _tag, attrs in parser.tags)


def test_links_get_safe_rel_and_keep_their_target():
    html = render_markdown("[site](https://example.org/page)")
    assert 'href="https://example.org/page"' in html
    assert 'rel="nofollow noopener noreferrer"' in html


def test_markdown_formatting_survives():
    html = render_markdown("# no h1\n\n*a* **b**\n\n- one\n- two\n\n> quote")
    assert "<em>a</em>" in html and "<strong>b</strong>" in html and "<li>one</li>" in html
    assert "<blockquote>" in html and "<h1>" not in html


def test_inline_policy_keeps_only_emphasis():
    assert clean_html('<p><em>x</em> <a href="https://e.org">y</a></p>', INLINE) == "<em>x</em> y"
