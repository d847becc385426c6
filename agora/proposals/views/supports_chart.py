"""A proposal's supports over time, as a picture with its table (agora/charts): the supports still
held, counted at the end of each day on which some were given (Brussels time), from publication to now."""

from __future__ import annotations

from datetime import datetime

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from agora.charts import Point, step_chart
from agora.db import utcnow
from agora.i18n import gettext as _
from agora.i18n.formatting import BRUSSELS, format_date, format_number
from agora.proposals.models import Proposal, ProposalSupport


def support_times(db: Session, proposal_id: str) -> list[datetime]:
    return list(db.execute(select(ProposalSupport.created_at).where(ProposalSupport.proposal_id == proposal_id)
                           .order_by(ProposalSupport.created_at)).scalars())


def _day(when: datetime) -> object:
    return when.astimezone(BRUSSELS).date()


def daily_points(start: datetime, times: list[datetime], now: datetime) -> list[Point]:
    """The count at publication (0), at the last support of each day, and now."""
    points = [Point(start, 0, format_date(start), format_number(0))]
    for count, when in enumerate(times, start=1):
        point = Point(when, count, format_date(when), format_number(count))
        if len(points) > 1 and _day(points[-1].when) == _day(when):
            points[-1] = point
        else:
            points.append(point)
    if now > points[-1].when:
        points.append(Point(now, len(times), format_date(now), format_number(len(times))))
    return points


def supports_picture(db: Session, proposal: Proposal) -> Markup | None:
    if proposal.published_at is None:
        return None
    now = utcnow()
    times = support_times(db, proposal.id)
    points = daily_points(min([proposal.published_at, *times]), times, now)
    threshold = proposal.support_threshold or None
    description = _("%(count)s supports since %(date)s.") % {"count": format_number(len(times)),
                                                              "date": format_date(proposal.published_at)}
    if threshold:
        description += " " + _("%(threshold)s are needed.") % {"threshold": format_number(threshold)}
    return step_chart(f"supports-chart-{proposal.id}", _("Supports over time"), points,
                      headings=[_("Date"), _("Supports")], description=description, target=threshold,
                      target_text=_("Threshold: %(threshold)s") % {"threshold": format_number(threshold or 0)})
