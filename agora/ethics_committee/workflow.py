"""The referral's states and the one table of allowed transitions: no I/O."""

from __future__ import annotations

from agora.deliberation.errors import Refused
from agora.ethics_committee.models import ReferralStatus
from agora.i18n import gettext as _
from agora.i18n import lazy_gettext

S = ReferralStatus

TRANSITIONS: dict[ReferralStatus, frozenset[ReferralStatus]] = {
    S.RECEIVED: frozenset({S.ACKNOWLEDGED}),
    S.ACKNOWLEDGED: frozenset({S.ADMISSIBLE, S.NOT_ADMISSIBLE}),
    S.ADMISSIBLE: frozenset({S.UNDER_EXAMINATION}),
    S.NOT_ADMISSIBLE: frozenset(),
    S.UNDER_EXAMINATION: frozenset({S.DRAFT_OPINION}),
    S.DRAFT_OPINION: frozenset({S.VOTING}),
    S.VOTING: frozenset({S.ADOPTED, S.DRAFT_OPINION}),  # adopted, or back to the draft when not adopted
    S.ADOPTED: frozenset({S.SENT}),
    S.SENT: frozenset({S.PUBLISHED}),
    S.PUBLISHED: frozenset(),
}

# The order shown on the referral's page (not admissible is a side exit).
LIFECYCLE = (S.RECEIVED, S.ACKNOWLEDGED, S.ADMISSIBLE, S.UNDER_EXAMINATION, S.DRAFT_OPINION, S.VOTING,
             S.ADOPTED, S.SENT, S.PUBLISHED)

STATUS_LABELS = {
    S.RECEIVED: lazy_gettext("received"),
    S.ACKNOWLEDGED: lazy_gettext("acknowledged"),
    S.ADMISSIBLE: lazy_gettext("admissible"),
    S.NOT_ADMISSIBLE: lazy_gettext("not admissible"),
    S.UNDER_EXAMINATION: lazy_gettext("under examination"),
    S.DRAFT_OPINION: lazy_gettext("draft opinion"),
    S.VOTING: lazy_gettext("committee vote open"),
    S.ADOPTED: lazy_gettext("opinion adopted"),
    S.SENT: lazy_gettext("opinion sent to the referrer"),
    S.PUBLISHED: lazy_gettext("summary published"),
}

# Where notes, hearings and the draft may still be written.
EXAMINING = frozenset({S.UNDER_EXAMINATION, S.DRAFT_OPINION})
OPEN = frozenset(set(S) - {S.NOT_ADMISSIBLE, S.PUBLISHED})


def label(status: ReferralStatus) -> str:
    return str(STATUS_LABELS[status])


def can_move(current: ReferralStatus, target: ReferralStatus) -> bool:
    return target in TRANSITIONS[current]


def out_of_order(current: ReferralStatus, target: ReferralStatus) -> Refused:
    return Refused(409, "out_of_order", _("This step is not possible now: the referral is “%(current)s” and "
                                          "cannot become “%(target)s”.")
                   % {"current": label(current), "target": label(target)})


def ensure_move(current: ReferralStatus, target: ReferralStatus) -> None:
    if not can_move(current, target):
        raise out_of_order(current, target)


def ensure_in(current: ReferralStatus, allowed: frozenset[ReferralStatus]) -> None:
    if current not in allowed:
        raise Refused(409, "out_of_order", _("This is not possible while the referral is “%(current)s”.")
                      % {"current": label(current)})
