"""`voting.question_specs`: a ballot checks its answers against questions this process keeps once the
consultation has left draft (bench/README.md: reading them for every ballot was the largest single
cost of casting) — and never keeps a draft's, which can still change."""

from __future__ import annotations

from sqlalchemy import event, select

from agora.consultations import services, voting
from agora.consultations.models import Option, Question
from agora.people.models import Person
from tests.consultations.support import ANSWERS, caller, create, opened, vote


def _statements(database):
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(database.engine, "before_cursor_execute", count)
    return seen, lambda: event.remove(database.engine, "before_cursor_execute", count)


def test_once_kept_a_ballot_reads_no_question(client, database, settings):
    admin, other = caller(database, roles=["admin"]), caller(database, roles=["admin"])
    first, second = caller(database), caller(database)
    cid = opened(client, admin, other)
    voting.question_specs.clear()
    assert vote(client, cid, first).status_code == 200  # reads the questions, keeps them
    db = database.session(write=True)
    try:
        seen, stop = _statements(database)
        try:
            cast = voting.cast(db, cid, db.get(Person, second.id), ANSWERS, secret_key=settings.secret_key)
        finally:
            stop()
        db.commit()
    finally:
        db.close()
    assert cast.tracking_code
    assert not [s for s in seen if "consultation_questions" in s or "consultation_options" in s]


def test_kept_questions_still_refuse_a_wrong_answer(client, database):
    admin, other = caller(database, roles=["admin"]), caller(database, roles=["admin"])
    first, second = caller(database), caller(database)
    cid = opened(client, admin, other)
    assert vote(client, cid, first).status_code == 200
    wrong = vote(client, cid, second, {**ANSWERS, "q2": "z"})
    assert wrong.status_code == 422
    assert wrong.json()["error"]["question"] == "q2"
    assert vote(client, cid, second, {**ANSWERS, "q3": ["a", "b", "c"]}).json()["error"]["reason"] == \
        "too_many_choices"


def test_a_drafts_questions_are_read_again_every_time(client, database):
    admin = caller(database, roles=["admin"])
    cid = create(client, admin)["id"]
    voting.question_specs.clear()
    db = database.session(write=True)
    try:
        draft = services.get(db, cid)
        before = voting.question_specs.specs(db, draft.id, draft.status)
        q2 = db.execute(select(Question).where(Question.consultation_id == cid, Question.ref == "q2")).scalar_one()
        db.add(Option(question_id=q2.id, key="c", labels={"fr": "c"}, position=9))
        db.flush()
        after = voting.question_specs.specs(db, draft.id, draft.status)
    finally:
        db.rollback()
        db.close()
    assert dict((s.ref, s.options) for s in before)["q2"] == ("a", "b")
    assert dict((s.ref, s.options) for s in after)["q2"] == ("a", "b", "c")
