"""Demo consultations (`agora demo`): one advisory consultation open now, with some participation,
and one binding consultation closed a fortnight ago with its results (one question short of its
quorum, to show the second call). Texts in French, Dutch and German; ballots cast through the same
code path as real ones."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from agora import demo
from agora.consultations import lifecycle, services, voting
from agora.consultations.definition import parse
from agora.consultations.models import Consultation, Elector
from agora.db import utcnow
from agora.people.models import Person
from agora.settings import load_settings

ADVISORY: dict[str, Any] = {
    "title": {"fr": "Horaires d'ouverture des bureaux régionaux", "nl": "Openingsuren van de regionale kantoren",
              "de": "Öffnungszeiten der Regionalbüros"},
    "description": {
        "fr": "Le conseil d'administration souhaite connaître votre avis avant de revoir les horaires en 2027.",
        "nl": "De raad van bestuur wil uw mening kennen voordat de openingsuren in 2027 worden herzien.",
        "de": "Der Verwaltungsrat möchte Ihre Meinung kennen, bevor die Öffnungszeiten 2027 überarbeitet werden."},
    "binding": False, "allow_change": True, "weighting": {"mode": "one_person_one_vote"},
    "questions": [
        {"ref": "q1", "type": "yes_no", "title": {
            "fr": "Faut-il ouvrir les bureaux le samedi matin ?",
            "nl": "Moeten de kantoren op zaterdagochtend open zijn?",
            "de": "Sollen die Büros am Samstagvormittag geöffnet sein?"}},
        {"ref": "q2", "type": "ranking", "title": {
            "fr": "Classez les créneaux du soir par ordre de préférence.",
            "nl": "Rangschik de avondmomenten in volgorde van voorkeur.",
            "de": "Ordnen Sie die Abendzeiten nach Ihrer Präferenz."},
         "options": [
             {"key": "mon", "label": {"fr": "Lundi jusqu'à 19 h", "nl": "Maandag tot 19 uur",
                                      "de": "Montag bis 19 Uhr"}},
             {"key": "wed", "label": {"fr": "Mercredi jusqu'à 19 h", "nl": "Woensdag tot 19 uur",
                                      "de": "Mittwoch bis 19 Uhr"}},
             {"key": "thu", "label": {"fr": "Jeudi jusqu'à 19 h", "nl": "Donderdag tot 19 uur",
                                      "de": "Donnerstag bis 19 Uhr"}}]},
    ],
}

BINDING: dict[str, Any] = {
    "title": {"fr": "Affectation du résultat 2025", "nl": "Bestemming van het resultaat 2025",
              "de": "Verwendung des Ergebnisses 2025"},
    "description": {
        "fr": "Proposition du conseil d'administration, soumise aux coopérateurs avant l'assemblée générale.",
        "nl": "Voorstel van de raad van bestuur, voorgelegd aan de vennoten vóór de algemene vergadering.",
        "de": "Vorschlag des Verwaltungsrats, den Genossenschaftern vor der Generalversammlung vorgelegt."},
    "binding": True, "allow_change": False,
    "quorum": {"mode": "global", "ordinary": 0.15, "extraordinary": 0.5},
    "questions": [
        {"ref": "q1", "type": "yes_no", "decision_type": "ordinary", "title": {
            "fr": "Approuvez-vous l'affectation de 40 % du résultat au fonds de solidarité ?",
            "nl": "Keurt u de bestemming van 40 % van het resultaat voor het solidariteitsfonds goed?",
            "de": "Stimmen Sie der Zuweisung von 40 % des Ergebnisses an den Solidaritätsfonds zu?"}},
        {"ref": "q2", "type": "budget", "budget_total": 100, "decision_type": "ordinary", "title": {
            "fr": "Répartissez 100 000 € d'investissements (en milliers d'euros).",
            "nl": "Verdeel 100.000 € investeringen (in duizenden euro).",
            "de": "Verteilen Sie 100.000 € Investitionen (in tausend Euro)."},
         "options": [
             {"key": "tools", "label": {"fr": "Outils numériques", "nl": "Digitale hulpmiddelen",
                                        "de": "Digitale Werkzeuge"}},
             {"key": "training", "label": {"fr": "Formation", "nl": "Opleiding", "de": "Weiterbildung"}},
             {"key": "premises", "label": {"fr": "Locaux partagés", "nl": "Gedeelde ruimtes",
                                           "de": "Gemeinsame Räume"}}]},
        {"ref": "q3", "type": "yes_no", "decision_type": "extraordinary", "title": {
            "fr": "Approuvez-vous la modification de l'article 12 des statuts ?",
            "nl": "Keurt u de wijziging van artikel 12 van de statuten goed?",
            "de": "Stimmen Sie der Änderung von Artikel 12 der Satzung zu?"}},
    ],
}


def _answers(rng: random.Random, consultation: Consultation) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for question in consultation.questions:
        keys = [o.key for o in question.options]
        if rng.random() < 0.08:
            answers[question.ref] = "abstain"
        elif question.type == "yes_no":
            answers[question.ref] = "yes" if rng.random() < 0.68 else "no"
        elif question.type == "ranking":
            answers[question.ref] = rng.sample(keys, len(keys))
        else:
            first = rng.choice(range(0, 101, 10))
            second = rng.choice(range(0, 101 - first, 10))
            answers[question.ref] = dict(zip(keys, (first, second, 100 - first - second), strict=True))
    return answers


def _vote(db: Session, consultation: Consultation, share: float, rng: random.Random, secret: str, when: Any) -> None:
    people = {p.id: p for p in db.execute(select(Person).join(Elector, Elector.person_id == Person.id)
                                           .where(Elector.consultation_id == consultation.id)).scalars()}
    for person_id in sorted(people):
        if rng.random() < share:
            voting.cast(db, consultation.id, people[person_id], _answers(rng, consultation), secret_key=secret,
                        now=when)


@demo.loader
def load(db: Session) -> None:
    if db.execute(select(Consultation.id).limit(1)).first() is not None:
        return
    admin = db.execute(select(Person).where(Person.email == "admin@demo.agora.coop")).scalar_one()
    other = db.execute(select(Person).where(Person.email == "admin2@demo.agora.coop")).scalar_one()
    settings = load_settings()  # the server's own secret, so that demo voters can change their ballots
    rng = random.Random(2025)  # noqa: S311 (demo data, not secrets)
    now, secret = utcnow().replace(microsecond=0), settings.secret_key
    defaults = services.defaults(db, settings)

    past = now - timedelta(days=30)
    data = {**BINDING, "opens_at": past.isoformat(), "closes_at": (past + timedelta(days=14)).isoformat()}
    closed = services.create(db, parse(data, defaults), admin, settings)
    services.approve(db, closed, other, past - timedelta(days=2))
    lifecycle.open_now(db, closed.id, None, past, scheduled=False)
    _vote(db, closed, 0.42, rng, secret, past + timedelta(days=1))
    lifecycle.close_now(db, closed.id, None, past + timedelta(days=14), scheduled=True)

    data = {**ADVISORY, "opens_at": (now - timedelta(days=2)).isoformat(),
            "closes_at": (now + timedelta(days=12)).isoformat()}
    advisory = services.create(db, parse(data, defaults), admin, settings)
    services.approve(db, advisory, other, now - timedelta(days=3))
    lifecycle.open_now(db, advisory.id, None, now - timedelta(days=2))
    _vote(db, advisory, 0.3, rng, secret, now)
