"""Demo committee, referrals at different stages and two published positions in French, Dutch and German.

Registered with `agora.demo.loader` when imported; everything goes through the committee's own services.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from agora import demo
from agora.ethics_committee import committee, register, services
from agora.ethics_committee.models import Referral
from agora.people.models import Person
from agora.permissions import Principal
from agora.web.endpoint import load_principal

# The four members (one per category; their accounts are agora.demo.DEMO_ACCOUNTS, printed by `agora demo`)
COMMITTEE = [("ethics@demo.agora.coop", "members"), ("ethics2@demo.agora.coop", "clients"),
             ("ethics3@demo.agora.coop", "permanents"), ("ethics4@demo.agora.coop", "partners")]
CHAIR, RAPPORTEUR = "ethics@demo.agora.coop", "ethics3@demo.agora.coop"

PUBLISHED: list[dict[str, Any]] = [
    {
        "referrer": "member.fr@demo.agora.coop", "language": "fr", "kind": "cooperator",
        "subject": "Puis-je facturer des prestations pour une entreprise d'armement ?",
        "question": "Un client me propose une mission de graphisme pour un fabricant de munitions. Est-ce compatible "
                    "avec nos valeurs ?",
        "opinion": "Le comité estime que les missions pour l'industrie de l'armement ne sont pas compatibles avec "
                   "la charte de la coopérative.",
        "recommendations": ["Refuser les missions directement liées à la production d'armes.",
                            "Inscrire la liste des secteurs exclus dans la charte."],
        "title": {"fr": "Missions pour l'industrie de l'armement",
                  "nl": "Opdrachten voor de wapenindustrie", "de": "Aufträge für die Rüstungsindustrie"},
        "summary": {"fr": "Un membre a demandé s'il pouvait accepter une mission pour un fabricant de munitions. "
                          "Le comité estime que ces missions ne sont pas compatibles avec la charte.",
                    "nl": "Een lid vroeg of het een opdracht voor een munitiefabrikant mocht aannemen. Het comité "
                          "oordeelt dat zulke opdrachten niet verenigbaar zijn met het charter.",
                    "de": "Ein Mitglied fragte, ob es einen Auftrag für einen Munitionshersteller annehmen darf. Das "
                          "Komitee hält solche Aufträge für unvereinbar mit der Charta."},
        "public_recommendations": {
            "fr": ["Refuser les missions directement liées à la production d'armes.",
                   "Publier la liste des secteurs exclus."],
            "nl": ["Opdrachten die rechtstreeks met wapenproductie verband houden weigeren.",
                   "De lijst van uitgesloten sectoren publiceren."],
            "de": ["Aufträge mit direktem Bezug zur Waffenproduktion ablehnen.",
                   "Die Liste der ausgeschlossenen Branchen veröffentlichen."]},
    },
    {
        "referrer": "delegate@demo.agora.coop", "language": "nl", "kind": "board",
        "subject": "Onbetaalde proefopdrachten bij nieuwe leden",
        "question": "Sommige begeleiders vragen nieuwe leden om gratis proefwerk te leveren. Is dat aanvaardbaar?",
        "opinion": "Gratis proefwerk dat de klant gebruikt, is uitbuiting. Een korte, vergoede proefopdracht is wel "
                   "aanvaardbaar.",
        "recommendations": ["Elke proefopdracht die de klant gebruikt, vergoeden.",
                            "Een maximale duur voor proefopdrachten vastleggen."],
        "title": {"nl": "Vrijwillig werk of uitbuiting: proefopdrachten",
                  "fr": "Travail bénévole ou exploitation : les missions d'essai",
                  "de": "Freiwillige Arbeit oder Ausbeutung: Probeaufträge"},
        "summary": {"nl": "De raad van bestuur vroeg of onbetaalde proefopdrachten aanvaardbaar zijn. Het comité "
                          "oordeelt dat werk dat een klant gebruikt altijd vergoed moet worden.",
                    "fr": "Le conseil d'administration a demandé si des missions d'essai non rémunérées sont "
                          "acceptables. Le comité estime que tout travail utilisé par un client doit être rémunéré.",
                    "de": "Der Verwaltungsrat fragte, ob unbezahlte Probeaufträge vertretbar sind. Das Komitee ist "
                          "der Ansicht, dass jede von einem Kunden genutzte Arbeit vergütet werden muss."},
        "public_recommendations": {
            "nl": ["Elke proefopdracht die de klant gebruikt, vergoeden.", "Een maximale duur vastleggen."],
            "fr": ["Rémunérer toute mission d'essai utilisée par le client.", "Fixer une durée maximale."],
            "de": ["Jeden vom Kunden genutzten Probeauftrag vergüten.", "Eine Höchstdauer festlegen."]},
    },
]


def _principal(db: Session, email: str) -> Principal:
    person = db.execute(select(Person).where(Person.email == email)).scalar_one()
    return load_principal(db, person)


def _as(db: Session, email: str, referral_id: str, act: Callable[[Session, Principal, Referral], Any]) -> Any:
    return act(db, _principal(db, email), db.get(Referral, referral_id))  # type: ignore[arg-type]


def _committee(db: Session) -> None:
    admin = _principal(db, "admin@demo.agora.coop")
    for email, category in COMMITTEE:
        member = committee.appoint(db, admin, email, category)
        if email == CHAIR:
            committee.make_chair(db, admin, member.id)


def _submit(db: Session, email: str, *, subject: str, question: str, language: str, kind: str = "") -> str:
    return services.submit(db, _principal(db, email), subject=subject, question=question, language=language,
                           kind=kind).id


def _to_examination(db: Session, referral_id: str) -> None:
    _as(db, CHAIR, referral_id, services.acknowledge)
    _as(db, CHAIR, referral_id, lambda d, p, r: services.decide_admissibility(d, p, r, "yes", ""))
    rapporteur = _principal(db, RAPPORTEUR).id
    _as(db, CHAIR, referral_id, lambda d, p, r: services.assign_rapporteur(d, p, r, rapporteur or ""))
    _as(db, CHAIR, referral_id, services.start_examination)


def _to_vote(db: Session, referral_id: str, text: str, recommendations: list[str]) -> None:
    _as(db, RAPPORTEUR, referral_id, lambda d, p, r: services.save_draft(d, p, r, text, recommendations))
    _as(db, CHAIR, referral_id, services.open_vote)


def _publish(db: Session, case: dict[str, Any]) -> None:
    lang = case["language"]
    referral_id = _submit(db, case["referrer"], subject=case["subject"], question=case["question"], language=lang,
                          kind=case["kind"])
    _to_examination(db, referral_id)
    _to_vote(db, referral_id, case["opinion"], case["recommendations"])
    for email, _category in COMMITTEE:
        _as(db, email, referral_id, lambda d, p, r: services.cast(d, p, r, "for"))
    _as(db, CHAIR, referral_id, services.close_vote)
    _as(db, CHAIR, referral_id, services.send_opinion)
    _as(db, RAPPORTEUR, referral_id, lambda d, p, r: services.write_summary(
        d, p, r, title=case["title"][lang], summary=case["summary"][lang],
        recommendations=case["public_recommendations"][lang], language=lang))
    _as(db, CHAIR, referral_id, services.approve_summary)
    opinion = _as(db, CHAIR, referral_id, services.publish)
    translator = _principal(db, RAPPORTEUR)
    for other in ("fr", "nl", "de"):
        if other != lang:
            register.translate(db, translator, opinion, language=other, title=case["title"][other],
                               summary=case["summary"][other],
                               recommendations=case["public_recommendations"][other])
    register.add_follow_up(db, _principal(db, "board@demo.agora.coop"), opinion, recommendation="0",
                           state="applied", body="Opgenomen in het aankoopbeleid. / Intégré à la politique d'achat.")


@demo.loader
def load(db: Session) -> None:
    _committee(db)
    overdue = _submit(db, "member.nl@demo.agora.coop", language="nl",
                      subject="Samenwerken met een klant die zwartwerk vraagt",
                      question="Een klant vraagt om een deel van de factuur niet aan te geven. Hoe reageer ik?")
    referral = db.get(Referral, overdue)
    assert referral is not None
    referral.created_at -= timedelta(days=14)
    referral.acknowledge_by = referral.created_at + timedelta(days=10)  # shown as overdue
    examined = _submit(db, "member.de@demo.agora.coop", language="de",
                       subject="Werbung für Glücksspielanbieter",
                       question="Darf ich als Texter Werbung für einen Online-Glücksspielanbieter schreiben?")
    _to_examination(db, examined)
    _as(db, RAPPORTEUR, examined, lambda d, p, r: services.add_note(
        d, p, r, "Vergleichbare Fälle in anderen Genossenschaften prüfen."))
    _as(db, CHAIR, examined, lambda d, p, r: services.send_message(
        d, p, r, "Könnten Sie uns sagen, ob der Auftrag bereits angenommen wurde?"))
    voting = _submit(db, "board@demo.agora.coop", language="nl", kind="board",
                     subject="Leveranciers buiten Europa", question="Welke ethische criteria gelden voor leveranciers "
                     "buiten Europa?")
    _to_examination(db, voting)
    _to_vote(db, voting, "Het comité stelt voor een gedragscode voor leveranciers op te stellen.",
             ["Een gedragscode voor leveranciers opstellen."])
    for case in PUBLISHED:
        _publish(db, case)
