"""iCalendar (RFC 5545) for one meeting and for a region's feed, written by hand: CRLF line ends,
TEXT escaping (backslash, semicolon, comma, newline) and lines folded at 75 octets."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from agora.meetings.models import Meeting

PRODID = "-//agora//local meetings//EN"


def escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def fold(line: str) -> str:
    """Lines longer than 75 octets are split, continuation lines starting with a space; never inside a
    UTF-8 sequence."""
    out: list[str] = []
    current, size = "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        limit = 75 if not out else 74  # continuation lines carry the leading space
        if size + width > limit:
            out.append(current)
            current, size = "", 0
        current += char
        size += width
    out.append(current)
    return "\r\n ".join(out)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def event_lines(meeting: Meeting, base_url: str, now: datetime) -> list[str]:
    location = ", ".join(part for part in (meeting.address, meeting.online_url) if part)
    url = f"{base_url}/meetings/{meeting.id}"
    description = "\n\n".join(part for part in (meeting.description, meeting.online_url, url) if part)
    lines = [
        "BEGIN:VEVENT", f"UID:meeting-{meeting.id}@agora", f"DTSTAMP:{_stamp(now)}",
        f"DTSTART:{_stamp(meeting.starts_at)}", f"DTEND:{_stamp(meeting.ends_at)}",
        f"SUMMARY:{escape(meeting.title)}", f"DESCRIPTION:{escape(description)}", f"URL:{url}",
    ]
    if location:
        lines.append(f"LOCATION:{escape(location)}")
    lines.append("END:VEVENT")
    return lines


def calendar(meetings: Iterable[Meeting], base_url: str, name: str, now: datetime) -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
             f"X-WR-CALNAME:{escape(name)}"]
    for meeting in meetings:
        lines.extend(event_lines(meeting, base_url, now))
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
