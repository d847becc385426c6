"""Demo General Assembly (`agora demo`): five agenda items in French, Dutch and German, local meetings
in Liège, Antwerpen and Eupen run by their relays, registrations, and the Liège meeting already held
and reported with its positions, questions, amendment and a new proposal. Everything goes through the
same services as the pages."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from agora import demo
from agora.db import utcnow
from agora.meetings import inputs, registrations, room, services
from agora.meetings.models import Assembly
from agora.people.models import Person, Region
from agora.permissions import Principal
from agora.web.endpoint import load_principal

ITEMS: list[dict[str, Any]] = [
    {"ref": "r1", "decision_type": "ordinary", "title": {
        "fr": "Approbation des comptes annuels 2026", "nl": "Goedkeuring van de jaarrekening 2026",
        "de": "Genehmigung des Jahresabschlusses 2026"}, "text": {
        "fr": "L'assemblée approuve les comptes annuels arrêtés par le conseil d'administration.",
        "nl": "De vergadering keurt de door de raad van bestuur vastgestelde jaarrekening goed.",
        "de": "Die Versammlung genehmigt den vom Verwaltungsrat festgestellten Jahresabschluss."}},
    {"ref": "r2", "decision_type": "ordinary", "title": {
        "fr": "Affectation du résultat", "nl": "Bestemming van het resultaat", "de": "Verwendung des Ergebnisses"}},
    {"ref": "r3", "decision_type": "extraordinary", "title": {
        "fr": "Modification des statuts : un collège des partenaires",
        "nl": "Statutenwijziging: een college van partners",
        "de": "Satzungsänderung: ein Kollegium der Partner"}},
    {"ref": "r4", "decision_type": "ordinary", "title": {
        "fr": "Décharge aux administrateurs", "nl": "Kwijting aan de bestuurders",
        "de": "Entlastung der Verwaltungsratsmitglieder"}},
    {"ref": "r5", "decision_type": "information", "title": {
        "fr": "Rapport du comité d'éthique", "nl": "Verslag van het ethisch comité",
        "de": "Bericht des Ethikkomitees"}},
]

MEETINGS = [  # relay, region, title, language, days from now
    ("relay.liege@demo.agora.coop", "liege", "Pré-AG à Liège", "fr", -3),
    ("relay.antwerpen@demo.agora.coop", "antwerpen", "Pre-AV in Antwerpen", "nl", 5),
    ("relay.eupen@demo.agora.coop", "eupen", "Vorversammlung in Eupen", "de", 8),
]


def _principal(db: Session, email: str) -> Principal:
    person = db.execute(select(Person).where(Person.email == email)).scalar_one()
    return load_principal(db, person)


def _people_of(db: Session, slug: str, count: int) -> list[Person]:
    return list(db.execute(select(Person).join(Region, Region.id == Person.region_id)
                           .where(Region.slug == slug, Person.email.like("person%")).order_by(Person.email)
                           .limit(count)).scalars())


@demo.loader
def load(db: Session) -> None:
    if db.execute(select(Assembly.id).limit(1)).first() is not None:
        return
    admin = _principal(db, "admin@demo.agora.coop")
    now = utcnow().replace(second=0, microsecond=0)
    assembly = services.create_assembly(db, admin, inputs.assembly_input({
        "title": {"fr": "Assemblée générale ordinaire 2027", "nl": "Gewone algemene vergadering 2027",
                  "de": "Ordentliche Generalversammlung 2027"},
        "convocation": {"fr": "Les coopérateurs sont convoqués à l'assemblée générale.",
                        "nl": "De vennoten worden uitgenodigd op de algemene vergadering.",
                        "de": "Die Genossenschafter werden zur Generalversammlung eingeladen."},
        "starts_at": (now + timedelta(days=21)).isoformat(), "places": "Bruxelles, Tour & Taxis",
        "items": ITEMS}))
    rng = random.Random(5)  # noqa: S311 - demo figures, not a secret
    for email, slug, title, language, days in MEETINGS:
        relay = _principal(db, email)
        start = now + timedelta(days=days, hours=18 - now.hour)
        meeting = services.create_meeting(db, relay, inputs.meeting_input({
            "kind": "pre_assembly", "assembly": assembly.id, "region": slug, "title": title,
            "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=2)).isoformat(),
            "address": f"Bureau régional, {slug}", "languages": [language], "capacity": 40, "quorum": 10,
            "publish_at": (now - timedelta(days=10)).isoformat()}))
        members = _people_of(db, slug, 14)
        for member in members:
            registrations.register_at(db, load_principal(db, member), meeting, now - timedelta(days=6))
        if days < 0:
            _hold(db, relay, meeting, members, rng)


def _hold(db: Session, relay: Principal, meeting: Any, members: list[Person], rng: random.Random) -> None:
    for member in members[:12]:
        room.check_in(db, relay, meeting, person_id=member.id)
    room.check_in(db, relay, meeting, name="Marc Walk-in", college="clients")
    present = room.attendance_by_college(db, meeting.id)
    for item in services.items_of(db, meeting.id):
        if not item.asks_position:
            continue
        by_college = {}
        for college, count in present.items():
            if count:
                against = rng.randint(0, count // 3)
                abstain = rng.randint(0, (count - against) // 4)
                by_college[college] = {"for": count - against - abstain, "against": against, "abstain": abstain}
        room.set_counts(db, relay, meeting, item, by_college)
    items = {item.ref: item for item in services.items_of(db, meeting.id)}
    room.add_note(db, relay, meeting, "question", "Comment le résultat sera-t-il réparti entre les régions ?", "fr",
                  items["r2"])
    room.add_note(db, relay, meeting, "amendment", "Préciser que le collège des partenaires a un siège au conseil.",
                  "fr", items["r3"])
    room.add_proposal(db, relay, meeting, "Un espace de coworking au bureau de Liège",
                      "Ouvrir le bureau de Liège aux membres le vendredi comme espace de travail partagé.", "fr")
    room.save_minutes(db, relay, meeting, "**Pré-AG de Liège** : 13 présents. Les comptes ont été présentés par "
                                          "le relais; débat nourri sur l'affectation du résultat.")
    room.submit(db, relay, meeting)
