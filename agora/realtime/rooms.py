"""Room names, in one place. A room's payload must be fit for everyone allowed to join it."""

from __future__ import annotations


def person(person_id: str) -> str:
    return f"person:{person_id}"


def consultation(consultation_id: str) -> str:
    return f"consultation:{consultation_id}"


def proposal(proposal_id: str) -> str:
    return f"proposal:{proposal_id}"


def thread(thread_id: str) -> str:
    return f"thread:{thread_id}"


def meeting(meeting_id: str) -> str:
    return f"meeting:{meeting_id}"


def parse(room: str) -> tuple[str, str] | None:
    kind, sep, ident = room.partition(":")
    if not sep or not kind or not ident or len(room) > 100:
        return None
    return kind, ident


def ethics_referral(referral_id: str) -> str:
    return f"ethics_referral:{referral_id}"
