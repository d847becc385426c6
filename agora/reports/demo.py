"""Demo reports (`agora demo`): the closed binding consultation reported to the board and answered,
and the most supported proposal's report submitted and waiting on the board's desk."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from agora import demo
from agora.consultations import demo as consultations_demo
from agora.consultations.models import Consultation, Status
from agora.deliberation import demo as deliberation_demo
from agora.people.models import Person
from agora.proposals.models import Proposal, ProposalStatus
from agora.reports import services
from agora.reports.builders import SourceNotFound, SourceNotReady
from agora.reports.models import Report
from agora.web.endpoint import Problem, load_principal

# Their loaders run first (registered on import): the reports are built from what they made.
SOURCES = (consultations_demo.load, deliberation_demo.load)

SUMMARY = {
    "fr": "Les coopérateurs approuvent l'affectation au fonds de solidarité ; la modification des statuts "
          "n'a pas atteint son quorum et demande une seconde consultation.",
    "nl": "De vennoten keuren de bestemming voor het solidariteitsfonds goed; de statutenwijziging haalde "
          "haar quorum niet en vraagt een tweede raadpleging.",
    "de": "Die Genossenschafter stimmen der Zuweisung an den Solidaritätsfonds zu; die Satzungsänderung hat "
          "ihr Quorum nicht erreicht und erfordert eine zweite Befragung.",
}
RECOMMENDATIONS = [
    {"fr": "Organiser une seconde consultation sur l'article 12.", "nl": "Een tweede raadpleging over artikel 12 "
     "organiseren.", "de": "Eine zweite Befragung zu Artikel 12 durchführen."},
]
ANSWER = {
    "fr": "Le CA applique l'affectation votée et convoque une seconde consultation sur l'article 12 au printemps.",
    "nl": "De raad van bestuur voert de gestemde bestemming uit en organiseert in de lente een tweede "
          "raadpleging over artikel 12.",
    "de": "Der Verwaltungsrat setzt die beschlossene Zuweisung um und beruft im Frühjahr eine zweite Befragung "
          "zu Artikel 12 ein.",
}


def _principal(db: Session, email: str):  # type: ignore[no-untyped-def]
    person = db.execute(select(Person).where(Person.email == email)).scalar_one()
    return load_principal(db, person)


@demo.loader
def load(db: Session) -> None:
    if db.execute(select(Report.id).limit(1)).first() is not None:
        return
    admin, board = _principal(db, "admin@demo.agora.coop"), _principal(db, "board@demo.agora.coop")
    closed = db.execute(select(Consultation).where(Consultation.status == Status.CLOSED)
                        .order_by(Consultation.closed_at)).scalars().first()
    try:
        if closed is not None:
            report = services.create(db, admin, "consultation", closed.id, "fr", SUMMARY, RECOMMENDATIONS)
            services.submit(db, admin, report)
            services.acknowledge(db, board, report)
            services.answer(db, board, report, "partly_accepted", ANSWER)
        # One still collecting supports, so that the demo proposals keep their statuses.
        proposal = db.execute(select(Proposal).where(Proposal.status.in_([ProposalStatus.PUBLISHED,
                                                                          ProposalStatus.THRESHOLD_REACHED]))
                              .order_by(Proposal.supports_count.desc())).scalars().first()
        if proposal is not None:
            report = services.create(db, admin, "proposal", proposal.id, proposal.language,
                                     {proposal.language: "Proposition largement soutenue, transmise pour décision."
                                      if proposal.language == "fr" else "Breed gesteund voorstel, ter beslissing."})
            services.submit(db, admin, report)
    except (Problem, SourceNotFound, SourceNotReady):
        return  # a demo without those sources simply has fewer reports
