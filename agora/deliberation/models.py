"""The search index shared by proposals and forum threads (see search.py)."""

from __future__ import annotations

from sqlalchemy import Index, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from agora.db import Base

# Byte order on both databases, so that a prefix is a contiguous range of the index.
TERM = String(64).with_variant(String(64, collation="C"), "postgresql")


class SearchTerm(Base):
    """One distinct normalised word of one document, with its weight (title words weigh more)."""

    __tablename__ = "search_terms"
    __table_args__ = (Index("ix_search_terms_lookup", "doc_type", "term"),)

    doc_type: Mapped[str] = mapped_column(String(16), primary_key=True)
    doc_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    term: Mapped[str] = mapped_column(TERM, primary_key=True)
    weight: Mapped[int] = mapped_column(SmallInteger, default=1)
