"""The list of proposals: what a reader filters and sorts by, and the statements that read one page of it.

A filter sets some conditions (only mine, a status, a scope, a region, a college, a sector, a theme) and
a sort; which of them it sets is the statement's shape. The statements are built once per shape, with
the filter's values as bound parameters: the list is the most read page of the platform, and building
its statements cost as much Python as running them (bench/README.md, "Pages in few statements, rows in
one fetch"). A search adds one sub-select per word and its own ordering: those are built per request,
on top of the shape's conditions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Integer, Select, bindparam, func, select
from sqlalchemy.orm import Session, defer, joinedload

from agora.db import read_columns
from agora.deliberation import search
from agora.deliberation.scope import ScopeKind
from agora.moderation.models import ModerationState
from agora.people.models import CollegeKey, Person, Region
from agora.permissions import Principal
from agora.proposals.models import Proposal, ProposalCount, ProposalStatus

PAGE_SIZE = 20
PAGE_SIZES = (20, 50, 100)  # the list's page sizes a reader may choose (`per_page`)
DOC_TYPE = "proposal"  # agora.proposals.services indexes proposals for search under this type
SORTS = ("recent", "supported", "discussed", "relevance")
STATUSES = frozenset(s.value for s in ProposalStatus)
SCOPES = frozenset(s.value for s in ScopeKind)
COLLEGES = frozenset(c.value for c in CollegeKey)
LIST_SKIPS = (Proposal.body_md, Proposal.body_html, Proposal.decision_md, Proposal.decision_html)
SHAPES_KEPT = 512  # (base, conditions, sort) combinations: 2 bases x 3 sorts x the conditions a filter sets


@dataclass(frozen=True)
class ProposalFilter:
    query: str = ""
    status: str = ""  # "" = every public status except withdrawn
    scope: str = ""
    region: str = ""
    college: str = ""
    sector: str = ""
    theme: str = ""
    sort: str = ""  # recent | supported | discussed | relevance (default with a query)
    mine: bool = False
    page: int = 1
    per_page: int = PAGE_SIZE

    @property
    def page_size(self) -> int:
        return self.per_page if self.per_page in PAGE_SIZES else PAGE_SIZE

    @property
    def effective_sort(self) -> str:
        if self.sort in SORTS:
            return "recent" if self.sort == "relevance" and not self.query.strip() else self.sort
        return "relevance" if self.query.strip() else "recent"


def _state_conditions(moderation: Any, status: Any) -> dict[str, Callable[[], Any]]:
    """The conditions on a proposal's moderation state and status, over those two columns: the
    proposals' own, or `proposal_counts`' (the same rows counted)."""
    return {
        "status": lambda: status == bindparam("status"),
        "public": lambda: (moderation == ModerationState.VISIBLE) & (status != ProposalStatus.DRAFT),
        "not_withdrawn": lambda: status != ProposalStatus.WITHDRAWN,
    }


# Each condition a filter may set, with the bound parameters it reads.
_CONDITIONS: dict[str, Callable[[], Any]] = {
    "author": lambda: Proposal.author_id == bindparam("author_id"),
    **_state_conditions(Proposal.moderation, Proposal.status),
    "scope": lambda: Proposal.scope_kind == bindparam("scope"),
    "region": lambda: Proposal.region_id.in_(select(Region.id).where(Region.slug == bindparam("region"))),
    "college": lambda: Proposal.college == bindparam("college"),
    "sector": lambda: Proposal.sector == bindparam("sector"),
    "theme": lambda: Proposal.theme == bindparam("theme"),
}

_ORDERS: dict[str, Callable[[], tuple[Any, ...]]] = {
    "supported": lambda: (Proposal.supports_count.desc(), Proposal.published_at.desc(), Proposal.id),
    "discussed": lambda: (Proposal.comments_count.desc(), Proposal.published_at.desc(), Proposal.id),
    "recent": lambda: (Proposal.listed_at.desc(), Proposal.id.desc()),  # ix_proposals_listed
}


def shape_of(principal: Principal, f: ProposalFilter) -> tuple[tuple[str, ...], dict[str, Any]]:
    """The conditions `f` sets (names of `_CONDITIONS`, in a fixed order) and their parameters."""
    names: list[str] = []
    values: dict[str, Any] = {}
    if f.mine and principal.id:
        names.append("author")
        values["author_id"] = principal.id
        if f.status in STATUSES:
            names.append("status")
            values["status"] = ProposalStatus(f.status)
    else:
        names.append("public")
        if f.status in STATUSES and f.status != ProposalStatus.DRAFT.value:
            names.append("status")
            values["status"] = ProposalStatus(f.status)
        else:
            names.append("not_withdrawn")
    chosen = {"scope": ScopeKind(f.scope) if f.scope in SCOPES else None, "region": f.region or None,
              "college": CollegeKey(f.college) if f.college in COLLEGES else None,
              "sector": f.sector or None, "theme": f.theme or None}
    for name, value in chosen.items():
        if value is not None:
            names.append(name)
            values[name] = value
    return tuple(names), values


@lru_cache(maxsize=SHAPES_KEPT)
def _filtered(base: Callable[[], Select[Any]], shape: tuple[str, ...]) -> Select[Any]:
    return base().where(*(_CONDITIONS[name]() for name in shape))


@lru_cache(maxsize=SHAPES_KEPT)
def _sorted_page(base: Callable[[], Select[Any]], shape: tuple[str, ...], sort: str, with_total: bool) -> Select[Any]:
    statement = _filtered(base, shape)
    if with_total:
        statement = _with_total(statement, shape, "")
    return _cut(statement.order_by(*_ORDERS[sort]()))


def _with_total(statement: Select[Any], shape: tuple[str, ...], query: str) -> Select[Any]:
    """`statement` with the number found as its last column: a sub-select that depends on no row, which
    the database computes once (SQLite and PostgreSQL alike), not once a row."""
    return statement.add_columns(_count(shape, query).correlate(None).scalar_subquery().label("total"))


def _cut(statement: Select[Any]) -> Select[Any]:
    return (statement.limit(bindparam("page_limit", type_=Integer))
            .offset(bindparam("page_offset", type_=Integer)))


def _searched(statement: Select[Any], query: str) -> Select[Any]:
    for matching in search.matching_all(DOC_TYPE, query):
        statement = statement.where(Proposal.id.in_(matching))
    return statement


def listed_page(base: Callable[[], Select[Any]], principal: Principal, f: ProposalFilter, *,
                with_total: bool = False) -> tuple[Select[Any], dict[str, Any]]:
    """The statement reading one page of the list over `base()` (a select from proposals; the same
    function each time, so that its statements are built once), and its parameters. `with_total`: each
    row ends with the number found (the count's query saved, but for a page with no row)."""
    shape, values = shape_of(principal, f)
    size = f.page_size
    values.update(page_limit=size, page_offset=(max(f.page, 1) - 1) * size)
    sort = f.effective_sort
    if not f.query.strip():
        return _sorted_page(base, shape, sort, with_total), values
    statement = _searched(_filtered(base, shape), f.query)
    if with_total:
        statement = _with_total(statement, shape, f.query)
    if sort == "relevance":
        scores = search.scores(DOC_TYPE, f.query).subquery()
        statement = statement.outerjoin(scores, scores.c.doc_id == Proposal.id).order_by(
            func.coalesce(scores.c.score, 0).desc(), Proposal.published_at.desc(), Proposal.id)
    else:
        statement = statement.order_by(*_ORDERS[sort]())
    return _cut(statement), values


def _counted() -> Select[Any]:
    """count(*), not count(id): the count then reads only ix_proposals_listing (moderation, status), not
    the table's rows with their texts (10,000 proposals on SQLite: 0.8 ms instead of 5 ms)."""
    return select(func.count()).select_from(Proposal)


# The same conditions over `proposal_counts`: a list filtered by them alone (the unfiltered list, a
# status) is counted by adding up a few of its rows rather than by counting the proposals.
_COUNTED_CONDITIONS = _state_conditions(ProposalCount.moderation, ProposalCount.status)


def _count(shape: tuple[str, ...], query: str) -> Select[Any]:
    if not query.strip() and all(name in _COUNTED_CONDITIONS for name in shape):
        return _kept_count(shape)
    return _searched(_filtered(_counted, shape), query)


@lru_cache(maxsize=16)
def _kept_count(shape: tuple[str, ...]) -> Select[Any]:
    return (select(func.coalesce(func.sum(ProposalCount.proposals), 0))
            .where(*(_COUNTED_CONDITIONS[name]() for name in shape)))


def count_listed(db: Session, principal: Principal, f: ProposalFilter) -> int:
    shape, values = shape_of(principal, f)
    return int(read_columns(db, _count(shape, f.query), values).scalar_one())


def _whole_proposals() -> Select[Any]:
    return select(Proposal).options(
        *(defer(column, raiseload=True) for column in LIST_SKIPS),
        joinedload(Proposal.author).load_only(Person.id, Person.name), joinedload(Proposal.region))


def list_proposals(db: Session, principal: Principal, f: ProposalFilter) -> tuple[list[Proposal], int]:
    """One page of proposals in two queries whatever the page size (count; page with authors and regions
    joined). A list shows no text: the long columns are not read (and raise if asked for, rather than
    one query per row). The HTML list reads even less: agora.proposals.cards."""
    statement, values = listed_page(_whole_proposals, principal, f)
    rows = db.execute(statement, values).unique().scalars().all()
    return list(rows), count_listed(db, principal, f)
