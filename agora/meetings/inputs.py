"""What an assembly or a meeting is made of, checked for shape from a plain dict (the API's JSON or
a form turned into a dict). Domain rules (who may, which region) live in services.py.

The texts-by-language and date-time checks are the consultations' own (same rules, same messages).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from agora.consultations.definition import KEY, DefinitionError
from agora.consultations.definition import _datetime as parse_datetime
from agora.consultations.definition import _texts as parse_texts
from agora.deliberation.errors import Refused
from agora.i18n import gettext as _
from agora.meetings.models import DecisionType, MeetingKind
from agora.people.models import COLLEGE_KEYS
from agora.settings import LANGUAGES

TITLE_LENGTH = 300
TEXT_LENGTH = 20_000
MAX_ITEMS = 40
MAX_CAPACITY = 100_000


@dataclass(frozen=True)
class ItemInput:
    ref: str
    decision_type: DecisionType
    titles: dict[str, str]
    texts: dict[str, str]


@dataclass(frozen=True)
class AssemblyInput:
    titles: dict[str, str]
    convocations: dict[str, str]
    starts_at: datetime
    places: str
    items: tuple[ItemInput, ...]


@dataclass(frozen=True)
class MeetingInput:
    kind: MeetingKind
    region: str
    assembly_id: str | None
    college: str | None
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    address: str
    online_url: str
    languages: tuple[str, ...]
    capacity: int | None
    waiting_list: bool
    quorum: int | None
    publish_at: datetime | None
    local_topics: tuple[str, ...]


def refused(error: DefinitionError) -> Refused:
    return Refused(422, "invalid", error.message, error.field)


def _plain(value: Any, field: str, limit: int, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise Refused(422, "invalid", _("%(field)s must hold texts.") % {"field": field}, field)
    value = value.replace("\x00", "").strip()
    if required and not value:
        raise Refused(422, "invalid", _("%(field)s is required.") % {"field": field}, field)
    if len(value) > limit:
        raise Refused(422, "invalid", _("%(field)s is too long (at most %(limit)s characters).")
                      % {"field": field, "limit": limit}, field)
    return value


def _whole(value: Any, field: str, *, minimum: int) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or isinstance(value, bool) or not minimum <= value <= MAX_CAPACITY:
        raise Refused(422, "invalid", _("%(field)s must be a whole number of at least %(minimum)s.")
                      % {"field": field, "minimum": minimum}, field)
    return value


def _when(value: Any, field: str) -> datetime:
    try:
        return parse_datetime(value, field)
    except DefinitionError as error:
        raise refused(error) from None


def _items(value: Any) -> tuple[ItemInput, ...]:
    if not isinstance(value, list) or not value:
        raise Refused(422, "invalid", _("An assembly needs at least one agenda item."), "items")
    if len(value) > MAX_ITEMS:
        raise Refused(422, "invalid", _("An assembly has at most %(max)s agenda items.") % {"max": MAX_ITEMS},
                      "items")
    items: list[ItemInput] = []
    for index, raw in enumerate(value, start=1):
        where = f"items[{index}]"
        if not isinstance(raw, Mapping):
            raise Refused(422, "invalid", _("%(field)s must be an object.") % {"field": where}, where)
        ref = raw.get("ref") or f"r{index}"
        if not isinstance(ref, str) or not KEY.match(ref) or any(item.ref == ref for item in items):
            raise Refused(422, "invalid", _("%(field)s needs a unique ref (letters, digits, - and _).")
                          % {"field": where}, where)
        try:
            decision = DecisionType(raw.get("decision_type") or "ordinary")
        except ValueError:
            raise Refused(422, "invalid", _("%(field)s: the decision type is ordinary, extraordinary or "
                                            "information.") % {"field": where}, where) from None
        try:
            titles = parse_texts(raw.get("title"), f"{where}.title", TITLE_LENGTH, required=True)
            texts = parse_texts(raw.get("text"), f"{where}.text", TEXT_LENGTH, required=False)
        except DefinitionError as error:
            raise refused(error) from None
        items.append(ItemInput(ref, decision, titles, texts))
    return tuple(items)


def assembly_input(data: Mapping[str, Any]) -> AssemblyInput:
    try:
        titles = parse_texts(data.get("title"), "title", TITLE_LENGTH, required=True)
        convocations = parse_texts(data.get("convocation"), "convocation", TEXT_LENGTH, required=False)
    except DefinitionError as error:
        raise refused(error) from None
    return AssemblyInput(titles, convocations, _when(data.get("starts_at"), "starts_at"),
                         _plain(data.get("places"), "places", 500), _items(data.get("items")))


def _languages(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",")]
    if not isinstance(value, list) or not value or any(code not in LANGUAGES for code in value):
        raise Refused(422, "invalid", _("Choose the meeting's languages among French, Dutch and German."),
                      "languages")
    return tuple(dict.fromkeys(value))


def _topics(value: Any) -> tuple[str, ...]:
    if value in (None, ""):
        return ()
    if isinstance(value, str):
        value = [line for line in value.splitlines() if line.strip()]
    if not isinstance(value, list) or len(value) > MAX_ITEMS:
        raise Refused(422, "invalid", _("The local topics must be a list of titles."), "local_topics")
    return tuple(_plain(topic, "local_topics", TITLE_LENGTH, required=True) for topic in value)


def meeting_input(data: Mapping[str, Any]) -> MeetingInput:
    try:
        kind = MeetingKind(data.get("kind") or "")
    except ValueError:
        raise Refused(422, "invalid", _("Choose the kind of meeting."), "kind") from None
    college = data.get("college") or None
    if kind == MeetingKind.COLLEGE and college not in COLLEGE_KEYS:
        raise Refused(422, "invalid", _("A gathering of one college needs its college."), "college")
    assembly_id = data.get("assembly") or None
    if kind == MeetingKind.PRE_ASSEMBLY and not isinstance(assembly_id, str):
        raise Refused(422, "invalid", _("A meeting before the General Assembly needs its assembly."), "assembly")
    starts_at = _when(data.get("starts_at"), "starts_at")
    ends_at = _when(data.get("ends_at"), "ends_at")
    if ends_at <= starts_at:
        raise Refused(422, "invalid", _("The meeting must end after it starts."), "ends_at")
    address = _plain(data.get("address"), "address", 300)
    online_url = _plain(data.get("online_url"), "online_url", 500)
    if online_url and not online_url.startswith(("https://", "http://")):
        raise Refused(422, "invalid", _("The online link must start with https://."), "online_url")
    if not address and not online_url:
        raise Refused(422, "invalid", _("Give an address, an online link, or both."), "address")
    publish_at = data.get("publish_at")
    return MeetingInput(
        kind=kind, region=_plain(data.get("region"), "region", 64, required=True),
        assembly_id=assembly_id if kind == MeetingKind.PRE_ASSEMBLY else None,
        college=college if kind == MeetingKind.COLLEGE else None,
        title=_plain(data.get("title"), "title", 200, required=True),
        description=_plain(data.get("description"), "description", TEXT_LENGTH),
        starts_at=starts_at, ends_at=ends_at, address=address, online_url=online_url,
        languages=_languages(data.get("languages") or "fr"),
        capacity=_whole(data.get("capacity"), "capacity", minimum=1),
        waiting_list=data.get("waiting_list") not in (False, "0", "off", "false"),
        quorum=_whole(data.get("quorum"), "quorum", minimum=1),
        publish_at=_when(publish_at, "publish_at") if publish_at else None,
        local_topics=_topics(data.get("local_topics")),
    )
