"""Full-text search that behaves the same on SQLite and PostgreSQL: a word index in an ordinary table.

Why not FTS5 / tsvector: an FTS5 virtual table (and its shadow tables) and a PostgreSQL expression
index are schema objects Alembic's autogenerate cannot describe, so `alembic check` (run by the tests
and by `agora db check`) would report them as drift; the migration environment has no filter for
such objects yet. This index is an ordinary table, created by the migration like any other.

How it works: every document (a proposal with its translations, a forum thread's title) is split into
words, lower-cased with accents removed (`Élection` → `election`), and each distinct word is stored
once per document with a weight (3 in a title, 1 in a body). A query matches documents that contain
every query word *as a prefix* (`logem` finds `logement`, `logements`), through range scans of the
`(doc_type, term)` index; relevance is the sum of the matched weights. No stemming, like FTS5's
default tokenizer and PostgreSQL's `simple` configuration: fair for three languages at once.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from sqlalchemy import ColumnElement, Select, and_, delete, false, func, insert, or_, select
from sqlalchemy.orm import Session

from agora.deliberation.models import SearchTerm

_WORD = re.compile(r"\w+")
MAX_QUERY_WORDS = 8
TOP = "\U0010ffff"


def normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str, minimum: int = 2) -> list[str]:
    """Distinct normalised words of a text, in order of first appearance."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(normalise(text)):
        word = word.strip("_")[:64]
        if len(word) >= minimum:
            seen.setdefault(word, None)
    return list(seen)


def index_document(db: Session, doc_type: str, doc_id: str, fields: Iterable[tuple[str, int]]) -> None:
    """Replaces the words of one document; `fields` are (text, weight) pairs."""
    weights: dict[str, int] = {}
    for text, weight in fields:
        for word in words(text):
            weights[word] = max(weights.get(word, 0), weight)
    db.execute(delete(SearchTerm).where(SearchTerm.doc_type == doc_type, SearchTerm.doc_id == doc_id))
    if weights:
        db.execute(insert(SearchTerm), [{"doc_type": doc_type, "doc_id": doc_id, "term": word, "weight": weight}
                                        for word, weight in weights.items()])


def remove_document(db: Session, doc_type: str, doc_id: str) -> None:
    db.execute(delete(SearchTerm).where(SearchTerm.doc_type == doc_type, SearchTerm.doc_id == doc_id))


def _prefix(word: str) -> ColumnElement[bool]:
    return and_(SearchTerm.term >= word, SearchTerm.term < word + TOP)


def query_words(query: str) -> list[str]:
    return words(query, minimum=1)[:MAX_QUERY_WORDS]


def matching_all(doc_type: str, query: str) -> list[Select[tuple[str]]]:
    """One sub-select of document ids per query word: a document must be in all of them."""
    return [select(SearchTerm.doc_id).where(SearchTerm.doc_type == doc_type, _prefix(word))
            for word in query_words(query)]


def scores(doc_type: str, query: str, *, minimum: int = 1) -> Select[tuple[str, int]]:
    """(doc_id, score) for documents matching any query word of at least `minimum` characters."""
    chosen = [w for w in query_words(query) if len(w) >= minimum]
    score = func.sum(SearchTerm.weight).label("score")
    return (select(SearchTerm.doc_id, score)
            .where(SearchTerm.doc_type == doc_type, or_(*[_prefix(word) for word in chosen]) if chosen else false())
            .group_by(SearchTerm.doc_id))
