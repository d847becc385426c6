"""Which acts each state of a proposal allows: small named predicates, no I/O."""

from __future__ import annotations

from agora.proposals.models import AmendmentStatus, ProposalStatus

S = ProposalStatus

COLLECTING = frozenset({S.PUBLISHED, S.THRESHOLD_REACHED})
PUBLIC = frozenset(set(S) - {S.DRAFT})

# status → the statuses a person (not the automatic threshold) may move it to
TRANSITIONS: dict[ProposalStatus, frozenset[ProposalStatus]] = {
    S.DRAFT: frozenset({S.PUBLISHED, S.WITHDRAWN}),
    S.PUBLISHED: frozenset({S.WITHDRAWN}),  # threshold_reached is reached, not chosen
    S.THRESHOLD_REACHED: frozenset({S.ON_AGENDA, S.WITHDRAWN}),
    S.ON_AGENDA: frozenset({S.SENT_TO_BOARD}),
    S.SENT_TO_BOARD: frozenset({S.ANSWERED}),
    S.ANSWERED: frozenset(),
    S.WITHDRAWN: frozenset(),
}


def can_move(current: ProposalStatus, target: ProposalStatus) -> bool:
    return target in TRANSITIONS[current]


def collects_supports(status: ProposalStatus) -> bool:
    return status in COLLECTING


def is_public(status: ProposalStatus) -> bool:
    return status in PUBLIC


def text_editable(status: ProposalStatus) -> bool:
    """The author edits freely only a draft; afterwards the text changes through amendments."""
    return status == S.DRAFT


def accepts_amendments(status: ProposalStatus) -> bool:
    return status in COLLECTING


def accepts_comments(status: ProposalStatus) -> bool:
    return status in PUBLIC and status != S.WITHDRAWN


def accepts_translations(status: ProposalStatus) -> bool:
    return status != S.WITHDRAWN


def amendment_open(status: AmendmentStatus) -> bool:
    return status == AmendmentStatus.PENDING


# The order of the lifecycle as shown on the page (withdrawn is a side exit).
LIFECYCLE = (S.DRAFT, S.PUBLISHED, S.THRESHOLD_REACHED, S.ON_AGENDA, S.SENT_TO_BOARD, S.ANSWERED)
