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


def session(id_hash: str) -> str:
    """The sockets opened with one web session (or API token): cut when it ends. No rule lets anyone
    join it; the server puts a socket there at connection."""
    return f"session:{id_hash}"


SESSION_ENDED = "session_ended"  # the event sent to a session room just before its sockets are cut


def parse(room: str) -> tuple[str, str] | None:
    kind, sep, ident = room.partition(":")
    if not sep or not kind or not ident or len(room) > 100:
        return None
    return kind, ident


def ethics_referral(referral_id: str) -> str:
    return f"ethics_referral:{referral_id}"
