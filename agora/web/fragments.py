"""A bounded memo of HTML fragments, each keyed by *everything* it shows.

A fragment (a proposal's card, a forum post) is a pure function of a few values and of the reader's
language: memoised on exactly those values, it never needs invalidating — in this process or
another — because a change to anything shown is another key, drawn afresh. What depends on the
reader (their own post? a moderator?) is part of the key as such, so it stays per reader. The memo
only bounds memory: the least recently used fragments go first.

The one rule for whoever edits a memoised template: everything it shows must be in its key
(see `agora.proposals.cards` and `agora.forums.fragments`); tests/web/test_fragments.py checks that
a change to each shown value shows.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from markupsafe import Markup


class FragmentMemo:
    """At most `max_chars` characters of HTML, each entry also charged its length once more for its key
    (a key may hold the texts the fragment shows)."""

    def __init__(self, max_chars: int) -> None:
        self._max_chars = max_chars
        self._chars = 0
        self._items: OrderedDict[Hashable, Markup] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, draw: Callable[[], str]) -> Markup:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found
        # Outside the lock: two threads may draw the same fragment, both right. `draw` renders a template
        # (autoescaped): its output is HTML already.
        html = Markup(draw())  # noqa: S704
        with self._lock:
            if key not in self._items:
                self._items[key] = html
                self._chars += 2 * len(html)
            while self._chars > self._max_chars and self._items:
                _key, dropped = self._items.popitem(last=False)
                self._chars -= 2 * len(dropped)
        return html

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._chars = 0

    def __len__(self) -> int:
        return len(self._items)
