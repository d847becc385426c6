"""What each kind of report is built from: one builder per `kind` of report-schema.json.

A feature that can be the source of a report registers a builder in its own package
(`agora/<feature>/report.py`) and lists that module in `BUILDER_MODULES`. The reports package
only knows this contract:

- `build(db, source_id, language)` returns the computable part of the report document: `title`
  (translated), `sources`, `items` and, where they apply, `electorate`, `participation`, `weighting`,
  `proposals`, `ethics_opinions`. It never sets `schema`, `id`, `kind`, `status`, `version`,
  `created_at`, `submitted_*`, `board_response` or `integrity` (the reports package owns them).
  `language` is the report's language, used for texts such as the arithmetic explanations.
- `may_build(principal, db, source_id)` says whether this person may build a report from it
  (admins always; relays for their own region's meetings).
- `participants(db, source_id)` gives the ids of the people told when the board answers
  (voters, attendees, supporters, the referrer).
- Optionally, `on_submitted(db, principal, source_id)` and `on_answered(db, principal, source_id,
  decision, text)` let the source follow its report (a proposal moves to "sent to the board", then
  takes the board's answer); they run in the same transaction and must not refuse. `on_answered`
  returns the people the source already told of the answer: the report does not tell them again.
- A source that does not exist raises `SourceNotFound`; one that cannot be reported yet (a
  consultation still open, a meeting whose report is not submitted) raises `SourceNotReady` with a
  translated message naming why.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from agora.permissions import Principal

BUILDER_MODULES: tuple[str, ...] = (
    "agora.consultations.report",
    "agora.proposals.report",
    "agora.meetings.report",
    "agora.ethics_committee.report",
)

BuildFn = Callable[[Session, str, str], dict[str, Any]]
MayBuildFn = Callable[[Principal, Session, str], bool]
ParticipantsFn = Callable[[Session, str], Iterable[str]]
SubmittedFn = Callable[[Session, Principal, str], None]
AnsweredFn = Callable[[Session, Principal, str, str, dict[str, str]], Iterable[str]]


class SourceNotFound(Exception):
    """The report's source does not exist (or the builder may not see it)."""


class SourceNotReady(Exception):
    """The source exists but cannot be reported yet; the message says why, translated."""


@dataclass(frozen=True)
class Builder:
    kind: str
    build: BuildFn
    may_build: MayBuildFn
    participants: ParticipantsFn
    on_submitted: SubmittedFn | None = None
    on_answered: AnsweredFn | None = None


_builders: dict[str, Builder] = {}


def report_builder(kind: str, *, may_build: MayBuildFn, participants: ParticipantsFn,
                   on_submitted: SubmittedFn | None = None,
                   on_answered: AnsweredFn | None = None) -> Callable[[BuildFn], BuildFn]:
    """Registers the decorated `build(db, source_id, language)` as the builder of `kind`."""

    def register(build: BuildFn) -> BuildFn:
        _builders[kind] = Builder(kind, build, may_build, participants, on_submitted, on_answered)
        return build

    return register


def builder_for(kind: str) -> Builder | None:
    _load()
    return _builders.get(kind)


def _load() -> None:
    for module in BUILDER_MODULES:
        importlib.import_module(module)
