"""Demo proposals, forums and moderation (`agora demo`), in French, Dutch and German.

Everything goes through the same services as real use (supports, thresholds, amendments, comments,
translations, moderation), so the demo also shows the timeline, the notifications and the public log.
Registered with `agora.demo.loader` when this module is imported.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from agora import demo
from agora.deliberation.scope import parse_scope
from agora.forums import moderated as _forum_kinds  # noqa: F401  (moderation kinds)
from agora.forums import services as forums
from agora.forums.models import ForumSpace, SpaceKind
from agora.moderation import services as moderation
from agora.people.models import Person
from agora.permissions import Principal
from agora.proposals import access
from agora.proposals import moderated as _proposal_kinds  # noqa: F401  (moderation kinds)
from agora.proposals import services as proposals
from agora.proposals.models import Proposal
from agora.web.endpoint import load_principal

SPACES: list[tuple[str, SpaceKind, dict[str, str], dict[str, str], dict[str, Any]]] = [
    ("entraide", SpaceKind.THEME, {"fr": "Entraide entre membres", "nl": "Onderlinge hulp", "de": "Gegenseitige Hilfe"},
     {"fr": "Demander un coup de main, en offrir un.", "nl": "Hulp vragen, hulp bieden.",
      "de": "Um Hilfe bitten, Hilfe anbieten."}, {}),
    ("gouvernance", SpaceKind.THEME, {"fr": "Gouvernance", "nl": "Bestuur", "de": "Unternehmensführung"},
     {"fr": "Comment nous décidons ensemble.", "nl": "Hoe we samen beslissen.",
      "de": "Wie wir gemeinsam entscheiden."}, {}),
    ("liege", SpaceKind.REGION, {"fr": "Liège", "nl": "Luik", "de": "Lüttich"}, {}, {"region": "liege"}),
    ("antwerpen", SpaceKind.REGION, {"fr": "Anvers", "nl": "Antwerpen", "de": "Antwerpen"}, {},
     {"region": "antwerpen"}),
    ("eupen", SpaceKind.REGION, {"fr": "Eupen", "nl": "Eupen", "de": "Eupen"}, {}, {"region": "eupen"}),
    ("clients", SpaceKind.COLLEGE,
     {"fr": "Collège des clients", "nl": "College van klanten", "de": "Kollegium der Kunden"}, {},
     {"college": "clients"}),
    ("arts", SpaceKind.SECTOR, {"fr": "Arts et culture", "nl": "Kunst en cultuur", "de": "Kunst und Kultur"}, {},
     {"sector": "arts"}),
]


def _person(db: Session, email: str) -> Person:
    return db.execute(select(Person).where(Person.email == email)).scalar_one()


def _principal(db: Session, email: str) -> Principal:
    return load_principal(db, _person(db, email))


def _crowd(db: Session, count: int) -> list[Principal]:
    people = db.execute(select(Person).where(Person.email.like("person%@demo.agora.coop"))
                        .order_by(Person.email).limit(count)).scalars()
    return [load_principal(db, p) for p in people]


def _spaces(db: Session) -> None:
    from agora.people.models import CollegeKey, Region

    for position, (slug, kind, names, descriptions, extra) in enumerate(SPACES):
        region = db.execute(select(Region).where(Region.slug == extra["region"])).scalar_one() \
            if "region" in extra else None
        db.add(ForumSpace(slug=slug, kind=kind, names=names, descriptions=descriptions, position=position,
                          region_id=region.id if region else None,
                          college=CollegeKey(extra["college"]) if "college" in extra else None,
                          sector=extra.get("sector")))
    db.flush()


def _thread(db: Session, space_slug: str, author: str, title: str, body: str, language: str,
            replies: list[tuple[str, str]]) -> str:
    principal = _principal(db, author)
    space = forums.access_space(db, principal, space_slug)
    thread = forums.start_thread(db, principal, space, title, body, language)
    for email, text in replies:
        replier = _principal(db, email)
        forums.reply(db, replier, forums.access_thread(db, replier, thread.id, for_update=True), text)
    return thread.id


def _proposal(db: Session, author: str, title: str, body: str, language: str, scope: tuple[str, str] = ("", ""),
              theme: str | None = None, source_thread: str | None = None) -> Proposal:
    principal = _principal(db, author)
    draft = proposals.check_draft(title, body, language, parse_scope(db, *scope), theme)
    return proposals.create(db, principal, draft, publish_now=True, source_thread_id=source_thread)


def _support(db: Session, proposal: Proposal, crowd: list[Principal]) -> None:
    for principal in crowd:
        proposals.support(db, principal, access.access_proposal(db, principal, proposal.id, for_update=True))


@demo.loader
def load(db: Session) -> None:
    if db.execute(select(ForumSpace.id).limit(1)).first() is not None:
        return
    admin = "admin@demo.agora.coop"
    moderation.save_settings(db, 0, 1000, 1, actor_id=None)  # the demo writes fast; normal limits restored below
    proposals.save_settings(db, _principal(db, admin), "absolute", "8", "1")
    _spaces(db)
    crowd = _crowd(db, 40)

    repair = _thread(db, "entraide", "member.fr@demo.agora.coop", "Un atelier de réparation d'outils ?",
                     "Beaucoup d'entre nous ont des outils en panne. Et si on organisait un **atelier de réparation** "
                     "une fois par mois, dans les bureaux régionaux ?",
                     "fr", [("relay.liege@demo.agora.coop", "Le bureau de Liège peut accueillir ça le samedi."),
                            ("client@demo.agora.coop", "Bonne idée, je viendrais avec mes machines à coudre.")])
    _thread(db, "antwerpen", "member.nl@demo.agora.coop", "Kantoor Antwerpen: parkeren voor fietsen",
            "Er is te weinig plaats voor fietsen aan het kantoor. Kunnen we een fietsenrek vragen?", "nl",
            [("relay.antwerpen@demo.agora.coop", "Ik neem het mee naar de volgende vergadering.")])
    _thread(db, "eupen", "member.de@demo.agora.coop", "Informationsabend auf Deutsch",
            "Könnten wir die vierteljährliche Informationsversammlung auch auf Deutsch abhalten?", "de",
            [("relay.eupen@demo.agora.coop", "Ja, ich organisiere das für März.")])
    _thread(db, "gouvernance", "ethics@demo.agora.coop", "Comment mieux préparer l'AG ?",
            "Les réunions décentralisées ont bien fonctionné l'an dernier. Que faudrait-il améliorer ?", "fr",
            [("member.nl@demo.agora.coop", "Meer tijd voor vragen, alstublieft."),
             ("member.de@demo.agora.coop", "Die Unterlagen früher verschicken.")])
    spam_thread = _thread(db, "arts", "person0042@demo.agora.coop", "Matériel de scène à prêter",
                          "J'ai des projecteurs à prêter pour vos spectacles.", "fr",
                          [("person0043@demo.agora.coop", "Achetez des montres pas chères sur mon site !")])

    # A thread that became a proposal, with supports beyond its threshold, on the agenda.
    workshop = _proposal(db, "member.fr@demo.agora.coop", "Un atelier de réparation mensuel dans chaque région",
                         "Chaque bureau régional accueille un **atelier de réparation** un samedi par mois.\n\n"
                         "- outils partagés\n- entraide entre métiers\n- moins de déchets", "fr",
                         theme="solidarity", source_thread=repair)
    forums.linked_to_proposal(db, _principal(db, "member.fr@demo.agora.coop"), repair, workshop.id)
    proposals.save_translation(db, _principal(db, "member.nl@demo.agora.coop"), workshop, "nl",
                               "Een maandelijks repaircafé in elke regio",
                               "Elk regionaal kantoor organiseert één zaterdag per maand een **repaircafé**.")
    _support(db, workshop, crowd[:10])
    proposals.put_on_agenda(db, _principal(db, admin), workshop, "Assemblée générale du 13 juin 2027")

    # Collecting supports, with an amendment, arguments for and against, and a German translation.
    bikes = _proposal(db, "member.nl@demo.agora.coop", "Fietsvergoeding voor alle leden",
                      "Leden die met de fiets naar klanten gaan, krijgen een vergoeding per kilometer.", "nl",
                      scope=("college", "members"), theme="work")
    proposals.save_translation(db, _principal(db, "member.de@demo.agora.coop"), bikes, "de",
                               "Fahrradpauschale für alle Mitglieder",
                               "Mitglieder, die mit dem Fahrrad zu Kunden fahren, erhalten eine Kilometerpauschale.")
    _support(db, bikes, crowd[10:15])
    amendment = proposals.propose_amendment(
        db, _principal(db, "relay.antwerpen@demo.agora.coop"), bikes, bikes.title,
        "Leden die met de fiets of het openbaar vervoer naar klanten gaan, krijgen een vergoeding per kilometer.",
        "Ook het openbaar vervoer verdient steun.")
    proposals.decide_amendment(db, _principal(db, "member.nl@demo.agora.coop"), bikes, amendment, True, "")
    pro = proposals.add_comment(db, _principal(db, "relay.eupen@demo.agora.coop"), bikes,
                                "Gut für die Umwelt und für die Gesundheit.", "for")
    contra = proposals.add_comment(db, _principal(db, "client@demo.agora.coop"), bikes,
                                   "Qui paie ? Le budget des frais est déjà serré.", "against")
    proposals.add_comment(db, _principal(db, "member.nl@demo.agora.coop"), bikes,
                          "Een plafond per maand kan het budget beschermen.", "neutral", contra.id)
    for principal in crowd[15:20]:
        proposals.support_comment(db, principal, bikes, pro, True)
    for principal in crowd[20:22]:
        proposals.support_comment(db, principal, bikes, contra, True)

    # Answered by the board.
    evening = _proposal(db, "member.de@demo.agora.coop", "Abendsprechstunden in Eupen",
                        "Das Büro in Eupen sollte einmal pro Woche bis 20 Uhr geöffnet sein.", "de",
                        scope=("region", "eupen"), theme="services")
    _support(db, evening, crowd[22:32])
    proposals.put_on_agenda(db, _principal(db, admin), evening, "Consultation « Horaires des bureaux »")
    proposals.send_to_board(db, _principal(db, admin), evening, "Rapport au CA n° 2027-04")
    proposals.answer(db, _principal(db, "board@demo.agora.coop"), evening, "partly_accepted",
                     "Der Verwaltungsrat stimmt einer Öffnung bis 19 Uhr am Donnerstag zu, zunächst für ein Jahr.")

    # Just published, in French, for artists.
    _support(db, _proposal(db, "client@demo.agora.coop", "Un fonds pour le matériel de scène partagé",
                           "Un fonds commun pour acheter du matériel de scène prêté aux membres du secteur.", "fr",
                           scope=("sector", "arts"), theme="tools"), crowd[32:35])

    # The moderation log is never empty in the demo.
    spam = forums.posts_page(db, _principal(db, admin), forums.access_thread(db, _principal(db, admin), spam_thread), 1)
    advert = spam.posts[-1]
    moderation.flag(db, _principal(db, "member.fr@demo.agora.coop"), "forum_post", advert.id, "Publicité")
    moderation.act(db, _principal(db, "moderator@demo.agora.coop"), "forum_post", advert.id, "hide",
                   "Publicité sans rapport avec la coopérative.")
    moderation.save_settings(db, 0, 10, 5, actor_id=None)
